//! `framing label` on small articles written for these tests, in every input kind, plus the
//! bad inputs the issue lists.

use super::{assert_fails, assert_ok, jsonl, stderr, stdout, Dir};
use serde_json::Value;

const P1: &str = "Russia became the first country to formally recognise the Taliban government on Thursday, a step officials in Moscow said would open the way to wheat, fuel and rail deals.";
const P2: &str = "Rights groups said the decision rewarded a government that bars girls from secondary school and women from most jobs, and urged other capitals not to follow Moscow's lead.";
const P3: &str = "Officials in Tashkent and Islamabad said they would study the decision, and diplomats in Beijing repeated that China respects the choices of the Afghan people.";

fn blank_line_article() -> String {
    format!(
        "Moscow Recognises the Taliban\n\nBy Anna Petrova\n\nUpdated 3 July 2025, 14:05 GMT\n\n\
         {P1}\n\nAdvertisement\n\n{P2}\n\nRead more: What recognition means\n\n{P3}\n\n\
         Photo: Officials at the ceremony in Kabul. (Reuters)\n\n{P2}\n\n\
         Россия признала правительство талибов.\n\nIt did.\n"
    )
}

fn prose_of(rows: &[Value]) -> Vec<&str> {
    rows.iter()
        .filter(|r| r["kind"] == "prose")
        .map(|r| r["text"].as_str().unwrap())
        .collect()
}

#[test]
fn txt_blank_lines_table_and_skip_reasons() {
    let d = Dir::new();
    let a = d.write("a.txt", blank_line_article());
    let out = d.run(&["label", a.to_str().unwrap()]);
    assert_ok(&out);
    let s = stdout(&out);
    assert!(s.contains("(3 paragraphs, "), "{s}");
    assert!(s.contains("dominant: frame"), "{s}");
    assert!(
        s.contains("== all articles: 1 read, 0 failed; 3 paragraphs labeled"),
        "{s}"
    );

    let out = d.run(&[
        "label",
        a.to_str().unwrap(),
        "--format",
        "jsonl",
        "--keep-skipped",
    ]);
    assert_ok(&out);
    let rows = jsonl(&stdout(&out));
    assert_eq!(prose_of(&rows), [P1, P2, P3]);
    let reasons: Vec<&str> = rows
        .iter()
        .filter(|r| r["kind"] == "skip")
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    for want in [
        "heading",
        "byline",
        "boilerplate",
        "navigation",
        "caption",
        "duplicate",
        "non-english",
        "too-short",
    ] {
        assert!(reasons.contains(&want), "no {want} in {reasons:?}");
    }
    let src = blank_line_article();
    for r in &rows {
        let (s, e) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        let slice: String = src.chars().skip(s).take(e - s).collect();
        assert_eq!(slice, r["text"].as_str().unwrap(), "offsets of {r}");
        if r["kind"] == "prose" {
            assert!(r["frame"].is_string() && r["stance_score"].is_number());
        }
    }
    let paragraphs: Vec<u64> = rows
        .iter()
        .filter(|r| r["kind"] == "prose")
        .map(|r| r["paragraph"].as_u64().unwrap())
        .collect();
    assert_eq!(paragraphs, [0, 1, 2]);
}

#[test]
fn line_per_paragraph_markdown_and_html_inputs() {
    let d = Dir::new();
    let dir = d.path("in");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("a.txt"),
        format!("Site | Home | World\nHeadline Of The Day\n{P1}\n{P2}\nShare this article\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("b.md"),
        format!("# A Heading\n\n{P2}\n\n- [related link](x)\n\n{P3}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("sub/c.html"),
        format!(
            "<html><head><title>T</title><script>var a='{P1}';</script></head><body>\
             <nav><a href=/>Home</a> <a href=/w>World</a></nav><article><h1>Title</h1>\
             <p>{}</p><figure><figcaption>A caption of the photo.</figcaption></figure>\
             <p>{P3}</p></article><footer>Copyright</footer></body></html>",
            P1.replace('\'', "&rsquo;")
        ),
    )
    .unwrap();
    std::fs::write(dir.join("ignored.bin"), b"\x00\x01").unwrap();
    let out = d.run(&[
        "label",
        dir.to_str().unwrap(),
        "--format",
        "jsonl",
        "--summary",
    ]);
    assert_ok(&out);
    let rows = jsonl(&stdout(&out));
    let articles: Vec<&str> = rows
        .iter()
        .filter(|r| r["kind"] == "article")
        .map(|r| r["article"].as_str().unwrap())
        .collect();
    assert_eq!(
        articles.len(),
        3,
        "directory walk in name order: {articles:?}"
    );
    assert!(articles[0].ends_with("a.txt") && articles[2].ends_with("c.html"));
    let by_article = |name: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["kind"] == "prose" && r["article"].as_str().unwrap().ends_with(name))
            .map(|r| r["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(by_article("a.txt"), [P1, P2]);
    assert_eq!(by_article("b.md"), [P2, P3]);
    assert_eq!(
        by_article("c.html"),
        [P1.replace('\'', "\u{2019}"), P3.to_string()]
    );
    let corpus = rows.last().unwrap();
    assert_eq!(corpus["kind"], "corpus");
    assert_eq!(corpus["articles_read"], 3);
    assert_eq!(corpus["paragraphs"], 6);
    let shares: f64 = corpus["frame_shares"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-3);
    assert!(corpus["dominant_stance"].is_string());
}

#[test]
fn jsonl_articles_from_stdin_and_bad_records() {
    let d = Dir::new();
    let input = format!(
        "{}\n{}\n{{\"id\": 3, \"text\": 5}}\nnot json\n{}\n\u{feff}\n\u{a0}\n",
        serde_json::json!({"id": "t1", "text": format!("{P1}\n\n{P2}")}),
        serde_json::json!({"id": "h1", "html": format!("<p>{P3}</p><p>Advertisement</p>")}),
        serde_json::json!({"id": "e1", "text": "   "}),
    );
    let out = d.run_stdin(&["label", "-", "--format", "jsonl"], &input);
    assert_fails(
        &out,
        1,
        &[
            "article text must be a string",
            "<stdin>:4",
            "empty article",
        ],
    );
    let rows = jsonl(&stdout(&out));
    let kinds: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["article"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("prose", "t1"),
            ("prose", "t1"),
            ("prose", "h1"),
            ("error", "3"),
            ("error", "<stdin>:4"),
            ("error", "e1")
        ]
    );
    assert!(
        stderr(&out).contains("5 articles read, 3 failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_files_give_error_records_and_the_run_continues() {
    let d = Dir::new();
    let good = d.write("1-good.txt", format!("{P1}\n\n{P2}\n"));
    let binary = d.write("2-binary.txt", b"\x7fELF\x00\x00binary".as_slice());
    let mut bytes = format!("{P3}\n\n").into_bytes();
    bytes.extend_from_slice(b"caf\xe9 ");
    bytes.extend_from_slice(P1.as_bytes());
    let latin1 = d.write("3-latin1.txt", bytes);
    let empty = d.write("4-empty.txt", "");
    let huge = d.write("5-huge.txt", "word ".repeat(10 << 20));
    let missing = d.path("6-missing.txt");
    std::os::unix::fs::symlink(d.path("nowhere"), &missing).unwrap();
    let out = d.run(&[
        "label",
        "--format",
        "jsonl",
        good.to_str().unwrap(),
        binary.to_str().unwrap(),
        latin1.to_str().unwrap(),
        empty.to_str().unwrap(),
        huge.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_fails(
        &out,
        1,
        &[
            "binary file",
            "invalid UTF-8",
            "empty article",
            "no prose paragraphs found",
            "cannot open",
            "6 articles read, 3 failed",
        ],
    );
    let rows = jsonl(&stdout(&out));
    let per: Vec<(String, &str)> = rows
        .iter()
        .map(|r| {
            let a = r["article"].as_str().unwrap();
            (
                a[a.rfind('/').map_or(0, |i| i + 1)..].to_string(),
                r["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per,
        [
            ("1-good.txt".to_string(), "prose"),
            ("1-good.txt".to_string(), "prose"),
            ("2-binary.txt".to_string(), "error"),
            ("3-latin1.txt".to_string(), "prose"),
            ("3-latin1.txt".to_string(), "prose"),
            ("4-empty.txt".to_string(), "error"),
            ("6-missing.txt".to_string(), "error"),
        ]
    );
    assert!(rows[4]["text"]
        .as_str()
        .unwrap()
        .starts_with("caf\u{fffd} "));
}

#[test]
fn csv_and_json_formats() {
    let d = Dir::new();
    let a = d.write("a.txt", blank_line_article());
    let out = d.run(&[
        "label",
        a.to_str().unwrap(),
        "--format",
        "csv",
        "--jobs",
        "1",
    ]);
    assert_ok(&out);
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "kind,article,paragraph,start,end,reason,frame,frame_score,stance,stance_score,text"
    );
    assert_eq!(lines.count(), 3);
    let out = d.run(&[
        "label",
        a.to_str().unwrap(),
        "--format",
        "json",
        "--keep-skipped",
    ]);
    assert_ok(&out);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let art = &v["articles"][0];
    assert_eq!(art["paragraphs"].as_array().unwrap().len(), 3);
    assert!(art["skipped"].as_array().unwrap().len() >= 8);
    assert_eq!(art["summary"]["paragraphs"], 3);
    assert_eq!(v["corpus"]["articles_read"], 1);
}

#[test]
fn missing_path_is_an_error_record() {
    let d = Dir::new();
    let out = d.run(&["label", "nope/article.txt", "--format", "jsonl"]);
    assert_fails(
        &out,
        1,
        &["nope/article.txt: cannot open", "1 articles read, 1 failed"],
    );
    assert_eq!(jsonl(&stdout(&out))[0]["kind"], "error");
}

#[test]
fn small_chunks_keep_input_order_and_every_record() {
    // With one article per chunk, labeling of each chunk overlaps with writing the one
    // before it; the output must be what one big chunk gives, record for record.
    let d = Dir::new();
    let mut paths = Vec::new();
    for i in 0..7 {
        let text = match i % 3 {
            0 => blank_line_article(),
            1 => format!("{P3}\n\n{P1}\n"),
            _ => String::new(),
        };
        paths.push(d.write(&format!("a{i}.txt"), text));
    }
    let args = |chunk: &'static str, jobs: &'static str| {
        let mut a = vec!["label", "--format", "jsonl", "--keep-skipped", "--summary"];
        a.extend(["--chunk", chunk, "--jobs", jobs]);
        a.extend(paths.iter().map(|p| p.to_str().unwrap()));
        a
    };
    let one = d.run(&args("1", "2"));
    let big = d.run(&args("100", "1"));
    assert_eq!(one.status.code(), big.status.code());
    assert_eq!(stdout(&one), stdout(&big));
    let rows = jsonl(&stdout(&one));
    let order: Vec<&str> = rows
        .iter()
        .filter(|r| r["kind"] == "article" || r["kind"] == "error")
        .map(|r| r["article"].as_str().unwrap())
        .collect();
    let want: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(order, want);
    assert_eq!(rows.last().unwrap()["articles_read"], 7);
}

/// Directories are searched through symbolic links (to files and to directories); a
/// directory with no article file is named in a warning, not passed over in silence.
#[cfg(unix)]
#[test]
fn directories_follow_symlinks_and_empty_ones_are_named() {
    use std::os::unix::fs::symlink;
    let d = Dir::new();
    let store = d.path("store");
    std::fs::create_dir_all(store.join("more")).unwrap();
    std::fs::write(store.join("a.txt"), blank_line_article()).unwrap();
    std::fs::write(store.join("more/b.txt"), blank_line_article()).unwrap();
    let corpus = d.path("corpus");
    std::fs::create_dir(&corpus).unwrap();
    symlink(store.join("a.txt"), corpus.join("linked.txt")).unwrap();
    symlink(store.join("more"), corpus.join("linked-dir")).unwrap();
    let out = d.run(&["label", "corpus", "--format", "jsonl"]);
    assert_ok(&out);
    let articles: Vec<String> = jsonl(&stdout(&out))
        .iter()
        .filter_map(|r| r["article"].as_str().map(str::to_string))
        .collect();
    assert!(
        articles.iter().any(|a| a.ends_with("linked.txt")),
        "{articles:?}"
    );
    assert!(
        articles.iter().any(|a| a.ends_with("linked-dir/b.txt")),
        "{articles:?}"
    );
    assert!(stderr(&out).contains("2 articles read"), "{}", stderr(&out));

    std::fs::create_dir(d.path("empty")).unwrap();
    std::fs::write(d.path("empty/notes.pdf"), "%PDF").unwrap();
    let out = d.run(&["label", "empty", "--format", "jsonl"]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("empty: no article files in this directory"),
        "{err}"
    );
}
