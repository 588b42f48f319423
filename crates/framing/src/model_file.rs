//! The model file: one self-describing file, written atomically, loaded without executing
//! anything (unlike a pickle) and without trusting any length it declares.
//!
//! Layout of format 2 (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 14 | magic `FRAMING MODEL\n` |
//! | 4 | format version (`u32`, currently 2) |
//! | 8 | header length `H` (`u64`) |
//! | H | header: UTF-8 JSON ([`Header`]): format name, version, featurizer pipeline, block and table sizes, heads (classes, parameters, fit report), training metadata |
//! | … | tables, in header order, each starting on a 64-byte boundary (zero padding between): per block its term text (UTF-8, back to back), term ends (`u32` × terms), IDF (`f32` × terms) and hash index slots (`u64` × slots); then the fused rows (`f32` × features × stride: per feature its IDF, every head's weights, zero padding); then per head its intercepts (`f32` × classes) |
//! | 8 | XXH3-64 checksum of every preceding byte |
//!
//! The tables are stored as the featurizer and the scorer use them, so loading checks them
//! and reads them in place instead of rebuilding them: the default model embedded in the
//! binary is never copied ([`Model::from_static`]), and a file is read once into one
//! aligned buffer that its tables share. A head's weights are read from the fused rows.
//!
//! Loading checks, in order: magic, version, checksum (so truncation or any flipped byte is
//! caught before parsing), header, then every table's declared size against the bytes
//! actually present before using it, then the tables' contents (UTF-8 terms, term
//! boundaries, positive finite IDF, finite weights, every feature in its index once).
//!
//! Format 1 files (terms as length-prefixed strings, weights per head, no index) are still
//! read; they are rebuilt in memory as before.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::classify::{FitInfo, LogisticModel, LogisticValidParams};
use crate::error::{Error, Result};
use crate::features::{NgramKind, Tfidf, TfidfValidParams, Vocabulary};
use crate::pipeline::{FusedRows, Head, Model, StoredHead, TrainingMeta};
use crate::store::{Source, Table, Value, ALIGN};
use crate::text::HashtagWords;

/// The first bytes of every model file.
pub const MAGIC: &[u8; 14] = b"FRAMING MODEL\n";
/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 2;
/// The format name in the header.
pub const FORMAT_NAME: &str = "framing-model";

/// Size of one block's sections.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockHeader {
    /// Word or character n-grams.
    pub kind: NgramKind,
    /// Number of terms.
    pub terms: u64,
    /// Bytes of the terms section.
    pub terms_bytes: u64,
    /// Slots of the hash index (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_slots: Option<u64>,
}

/// One head's description.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadHeader {
    /// Label field.
    pub field: String,
    /// Classes in column order.
    pub classes: Vec<String>,
    /// Hyperparameters it was trained with.
    pub params: LogisticValidParams,
    /// Optimizer report.
    pub fit_info: FitInfo,
}

/// The JSON header.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// Same as the binary version field.
    pub version: u32,
    /// The featurizer pipeline.
    pub featurizer: TfidfValidParams,
    /// The hashtag stage's word table, when that stage is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashtag_words: Option<HashtagWords>,
    /// Vocabulary blocks, in feature order.
    pub blocks: Vec<BlockHeader>,
    /// Total features (sum of block terms).
    pub n_features: u64,
    /// Values per fused row (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fused_stride: Option<u64>,
    /// Heads, in order.
    pub heads: Vec<HeadHeader>,
    /// Provenance.
    pub training: TrainingMeta,
}

fn corrupt(path: Option<&Path>, problem: impl Into<String>) -> Error {
    Error::model_file(path.map(Path::to_path_buf), problem)
}

/// Appends `values` little-endian, then zeros up to the next 64-byte boundary.
fn push_table<T: Value>(out: &mut Vec<u8>, values: &[T]) {
    for v in values {
        out.extend_from_slice(bytemuck::bytes_of(&v.swap_le()));
    }
    pad(out);
}

/// The bytes before the tables: magic, version, header length, the JSON header `json`,
/// zeros up to the tables' 64-byte boundary.
fn file_start(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(json);
    pad(&mut out);
    out
}

/// Zeros up to the next 64-byte boundary.
fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(ALIGN), 0);
}

impl Model {
    /// Serializes the model to bytes (see the module docs for the layout).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let f = self.featurizer();
        let mut blocks = Vec::new();
        for b in f.blocks() {
            let (text, _, slots) = b.tables();
            blocks.push(BlockHeader {
                kind: b.kind(),
                terms: b.len() as u64,
                terms_bytes: text.len() as u64,
                index_slots: Some(slots.len() as u64),
            });
        }
        let heads = self
            .heads()
            .iter()
            .map(|h| HeadHeader {
                field: h.field.clone(),
                classes: h.model.classes().to_vec(),
                params: h.params.clone(),
                fit_info: h.model.fit_info().clone(),
            })
            .collect();
        let header = Header {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            featurizer: f.params().clone(),
            hashtag_words: f.hashtag_words().cloned(),
            blocks,
            n_features: f.n_features() as u64,
            fused_stride: Some(self.fused().stride() as u64),
            heads,
            training: self.meta().clone(),
        };
        let json = serde_json::to_vec_pretty(&header).map_err(|e| Error::ModelFile {
            path: None,
            problem: format!("cannot serialize header: {e}"),
        })?;
        let mut out = file_start(&json);
        for b in f.blocks() {
            let (text, ends, slots) = b.tables();
            push_table(&mut out, text);
            push_table(&mut out, ends);
            push_table(&mut out, b.idf());
            push_table(&mut out, slots);
        }
        push_table(&mut out, self.fused().values());
        for h in self.heads() {
            push_table(&mut out, h.model.intercepts());
        }
        let sum = xxh3_64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        Ok(out)
    }

    /// Writes the model to `path` atomically: a temporary file in the same directory,
    /// flushed to disk, then renamed over `path`. On failure `path` is left untouched.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes()?;
        write_atomic(path, &bytes)
    }

    /// Reads a model file. The file is mapped into memory and its tables are read in
    /// place (every check still runs); don't rewrite it in place while the model is in use
    /// ([`Model::save`] replaces a file through a rename, which is safe).
    pub fn load(path: &Path) -> Result<Model> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = fs::File::open(path).map_err(io)?;
        let source = Source::map(&file).map_err(io)?;
        Model::from_source(&source, Some(path), Trust::Nothing)
    }

    /// Parses model bytes; `path` only names the source in errors. The bytes are copied
    /// once into an aligned buffer (see [`Model::from_static`] to avoid even that).
    pub fn from_bytes(bytes: &[u8], path: Option<&Path>) -> Result<Model> {
        Model::from_source(&Source::copy_of(bytes), path, Trust::Nothing)
    }

    /// Parses model bytes that are part of the program, such as a model embedded in a
    /// binary with `include_bytes!` (check such a model once with [`Model::from_bytes`],
    /// e.g. in a test). A format 2 model's tables are read in place, not copied, when the
    /// bytes start on a 64-byte boundary (otherwise they are copied once).
    ///
    /// The bytes are trusted as the program's code is: the checksum and the scan of every
    /// weight (finite, rows starting with their IDF) are skipped, so that a one-paragraph
    /// call does not read the whole model. Every check that keeps loading and lookups in
    /// bounds still runs. `path` only names the source in errors.
    pub fn from_static(bytes: &'static [u8], path: Option<&Path>) -> Result<Model> {
        if bytes.as_ptr() as usize % ALIGN == 0 {
            Model::from_source(&Source::Static(bytes), path, Trust::Program)
        } else {
            Model::from_source(&Source::copy_of(bytes), path, Trust::Program)
        }
    }

    fn from_source(source: &Source, path: Option<&Path>, trust: Trust) -> Result<Model> {
        let bytes = source.bytes();
        let err = |p: String| corrupt(path, p);
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(err(
                "not a framing model file (it does not start with `FRAMING MODEL`)".into(),
            ));
        }
        let mut r = Reader {
            bytes,
            pos: MAGIC.len(),
            path,
        };
        let version = r.u32("format version")?;
        if version > FORMAT_VERSION {
            return Err(err(format!(
                "model format version {version} is newer than this build of framing supports \
                 (version {FORMAT_VERSION}); upgrade framing to read it"
            )));
        }
        if version == 0 {
            return Err(err("model format version 0 is not valid".into()));
        }
        if bytes.len() < r.pos + 8 + 8 {
            return Err(err(format!(
                "file is truncated ({} bytes is too short for a model)",
                bytes.len()
            )));
        }
        let body = &bytes[..bytes.len() - 8];
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&bytes[bytes.len() - 8..]);
        if trust == Trust::Nothing && xxh3_64(body) != u64::from_le_bytes(stored) {
            return Err(err(
                "checksum mismatch: the file is corrupt or truncated".into()
            ));
        }
        let mut r = Reader {
            bytes: body,
            pos: r.pos,
            path,
        };
        let header_len = r.u64("header length")?;
        let header_bytes = r.take(header_len, "header")?;
        let header: Header =
            serde_json::from_slice(header_bytes).map_err(|e| err(format!("bad header: {e}")))?;
        if header.format != FORMAT_NAME || header.version != version {
            return Err(err(format!(
                "header says format `{}` version {}, expected `{FORMAT_NAME}` version {version}",
                header.format, header.version
            )));
        }
        let model = if version == 1 {
            read_v1(&mut r, header)?
        } else {
            read_v2(&mut r, source, header, trust)?
        };
        if r.pos != body.len() {
            return Err(err(format!(
                "{} unexpected bytes after the last section",
                body.len() - r.pos
            )));
        }
        Ok(model.read_from_version(version))
    }
}

/// How far model bytes are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// Bytes from outside the program: every check runs.
    Nothing,
    /// Bytes that are part of the program: only the checks that keep it in bounds run.
    Program,
}

/// Format 2: tables read in place.
fn read_v2(r: &mut Reader<'_>, source: &Source, header: Header, trust: Trust) -> Result<Model> {
    let path = r.path;
    let err = |p: String| corrupt(path, p);
    let missing = |what: &str| err(format!("format 2 header lacks `{what}`"));
    r.align()?;
    let mut blocks = Vec::with_capacity(header.blocks.len().min(2));
    for b in &header.blocks {
        let slots = b.index_slots.ok_or_else(|| missing("index_slots"))?;
        let text = r.table::<u8>(source, b.terms_bytes, "vocabulary terms")?;
        let ends = r.table::<u32>(source, b.terms, "term ends")?;
        let idf = r.table::<f32>(source, b.terms, "idf")?;
        let slots = r.table::<u64>(source, slots, "index slots")?;
        blocks.push(
            Vocabulary::stored(b.kind, text, ends, idf, slots)
                .map_err(|e| err(format!("bad vocabulary: {e}")))?,
        );
    }
    let featurizer = Tfidf::from_parts(
        header.featurizer.clone(),
        blocks,
        header.hashtag_words.clone(),
    )
    .map_err(|e| err(format!("bad featurizer: {e}")))?;
    let d = featurizer.n_features();
    if d as u64 != header.n_features {
        return Err(err(format!(
            "header declares {} features, blocks hold {d}",
            header.n_features,
        )));
    }
    // The stride is checked against the heads' classes when the model is assembled.
    let stride = header.fused_stride.ok_or_else(|| missing("fused_stride"))?;
    let n_values = (d as u64)
        .checked_mul(stride)
        .ok_or_else(|| err("fused row size overflows".into()))?;
    let values = r.table::<f32>(source, n_values, "fused rows")?;
    let fused = FusedRows::stored(values, d, stride as usize)
        .map_err(|e| err(format!("bad fused rows: {e}")))?;
    let mut heads = Vec::with_capacity(header.heads.len().min(64));
    for h in header.heads {
        let intercepts = r.table::<f32>(source, h.classes.len() as u64, "intercepts")?;
        heads.push(StoredHead {
            field: h.field,
            params: h.params,
            classes: h.classes,
            intercepts: intercepts.to_vec(),
            info: h.fit_info,
        });
    }
    Model::from_stored(
        featurizer,
        heads,
        header.training,
        fused,
        trust == Trust::Nothing,
    )
    .map_err(|e| err(format!("inconsistent model: {e}")))
}

/// Format 1: length-prefixed terms and per-head weights, rebuilt in memory.
fn read_v1(r: &mut Reader<'_>, header: Header) -> Result<Model> {
    let path = r.path;
    let err = |p: String| corrupt(path, p);
    let mut blocks = Vec::with_capacity(header.blocks.len().min(2));
    for b in &header.blocks {
        let terms_bytes = r.take(b.terms_bytes, "vocabulary terms")?;
        // Every term takes at least 4 bytes, so `terms` is bounded by the bytes present.
        if b.terms > b.terms_bytes / 4 {
            return Err(err(format!(
                "block declares {} terms in {} bytes",
                b.terms, b.terms_bytes
            )));
        }
        // Terms go back to back into one string (no allocation per term).
        let mut text = String::with_capacity(terms_bytes.len());
        let mut ends = Vec::with_capacity(b.terms as usize);
        let mut tr = Reader {
            bytes: terms_bytes,
            pos: 0,
            path,
        };
        for _ in 0..b.terms {
            let len = tr.u32("term length")?;
            let raw = tr.take(len as u64, "term")?;
            let s = std::str::from_utf8(raw)
                .map_err(|_| err("vocabulary term is not valid UTF-8".into()))?;
            text.push_str(s);
            let end = u32::try_from(text.len())
                .map_err(|_| err("vocabulary terms exceed 4 GiB".into()))?;
            ends.push(end);
        }
        if tr.pos != terms_bytes.len() {
            return Err(err("vocabulary section has trailing bytes".into()));
        }
        let idf = r.f32s(b.terms, "idf")?;
        blocks.push(
            Vocabulary::packed(b.kind, text, ends, idf)
                .map_err(|e| err(format!("bad vocabulary: {e}")))?,
        );
    }
    let featurizer = Tfidf::from_parts(
        header.featurizer.clone(),
        blocks,
        header.hashtag_words.clone(),
    )
    .map_err(|e| err(format!("bad featurizer: {e}")))?;
    if featurizer.n_features() as u64 != header.n_features {
        return Err(err(format!(
            "header declares {} features, blocks hold {}",
            header.n_features,
            featurizer.n_features()
        )));
    }
    let d = featurizer.n_features() as u64;
    let mut heads = Vec::with_capacity(header.heads.len().min(64));
    for h in header.heads {
        let k = h.classes.len() as u64;
        let n_weights = d
            .checked_mul(k)
            .ok_or_else(|| err("weight count overflows".into()))?;
        let weights = r.f32s(n_weights, "weights")?;
        let intercepts = r.f32s(k, "intercepts")?;
        let model =
            LogisticModel::from_parts(h.classes, d as usize, weights, intercepts, h.fit_info)
                .map_err(|e| err(format!("bad head `{}`: {e}", h.field)))?;
        heads.push(Head {
            field: h.field,
            params: h.params,
            model,
        });
    }
    Model::from_parts(featurizer, heads, header.training)
        .map_err(|e| err(format!("inconsistent model: {e}")))
}

/// A bounds-checked cursor: every read checks the bytes are there before allocating.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: Option<&'a Path>,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8]> {
        let left = (self.bytes.len() - self.pos) as u64;
        if n > left {
            return Err(corrupt(
                self.path,
                format!("truncated {what}: needs {n} bytes, {left} left"),
            ));
        }
        let s = &self.bytes[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    /// Skips the zero padding up to the next 64-byte boundary.
    fn align(&mut self) -> Result<()> {
        let n = self.pos.next_multiple_of(ALIGN) - self.pos;
        if self.take(n as u64, "padding")?.iter().any(|&b| b != 0) {
            return Err(corrupt(self.path, "padding between tables is not zero"));
        }
        Ok(())
    }

    /// The next table of `n` values (read in place from `source`), then its padding.
    fn table<T: Value>(&mut self, source: &Source, n: u64, what: &str) -> Result<Table<T>> {
        let bytes = n
            .checked_mul(std::mem::size_of::<T>() as u64)
            .ok_or_else(|| corrupt(self.path, format!("{what} size overflows")))?;
        let start = self.pos;
        self.take(bytes, what)?;
        let table = Table::view(source, start, n as usize)
            .ok_or_else(|| corrupt(self.path, format!("{what} is not aligned")))?;
        self.align()?;
        Ok(table)
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn f32s(&mut self, n: u64, what: &str) -> Result<Vec<f32>> {
        let bytes = n
            .checked_mul(4)
            .ok_or_else(|| corrupt(self.path, format!("{what} size overflows")))?;
        let raw = self.take(bytes, what)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
///
/// On any failure (disk full, no permission, …) the temporary file is removed and the error
/// is [`Error::AtomicWrite`]: a previous file at `path` is left exactly as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source: std::io::Error, _: &Path| Error::AtomicWrite {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(|e| io(e, &tmp))?;
        f.write_all(bytes).map_err(|e| io(e, &tmp))?;
        f.sync_all().map_err(|e| io(e, &tmp))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| io(e, path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::LogisticParams;
    use crate::features::{BlockParams, DfBound, TfidfParams};
    use crate::store::Source;

    fn model() -> Model {
        let data = crate::pipeline::tests_support::toy_data();
        let mut w = BlockParams::word_default();
        w.min_df = DfBound::Count(1);
        let mut c = BlockParams::char_default();
        c.min_df = DfBound::Count(1);
        let f = TfidfParams::new().word(Some(w)).char(Some(c));
        Model::fit(&data, &f, &LogisticParams::new()).unwrap()
    }

    #[test]
    fn round_trip_is_exact() {
        let m = model();
        let bytes = m.to_bytes().unwrap();
        let back = Model::from_bytes(&bytes, None).unwrap();
        assert_eq!(back.to_bytes().unwrap(), bytes);
        let texts = ["Moscow wants fuel", "girls school ban", ""];
        assert_eq!(m.predict(&texts), back.predict(&texts));
    }

    #[test]
    fn save_load_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.model");
        let m = model();
        m.save(&p).unwrap();
        let back = Model::load(&p).unwrap();
        assert_eq!(back.heads().len(), 2);
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary file left behind");
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = model().to_bytes().unwrap();
        for cut in 0..16 {
            let n = bytes.len() * cut / 16;
            let e = Model::from_bytes(&bytes[..n], None).unwrap_err();
            assert!(matches!(e, Error::ModelFile { .. }), "cut {n}: {e}");
        }
        // Every single-byte truncation near the end too.
        for n in bytes.len() - 40..bytes.len() {
            assert!(Model::from_bytes(&bytes[..n], None).is_err());
        }
    }

    #[test]
    fn flipped_bytes_are_detected() {
        let bytes = model().to_bytes().unwrap();
        let step = (bytes.len() / 97).max(1);
        for i in (MAGIC.len() + 4..bytes.len()).step_by(step) {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            let e = Model::from_bytes(&b, None).unwrap_err().to_string();
            assert!(
                e.contains("checksum") || e.contains("version"),
                "byte {i}: {e}"
            );
        }
    }

    #[test]
    fn foreign_and_newer_files_are_named_errors() {
        let e = Model::from_bytes(b"\x80\x04\x95pickle", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a framing model"), "{e}");
        let e = Model::from_bytes(b"", None).unwrap_err().to_string();
        assert!(e.contains("not a framing model"), "{e}");
        let mut bytes = model().to_bytes().unwrap();
        bytes[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&7u32.to_le_bytes());
        let e = Model::from_bytes(&bytes, Some(Path::new("x.model")))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.model") && e.contains("version 7 is newer"),
            "{e}"
        );
    }

    /// Replaces the checksum, as a writer of a crafted file would.
    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        let n = bytes.len() - 8;
        let sum = xxh3_64(&bytes[..n]);
        bytes[n..].copy_from_slice(&sum.to_le_bytes());
        bytes
    }

    /// Where the tables start: the header, padded to 64 bytes.
    fn tables_start(bytes: &[u8]) -> (Header, usize) {
        let at = MAGIC.len() + 4;
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        let header = serde_json::from_slice(&bytes[at + 8..at + 8 + len]).unwrap();
        (header, (at + 8 + len).next_multiple_of(ALIGN))
    }

    /// `bytes` with its header replaced by `header` (tables moved to stay aligned), resealed.
    fn with_header(bytes: &[u8], header: &Header) -> Vec<u8> {
        let (_, start) = tables_start(bytes);
        let mut out = file_start(&serde_json::to_vec(header).unwrap());
        out.extend_from_slice(&bytes[start..]);
        reseal(out)
    }

    #[test]
    fn hashtag_stage_round_trips_and_needs_its_word_table() {
        let data = crate::pipeline::tests_support::toy_data();
        let mut w = BlockParams::word_default();
        w.min_df = DfBound::Count(1);
        let f = TfidfParams::new().split_hashtags(true).word(Some(w));
        let m = Model::fit(&data, &f, &LogisticParams::new()).unwrap();
        let table = m.featurizer().hashtag_words().unwrap();
        assert!(table.words.iter().any(|(w, _)| w == "fuel"));
        let bytes = m.to_bytes().unwrap();
        let back = Model::from_bytes(&bytes, None).unwrap();
        assert_eq!(back.to_bytes().unwrap(), bytes);
        assert_eq!(back.featurizer().hashtag_words(), Some(table));
        let texts = ["#MoscowWantsFuel", "#girlsschool ban", "#"];
        assert_eq!(m.predict(&texts), back.predict(&texts));
        // Identical bytes after a trip through `with_header`, so the edits below are all
        // that the loader sees.
        let (header, _) = tables_start(&bytes);
        assert!(Model::from_bytes(&with_header(&bytes, &header), None).is_ok());
        let err = |h: &Header| {
            Model::from_bytes(&with_header(&bytes, h), Some(Path::new("h.model")))
                .unwrap_err()
                .to_string()
        };
        let mut no_table = header.clone();
        no_table.hashtag_words = None;
        let e = err(&no_table);
        assert!(
            e.contains("h.model") && e.contains("word table is missing"),
            "{e}"
        );
        let mut stage_off = header.clone();
        stage_off.featurizer.hashtags = false;
        let e = err(&stage_off);
        assert!(e.contains("h.model") && e.contains("stage is off"), "{e}");
    }

    #[test]
    fn format_1_files_are_still_read() {
        let v1 = include_bytes!("../../../tests/fixtures/v1.model");
        let m = Model::from_bytes(v1, None).unwrap();
        assert_eq!(m.file_version(), Some(1));
        let texts = ["Fuel and wheat deals", "The ban on girls at school"];
        let p = m.predict(&texts);
        assert_eq!(m.label(0, &p[0]), "economic");
        assert_eq!(m.label(1, &p[1]), "against");
        // Saved again, it is format 2 and scores exactly alike.
        let v2 = Model::from_bytes(&m.to_bytes().unwrap(), None).unwrap();
        assert_eq!(v2.file_version(), Some(FORMAT_VERSION));
        assert_eq!(v2.predict(&texts), p);
        assert_eq!(v2.heads()[1].model, m.heads()[1].model);
    }

    #[test]
    fn static_bytes_are_read_in_place() {
        let bytes = model().to_bytes().unwrap();
        let source = Source::copy_of(&bytes);
        let Source::Shared(buf, len) = &source else {
            unreachable!()
        };
        let leaked: &'static [u8] =
            &bytemuck::cast_slice(Box::leak(Box::new(buf.to_vec())))[..*len];
        let m = Model::from_static(leaked, None).unwrap();
        let fused = m.fused().values().as_ptr_range();
        let own = leaked.as_ptr_range();
        assert!(
            own.start as usize <= fused.start as usize && fused.end as usize <= own.end as usize,
            "the fused rows are the embedded bytes"
        );
        let checked = Model::from_bytes(leaked, None).unwrap();
        let texts = ["Moscow wants fuel", "girls school ban"];
        assert_eq!(m.predict(&texts), checked.predict(&texts));
        assert_eq!(m.heads()[0].model, checked.heads()[0].model);
    }

    #[test]
    fn crafted_tables_are_named_errors() {
        let bytes = model().to_bytes().unwrap();
        let (header, start) = tables_start(&bytes);
        let b = &header.blocks[0];
        let at = |mut off: usize, table_bytes: u64| {
            off += table_bytes as usize;
            off.next_multiple_of(ALIGN)
        };
        let ends = at(start, b.terms_bytes);
        let idf = at(ends, b.terms * 4);
        let slots = at(idf, b.terms * 4);
        let check = |bytes: Vec<u8>, want: &str| {
            let e = Model::from_bytes(&reseal(bytes), Some(Path::new("c.model")))
                .unwrap_err()
                .to_string();
            assert!(e.contains("c.model") && e.contains(want), "{want}: {e}");
        };
        // An index slot naming a feature that does not exist.
        let mut x = bytes.clone();
        let used = (0..b.index_slots.unwrap() as usize)
            .map(|i| slots + 8 * i)
            .find(|&o| x[o..o + 8] != [0xff; 8])
            .unwrap();
        x[used..used + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        check(x, "bad or repeated id");
        // Term text that is not UTF-8.
        let mut x = bytes.clone();
        x[start] = 0xff;
        check(x, "not UTF-8");
        // Term ends that go backwards.
        let mut x = bytes.clone();
        x[ends..ends + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        check(x, "not a boundary");
        // A non-positive IDF.
        let mut x = bytes.clone();
        x[idf..idf + 4].copy_from_slice(&(-1.0f32).to_le_bytes());
        check(x, "idf value");
        // Padding that is not zero.
        let mut x = bytes.clone();
        x[start - 1] = 1;
        check(x, "padding");
        // A weight that is not finite, in the fused rows (after the last block's index).
        let last = header.blocks.last().unwrap();
        let mut fused = start;
        for b in &header.blocks {
            fused = at(
                at(at(at(fused, b.terms_bytes), b.terms * 4), b.terms * 4),
                b.index_slots.unwrap() * 8,
            );
        }
        assert!(last.terms > 0);
        let mut x = bytes.clone();
        x[fused + 4..fused + 8].copy_from_slice(&f32::NAN.to_le_bytes());
        check(x, "non-finite");
        // A fused row that does not start with its IDF.
        let mut x = bytes.clone();
        x[fused..fused + 4].copy_from_slice(&123.0f32.to_le_bytes());
        check(x, "IDF");
    }

    #[test]
    fn huge_declared_sizes_do_not_allocate() {
        // A valid checksum over a header that declares absurd sizes must fail cleanly.
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&u64::MAX.to_le_bytes());
        let sum = xxh3_64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        let e = Model::from_bytes(&out, None).unwrap_err().to_string();
        assert!(e.contains("truncated header"), "{e}");
    }
}
