//! The article reader against its fixtures: `labeled-data/articles/` holds corpus articles
//! rendered as scraped pages (txt and HTML, several layouts), and `manifest.jsonl` lists the
//! corpus paragraphs each one contains. The prose blocks the reader finds are scored against
//! those paragraphs (exact text match).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use framing::article::{Article, BlockKind, ReaderParams, SourceKind};
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../labeled-data");

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn prose_f1_on_the_article_fixtures() {
    let root = Path::new(ROOT);
    let corpus: HashMap<String, String> = jsonl(&root.join("recognition-debate.jsonl"))
        .into_iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let manifest = jsonl(&root.join("articles/manifest.jsonl"));
    assert!(manifest.len() >= 40, "{} fixtures", manifest.len());
    let (mut tp, mut fp, mut fnn) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for m in &manifest {
        let file = m["file"].as_str().unwrap();
        let path = root.join("articles").join(file);
        let source = std::fs::read_to_string(&path).unwrap();
        let ext = path.extension().unwrap().to_str().unwrap();
        let kind = SourceKind::from_extension(ext).unwrap();
        let article = Article::read(&source, kind, &ReaderParams::default());
        let expected: Vec<&str> = m["prose_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| corpus[id.as_str().unwrap()].as_str())
            .collect();
        let want: HashSet<&str> = expected.iter().copied().collect();
        let got: Vec<&str> = article.prose().map(|b| b.text.as_str()).collect();
        let hits: HashSet<&str> = got.iter().copied().filter(|t| want.contains(t)).collect();
        tp += hits.len();
        fp += got.len() - got.iter().filter(|t| want.contains(*t)).count();
        fnn += want.len() - hits.len();
        for t in got.iter().filter(|t| !want.contains(*t)) {
            failures.push(format!("{file}: extra prose: {}", &t[..t.len().min(90)]));
        }
        for t in want.iter().filter(|t| !hits.contains(*t)) {
            let found = article.blocks.iter().find(|b| b.text == *t);
            failures.push(format!(
                "{file}: missed ({:?}): {}",
                found.map(|b| b.kind),
                &t[..t.len().min(90)]
            ));
        }
        // Offsets: the source slice holds the block (HTML may encode entities, so check
        // plain-text fixtures exactly and HTML ones by the first word).
        for b in &article.blocks {
            let slice: String = source.chars().skip(b.start).take(b.end - b.start).collect();
            if kind == SourceKind::Html {
                let first: String = b.text.chars().take(1).collect();
                assert!(
                    slice.starts_with(&first) || slice.starts_with('&'),
                    "{file}: offsets {}..{} miss {first:?}",
                    b.start,
                    b.end
                );
            } else {
                assert_eq!(
                    slice.split_whitespace().collect::<Vec<_>>().join(" "),
                    b.text,
                    "{file}: offsets {}..{}",
                    b.start,
                    b.end
                );
            }
        }
        assert!(
            article.blocks.iter().any(|b| b.kind != BlockKind::Prose),
            "{file}: no noise found"
        );
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fnn).max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall);
    println!("prose F1 {f1:.4} (precision {precision:.4}, recall {recall:.4}; tp {tp}, fp {fp}, fn {fnn})");
    for f in &failures {
        println!("  {f}");
    }
    assert!(
        f1 >= 0.97,
        "prose F1 {f1:.4} < 0.97; first problems:\n{}",
        failures
            .iter()
            .take(400)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
