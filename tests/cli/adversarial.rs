//! Hostile inputs, table-driven: each case states what must happen (a correct result or a
//! clear error), and none may panic. Sizes are scaled so the debug-build suite stays fast;
//! the full-size variants are run against the release binary in the benchmarks' notes.

use super::{jsonl, stderr, stdout, Dir};

struct Case {
    name: &'static str,
    input: Vec<u8>,
    /// Expected exit code.
    code: i32,
    /// Expected number of output records.
    records: usize,
    /// Fragments stderr must contain.
    stderr_has: &'static [&'static str],
}

fn line(text: &str) -> String {
    format!("{}\n", serde_json::json!({ "text": text }))
}

fn predict_cases() -> Vec<Case> {
    let nested = format!(
        "{{\"text\":\"x\",\"deep\":{}{}}}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    vec![
        Case {
            name: "long JSON string (1 MB)",
            input: line(&"recognition ".repeat(90_000)).into_bytes(),
            code: 0,
            records: 1,
            stderr_has: &[],
        },
        Case {
            name: "100,000 copies of one word",
            input: line(&"kabul ".repeat(100_000)).into_bytes(),
            code: 0,
            records: 1,
            stderr_has: &[],
        },
        Case {
            name: "only punctuation",
            input: line("!!! ... ??? --- ;;; «»").into_bytes(),
            code: 0,
            records: 1,
            stderr_has: &[],
        },
        Case {
            name: "zero-width and bidi controls",
            input: line("Kab\u{200b}ul\u{202e} recognizes\u{2066} trade\u{feff}").into_bytes(),
            code: 0,
            records: 1,
            stderr_has: &[],
        },
        Case {
            name: "mixed scripts",
            input: line("Москва 承认 طالبان recognition 2025").into_bytes(),
            code: 0,
            records: 1,
            stderr_has: &[],
        },
        Case {
            name: "escaped NUL",
            input: line("nul\u{0}inside").into_bytes(),
            code: 0,
            records: 1,
            stderr_has: &[],
        },
        Case {
            name: "empty text",
            input: line("").into_bytes(),
            code: 0,
            records: 1,
            stderr_has: &[],
        },
        Case {
            name: "UTF-8 BOM and CRLF",
            input: format!(
                "\u{feff}{}\r\n{}\r\n",
                line("first").trim_end(),
                line("second").trim_end()
            )
            .into_bytes(),
            code: 0,
            records: 2,
            stderr_has: &[],
        },
        Case {
            name: "deeply nested JSON",
            input: nested.into_bytes(),
            code: 1,
            records: 1,
            stderr_has: &["recursion limit"],
        },
        Case {
            name: "duplicate ids",
            input: "{\"id\":1,\"text\":\"a\"}\n{\"id\":1,\"text\":\"b\"}\n".into(),
            code: 0,
            records: 2,
            stderr_has: &[],
        },
        Case {
            name: "20,000 tiny paragraphs",
            input: (0..20_000)
                .map(|i| line(&format!("p{i}")))
                .collect::<String>()
                .into_bytes(),
            code: 0,
            records: 20_000,
            stderr_has: &[],
        },
        Case {
            name: "raw NUL and invalid UTF-8 in plain-text mode",
            input: b"plain\x00text\nbad \xff byte\n".to_vec(),
            code: 1,
            records: 2,
            stderr_has: &["in.jsonl:2: invalid UTF-8"],
        },
    ]
}

#[test]
fn hostile_predict_inputs() {
    let d = Dir::new();
    let model = d.trained();
    for case in predict_cases() {
        let input = d.write("in.jsonl", &case.input);
        let mut args = vec![
            "predict",
            "--model",
            model.to_str().unwrap(),
            input.to_str().unwrap(),
        ];
        if case.name.contains("plain-text") {
            args.extend(["--input-format", "text"]);
        }
        let out = d.run(&args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{}: panic\n{err}", case.name);
        assert_eq!(out.status.code(), Some(case.code), "{}: {err}", case.name);
        assert_eq!(jsonl(&stdout(&out)).len(), case.records, "{}", case.name);
        for s in case.stderr_has {
            assert!(err.contains(s), "{}: stderr lacks {s:?}:\n{err}", case.name);
        }
    }
}

#[test]
fn bom_on_stdin_is_still_json_lines() {
    let d = Dir::new();
    let model = d.trained();
    let input = "\u{feff}{\"id\":\"a\",\"text\":\"first\"}\n{\"id\":\"b\",\"text\":\"second\"}\n";
    let out = d.run_stdin(&["predict", "--model", model.to_str().unwrap()], input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl(&stdout(&out));
    assert_eq!(rows.len(), 2);
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        ids,
        ["a", "b"],
        "records read as JSON Lines despite the BOM"
    );
}

#[test]
fn hostile_articles() {
    let d = Dir::new();
    let prose = "Russia became the first country to formally recognise the Taliban government, a step officials said would open the way to trade and security cooperation with Kabul.";
    let cases: Vec<(&str, Vec<u8>, i32, usize)> = vec![
        (
            "lone-cr.txt",
            format!("Title\r{prose}\r\r{prose} Again.\r").into_bytes(),
            0,
            2,
        ),
        ("bom.txt", format!("\u{feff}{prose}\n").into_bytes(), 0, 1),
        (
            "bidi.txt",
            format!("\u{202e}{prose}\u{202c}\n").into_bytes(),
            0,
            1,
        ),
        ("nul.txt", format!("{prose}\0\n").into_bytes(), 1, 0),
        (
            "deep.html",
            format!(
                "{}<p>{prose}</p>{}",
                "<div>".repeat(50_000),
                "</div>".repeat(50_000)
            )
            .into_bytes(),
            0,
            1,
        ),
        (
            "unclosed.html",
            format!("<p>{prose}<p>{prose} More.<div><span><a href=x>").into_bytes(),
            0,
            2,
        ),
        (
            "tiny.txt",
            (0..100_000)
                .map(|i| format!("w{i}\n"))
                .collect::<String>()
                .into_bytes(),
            0,
            0,
        ),
        (
            "mixed.txt",
            format!(
                "{prose}\n\nМосква признала правительство талибов первой из всех стран мира.\n"
            )
            .into_bytes(),
            0,
            1,
        ),
    ];
    for (name, bytes, code, prose_records) in cases {
        let p = d.write(name, &bytes);
        let out = d.run(&["label", p.to_str().unwrap(), "--format", "jsonl"]);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{name}: panic\n{err}");
        assert_eq!(out.status.code(), Some(code), "{name}: {err}");
        let rows = jsonl(&stdout(&out));
        let prose_rows = rows.iter().filter(|r| r["kind"] == "prose").count();
        assert_eq!(prose_rows, prose_records, "{name}: {rows:?}");
        assert!(
            err.contains("1 articles read"),
            "{name}: accounting missing:\n{err}"
        );
    }
}

/// Runs framing under GNU time when it is installed; returns the output and the peak RSS
/// in MB (0 when unknown).
fn run_measured(
    d: &Dir,
    args: &[&str],
    stdin: Option<&std::path::Path>,
) -> (std::process::Output, u64) {
    let time = std::path::Path::new("/usr/bin/time");
    let rss_file = d.path("rss.txt");
    let mut cmd = if time.exists() {
        let mut c = std::process::Command::new(time);
        c.args(["-f", "%M", "-o", rss_file.to_str().unwrap()])
            .arg(env!("CARGO_BIN_EXE_framing"));
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_framing"))
    };
    cmd.args(args).current_dir(d.path(""));
    if let Some(p) = stdin {
        cmd.stdin(std::fs::File::open(p).unwrap());
    }
    let out = cmd.output().unwrap();
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.trim().lines().last().and_then(|l| l.parse::<u64>().ok()))
        .map_or(0, |kb| kb / 1024);
    (out, rss)
}

/// The full-size hostile inputs of the robustness brief: each gives the right number of
/// records, no panic, and memory far below the input's size times any constant that
/// would matter (bounded: the featurizer looks n-grams up in fixed-size batches, readers
/// stream).
#[test]
fn full_size_hostile_inputs_stay_bounded() {
    let d = Dir::new();
    let model = d.trained();
    let model = model.to_str().unwrap();
    let word = "recognition ";
    // A 50 MB single line, as plain text to `predict` (one paragraph, one record) and as
    // an article to `label` (too long to be a paragraph: skipped, not lost).
    let big = d.write("big.txt", word.repeat(50 * (1 << 20) / word.len()));
    let (out, rss) = run_measured(
        &d,
        &[
            "predict",
            "--model",
            model,
            "big.txt",
            "--input-format",
            "text",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(jsonl(&stdout(&out)).len(), 1);
    assert!(rss < 1024, "predict on a 50 MB line peaked at {rss} MB");
    let (out, rss) = run_measured(
        &d,
        &[
            "label",
            "--model",
            model,
            "big.txt",
            "--format",
            "jsonl",
            "--keep-skipped",
        ],
        None,
    );
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("1 articles read"), "{err}");
    assert!(rss < 1024, "label on a 50 MB line peaked at {rss} MB");
    drop(big);

    // One million tiny paragraphs, one per line: one million records, in order.
    let tiny: String = (0..1_000_000).map(|i| format!("w{i}\n")).collect();
    d.write("tiny.txt", tiny);
    let (out, rss) = run_measured(
        &d,
        &["predict", "--model", model, "tiny.txt", "--format", "csv"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.lines().count(),
        1_000_001,
        "header + one row per paragraph"
    );
    assert!(text.lines().last().unwrap().starts_with("999999,"));
    assert!(stderr(&out).contains("1000000 records read, 1000000 labeled, 0 failed"));
    assert!(rss < 512, "1M tiny paragraphs peaked at {rss} MB");

    // A JSON Lines record with a 10 MB string, between two ordinary records, on stdin.
    let mut input = String::from("{\"id\": \"a\", \"text\": \"wheat\"}\n");
    input.push_str(&format!(
        "{{\"id\": \"big\", \"text\": \"{}\"}}\n",
        word.repeat(10 * (1 << 20) / word.len())
    ));
    input.push_str("{\"id\": \"c\", \"text\": \"fuel\"}\n");
    let p = d.write("big.jsonl", input);
    let (out, rss) = run_measured(&d, &["predict", "--model", model, "-"], Some(&p));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ids: Vec<String> = jsonl(&stdout(&out))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["a", "big", "c"]);
    assert!(rss < 512, "a 10 MB record peaked at {rss} MB");
}
