//! Prediction record writers: JSON Lines, CSV and TSV. Each input record produces exactly
//! one output record: a prediction, or an error in its place.

use std::io::Write;

use anyhow::Result;
use framing::{Model, Prediction};
use serde_json::{Map, Value};

use crate::args::PredictFormat;

/// A record id: the input's own (any JSON scalar) or the 0-based record number.
pub type IdValue = Value;

/// Writes prediction records in one format.
pub trait RecordWriter {
    /// Writes anything that precedes the records (a CSV header).
    fn begin(&mut self, model: &Model) -> Result<()>;
    /// Writes one prediction.
    fn prediction(&mut self, model: &Model, id: &IdValue, p: &Prediction) -> Result<()>;
    /// Writes an error record in place of a prediction.
    fn error(&mut self, model: &Model, id: &IdValue, message: &str) -> Result<()>;
    /// Flushes buffered output.
    fn flush(&mut self) -> Result<()>;
}

/// The writer for `format`, with per-class probabilities when `probs`.
pub fn writer_for<'w, W: Write + 'w>(
    format: PredictFormat,
    out: W,
    probs: bool,
) -> Box<dyn RecordWriter + 'w> {
    match format {
        PredictFormat::Jsonl => Box::new(Jsonl { out, probs }),
        PredictFormat::Csv => Box::new(Delimited::new(out, b',', probs)),
        PredictFormat::Tsv => Box::new(Delimited::new(out, b'\t', probs)),
    }
}

struct Jsonl<W> {
    out: W,
    probs: bool,
}

impl<W: Write> RecordWriter for Jsonl<W> {
    fn begin(&mut self, _: &Model) -> Result<()> {
        Ok(())
    }

    fn prediction(&mut self, model: &Model, id: &IdValue, p: &Prediction) -> Result<()> {
        let mut m = Map::new();
        m.insert("id".into(), id.clone());
        for (h, head) in model.heads().iter().enumerate() {
            let classes = head.model.classes();
            m.insert(
                head.field.clone(),
                Value::from(classes[p[h].class].as_str()),
            );
            m.insert(
                format!("{}_score", head.field),
                Value::from(round(p[h].score)),
            );
            if self.probs {
                let probs: Map<String, Value> = classes
                    .iter()
                    .zip(&p[h].probs)
                    .map(|(c, v)| (c.clone(), Value::from(round(*v))))
                    .collect();
                m.insert(format!("{}_probs", head.field), Value::Object(probs));
            }
        }
        serde_json::to_writer(&mut self.out, &m)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn error(&mut self, _: &Model, id: &IdValue, message: &str) -> Result<()> {
        let mut m = Map::new();
        m.insert("id".into(), id.clone());
        m.insert("error".into(), Value::from(message));
        serde_json::to_writer(&mut self.out, &m)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// Probabilities rounded to 6 decimals: enough for any use, half the bytes.
fn round(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

struct Delimited<W: Write> {
    out: csv::Writer<W>,
    probs: bool,
    width: usize,
}

impl<W: Write> Delimited<W> {
    fn new(out: W, delimiter: u8, probs: bool) -> Self {
        Delimited {
            out: csv::WriterBuilder::new()
                .delimiter(delimiter)
                .from_writer(out),
            probs,
            width: 0,
        }
    }
}

fn id_text(id: &IdValue) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<W: Write> RecordWriter for Delimited<W> {
    fn begin(&mut self, model: &Model) -> Result<()> {
        let mut header = vec!["id".to_string()];
        for head in model.heads() {
            header.push(head.field.clone());
            header.push(format!("{}_score", head.field));
            if self.probs {
                for c in head.model.classes() {
                    header.push(format!("{}_probs.{c}", head.field));
                }
            }
        }
        header.push("error".into());
        self.width = header.len();
        self.out.write_record(&header)?;
        Ok(())
    }

    fn prediction(&mut self, model: &Model, id: &IdValue, p: &Prediction) -> Result<()> {
        let mut row = vec![id_text(id)];
        for (h, head) in model.heads().iter().enumerate() {
            row.push(head.model.classes()[p[h].class].clone());
            row.push(format!("{:.6}", p[h].score));
            if self.probs {
                row.extend(p[h].probs.iter().map(|v| format!("{v:.6}")));
            }
        }
        row.push(String::new());
        self.out.write_record(&row)?;
        Ok(())
    }

    fn error(&mut self, _: &Model, id: &IdValue, message: &str) -> Result<()> {
        let mut row = vec![String::new(); self.width.max(2)];
        row[0] = id_text(id);
        let last = row.len() - 1;
        row[last] = message.to_string();
        self.out.write_record(&row)?;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
