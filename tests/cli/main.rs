//! Integration tests: run the real `framing` binary on small fixture files written into a
//! fresh temporary directory per test.

mod adversarial;
mod faults;
mod fixtures;
mod label;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A temporary directory plus helpers to write files and run the binary in it.
struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).expect("write fixture");
        p
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_framing"));
        c.current_dir(self.tmp.path());
        c.env("SOURCE_DATE_EPOCH", "1751500800");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run framing")
    }

    /// Starts framing with stdin, stdout and stderr all piped.
    fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn framing")
    }

    fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self.spawn(args);
        // The command may exit before reading its input (e.g. on a bad model): a closed
        // pipe here is not the test's concern.
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
        child.wait_with_output().expect("wait")
    }

    /// Runs `framing predict --model MODEL INPUT`.
    fn predict(&self, model: &Path, input: &Path) -> Output {
        self.run(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            input.to_str().unwrap(),
        ])
    }

    /// Trains the fixture model and returns its path.
    fn trained(&self) -> PathBuf {
        let data = self.write("train.jsonl", fixtures::labeled_jsonl());
        let out = self.run(&[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--out",
            "m.model",
            "--min-df",
            "1",
        ]);
        assert_ok(&out);
        self.path("m.model")
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "command failed ({:?})\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

/// Asserts a failure with exit code `code` whose stderr contains every one of `needles`.
fn assert_fails(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "stderr:\n{err}\nstdout:\n{}",
        stdout(o)
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "panic:\n{err}");
}

fn jsonl(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

#[test]
fn train_then_predict_jsonl_keeps_ids_order_and_count() {
    let d = Dir::new();
    let model = d.trained();
    let input = d.write(
        "in.jsonl",
        "{\"id\":\"a\",\"text\":\"Wheat and fuel contracts were signed for the rail corridor.\"}\n\
         \n\
         {\"text\":\"Girls remain barred from secondary school by decree.\"}\n\
         {\"id\":7,\"text\":\"\"}\n",
    );
    let out = d.predict(&model, &input);
    assert_ok(&out);
    let rows = jsonl(&stdout(&out));
    assert_eq!(rows.len(), 3, "blank line is not a record");
    assert_eq!(rows[0]["id"], "a");
    assert_eq!(rows[1]["id"], 1, "missing id becomes the record number");
    assert_eq!(rows[2]["id"], 7);
    assert_eq!(rows[0]["frame"], "economic-interest");
    assert_eq!(rows[1]["frame"], "human-rights");
    for r in &rows {
        let score = r["frame_score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        assert!(r["stance"].is_string() && r["stance_score"].is_number());
        assert!(r.get("frame_probs").is_none());
    }
    assert!(stderr(&out).contains("3 records read, 3 labeled, 0 failed"));
}

#[test]
fn probs_sum_to_one_and_csv_has_a_header() {
    let d = Dir::new();
    let model = d.trained();
    let m = model.to_str().unwrap();
    let input = "Fuel deals with Moscow\nWomen activists condemned the decree\n";
    let out = d.run_stdin(&["predict", "--model", m, "--probs"], input);
    assert_ok(&out);
    for r in jsonl(&stdout(&out)) {
        let sum: f64 = r["stance_probs"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-4, "{sum}");
    }
    let out = d.run_stdin(&["predict", "--model", m, "--format", "csv"], input);
    assert_ok(&out);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,frame,frame_score,stance,stance_score,error");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("0,economic-interest,"));
}

#[test]
fn predict_reports_malformed_lines_and_keeps_one_record_per_line() {
    let d = Dir::new();
    let model = d.trained();
    let mut input = String::new();
    let bad_lines = [10usize, 500, 999];
    for i in 1..=1000 {
        if bad_lines.contains(&i) {
            input.push_str("{\"text\": broken\n");
        } else {
            input.push_str(&format!(
                "{{\"id\":{i},\"text\":\"paragraph {i} about trade\"}}\n"
            ));
        }
    }
    let path = d.write("big.jsonl", input);
    let out = d.predict(&model, &path);
    assert_fails(
        &out,
        1,
        &[
            "big.jsonl:10: malformed JSON",
            "big.jsonl:500:",
            "big.jsonl:999:",
            "1000 records read, 997 labeled, 3 failed",
        ],
    );
    let rows = jsonl(&stdout(&out));
    assert_eq!(rows.len(), 1000);
    for (k, r) in rows.iter().enumerate() {
        let line = k + 1;
        if bad_lines.contains(&line) {
            let msg = r["error"].as_str().unwrap();
            assert!(
                msg.starts_with(&format!("line {line}: malformed JSON")),
                "{msg}"
            );
            assert_eq!(r["id"], k as u64);
        } else {
            assert_eq!(r["id"], line as u64);
            assert!(r["frame"].is_string());
        }
    }
}

#[test]
fn predict_rejects_non_string_text_and_invalid_utf8_per_record() {
    let d = Dir::new();
    let model = d.trained();
    let path = d.write(
        "mixed.jsonl",
        b"{\"text\":\"ok\"}\n{\"text\":42}\n{\"body\":\"x\"}\n{\"text\":\"\xff\"}\n[1,2]\n"
            .as_slice(),
    );
    let out = d.predict(&model, &path);
    assert_fails(
        &out,
        1,
        &[
            "mixed.jsonl:2: text field `text` must be a string, found a number",
            "mixed.jsonl:3: missing text field `text`",
            "mixed.jsonl:4: invalid UTF-8",
            "mixed.jsonl:5: expected a JSON object, found a list",
        ],
    );
    assert_eq!(jsonl(&stdout(&out)).len(), 5);
}

#[test]
fn eval_json_has_the_documented_shape() {
    let d = Dir::new();
    let model = d.trained();
    let data = d.write("test.jsonl", fixtures::labeled_jsonl());
    let out = d.run(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_ok(&out);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for head in ["frame", "stance"] {
        let h = &v["heads"][head];
        assert_eq!(h["n"], fixtures::N_ROWS as u64);
        assert!(
            h["accuracy"].as_f64().unwrap() > 0.9,
            "training-set accuracy"
        );
        assert!(h["macro_f1"].is_number());
        let labels = h["confusion"]["labels"].as_array().unwrap();
        let matrix = h["confusion"]["matrix"].as_array().unwrap();
        assert_eq!(labels.len(), matrix.len());
        for l in labels {
            let c = &h["classes"][l.as_str().unwrap()];
            for k in ["precision", "recall", "f1", "support"] {
                assert!(c[k].is_number(), "{head}/{l}/{k}");
            }
        }
    }
    let text = d.run(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_ok(&text);
    assert!(stdout(&text).contains("head frame: n=36"));
}

#[test]
fn cv_grouped_reports_folds_and_keeps_groups_together() {
    let d = Dir::new();
    let data = d.write("train.jsonl", fixtures::labeled_jsonl());
    let out = d.run(&[
        "cv",
        "--data",
        data.to_str().unwrap(),
        "--folds",
        "3",
        "--group-field",
        "doc",
        "--min-df",
        "1",
        "--format",
        "json",
    ]);
    assert_ok(&out);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["grouped"], true);
    for head in ["frame", "stance"] {
        let h = &v["heads"][head];
        assert_eq!(h["folds"].as_array().unwrap().len(), 3);
        assert_eq!(h["n"], fixtures::N_ROWS as u64);
        assert!(h["mean"]["macro_f1"].is_number() && h["std"]["accuracy"].is_number());
    }
    let grid = d.run(&[
        "cv",
        "--data",
        data.to_str().unwrap(),
        "--folds",
        "3",
        "-C",
        "1,10",
        "--min-df",
        "1",
    ]);
    assert_ok(&grid);
    assert!(stdout(&grid).contains("best C="));
}

#[test]
fn inspect_shows_metadata_and_readable_top_features() {
    let d = Dir::new();
    let model = d.trained();
    let out = d.run(&["inspect", model.to_str().unwrap(), "--top", "5"]);
    assert_ok(&out);
    let s = stdout(&out);
    assert!(s.contains("framing-model v2"), "{s}");
    assert!(s.contains("trained by framing"), "{s}");
    assert!(
        s.contains("2025-07-03T00:00:00Z"),
        "SOURCE_DATE_EPOCH is honoured: {s}"
    );
    assert!(
        s.contains("head frame: classes economic-interest, human-rights"),
        "{s}"
    );
    assert!(s.contains("sha256"), "{s}");
    let json = d.run(&["inspect", model.to_str().unwrap(), "--format", "json"]);
    assert_ok(&json);
    let v: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["heads"][0]["field"], "frame");
}

/// `--vocab-data` texts reach the vocabulary (and the model's provenance) without becoming
/// rows; `--split-hashtags` saves its word table and splits hashtags at prediction time;
/// `cv` takes both; a bad vocabulary file names its line.
#[test]
fn vocab_data_and_split_hashtags() {
    let d = Dir::new();
    let data = d.write("train.jsonl", fixtures::labeled_jsonl());
    let vocab = d.write(
        "unlabeled.jsonl",
        "{\"text\": \"Wheat exporters welcome the corridor\"}\n{\"text\": \"Schools stay shut for girls\"}\n",
    );
    let train = |extra: &[&str]| {
        let mut args = vec!["train", "--data", "train.jsonl", "--min-df", "1"];
        args.extend_from_slice(extra);
        let out = d.run(&args);
        assert_ok(&out);
        stdout(&out)
    };
    let words = |s: &str| -> u64 {
        let at = s.find("features: ").expect("features line") + "features: ".len();
        s[at..].split_whitespace().next().unwrap().parse().unwrap()
    };
    let plain = train(&["--out", "plain.model"]);
    let wide = train(&[
        "--out",
        "wide.model",
        "--vocab-data",
        vocab.to_str().unwrap(),
        "--split-hashtags",
    ]);
    assert!(words(&wide) > words(&plain), "{plain}\n{wide}");
    assert!(
        wide.contains("rows (vocabulary also from 2 texts)"),
        "{wide}"
    );
    let out = d.run(&["inspect", "wide.model"]);
    assert_ok(&out);
    let s = stdout(&out);
    assert!(
        s.contains(&format!("training:  {} rows", fixtures::N_ROWS)),
        "{s}"
    );
    assert!(
        s.contains("vocab    ") && s.contains("unlabeled.jsonl (2 texts"),
        "{s}"
    );
    assert!(s.contains("pipeline:  split hashtags ("), "{s}");
    // A split hashtag scores like its words: its frame's probability is higher than
    // without the stage, where the hashtag is one unknown word.
    train(&["--out", "tags.model", "--split-hashtags"]);
    let input = d.write(
        "in.jsonl",
        "{\"text\": \"#WheatExportersWelcomeTheCorridor\"}\n{\"text\": \"#girlsbarredfromschool\"}\n",
    );
    let probs = |model: &str| {
        let args = ["predict", "--model", model, "in.jsonl", "--probs"];
        let got = jsonl(&stdout(&d.run(&args)));
        let p0 = got[0]["frame_probs"]["economic-interest"].as_f64().unwrap();
        let p1 = got[1]["frame_probs"]["human-rights"].as_f64().unwrap();
        (p0, p1)
    };
    let (with, without) = (probs("tags.model"), probs("plain.model"));
    assert!(
        with.0 > without.0 + 0.05 && with.1 > without.1 + 0.05,
        "camelCase and segmented hashtags: {with:?} against {without:?}"
    );
    let cv = d.run(&[
        "cv",
        "--data",
        data.to_str().unwrap(),
        "--folds",
        "3",
        "--min-df",
        "1",
        "--vocab-data",
        vocab.to_str().unwrap(),
        "--split-hashtags",
    ]);
    assert_ok(&cv);
    let _ = input;
    let bad = d.write("bad.jsonl", "{\"text\": \"fine\"}\n{\"text\": 7}\n");
    let out = d.run(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        "x.model",
        "--vocab-data",
        bad.to_str().unwrap(),
    ]);
    assert_fails(&out, 2, &["bad.jsonl:2", "must be a string"]);
}

#[test]
fn training_is_reproducible_byte_for_byte() {
    let d = Dir::new();
    let a = std::fs::read(d.trained()).unwrap();
    let b = std::fs::read(d.trained()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn linfa_solver_trains_and_agrees_on_labels() {
    let d = Dir::new();
    let data = d.write("train.jsonl", fixtures::labeled_jsonl());
    let ds = data.to_str().unwrap();
    for (solver, out) in [("sparse", "s.model"), ("linfa", "l.model")] {
        let o = d.run(&[
            "train",
            "--data",
            ds,
            "--out",
            out,
            "--solver",
            solver,
            "--min-df",
            "1",
            "--no-chars",
            "--tol",
            "1e-7",
        ]);
        assert_ok(&o);
    }
    let a = d.run(&["predict", "--model", "s.model", ds]);
    let b = d.run(&["predict", "--model", "l.model", ds]);
    assert_ok(&a);
    assert_ok(&b);
    let labels = |o: &Output| -> Vec<String> {
        jsonl(&stdout(o))
            .iter()
            .map(|r| r["frame"].to_string())
            .collect()
    };
    assert_eq!(labels(&a), labels(&b));
}

#[test]
fn training_input_errors_name_file_line_and_problem() {
    let d = Dir::new();
    let good = fixtures::labeled_jsonl();
    /// (file name, content, extra arguments, expected stderr fragments)
    type Case<'a> = (&'a str, Vec<u8>, Vec<&'a str>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "malformed.jsonl",
            format!("{good}{{oops\n").into_bytes(),
            vec![],
            vec!["malformed.jsonl:37: malformed JSON"],
        ),
        (
            "notext.jsonl",
            format!("{good}{{\"text\":3,\"frame\":\"other\",\"stance\":\"neutral\"}}\n")
                .into_bytes(),
            vec![],
            vec!["notext.jsonl:37: text field `text` must be a string"],
        ),
        (
            "nolabel.jsonl",
            format!("{good}{{\"text\":\"x\",\"frame\":\"other\"}}\n").into_bytes(),
            vec![],
            vec!["nolabel.jsonl:37: missing label field `stance`"],
        ),
        (
            "empty.jsonl",
            Vec::new(),
            vec![],
            vec!["empty.jsonl", "empty"],
        ),
        (
            "oneclass.jsonl",
            b"{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\",\"label\":\"x\"}\n".to_vec(),
            vec!["--label", "label"],
            vec!["head `label`", "at least two classes"],
        ),
        (
            "single.jsonl",
            format!("{good}{{\"text\":\"x\",\"frame\":\"rare\",\"stance\":\"neutral\"}}\n")
                .into_bytes(),
            vec![],
            vec!["class `rare` has a single example", "single.jsonl:37"],
        ),
        (
            "utf8.jsonl",
            [
                good.as_bytes(),
                b"{\"text\":\"\xc3\x28\",\"frame\":\"a\",\"stance\":\"b\"}\n",
            ]
            .concat(),
            vec![],
            vec!["utf8.jsonl:37: invalid UTF-8"],
        ),
        (
            "bad.csv",
            b"text,label\n\"unterminated,x\n".to_vec(),
            vec!["--label", "label"],
            vec!["bad.csv"],
        ),
    ];
    for (name, content, extra, needles) in cases {
        let p = d.write(name, content);
        let mut args = vec!["train", "--data", p.to_str().unwrap(), "--out", "x.model"];
        args.extend(extra);
        let out = d.run(&args);
        assert_fails(&out, 2, &needles);
        assert!(
            !d.path("x.model").exists(),
            "{name}: no model may be written"
        );
    }
    let out = d.run(&[
        "train",
        "--data",
        "does-not-exist.jsonl",
        "--out",
        "x.model",
    ]);
    assert_fails(&out, 2, &["does-not-exist.jsonl"]);
}

#[test]
fn bad_model_files_are_clear_errors() {
    let d = Dir::new();
    let model = d.trained();
    let bytes = std::fs::read(&model).unwrap();
    let mut newer = bytes.clone();
    newer[14..18].copy_from_slice(&9u32.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("newer.model", newer, "version 9 is newer"),
        (
            "truncated.model",
            bytes[..bytes.len() / 2].to_vec(),
            "checksum mismatch",
        ),
        (
            "foreign.model",
            b"PK\x03\x04 zip file".to_vec(),
            "not a framing model",
        ),
        ("empty.model", Vec::new(), "not a framing model"),
    ];
    for (name, content, needle) in cases {
        let p = d.write(name, content);
        let out = d.run_stdin(&["predict", "--model", p.to_str().unwrap()], "text\n");
        assert_fails(&out, 2, &[name, needle]);
        assert!(stdout(&out).is_empty());
    }
    let out = d.run_stdin(&["predict", "--model", "missing.model"], "text\n");
    assert_fails(&out, 2, &["missing.model"]);
    // The cause is said once, though the error also carries it as its source.
    let err = stderr(&out);
    assert_eq!(err.matches("(os error 2)").count(), 1, "{err}");
}

#[test]
fn predict_output_to_a_closed_pipe_is_quiet() {
    let d = Dir::new();
    let model = d.trained();
    let mut input = String::new();
    for i in 0..20000 {
        input.push_str(&format!("paragraph {i} about wheat and fuel\n"));
    }
    let path = d.write("many.txt", input);
    let mut child = d
        .cmd()
        .args([
            "predict",
            "--model",
            model.to_str().unwrap(),
            path.to_str().unwrap(),
            "--batch-size",
            "64",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::{BufRead, BufReader};
        let mut first = String::new();
        let mut r = BufReader::new(child.stdout.take().unwrap());
        r.read_line(&mut first).unwrap();
        assert!(first.contains("\"id\":0"));
    }
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn report_output_to_a_closed_pipe_is_quiet() {
    // `inspect --top 3000` of the embedded model writes far more than a pipe holds.
    let d = Dir::new();
    let mut child = d
        .cmd()
        .args(["inspect", "--top", "3000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn help_teaches() {
    let d = Dir::new();
    let out = d.run(&["--help"]);
    assert_ok(&out);
    let s = stdout(&out);
    for needle in ["train", "eval", "cv", "predict", "inspect", "Examples"] {
        assert!(s.contains(needle), "{needle}");
    }
    let out = d.run(&["train", "--help"]);
    assert!(stdout(&out).contains("--char-ngrams"));
}
