//! `framing predict`: streams records from a file or stdin, labels them in parallel batches,
//! and writes exactly one output record per input record, in order, flushed per batch (so
//! it works as a `RDD.pipe` filter). Memory is bounded by the batch size.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, Result};
use framing::data::{parse_json_line, text_value};
use framing::{Model, Position};
use serde_json::Value;

use crate::args::{InputFormat, PredictArgs};
use crate::output::{writer_for, IdValue, RecordBuffer, RecordWriter};
use crate::{config, interrupt, Outcome};

/// One input record: its id and its text, or why it could not be read.
struct Item {
    id: IdValue,
    text: std::result::Result<String, String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Jsonl,
    Text,
}

fn mode_from_path(path: &Path) -> Option<Mode> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "jsonl" | "json" | "ndjson" => Some(Mode::Jsonl),
        "txt" | "text" => Some(Mode::Text),
        _ => None,
    }
}

/// Counts for the closing accounting line.
#[derive(Default)]
struct Tally {
    read: u64,
    written: u64,
    failed: u64,
}

/// Runs `framing predict`.
pub fn run(a: PredictArgs) -> Result<Outcome> {
    let (model, _) = config::load_model(a.model.as_deref())?;
    let stdin = a.input.as_os_str() == "-";
    let source = if stdin {
        "<stdin>".to_string()
    } else {
        a.input.display().to_string()
    };
    let mut reader: Box<dyn BufRead> = if stdin {
        Box::new(io::stdin().lock())
    } else {
        let f = File::open(&a.input).with_context(|| format!("cannot open {source}"))?;
        Box::new(BufReader::with_capacity(1 << 16, f))
    };
    let mut mode = match a.input_format {
        InputFormat::Jsonl => Some(Mode::Jsonl),
        InputFormat::Text => Some(Mode::Text),
        InputFormat::Auto if stdin => None,
        InputFormat::Auto => mode_from_path(&a.input),
    };
    let out = RecordBuffer::new(io::stdout().lock());
    let mut w = writer_for(a.format, out, a.probs);
    w.begin(&model)?;
    let mut tally = Tally::default();
    let batch_size = a.batch_size.max(1);
    let mut batch: Vec<Item> = Vec::with_capacity(batch_size);
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut interrupted = false;
    loop {
        if interrupt::requested() {
            interrupted = true;
            break;
        }
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {source}"))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mode = *mode.get_or_insert_with(|| {
            let body = buf.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&buf);
            if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                Mode::Jsonl
            } else {
                Mode::Text
            }
        });
        let record = tally.read;
        tally.read += 1;
        let mut item = parse(&buf, mode, record, line_no, &a.text_field, &a.id_field);
        if let Err(problem) = &item.text {
            eprintln!("framing: {source}:{line_no}: {problem}");
            item.text = Err(format!("line {line_no}: {problem}"));
        }
        batch.push(item);
        if batch.len() >= batch_size {
            write_batch(&model, &mut batch, w.as_mut(), &mut tally)?;
        }
    }
    write_batch(&model, &mut batch, w.as_mut(), &mut tally)?;
    if !a.quiet || tally.failed > 0 || interrupted {
        eprintln!(
            "framing predict: {}{} records read, {} labeled, {} failed",
            if interrupted {
                format!("interrupted after line {line_no}: ")
            } else {
                String::new()
            },
            tally.read,
            tally.written - tally.failed,
            tally.failed
        );
    }
    Ok(Outcome::of_batch(interrupted, tally.failed))
}

fn parse(
    line: &[u8],
    mode: Mode,
    record: u64,
    line_no: u64,
    text_field: &str,
    id_field: &str,
) -> Item {
    let fallback_id = Value::from(record);
    match mode {
        Mode::Text => match std::str::from_utf8(line) {
            Ok(t) => Item {
                id: fallback_id,
                text: Ok(t.to_string()),
            },
            Err(e) => Item {
                id: fallback_id,
                text: Err(format!("invalid UTF-8 at byte {}", e.valid_up_to())),
            },
        },
        Mode::Jsonl => {
            let pos = Position {
                path: None,
                line: line_no,
            };
            match parse_json_line(line, &pos) {
                Ok(Some(fields)) => {
                    let id = fields.get(id_field).cloned().unwrap_or(fallback_id);
                    let text = text_value(&fields, text_field, &pos)
                        .map(str::to_string)
                        .map_err(framing::Error::into_problem);
                    Item { id, text }
                }
                Ok(None) => Item {
                    id: fallback_id,
                    text: Ok(String::new()),
                },
                Err(e) => Item {
                    id: fallback_id,
                    text: Err(e.into_problem()),
                },
            }
        }
    }
}

fn write_batch(
    model: &Model,
    batch: &mut Vec<Item>,
    w: &mut dyn RecordWriter,
    tally: &mut Tally,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let texts: Vec<&str> = batch
        .iter()
        .filter_map(|i| i.text.as_deref().ok())
        .collect();
    let preds = model.predict(&texts);
    let mut preds = preds.iter();
    for item in batch.iter() {
        match &item.text {
            Ok(_) => {
                let p = preds.next().context("prediction count mismatch")?;
                w.prediction(model, &item.id, p)?;
            }
            Err(problem) => {
                w.error(model, &item.id, problem)?;
                tally.failed += 1;
            }
        }
        tally.written += 1;
    }
    w.flush()?;
    batch.clear();
    Ok(())
}
