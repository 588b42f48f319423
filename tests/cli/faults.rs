//! Faults while running: a failing model write, Ctrl-C in the middle of a batch command,
//! and the accounting every batch command ends with.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{assert_fails, assert_ok, fixtures, stderr, Dir};

fn train_args<'a>(data: &'a Path, out: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out,
        "--min-df",
        "1",
    ]
}

/// A model write that fails part-way (here: the file size limit, as on a full disk) leaves
/// the previous model byte for byte, removes its temporary file, and says so.
#[test]
fn a_failed_model_write_keeps_the_previous_model() {
    let d = Dir::new();
    let data = d.write("train.jsonl", fixtures::labeled_jsonl());
    assert_ok(&d.run(&train_args(&data, "m.model")));
    let before = std::fs::read(d.path("m.model")).unwrap();
    assert!(before.len() > 4096);

    // Retrain with other settings under a 2 KB file size limit. SIGXFSZ is ignored so that
    // the write fails with an error (EFBIG) instead of killing the process.
    let mut args = train_args(&data, "m.model");
    args.extend(["--no-chars"]);
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 4; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_framing"))
        .args(&args)
        .current_dir(d.path(""))
        .output()
        .unwrap();
    assert_fails(&out, 2, &["m.model", "nothing was replaced"]);
    assert_eq!(std::fs::read(d.path("m.model")).unwrap(), before);
    let left: Vec<_> = std::fs::read_dir(d.path(""))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");

    // The same with a directory that does not exist: an error naming the path.
    let out = d.run(&train_args(&data, "no-such-dir/m.model"));
    assert_fails(&out, 2, &["no-such-dir/m.model"]);
}

/// Ctrl-C during `predict` on a live stream: the command stops at a record boundary,
/// writes out what it labeled (whole lines only), reports the accounting, and exits 130.
#[test]
fn sigint_stops_predict_at_a_record_boundary() {
    let d = Dir::new();
    let model = d.trained();
    let mut child = d.spawn(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--batch-size",
        "50",
        "-",
    ]);
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut r = BufReader::new(stdout);
        let mut line = Vec::new();
        while r.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            bytes.extend_from_slice(&line);
            let _ = tx.send(());
            line.clear();
        }
        bytes
    });
    for i in 0..200 {
        writeln!(
            stdin,
            "{{\"id\": \"r{i}\", \"text\": \"paragraph {i} on wheat and fuel\"}}"
        )
        .unwrap();
    }
    stdin.flush().unwrap();
    // Four batches of 50 come out; then interrupt while the command waits for more input.
    for _ in 0..200 {
        rx.recv_timeout(Duration::from_secs(30))
            .expect("output lines");
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // More input arrives after the signal: the command must not label it.
    std::thread::sleep(Duration::from_millis(200));
    for i in 200..260 {
        let _ = writeln!(
            stdin,
            "{{\"id\": \"r{i}\", \"text\": \"late paragraph {i}\"}}"
        );
    }
    let _ = stdin.flush();
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "did not stop promptly"
    );
    drop(stdin);
    let bytes = reader.join().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.ends_with('\n'), "output ends mid-line");
    let ids: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("complete JSON lines"))
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 200, "{} lines", ids.len());
    assert_eq!(
        ids[..200],
        (0..200).map(|i| format!("r{i}")).collect::<Vec<_>>()[..]
    );
    let err = stderr(&out);
    assert!(err.contains("interrupted"), "{err}");
    // The accounting matches what was written.
    let read: usize = err
        .split(": ")
        .last()
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no accounting in {err}"));
    assert_eq!(read, ids.len(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Ctrl-C while `predict` waits on an input that sends nothing: it still exits, with 130,
/// within the grace period, and its output so far is whole lines.
#[test]
fn sigint_while_blocked_on_input_exits_within_the_grace_period() {
    let d = Dir::new();
    let model = d.trained();
    let mut child = d.spawn(&["predict", "--model", model.to_str().unwrap(), "-"]);
    let _stdin = child.stdin.take().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("interrupted"));
}

/// Every batch command ends with its accounting, and read = written + failed when bad
/// records are mixed in (`label` over JSONL articles here; `predict` is checked in main.rs).
#[test]
fn label_accounting_adds_up_with_bad_records() {
    let d = Dir::new();
    let mut input = String::new();
    let para = "Moscow hopes that recognition will unlock fuel and wheat deals and a rail \
                corridor to Pakistan, officials in Kabul said on Friday after the talks.";
    for i in 0..30 {
        match i % 10 {
            3 => input.push_str("{not json\n"),
            7 => input.push_str(&format!("{{\"id\": \"a{i}\", \"text\": 42}}\n")),
            _ => input.push_str(&format!("{{\"id\": \"a{i}\", \"text\": \"{para}\"}}\n")),
        }
    }
    let out = d.run_stdin(&["label", "--format", "jsonl", "--summary", "-"], &input);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("30 articles read, 6 failed"), "{err}");
    let rows = super::jsonl(&super::stdout(&out));
    let errors = rows.iter().filter(|r| r.get("error").is_some()).count();
    let articles: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.get("error").is_none() && r.get("kind").is_some())
        .filter_map(|r| r["article"].as_str())
        .collect();
    assert_eq!(errors, 6);
    assert_eq!(articles.len() + errors, 30, "read = labeled + failed");
}
