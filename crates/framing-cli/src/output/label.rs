//! `label` output: one writer per format behind [`LabelWriter`]. Records per article, in
//! input order: a `prose` record per paragraph (`article`, `paragraph`, `start`, `end`,
//! `text`, and per head `H`, `H_score`), `skip` records with `--keep-skipped`, an `error`
//! record for an article that failed, and summaries.

use std::io::Write;

use anyhow::Result;
use framing::article::BlockKind;
use framing::Model;
use serde_json::{Map, Value};

use crate::args::{LabelArgs, LabelFormat};
use crate::cmd::label::{Done, Totals};

/// Writes `label` results in one format.
pub trait LabelWriter {
    /// Writes one article's records.
    fn article(&mut self, model: &Model, done: &Done) -> Result<()>;
    /// Flushes what has been written so far.
    fn flush(&mut self) -> Result<()>;
    /// Writes the batch summary (where the format has one) and flushes.
    fn finish(&mut self, model: &Model, totals: &Totals) -> Result<()>;
}

/// The writer for the arguments' format.
pub fn writer_for<'w, W: Write + 'w>(
    a: &LabelArgs,
    model: &Model,
    out: W,
) -> Box<dyn LabelWriter + 'w> {
    match a.format {
        LabelFormat::Jsonl => Box::new(Jsonl {
            out,
            keep_skipped: a.keep_skipped,
            summary: a.summary,
        }),
        LabelFormat::Json => Box::new(Json {
            out,
            keep_skipped: a.keep_skipped,
            articles: Vec::new(),
        }),
        LabelFormat::Csv => Box::new(Csv::new(out, model, a.keep_skipped)),
        LabelFormat::Table => Box::new(Table {
            out,
            keep_skipped: a.keep_skipped,
        }),
    }
}

/// Calls `f` with each record of one article (prose, and skips when asked), in order, as
/// its fields: `kind`, `article`, `paragraph`/`reason`, `start`, `end`, each head's label
/// and score, `text`.
fn for_each_record<E>(
    model: &Model,
    done: &Done,
    keep_skipped: bool,
    mut f: impl FnMut(&mut Fields<'_>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let Ok(l) = &done.result else {
        return Ok(());
    };
    let score_keys: Vec<String> = model
        .heads()
        .iter()
        .map(|h| format!("{}_score", h.field))
        .collect();
    let mut preds = l.predictions.iter();
    let mut paragraph = 0usize;
    let mut fields = Fields::default();
    for b in &l.blocks {
        fields.clear();
        match b.kind {
            BlockKind::Prose => {
                let Some(p) = preds.next() else { break };
                fields.push("kind", Field::Str("prose"));
                fields.push("article", Field::Str(&done.name));
                fields.push("paragraph", Field::Int(paragraph));
                fields.push("start", Field::Int(b.start));
                fields.push("end", Field::Int(b.end));
                for (h, head) in model.heads().iter().enumerate() {
                    fields.push(&head.field, Field::Str(model.label(h, p)));
                    let score = (p[h].score * 1e6).round() / 1e6;
                    fields.push(&score_keys[h], Field::Num(score));
                }
                fields.push("text", Field::Str(&b.text));
                paragraph += 1;
            }
            BlockKind::Skip(reason) if keep_skipped => {
                fields.push("kind", Field::Str("skip"));
                fields.push("article", Field::Str(&done.name));
                fields.push("reason", Field::Str(reason.as_str()));
                fields.push("start", Field::Int(b.start));
                fields.push("end", Field::Int(b.end));
                fields.push("text", Field::Str(&b.text));
            }
            BlockKind::Skip(_) => continue,
        }
        f(&mut fields)?;
    }
    Ok(())
}

/// The records of one article as JSON objects (prose, and skips when asked).
fn records(model: &Model, done: &Done, keep_skipped: bool) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    let collected = for_each_record(model, done, keep_skipped, |f| {
        out.push(f.to_map());
        Ok::<(), std::convert::Infallible>(())
    });
    match collected {
        Ok(()) => out,
        Err(never) => match never {},
    }
}

fn error_record(done: &Done) -> Option<Map<String, Value>> {
    let Err(e) = &done.result else { return None };
    let mut m = Map::new();
    m.insert("kind".into(), "error".into());
    m.insert("article".into(), done.name.clone().into());
    m.insert("error".into(), e.clone().into());
    Some(m)
}

fn article_summary(done: &Done) -> Option<Map<String, Value>> {
    let Ok(l) = &done.result else { return None };
    let mut m = Map::new();
    m.insert("kind".into(), "article".into());
    m.insert("article".into(), done.name.clone().into());
    m.extend(l.tally.to_json());
    Some(m)
}

fn corpus_summary(totals: &Totals) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), "corpus".into());
    m.insert("articles_read".into(), totals.read.into());
    m.insert("articles_failed".into(), totals.failed.into());
    m.insert("warnings".into(), totals.warnings.into());
    m.extend(totals.tally.to_json());
    m
}

/// A field value of a JSON record, borrowed.
#[derive(Clone, Copy)]
enum Field<'a> {
    Str(&'a str),
    Int(usize),
    Num(f64),
}

impl serde::Serialize for Field<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match *self {
            Field::Str(v) => s.serialize_str(v),
            Field::Int(v) => s.serialize_u64(v as u64),
            // As `Value::from(f64)`: a number, or null when not finite.
            Field::Num(v) if v.is_finite() => s.serialize_f64(v),
            Field::Num(_) => s.serialize_unit(),
        }
    }
}

impl From<Field<'_>> for Value {
    fn from(f: Field<'_>) -> Value {
        match f {
            Field::Str(s) => s.into(),
            Field::Int(n) => n.into(),
            Field::Num(x) => x.into(),
        }
    }
}

/// A JSON record's fields, written as a `serde_json::Map` of them would be: keys in
/// sorted order, a repeated key holding the value pushed last.
#[derive(Default)]
struct Fields<'a> {
    entries: Vec<(&'a str, Field<'a>)>,
}

impl<'a> Fields<'a> {
    fn clear(&mut self) {
        self.entries.clear();
    }

    fn push(&mut self, key: &'a str, value: Field<'a>) {
        self.entries.push((key, value));
    }

    /// The fields as a JSON object (a repeated key keeps the value pushed last).
    fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for &(k, v) in &self.entries {
            m.insert(k.to_string(), v.into());
        }
        m
    }

    /// Writes the record as one JSON line.
    fn write_line(&mut self, out: &mut impl Write) -> Result<()> {
        // Stable: among equal keys the last pushed ends up last, and is the one kept.
        self.entries.sort_by(|a, b| a.0.cmp(b.0));
        let e = &self.entries;
        let kept = (0..e.len())
            .filter(|&i| e.get(i + 1).map_or(true, |next| next.0 != e[i].0))
            .map(|i| e[i]);
        out.write_all(b"{")?;
        for (i, (key, value)) in kept.enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            write_json_str(out, key)?;
            out.write_all(b":")?;
            match value {
                Field::Str(v) => write_json_str(out, v)?,
                other => serde_json::to_writer(&mut *out, &other)?,
            }
        }
        out.write_all(b"}\n")?;
        Ok(())
    }
}

/// Writes `s` as a JSON string, as `serde_json` does. Most text needs no escape (serde_json
/// escapes only quotes, backslashes and control characters): that is checked in one
/// vectorized pass and the text is then copied whole, instead of escaped byte by byte.
fn write_json_str(out: &mut impl Write, s: &str) -> Result<()> {
    let needs_escape = s.bytes().fold(false, |acc, b| {
        acc | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if needs_escape {
        serde_json::to_writer(&mut *out, s)?;
    } else {
        out.write_all(b"\"")?;
        out.write_all(s.as_bytes())?;
        out.write_all(b"\"")?;
    }
    Ok(())
}

struct Jsonl<W> {
    out: W,
    keep_skipped: bool,
    summary: bool,
}

impl<W: Write> Jsonl<W> {
    fn line(&mut self, m: &Map<String, Value>) -> Result<()> {
        serde_json::to_writer(&mut self.out, m)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }
}

impl<W: Write> LabelWriter for Jsonl<W> {
    fn article(&mut self, model: &Model, done: &Done) -> Result<()> {
        if let Some(e) = error_record(done) {
            return self.line(&e);
        }
        // Serialized from borrowed fields: no map, no copy of the text.
        let out = &mut self.out;
        for_each_record(model, done, self.keep_skipped, |f| f.write_line(&mut *out))?;
        if self.summary {
            if let Some(s) = article_summary(done) {
                self.line(&s)?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }

    fn finish(&mut self, _: &Model, totals: &Totals) -> Result<()> {
        if self.summary {
            self.line(&corpus_summary(totals))?;
        }
        self.flush()
    }
}

struct Json<W> {
    out: W,
    keep_skipped: bool,
    articles: Vec<Value>,
}

impl<W: Write> LabelWriter for Json<W> {
    fn article(&mut self, model: &Model, done: &Done) -> Result<()> {
        let mut m = Map::new();
        m.insert("article".into(), done.name.clone().into());
        match &done.result {
            Err(e) => {
                m.insert("error".into(), e.clone().into());
            }
            Ok(l) => {
                let recs = records(model, done, self.keep_skipped);
                let (prose, skipped): (Vec<_>, Vec<_>) =
                    recs.into_iter().partition(|r| r["kind"] == "prose");
                m.insert(
                    "paragraphs".into(),
                    prose.into_iter().map(Value::Object).collect(),
                );
                if self.keep_skipped {
                    m.insert(
                        "skipped".into(),
                        skipped.into_iter().map(Value::Object).collect(),
                    );
                }
                m.insert("summary".into(), Value::Object(l.tally.to_json()));
            }
        }
        if !done.warnings.is_empty() {
            m.insert("warnings".into(), done.warnings.clone().into());
        }
        self.articles.push(Value::Object(m));
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    fn finish(&mut self, _: &Model, totals: &Totals) -> Result<()> {
        let mut doc = Map::new();
        doc.insert("articles".into(), std::mem::take(&mut self.articles).into());
        doc.insert("corpus".into(), Value::Object(corpus_summary(totals)));
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(())
    }
}

struct Csv<W: Write> {
    out: csv::Writer<W>,
    keep_skipped: bool,
    heads: Vec<String>,
    wrote_header: bool,
}

impl<W: Write> Csv<W> {
    fn new(out: W, model: &Model, keep_skipped: bool) -> Self {
        Csv {
            out: csv::Writer::from_writer(out),
            keep_skipped,
            heads: model.heads().iter().map(|h| h.field.clone()).collect(),
            wrote_header: false,
        }
    }

    fn header(&mut self) -> Result<()> {
        if !self.wrote_header {
            let mut h: Vec<String> = ["kind", "article", "paragraph", "start", "end", "reason"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            for head in &self.heads {
                h.push(head.clone());
                h.push(format!("{head}_score"));
            }
            h.push("text".into());
            self.out.write_record(&h)?;
            self.wrote_header = true;
        }
        Ok(())
    }
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

impl<W: Write> LabelWriter for Csv<W> {
    fn article(&mut self, model: &Model, done: &Done) -> Result<()> {
        self.header()?;
        let mut rows = records(model, done, self.keep_skipped);
        if let Some(mut e) = error_record(done) {
            let msg = e.remove("error").unwrap_or(Value::Null);
            e.insert("text".into(), msg);
            rows.push(e);
        }
        for r in rows {
            let mut row: Vec<String> = ["kind", "article", "paragraph", "start", "end", "reason"]
                .iter()
                .map(|k| cell(r.get(*k)))
                .collect();
            for head in &self.heads {
                row.push(cell(r.get(head)));
                row.push(cell(r.get(&format!("{head}_score"))));
            }
            row.push(cell(r.get("text")));
            self.out.write_record(&row)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }

    fn finish(&mut self, _: &Model, _: &Totals) -> Result<()> {
        self.header()?;
        self.flush()
    }
}

struct Table<W> {
    out: W,
    keep_skipped: bool,
}

/// The first `n` characters of `s`, with an ellipsis when cut.
fn first_chars(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

impl<W: Write> LabelWriter for Table<W> {
    fn article(&mut self, model: &Model, done: &Done) -> Result<()> {
        let l = match &done.result {
            Err(e) => {
                writeln!(self.out, "== {}: ERROR: {e}\n", done.name)?;
                return Ok(());
            }
            Ok(l) => l,
        };
        writeln!(
            self.out,
            "== {} ({} paragraphs, {} blocks skipped)",
            done.name, l.tally.paragraphs, l.tally.skipped
        )?;
        let heads: Vec<&str> = model.heads().iter().map(|h| h.field.as_str()).collect();
        let mut header = format!("{:>4}", "#");
        for h in &heads {
            header.push_str(&format!("  {:<21} {:>5}", h, "p"));
        }
        writeln!(self.out, "{header}  text")?;
        let mut preds = l.predictions.iter();
        let mut i = 0;
        for b in &l.blocks {
            match b.kind {
                BlockKind::Prose => {
                    let Some(p) = preds.next() else { break };
                    let mut line = format!("{i:>4}");
                    for h in 0..heads.len() {
                        line.push_str(&format!("  {:<21} {:>5.2}", model.label(h, p), p[h].score));
                    }
                    writeln!(self.out, "{line}  {}", first_chars(&b.text, 60))?;
                    i += 1;
                }
                BlockKind::Skip(reason) if self.keep_skipped => {
                    writeln!(
                        self.out,
                        "{:>4}  ({}) {}",
                        "-",
                        reason.as_str(),
                        first_chars(&b.text, 70)
                    )?;
                }
                BlockKind::Skip(_) => {}
            }
        }
        let dominant: Vec<String> = (0..heads.len())
            .filter_map(|h| l.tally.dominant(h).map(|d| format!("{} {d}", heads[h])))
            .collect();
        writeln!(self.out, "  summary: {}", l.tally.describe())?;
        writeln!(self.out, "  dominant: {}\n", dominant.join(", "))?;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }

    fn finish(&mut self, _: &Model, totals: &Totals) -> Result<()> {
        writeln!(
            self.out,
            "== all articles: {} read, {} failed; {} paragraphs labeled, {} blocks skipped",
            totals.read, totals.failed, totals.tally.paragraphs, totals.tally.skipped
        )?;
        writeln!(self.out, "  summary: {}", totals.tally.describe())?;
        let dominant: Vec<String> = totals
            .tally
            .heads
            .iter()
            .enumerate()
            .filter_map(|(h, (f, _))| totals.tally.dominant(h).map(|d| format!("{f} {d}")))
            .collect();
        writeln!(self.out, "  dominant: {}", dominant.join(", "))?;
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_written_as_a_map_of_them() {
        // Keys out of order, a key pushed twice (a head named `text`), a non-finite score,
        // and text that needs escaping.
        let entries = [
            ("text", Field::Str("first")),
            ("kind", Field::Str("prose")),
            ("paragraph", Field::Int(3)),
            ("frame_score", Field::Num(0.25)),
            ("stance_score", Field::Num(f64::NAN)),
            ("text", Field::Str("say \"no\"\n\u{2014} \u{1}")),
            ("article", Field::Str("a/b.txt")),
            (
                "back\\slash \"key\"",
                Field::Str("tab\there, DEL \u{7f}, C:\\dir"),
            ),
            ("plain", Field::Str("Kabul\u{2019}s envoy \u{1f600}")),
            ("tiny", Field::Num(1e-7)),
            ("big", Field::Int(usize::MAX)),
        ];
        let mut fields = Fields::default();
        let mut map = Map::new();
        for (k, v) in entries {
            fields.push(k, v);
            map.insert(k.to_string(), Value::from(v));
        }
        let mut got = Vec::new();
        fields.write_line(&mut got).unwrap();
        let mut want = serde_json::to_vec(&map).unwrap();
        want.push(b'\n');
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }
}
