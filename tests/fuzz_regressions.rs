//! The fuzz targets' invariants, run in the normal test suite on every seed
//! (`fuzz/seeds/<target>/`) and on every input a fuzzing campaign ever failed on
//! (`fuzz/regressions/<target>/`). The checks are the fuzz crate's own functions,
//! included from `fuzz/src/lib.rs`, so a regression file fails here exactly as it did
//! under libFuzzer until its bug is fixed.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `check` on every file in the target's seed and regression folders; returns how
/// many it ran.
fn run(target: &str, check: fn(&[u8])) -> usize {
    let mut n = 0;
    for dir in ["seeds", "regressions"] {
        let d = root().join("fuzz").join(dir).join(target);
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let bytes = fs::read(&f).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&bytes));
            assert!(outcome.is_ok(), "{} fails its invariants", f.display());
            n += 1;
        }
    }
    n
}

#[test]
fn text_pipeline_seeds_and_regressions() {
    assert!(run("text_pipeline", checks::check_text_pipeline) >= 10);
}

#[test]
fn article_reader_seeds_and_regressions() {
    assert!(run("article_reader", checks::check_article_reader) >= 5);
}

#[test]
fn model_file_seeds_and_regressions() {
    assert!(run("model_file", checks::check_model_file) >= 4);
}

#[test]
fn data_readers_seeds_and_regressions() {
    assert!(run("data_readers", checks::check_data_readers) >= 5);
}

/// Writes the model loader's seeds (they need a real model's bytes). Run with
/// `cargo test -p framing --test fuzz_regressions -- --ignored` after a format change.
#[test]
#[ignore]
fn write_model_seeds() {
    let d = root().join("fuzz/seeds/model_file");
    fs::create_dir_all(&d).unwrap();
    let base = checks::small_model_bytes();
    use checks::HEADER_LEN_AT;
    let with = |mode: u8, payload: &[u8]| [&[mode][..], payload].concat();
    fs::write(d.join("whole"), with(0, base)).unwrap();
    let header_len =
        u64::from_le_bytes(base[HEADER_LEN_AT..HEADER_LEN_AT + 8].try_into().unwrap()) as usize;
    fs::write(
        d.join("header"),
        with(2, &base[HEADER_LEN_AT + 8..HEADER_LEN_AT + 8 + header_len]),
    )
    .unwrap();
    // Edits: flip a byte in the header, one in the vocabulary, one in the weights; then cut
    // 1/16 off the end.
    let mut edits = Vec::new();
    for (at, x) in [
        (40u32, 0x20u8),
        (base.len() as u32 / 2, 1),
        (base.len() as u32 - 20, 0x80),
    ] {
        edits.extend_from_slice(&at.to_le_bytes());
        edits.push(x);
    }
    fs::write(d.join("edits-resealed"), with(1, &edits)).unwrap();
    fs::write(d.join("edits-checksum-kept"), with(3, &edits)).unwrap();
    edits.push(64);
    fs::write(d.join("truncated"), with(3, &edits)).unwrap();
}
