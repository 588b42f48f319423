//! The model file: one self-describing file, written atomically, loaded without executing
//! anything (unlike a pickle) and without trusting any length it declares.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 14 | magic `FRAMING MODEL\n` |
//! | 4 | format version (`u32`, currently 1) |
//! | 8 | header length `H` (`u64`) |
//! | H | header: UTF-8 JSON ([`Header`]): format name, version, featurizer pipeline, block sizes, heads (classes, parameters, fit report), training metadata |
//! | … | sections, in header order: per block its terms (`u32` length + UTF-8 bytes each) then its IDF (`f32` × terms); per head its weights (`f32` × features × classes) then intercepts (`f32` × classes) |
//! | 8 | XXH3-64 checksum of every preceding byte |
//!
//! Loading checks, in order: magic, version, checksum (so truncation or any flipped byte is
//! caught before parsing), header, then every section's declared size against the bytes
//! actually present before allocating for it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::classify::{FitInfo, LogisticModel, LogisticValidParams};
use crate::error::{Error, Result};
use crate::features::{NgramKind, Tfidf, TfidfValidParams, Vocabulary};
use crate::pipeline::{Head, Model, TrainingMeta};

/// The first bytes of every model file.
pub const MAGIC: &[u8; 14] = b"FRAMING MODEL\n";
/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;
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
    /// Vocabulary blocks, in feature order.
    pub blocks: Vec<BlockHeader>,
    /// Total features (sum of block terms).
    pub n_features: u64,
    /// Heads, in order.
    pub heads: Vec<HeadHeader>,
    /// Provenance.
    pub training: TrainingMeta,
}

fn corrupt(path: Option<&Path>, problem: impl Into<String>) -> Error {
    Error::model_file(path.map(Path::to_path_buf), problem)
}

impl Model {
    /// Serializes the model to bytes (see the module docs for the layout).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let f = self.featurizer();
        let mut sections: Vec<u8> = Vec::new();
        let mut blocks = Vec::new();
        for b in f.blocks() {
            let start = sections.len();
            for t in b.terms() {
                sections.extend_from_slice(&(t.len() as u32).to_le_bytes());
                sections.extend_from_slice(t.as_bytes());
            }
            let terms_bytes = (sections.len() - start) as u64;
            for v in b.idf() {
                sections.extend_from_slice(&v.to_le_bytes());
            }
            blocks.push(BlockHeader {
                kind: b.kind(),
                terms: b.len() as u64,
                terms_bytes,
            });
        }
        let mut heads = Vec::new();
        for h in self.heads() {
            for v in h.model.weights().iter().chain(h.model.intercepts()) {
                sections.extend_from_slice(&v.to_le_bytes());
            }
            heads.push(HeadHeader {
                field: h.field.clone(),
                classes: h.model.classes().to_vec(),
                params: h.params.clone(),
                fit_info: h.model.fit_info().clone(),
            });
        }
        let header = Header {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            featurizer: f.params().clone(),
            blocks,
            n_features: f.n_features() as u64,
            heads,
            training: self.meta().clone(),
        };
        let json = serde_json::to_vec_pretty(&header).map_err(|e| Error::ModelFile {
            path: None,
            problem: format!("cannot serialize header: {e}"),
        })?;
        let mut out = Vec::with_capacity(MAGIC.len() + 12 + json.len() + sections.len() + 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(json.len() as u64).to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&sections);
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

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Model::from_bytes(&bytes, Some(path))
    }

    /// Parses model bytes; `path` only names the source in errors.
    pub fn from_bytes(bytes: &[u8], path: Option<&Path>) -> Result<Model> {
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
        if xxh3_64(body) != u64::from_le_bytes(stored) {
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
        let featurizer = Tfidf::from_parts(header.featurizer.clone(), blocks)
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
        if r.pos != body.len() {
            return Err(err(format!(
                "{} unexpected bytes after the last section",
                body.len() - r.pos
            )));
        }
        Model::from_parts(featurizer, heads, header.training)
            .map_err(|e| err(format!("inconsistent model: {e}")))
    }
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
