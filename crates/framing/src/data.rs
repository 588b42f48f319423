//! Labeled data: JSON Lines or CSV/TSV files of paragraphs with label fields, read into
//! [`LabeledData`] with every problem reported as `file:line: problem`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Position, Result};

/// The label fields trained when none are named: those of these present in the data.
pub const DEFAULT_HEADS: [&str; 2] = ["frame", "stance"];

/// One input record: its fields and where it came from.
#[derive(Debug, Clone)]
pub struct Row {
    /// File and line.
    pub position: Position,
    /// The record's fields (CSV values are strings).
    pub fields: Map<String, Value>,
}

/// How a file's records are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated with a header row.
    Csv,
    /// Tab-separated with a header row.
    Tsv,
}

impl DataFormat {
    /// The format implied by a file name: `.csv`, `.tsv`, anything else JSON Lines.
    pub fn from_path(path: &Path) -> DataFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => DataFormat::Csv,
            Some("tsv") => DataFormat::Tsv,
            _ => DataFormat::Jsonl,
        }
    }
}

fn pos(path: &Path, line: u64) -> Position {
    Position {
        path: Some(path.to_path_buf()),
        line,
    }
}

/// Parses one JSON Lines record. Returns `Ok(None)` for a blank line.
pub fn parse_json_line(line: &[u8], position: &Position) -> Result<Option<Map<String, Value>>> {
    let text = std::str::from_utf8(line).map_err(|e| {
        Error::input(
            position.clone(),
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    let text = text.strip_suffix('\r').unwrap_or(text);
    // A byte-order mark (usually at the start of a file) is not part of the record.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(other) => Err(Error::input(
            position.clone(),
            format!("expected a JSON object, found {}", json_kind(&other)),
        )),
        Err(e) => Err(Error::input(
            position.clone(),
            format!("malformed JSON: {e}"),
        )),
    }
}

/// A word for the JSON type of `v` (for messages).
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads every record of a JSONL, CSV or TSV file. Stops at the first malformed record.
pub fn read_rows(path: &Path) -> Result<Vec<Row>> {
    let bytes = fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_rows(path, &bytes)
}

/// Parses the records of `bytes`, read from `path` (whose extension picks the format).
pub fn parse_rows(path: &Path, bytes: &[u8]) -> Result<Vec<Row>> {
    let rows = match DataFormat::from_path(path) {
        DataFormat::Jsonl => {
            let mut rows = Vec::new();
            for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                let position = pos(path, i as u64 + 1);
                if let Some(fields) = parse_json_line(line, &position)? {
                    rows.push(Row { position, fields });
                }
            }
            rows
        }
        fmt @ (DataFormat::Csv | DataFormat::Tsv) => read_delimited(path, bytes, fmt)?,
    };
    if rows.is_empty() {
        return Err(Error::InputFile {
            path: path.to_path_buf(),
            problem: "no records (the file is empty)".into(),
        });
    }
    Ok(rows)
}

fn read_delimited(path: &Path, bytes: &[u8], fmt: DataFormat) -> Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if fmt == DataFormat::Tsv { b'\t' } else { b',' })
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| Error::input(pos(path, 1), format!("bad header row: {e}")))?
        .clone();
    let headers: Vec<String> = headers
        .iter()
        .map(|h| {
            std::str::from_utf8(h)
                .map(|s| s.trim_start_matches('\u{feff}').to_string())
                .map_err(|_| Error::input(pos(path, 1), "invalid UTF-8 in the header row"))
        })
        .collect::<Result<_>>()?;
    // The csv crate counts only `\n` as a line end, but ends records at a lone `\r` too;
    // line numbers come from byte offsets so that old-Mac files name the right line.
    let starts = line_starts(bytes);
    // A record's position can point at the line end before it (csv ends a record at the
    // `\r` of `\r\n`), so skip line ends first.
    let line_of = |byte: u64| {
        let mut b = byte as usize;
        while matches!(bytes.get(b), Some(b'\r' | b'\n')) {
            b += 1;
        }
        starts.partition_point(|&s| s <= b) as u64
    };
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = line_of(reader.position().byte());
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| line_of(p.byte())).unwrap_or(line);
                return Err(Error::input(
                    pos(path, line),
                    format!("malformed record: {e}"),
                ));
            }
        }
        let line = record.position().map(|p| line_of(p.byte())).unwrap_or(line);
        let mut fields = Map::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            let v = std::str::from_utf8(v).map_err(|_| {
                Error::input(pos(path, line), format!("invalid UTF-8 in field `{h}`"))
            })?;
            fields.insert(h.clone(), Value::String(v.to_string()));
        }
        rows.push(Row {
            position: pos(path, line),
            fields,
        });
    }
    Ok(rows)
}

/// Byte offsets where lines start; a line ends at `\n`, `\r\n` or a lone `\r`.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

/// What to read from labeled rows.
#[derive(Debug, Clone)]
pub struct DataSpec {
    /// The field holding the paragraph text. Default `text`.
    pub text_field: String,
    /// Label fields (heads); `None` means the [`DEFAULT_HEADS`] present in the data.
    pub labels: Option<Vec<String>>,
    /// A field whose rows must stay together in cross-validation (e.g. `doc`).
    pub group_field: Option<String>,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            text_field: "text".into(),
            labels: None,
            group_field: None,
        }
    }
}

/// A data file's identity, recorded in the model's training metadata.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataFile {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Records read from it.
    pub rows: usize,
}

/// Labeled paragraphs ready for training or evaluation.
#[derive(Debug, Clone, Default)]
pub struct LabeledData {
    /// Paragraph texts.
    pub texts: Vec<String>,
    /// Head (label field) names.
    pub heads: Vec<String>,
    /// `labels[h][i]`: the label of row `i` for head `h`.
    pub labels: Vec<Vec<String>>,
    /// Group of each row, when a group field was requested.
    pub groups: Option<Vec<String>>,
    /// Where each row came from.
    pub positions: Vec<Position>,
    /// The files read.
    pub files: Vec<DataFile>,
    /// Unlabeled texts (e.g. from `--vocab-data`) that join the rows' texts when the
    /// featurizer's vocabulary, IDF and hashtag words are fitted, and are never rows
    /// themselves: more text of the domain than has labels.
    pub vocab_texts: Vec<String>,
    /// The files `vocab_texts` were read from.
    pub vocab_files: Vec<DataFile>,
}

impl LabeledData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The rows at `idx`, in that order.
    pub fn subset(&self, idx: &[usize]) -> LabeledData {
        LabeledData {
            texts: idx.iter().map(|&i| self.texts[i].clone()).collect(),
            heads: self.heads.clone(),
            labels: self
                .labels
                .iter()
                .map(|l| idx.iter().map(|&i| l[i].clone()).collect())
                .collect(),
            groups: self
                .groups
                .as_ref()
                .map(|g| idx.iter().map(|&i| g[i].clone()).collect()),
            positions: idx.iter().map(|&i| self.positions[i].clone()).collect(),
            files: self.files.clone(),
            vocab_texts: self.vocab_texts.clone(),
            vocab_files: self.vocab_files.clone(),
        }
    }

    /// The texts the featurizer is fitted on: every row's, then [`LabeledData::vocab_texts`].
    pub fn fit_texts(&self) -> Vec<&str> {
        self.texts
            .iter()
            .chain(&self.vocab_texts)
            .map(String::as_str)
            .collect()
    }

    /// [`LabeledData::fit_texts`] for the rows at `idx` only (a cross-validation fold).
    pub fn fit_texts_of(&self, idx: &[usize]) -> Vec<&str> {
        idx.iter()
            .map(|&i| &self.texts[i])
            .chain(&self.vocab_texts)
            .map(String::as_str)
            .collect()
    }

    /// Adds the texts of `paths` (JSONL, CSV or TSV records; only `text_field` is read, other
    /// fields such as labels are ignored) to [`LabeledData::vocab_texts`].
    pub fn add_vocab_files(&mut self, paths: &[PathBuf], text_field: &str) -> Result<()> {
        for p in paths {
            let bytes = fs::read(p).map_err(|source| Error::Io {
                path: p.clone(),
                source,
            })?;
            let rows = parse_rows(p, &bytes)?;
            self.vocab_files.push(DataFile {
                path: p.display().to_string(),
                sha256: sha256_hex(&bytes),
                rows: rows.len(),
            });
            for r in &rows {
                let text = text_value(&r.fields, text_field, &r.position)?;
                self.vocab_texts.push(text.to_string());
            }
        }
        Ok(())
    }

    /// Checks that every head can be trained: at least two classes, and at least two
    /// examples of every class (a lone example names its line).
    pub fn check_trainable(&self) -> Result<()> {
        for (h, head) in self.heads.iter().enumerate() {
            let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
            for (i, l) in self.labels[h].iter().enumerate() {
                counts.entry(l).or_insert((0, i)).0 += 1;
            }
            if counts.len() < 2 {
                return Err(Error::Training {
                    head: head.clone(),
                    problem: format!(
                        "needs at least two classes; every row says `{}`",
                        counts.keys().next().copied().unwrap_or("")
                    ),
                });
            }
            if let Some((label, (_, i))) = counts.iter().find(|(_, (c, _))| *c == 1) {
                return Err(Error::Training {
                    head: head.clone(),
                    problem: format!(
                        "class `{label}` has a single example (at {}); every class needs at least two",
                        self.positions[*i]
                    ),
                });
            }
        }
        Ok(())
    }
}

/// A label value as a string: strings as they are, numbers and booleans printed; anything
/// else is an error naming the field and its type.
pub fn label_value(v: &Value, field: &str, position: &Position) -> Result<String> {
    match v {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::String(_) => Err(Error::input(
            position.clone(),
            format!("label field `{field}` is empty"),
        )),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(Error::input(
            position.clone(),
            format!(
                "label field `{field}` must be a string, found {}",
                json_kind(other)
            ),
        )),
    }
}

/// The text field of a record, which must be a string.
pub fn text_value<'a>(
    fields: &'a Map<String, Value>,
    field: &str,
    position: &Position,
) -> Result<&'a str> {
    match fields.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Error::input(
            position.clone(),
            format!(
                "text field `{field}` must be a string, found {}",
                json_kind(other)
            ),
        )),
        None => Err(Error::input(
            position.clone(),
            format!("missing text field `{field}`"),
        )),
    }
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads labeled data from one or more files.
pub fn load_labeled(paths: &[PathBuf], spec: &DataSpec) -> Result<LabeledData> {
    let mut rows = Vec::new();
    let mut files = Vec::new();
    for p in paths {
        let bytes = fs::read(p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })?;
        let r = parse_rows(p, &bytes)?;
        files.push(DataFile {
            path: p.display().to_string(),
            sha256: sha256_hex(&bytes),
            rows: r.len(),
        });
        rows.extend(r);
    }
    let first = paths.first().cloned().unwrap_or_default();
    let mut data = labeled_from_rows(rows, &first, spec)?;
    data.files = files;
    Ok(data)
}

/// Builds labeled data from parsed rows (of files whose first is `first_path`, named in
/// errors): picks the heads per `spec`, and checks every row has a string text and a label
/// for every head. [`LabeledData::files`] is left empty.
pub fn labeled_from_rows(
    rows: Vec<Row>,
    first_path: &Path,
    spec: &DataSpec,
) -> Result<LabeledData> {
    let heads: Vec<String> = match &spec.labels {
        Some(l) if !l.is_empty() => l.clone(),
        _ => {
            let present: Vec<String> = DEFAULT_HEADS
                .iter()
                .filter(|h| rows.iter().any(|r| r.fields.contains_key(**h)))
                .map(|h| h.to_string())
                .collect();
            if present.is_empty() {
                return Err(Error::InputFile {
                    path: first_path.to_path_buf(),
                    problem: format!(
                        "no label field: the data has neither {}; name one with --label FIELD",
                        DEFAULT_HEADS.join(" nor ")
                    ),
                });
            }
            present
        }
    };
    let mut data = LabeledData {
        heads: heads.clone(),
        labels: vec![Vec::with_capacity(rows.len()); heads.len()],
        groups: spec.group_field.as_ref().map(|_| Vec::new()),
        ..Default::default()
    };
    for row in rows {
        let text = text_value(&row.fields, &spec.text_field, &row.position)?;
        data.texts.push(text.to_string());
        for (h, head) in heads.iter().enumerate() {
            let v = row.fields.get(head).ok_or_else(|| {
                Error::input(
                    row.position.clone(),
                    format!("missing label field `{head}`"),
                )
            })?;
            data.labels[h].push(label_value(v, head, &row.position)?);
        }
        if let (Some(field), Some(groups)) = (&spec.group_field, data.groups.as_mut()) {
            let v = row.fields.get(field).ok_or_else(|| {
                Error::input(
                    row.position.clone(),
                    format!("missing group field `{field}`"),
                )
            })?;
            groups.push(label_value(v, field, &row.position)?);
        }
        data.positions.push(row.position);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> PathBuf {
        let p = dir.path().join(name);
        fs::File::create(&p).unwrap().write_all(content).unwrap();
        p
    }

    fn err(paths: &[PathBuf], spec: &DataSpec) -> String {
        load_labeled(paths, spec).unwrap_err().to_string()
    }

    #[test]
    fn csv_line_numbers_follow_every_line_end() {
        // Found by fuzzing: records after `\r\n` or a lone `\r` were given the wrong line.
        for (sep, name) in [("\n", "a.csv"), ("\r\n", "b.csv"), ("\r", "c.csv")] {
            let text = ["text,frame", "one,a", "two,b", "", "three,c"].join(sep);
            let rows = parse_rows(Path::new(name), text.as_bytes()).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.position.line).collect();
            assert_eq!(lines, [2, 3, 5], "line ends {sep:?}");
            let bad = ["text,frame", "one,a", "\"unclosed,b"].join(sep);
            let e = parse_rows(Path::new(name), format!("{bad}{sep}x,y\"z").as_bytes());
            if let Err(e) = e {
                assert!(e.to_string().contains(name), "{e}");
            }
        }
    }

    #[test]
    fn reads_jsonl_and_csv() {
        let d = tempfile::tempdir().unwrap();
        let j = write(
            &d,
            "a.jsonl",
            b"{\"text\":\"x\",\"frame\":\"a\",\"stance\":\"favor\"}\n\n{\"text\":\"y\",\"frame\":\"b\",\"stance\":\"against\"}\r\n",
        );
        let c = write(&d, "b.csv", b"text,frame,stance\n\"z, q\",a,neutral\n");
        let data = load_labeled(&[j, c], &DataSpec::default()).unwrap();
        assert_eq!(data.heads, ["frame", "stance"]);
        assert_eq!(data.texts, ["x", "y", "z, q"]);
        assert_eq!(data.labels[1], ["favor", "against", "neutral"]);
        assert_eq!(data.positions[1].line, 3);
        assert_eq!(data.files.len(), 2);
        assert_eq!(data.files[0].rows, 2);
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let d = tempfile::tempdir().unwrap();
        let spec = DataSpec::default();
        let bad = write(
            &d,
            "bad.jsonl",
            b"{\"text\":\"x\",\"frame\":\"a\"}\n{oops\n",
        );
        let e = err(&[bad], &spec);
        assert!(
            e.contains("bad.jsonl:2") && e.contains("malformed JSON"),
            "{e}"
        );

        let nontext = write(&d, "n.jsonl", b"{\"text\":5,\"frame\":\"a\"}\n");
        let e = err(&[nontext], &spec);
        assert!(
            e.contains("n.jsonl:1") && e.contains("must be a string"),
            "{e}"
        );

        let missing = write(
            &d,
            "m.jsonl",
            b"{\"text\":\"a\",\"frame\":\"a\"}\n{\"text\":\"b\"}\n",
        );
        let e = err(&[missing], &spec);
        assert!(
            e.contains("m.jsonl:2") && e.contains("missing label field `frame`"),
            "{e}"
        );

        let list = write(&d, "l.jsonl", b"{\"text\":\"a\",\"frame\":[\"a\"]}\n");
        let e = err(&[list], &spec);
        assert!(e.contains("l.jsonl:1") && e.contains("found a list"), "{e}");

        let empty = write(&d, "e.jsonl", b"\n\n");
        let e = err(&[empty], &spec);
        assert!(e.contains("e.jsonl") && e.contains("empty"), "{e}");

        let utf = write(&d, "u.jsonl", b"{\"text\":\"a\xff\",\"frame\":\"a\"}\n");
        let e = err(&[utf], &spec);
        assert!(
            e.contains("u.jsonl:1") && e.contains("invalid UTF-8"),
            "{e}"
        );

        let nolabel = write(&d, "x.jsonl", b"{\"text\":\"a\"}\n");
        let e = err(&[nolabel], &spec);
        assert!(e.contains("--label"), "{e}");

        let e = err(&[d.path().join("nope.jsonl")], &spec);
        assert!(e.contains("nope.jsonl"), "{e}");
    }

    #[test]
    fn numbers_become_labels_and_trainability_is_checked() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            &d,
            "n.jsonl",
            b"{\"text\":\"a\",\"label\":1}\n{\"text\":\"b\",\"label\":1}\n{\"text\":\"c\",\"label\":2}\n",
        );
        let spec = DataSpec {
            labels: Some(vec!["label".into()]),
            ..Default::default()
        };
        let data = load_labeled(&[p], &spec).unwrap();
        assert_eq!(data.labels[0], ["1", "1", "2"]);
        let e = data.check_trainable().unwrap_err().to_string();
        assert!(
            e.contains("class `2` has a single example") && e.contains("n.jsonl:3"),
            "{e}"
        );
        let one = data.subset(&[0, 1]);
        let e = one.check_trainable().unwrap_err().to_string();
        assert!(e.contains("at least two classes"), "{e}");
    }
}
