//! The one place where the stages are chained: a fitted featurizer plus one classifier
//! **head** per label field. `fit` trains them all on shared features; `predict` turns
//! texts into per-head labels and probabilities.

use std::cell::RefCell;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::classify::{
    argmax, softmax, FitInfo, LogisticModel, LogisticParams, LogisticValidParams,
};
use crate::data::{DataFile, LabeledData};
use crate::error::{Error, Result};
use crate::features::tfidf::{ChunkSums, Counted};
use crate::features::{NgramKind, Scratch, SparseRow, Tfidf, TfidfParams};
use crate::hint::prefetch;
use crate::store::Table;

/// How many n-grams ahead scoring prefetches a fused weight row.
const PREFETCH: usize = 8;

/// A scoring pass over one block's n-grams: calls `add(state, row, x)` once per n-gram it
/// reads, with the n-gram's fused row and a scalar, and returns the state and `Σ v²` (the
/// block's squared norm before L2 normalization). [`lane_sums`] supplies the state,
/// starting at [`Pass::init`].
trait Pass<'r> {
    /// The lane sums the pass starts from (zeros when `None`).
    fn init(&self) -> Option<&[f32]>;
    fn run<A>(self, state: A, add: impl Fn(&mut A, &'r [f32], f32)) -> (A, f32);
}

/// Runs `pass` with one sum per lane of the fused rows, starting at its
/// [`Pass::init`], and leaves the sums in `acc`; returns the pass's `Σ v²`. Every lane is summed,
/// IDF and zero padding included, so that for the usual strides a whole row is a few
/// vector operations on an array the compiler keeps in registers, instead of a loop per
/// class; lanes `1..=Σ classes` are the scores. Each lane's sum runs in the pass's order.
#[inline(always)]
fn lane_sums<'r>(stride: usize, acc: &mut [f32], pass: impl Pass<'r>) -> f32 {
    match stride {
        8 => lane_sums_fixed::<8>(acc, pass),
        16 => lane_sums_fixed::<16>(acc, pass),
        32 => lane_sums_fixed::<32>(acc, pass),
        stride => {
            let acc = &mut acc[..stride];
            match pass.init() {
                Some(init) => acc.copy_from_slice(&init[..stride]),
                None => acc.iter_mut().for_each(|a| *a = 0.0),
            }
            let (_, norm2) = pass.run(acc, |acc, row, x| {
                for (a, w) in acc.iter_mut().zip(row) {
                    *a += x * w;
                }
            });
            norm2
        }
    }
}

/// [`lane_sums`] for rows of `S` values.
#[inline(always)]
fn lane_sums_fixed<'r, const S: usize>(acc: &mut [f32], pass: impl Pass<'r>) -> f32 {
    let mut sum = [0.0f32; S];
    if let Some(init) = pass.init() {
        sum.copy_from_slice(&init[..S]);
    }
    let (sum, norm2) = pass.run(sum, |sum, row, x| {
        if let Ok(row) = <&[f32; S]>::try_from(row) {
            for (a, w) in sum.iter_mut().zip(row) {
                *a += x * w;
            }
        }
    });
    acc[..S].copy_from_slice(&sum);
    norm2
}

/// Block-local id → fused row, for a block starting at global id `offset`.
#[inline(always)]
fn row_of<'r>(rows: RowsView<'r>, offset: u32, local: u32) -> Option<&'r [f32]> {
    let start = (offset as usize + local as usize) * rows.stride;
    rows.data.get(start..start + rows.stride)
}

/// Scores every distinct n-gram of a block: for each, in order, takes its term frequency
/// `tf`, finds its fused row (prefetching rows [`PREFETCH`] n-grams ahead), and adds
/// `v · row` with `v = tf · IDF` (lane 0 of the row); `Σ v²` is the norm.
struct Scan<'r, 'b, 'c> {
    rows: RowsView<'r>,
    block: &'b mut Counted<'c>,
}

impl<'r> Pass<'r> for Scan<'r, '_, '_> {
    fn init(&self) -> Option<&[f32]> {
        None
    }

    #[inline(always)]
    fn run<A>(self, mut state: A, add: impl Fn(&mut A, &'r [f32], f32)) -> (A, f32) {
        let Scan { rows, block } = self;
        let offset = block.offset;
        let mut norm2 = 0.0f32;
        for t in 0..block.ids.len() {
            if let Some(ahead) = block.ids.get(t + PREFETCH) {
                if let Some(ahead) = row_of(rows, offset, *ahead) {
                    prefetch(&ahead[..1]);
                }
            }
            let tf = block.take_tf(t);
            let Some(row) = row_of(rows, offset, block.ids[t]) else {
                continue;
            };
            let v = tf * row[0];
            norm2 += v * v;
            add(&mut state, row, v);
        }
        (state, norm2)
    }
}

/// The largest occurrence count of an n-gram for which [`Repeats`] corrects the chunk sums.
/// The correction cancels `n · v` down to `tf · v`, which scales the sums' rounding error by
/// up to `n / tf` (12 at 64); texts with an n-gram repeated more often (rare: a word
/// repeated dozens of times in one paragraph) take [`Scan`] instead.
const MAX_CORRECTED_REPEAT: u16 = 64;

/// Scores the character block from the sums of its chunks. The lane sums start at `total`,
/// the sum over the text's chunk occurrences of [`chunk_sum`], which counts every n-gram
/// occurrence with term frequency 1; lane 0 of that total is `Σ n · IDF²`. The pass corrects
/// it for the n-grams that occurred `n > 1` times, whose term frequency `tf` is
/// not `n`: it adds `(tf - n) · IDF · row` to the sums and `(tf² - n) · IDF²` to the norm.
/// Equal to [`Scan`] up to float rounding; only the repeated n-grams' rows are read.
struct Repeats<'r, 'b, 'c> {
    rows: RowsView<'r>,
    block: &'b mut Counted<'c>,
    total: &'b [f32],
}

impl<'r> Pass<'r> for Repeats<'r, '_, '_> {
    fn init(&self) -> Option<&[f32]> {
        Some(self.total)
    }

    #[inline(always)]
    fn run<A>(self, mut state: A, add: impl Fn(&mut A, &'r [f32], f32)) -> (A, f32) {
        let Repeats { rows, block, total } = self;
        let mut norm2 = total[0];
        let offset = block.offset;
        let repeats = block.take_repeated();
        for (t, r) in repeats.iter().enumerate() {
            if let Some(ahead) = repeats.get(t + PREFETCH) {
                if let Some(ahead) = row_of(rows, offset, ahead.id) {
                    prefetch(&ahead[..1]);
                }
            }
            let Some(row) = row_of(rows, offset, r.id) else {
                continue;
            };
            let idf = row[0];
            norm2 += (r.tf * r.tf - r.n) * (idf * idf);
            add(&mut state, row, (r.tf - r.n) * idf);
        }
        (state, norm2)
    }
}

/// A chunk's sum for [`Repeats`]: adds `IDF · row` into `out` for each of the
/// chunk's n-gram occurrences (block-local `ids` in a block starting at `offset`), in order.
fn chunk_sum(rows: RowsView<'_>, offset: u32, ids: &[u32], out: &mut [f32]) {
    for &id in ids {
        let Some(row) = row_of(rows, offset, id) else {
            continue;
        };
        let v = row[0];
        for (o, w) in out.iter_mut().zip(row) {
            *o += v * w;
        }
    }
}

/// Source of [`Model`] ids for per-thread chunk sums; 0 is never issued.
static NEXT_MODEL_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A classifier for one label field (e.g. `frame` or `stance`).
#[derive(Debug, Clone)]
pub struct Head {
    /// The label field it predicts; output fields are named after it.
    pub field: String,
    /// The hyperparameters it was trained with.
    pub params: LogisticValidParams,
    /// The fitted classifier.
    pub model: LogisticModel,
}

/// A head as a model file stores it, its weights being in the model's fused rows.
pub(crate) struct StoredHead {
    pub(crate) field: String,
    pub(crate) params: LogisticValidParams,
    pub(crate) classes: Vec<String>,
    pub(crate) intercepts: Vec<f32>,
    pub(crate) info: FitInfo,
}

/// Provenance recorded in every model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingMeta {
    /// Version of the `framing` library that trained the model.
    pub library_version: String,
    /// RFC 3339 UTC time of training (`SOURCE_DATE_EPOCH` when set, for reproducible files).
    pub trained_at: String,
    /// The data files, with SHA-256 and row counts.
    pub data_files: Vec<DataFile>,
    /// Files of unlabeled texts the featurizer was also fitted on (`--vocab-data`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vocab_files: Vec<DataFile>,
    /// Training rows.
    pub n_rows: usize,
    /// The field the text was read from.
    pub text_field: String,
    /// Seed given to training (recorded; the solver itself is deterministic).
    pub seed: u64,
}

/// A trained model: featurizer, heads, and provenance.
#[derive(Debug, Clone)]
pub struct Model {
    featurizer: Tfidf,
    heads: Vec<Head>,
    meta: TrainingMeta,
    /// Per feature: its IDF, then every head's weights side by side.
    fused: FusedRows,
    /// Where each head's classes start in a fused row; last entry = `Σ classes`.
    head_offsets: Vec<usize>,
    /// Format version of the file the model was read from.
    file_version: Option<u32>,
    /// Identifies the fused rows to per-thread caches of chunk sums (a clone shares it: same
    /// rows).
    id: u64,
}

/// One cache-line-friendly row per feature: its IDF, then `Σ classes` weights, padded to
/// `stride` floats (`1 + Σ classes` rounded up to a power of two), rows starting on 64-byte
/// boundaries. Scoring a paragraph touches one row per distinct n-gram, so one memory access
/// brings everything that n-gram needs.
#[derive(Debug, Clone)]
pub(crate) struct FusedRows {
    /// `rows × stride` values, starting on a 64-byte line.
    data: Table<f32>,
    stride: usize,
    rows: usize,
}

impl FusedRows {
    /// Rows of `width` values after the IDF slot, filled in by `fill(j, row)`.
    fn build(rows: usize, width: usize, mut fill: impl FnMut(usize, &mut [f32])) -> Self {
        let stride = fused_stride(width);
        let data = Table::aligned(rows * stride, |data| {
            for (j, row) in data.chunks_exact_mut(stride).enumerate() {
                fill(j, row);
            }
        });
        FusedRows { data, stride, rows }
    }

    /// Stored rows (a model file's, read in place): `rows × stride` values.
    pub(crate) fn stored(data: Table<f32>, rows: usize, stride: usize) -> Result<Self> {
        if rows.checked_mul(stride) != Some(data.len()) || stride == 0 {
            return Err(Error::Shape {
                what: "fused rows",
                expected: rows.saturating_mul(stride),
                found: data.len(),
            });
        }
        Ok(FusedRows { data, stride, rows })
    }

    /// The rows back to back, `stride` values each, as a model file stores them.
    pub(crate) fn values(&self) -> &[f32] {
        &self.data
    }

    /// Values per row.
    pub(crate) fn stride(&self) -> usize {
        self.stride
    }

    /// The rows as a plain slice view, for loops that read many rows.
    #[inline]
    fn view(&self) -> RowsView<'_> {
        RowsView {
            data: &self.data,
            stride: self.stride,
        }
    }
}

/// Fused rows borrowed as one slice (no per-row look-up of where the table lives).
#[derive(Clone, Copy)]
struct RowsView<'a> {
    data: &'a [f32],
    stride: usize,
}

impl<'a> RowsView<'a> {
    /// Feature `j`'s fused row: IDF, then the heads' weights, then padding.
    #[inline]
    fn row(self, j: usize) -> &'a [f32] {
        &self.data[j * self.stride..][..self.stride]
    }
}

/// Where each head's classes start in a fused row, from the heads' class counts; the last
/// entry is `Σ classes`. Fails when there is no head.
fn head_offsets(classes: impl Iterator<Item = usize>) -> Result<Vec<usize>> {
    let mut offsets = vec![0];
    for k in classes {
        offsets.push(offsets[offsets.len() - 1] + k);
    }
    if offsets.len() == 1 {
        return Err(Error::InvalidParam {
            name: "heads",
            problem: "a model needs at least one head".into(),
        });
    }
    Ok(offsets)
}

/// Values per fused row for `width` weights: `1 + width` rounded up to a power of two.
fn fused_stride(width: usize) -> usize {
    (width + 1).next_power_of_two()
}

/// One head's prediction for one text.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadPrediction {
    /// Index of the predicted class in the head's classes.
    pub class: usize,
    /// Probability of the predicted class.
    pub score: f64,
    /// Probability of every class, in the head's class order.
    pub probs: Vec<f64>,
}

/// Every head's prediction for one text, in head order.
pub type Prediction = Vec<HeadPrediction>;

/// A weighted n-gram, for `inspect` and explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightedFeature {
    /// Word or character n-gram.
    pub kind: NgramKind,
    /// The n-gram's text.
    pub ngram: String,
    /// Its weight for the class.
    pub weight: f32,
}

fn now_rfc3339() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .to_string()
}

impl Model {
    /// Fits the featurizer on `data.texts` (and `data.vocab_texts`), then one head per label
    /// field of `data`, all with the same classifier parameters.
    pub fn fit(
        data: &LabeledData,
        features: &TfidfParams,
        classifier: &LogisticParams,
    ) -> Result<Model> {
        let per_head = vec![classifier.clone(); data.heads.len()];
        Model::fit_heads(data, features, &per_head)
    }

    /// Like [`Model::fit`], with its own classifier parameters for each head (in head order),
    /// e.g. a `C` chosen per head by [`crate::eval::select_c`].
    pub fn fit_heads(
        data: &LabeledData,
        features: &TfidfParams,
        classifiers: &[LogisticParams],
    ) -> Result<Model> {
        use linfa::ParamGuard;
        data.check_trainable()?;
        if classifiers.len() != data.heads.len() {
            return Err(Error::Shape {
                what: "classifier parameter sets",
                expected: data.heads.len(),
                found: classifiers.len(),
            });
        }
        let featurizer = features.fit(&data.fit_texts())?;
        let x = featurizer.transform(&data.texts);
        let mut heads = Vec::with_capacity(data.heads.len());
        for (h, field) in data.heads.iter().enumerate() {
            let params = classifiers[h].check_ref()?.clone();
            let model = params
                .fit_sparse(&x, &data.labels[h])
                .map_err(|e| match e {
                    Error::Training { problem, .. } => Error::Training {
                        head: field.clone(),
                        problem,
                    },
                    other => other,
                })?;
            heads.push(Head {
                field: field.clone(),
                params: params.clone(),
                model,
            });
        }
        let meta = TrainingMeta {
            library_version: env!("CARGO_PKG_VERSION").to_string(),
            trained_at: now_rfc3339(),
            data_files: data.files.clone(),
            vocab_files: data.vocab_files.clone(),
            n_rows: data.len(),
            text_field: "text".into(),
            seed: 0,
        };
        Model::from_parts(featurizer, heads, meta)
    }

    /// Assembles a model, checking that every head reads the featurizer's columns.
    pub fn from_parts(featurizer: Tfidf, heads: Vec<Head>, meta: TrainingMeta) -> Result<Model> {
        let head_offsets = head_offsets(heads.iter().map(|h| h.model.classes().len()))?;
        for h in &heads {
            if h.model.n_features() != featurizer.n_features() {
                return Err(Error::Shape {
                    what: "head features",
                    expected: featurizer.n_features(),
                    found: h.model.n_features(),
                });
            }
        }
        let width = head_offsets[heads.len()];
        let d = featurizer.n_features();
        let idf: Vec<f32> = featurizer
            .blocks()
            .iter()
            .flat_map(|b| b.idf().iter().copied())
            .collect();
        let weights: Vec<&[f32]> = heads.iter().map(|h| h.model.weights()).collect();
        let fused = FusedRows::build(d, width, |j, row| {
            row[0] = idf[j];
            for (h, w) in weights.iter().enumerate() {
                let k = head_offsets[h + 1] - head_offsets[h];
                row[1 + head_offsets[h]..][..k].copy_from_slice(&w[j * k..][..k]);
            }
        });
        Ok(Model::assemble(
            featurizer,
            heads,
            meta,
            fused,
            head_offsets,
        ))
    }

    /// The model of checked parts: `fused` holds the featurizer's rows and `head_offsets`
    /// the heads' columns in them.
    fn assemble(
        featurizer: Tfidf,
        heads: Vec<Head>,
        meta: TrainingMeta,
        fused: FusedRows,
        head_offsets: Vec<usize>,
    ) -> Model {
        Model {
            featurizer,
            heads,
            meta,
            fused,
            head_offsets,
            file_version: None,
            id: NEXT_MODEL_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Assembles a model from stored tables (a model file's, read in place): the fused
    /// rows, and heads that read their weights from them. Checks that the rows fit the
    /// featurizer and the heads; with `scan`, also that every value is finite and that each
    /// row starts with its feature's IDF (a read of every row).
    pub(crate) fn from_stored(
        featurizer: Tfidf,
        stored: Vec<StoredHead>,
        meta: TrainingMeta,
        fused: FusedRows,
        scan: bool,
    ) -> Result<Model> {
        let d = featurizer.n_features();
        let head_offsets = head_offsets(stored.iter().map(|h| h.classes.len()))?;
        let width = head_offsets[stored.len()];
        if fused.rows != d || fused.stride != fused_stride(width) {
            return Err(Error::Shape {
                what: "fused rows",
                expected: d * fused_stride(width),
                found: fused.rows * fused.stride,
            });
        }
        if scan {
            // Branch-free within a chunk, so the check vectorizes.
            let finite = |c: &[f32]| c.iter().fold(true, |ok, v| ok & v.is_finite());
            if !fused.values().chunks(4096).all(finite) {
                return Err(Error::InvalidParam {
                    name: "weights",
                    problem: "non-finite weight".into(),
                });
            }
            let rows = fused.view();
            let idf = featurizer.blocks().iter().flat_map(|b| b.idf().iter());
            if let Some(j) = idf.enumerate().position(|(j, &v)| rows.row(j)[0] != v) {
                return Err(Error::InvalidParam {
                    name: "fused rows",
                    problem: format!("row {j} does not start with its feature's IDF"),
                });
            }
        }
        let mut heads = Vec::with_capacity(stored.len());
        for (h, s) in stored.into_iter().enumerate() {
            let rows = (fused.data.clone(), fused.stride, 1 + head_offsets[h]);
            let model = LogisticModel::from_rows(s.classes, d, rows, s.intercepts, s.info)?;
            heads.push(Head {
                field: s.field,
                params: s.params,
                model,
            });
        }
        Ok(Model::assemble(
            featurizer,
            heads,
            meta,
            fused,
            head_offsets,
        ))
    }

    /// The format version of the model file it was read from; `None` for a model built in
    /// memory (which is saved in the current format).
    pub fn file_version(&self) -> Option<u32> {
        self.file_version
    }

    /// Records the format version the model was read from.
    pub(crate) fn read_from_version(mut self, version: u32) -> Self {
        self.file_version = Some(version);
        self
    }

    /// The fused rows.
    pub(crate) fn fused(&self) -> &FusedRows {
        &self.fused
    }

    /// Records the text field, seed and data files (the CLI fills these in).
    pub fn with_meta(mut self, text_field: &str, seed: u64) -> Self {
        self.meta.text_field = text_field.to_string();
        self.meta.seed = seed;
        self
    }

    /// The featurizer.
    pub fn featurizer(&self) -> &Tfidf {
        &self.featurizer
    }

    /// The heads, in order.
    pub fn heads(&self) -> &[Head] {
        &self.heads
    }

    /// Index of the head for `field`.
    pub fn head_index(&self, field: &str) -> Result<usize> {
        self.heads
            .iter()
            .position(|h| h.field == field)
            .ok_or_else(|| Error::UnknownHead(field.to_string()))
    }

    /// Provenance.
    pub fn meta(&self) -> &TrainingMeta {
        &self.meta
    }

    /// The predicted label of head `h` in `p`.
    pub fn label<'a>(&'a self, h: usize, p: &Prediction) -> &'a str {
        &self.heads[h].model.classes()[p[h].class]
    }

    /// Scores one featurized row with every head (one pass over the row for all heads).
    pub fn predict_row(&self, row: SparseRow<'_>) -> Prediction {
        let width = self.width();
        let mut z = self.intercepts();
        let d = self.featurizer.n_features();
        let rows = self.fused.view();
        for (&j, &v) in row.indices.iter().zip(row.values) {
            let j = j as usize;
            if j >= d {
                continue;
            }
            for (zc, wc) in z.iter_mut().zip(&rows.row(j)[1..=width]) {
                *zc += v * wc;
            }
        }
        self.finish(&z)
    }

    /// Predicts one text, reusing `scratch`. Scores straight from the featurizer's term
    /// frequencies ([`Tfidf::for_each_block`]): IDF and weights come from one fused row per
    /// n-gram, and each block's L2 normalization is applied once to its summed scores, so no
    /// sorted sparse row is built. Character n-grams are scored by chunk (word): each
    /// distinct chunk's fused rows are summed once per thread and cached in `scratch`, and
    /// only the rows of n-grams that occur more than once in the text are read again. Equal
    /// to `predict_row` on `transform`'s row up to float rounding (the sums run in another
    /// order), and the same for a text alone or in a batch, whatever the caches hold.
    pub fn predict_one_with(&self, text: &str, scratch: &mut Scratch) -> Prediction {
        let width = self.width();
        let mut z = self.intercepts();
        let rows = self.fused.view();
        let mut zb = vec![0.0f32; rows.stride];
        let sum = |offset: u32, ids: &[u32], out: &mut [f32]| chunk_sum(rows, offset, ids, out);
        let sums = ChunkSums {
            owner: self.id,
            width: rows.stride,
            sum: &sum,
        };
        self.featurizer
            .for_each_counted(text, scratch, Some(&sums), |b, mut block, total| {
                let stride = rows.stride;
                let norm2 = match total {
                    // The character block, from its chunk sums, unless an n-gram repeats too
                    // often.
                    Some(total) if block.max_repeat() <= MAX_CORRECTED_REPEAT => {
                        let pass = Repeats {
                            rows,
                            block: &mut block,
                            total,
                        };
                        lane_sums(stride, &mut zb, pass)
                    }
                    _ => lane_sums(
                        stride,
                        &mut zb,
                        Scan {
                            rows,
                            block: &mut block,
                        },
                    ),
                };
                if norm2 > 0.0 {
                    let weight = self.featurizer.block_params(b).map_or(1.0, |p| p.weight);
                    let scale = weight / norm2.sqrt();
                    for (zc, v) in z.iter_mut().zip(&zb[1..=width]) {
                        *zc += scale * v;
                    }
                }
            });
        self.finish(&z)
    }

    /// `Σ classes` over the heads.
    fn width(&self) -> usize {
        self.head_offsets[self.heads.len()]
    }

    /// Every head's intercepts, side by side.
    fn intercepts(&self) -> Vec<f32> {
        let mut z = vec![0.0f32; self.width()];
        for (h, head) in self.heads.iter().enumerate() {
            z[self.head_offsets[h]..self.head_offsets[h + 1]]
                .copy_from_slice(head.model.intercepts());
        }
        z
    }

    /// Per-head probabilities and labels from the side-by-side scores `z`.
    fn finish(&self, z: &[f32]) -> Prediction {
        self.head_offsets
            .windows(2)
            .map(|span| {
                let mut probs: Vec<f64> = z[span[0]..span[1]].iter().map(|&s| s as f64).collect();
                softmax(&mut probs);
                let class = argmax(&probs);
                HeadPrediction {
                    class,
                    score: probs[class],
                    probs,
                }
            })
            .collect()
    }

    /// Predicts one text.
    pub fn predict_one(&self, text: &str) -> Prediction {
        self.predict_one_with(text, &mut Scratch::default())
    }

    /// Predicts many texts in parallel; results in input order. Each worker thread keeps
    /// its buffers (and its stem cache) from one call to the next.
    pub fn predict<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Prediction> {
        thread_local! {
            static BUFFERS: RefCell<Scratch> = RefCell::default();
        }
        texts
            .par_iter()
            .map(|t| {
                BUFFERS.with(|b| match b.try_borrow_mut() {
                    Ok(mut s) => self.predict_one_with(t.as_ref(), &mut s),
                    // Re-entered on this thread (a nested rayon call): use fresh buffers.
                    Err(_) => self.predict_one(t.as_ref()),
                })
            })
            .collect()
    }

    /// The `n` highest-weighted n-grams of each class of head `h`:
    /// `(class, features)` in class order.
    pub fn top_features(&self, h: usize, n: usize) -> Vec<(String, Vec<WeightedFeature>)> {
        let head = &self.heads[h].model;
        let k = head.classes().len();
        let w = head.weights();
        head.classes()
            .iter()
            .enumerate()
            .map(|(c, class)| {
                let mut idx: Vec<usize> = (0..head.n_features()).collect();
                idx.sort_unstable_by(|&a, &b| {
                    w[b * k + c]
                        .partial_cmp(&w[a * k + c])
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then(a.cmp(&b))
                });
                let feats = idx
                    .into_iter()
                    .take(n)
                    .filter_map(|j| {
                        self.featurizer
                            .feature_name(j)
                            .map(|(kind, t)| WeightedFeature {
                                kind,
                                ngram: t.to_string(),
                                weight: w[j * k + c],
                            })
                    })
                    .collect();
                (class.clone(), feats)
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use crate::data::LabeledData;

    /// A tiny two-head data set for unit tests.
    pub(crate) fn toy_data() -> LabeledData {
        let rows = [
            (
                "Moscow wants wheat and fuel deals with Kabul",
                "economic",
                "favor",
            ),
            (
                "Trade corridors and rail links promise profits",
                "economic",
                "favor",
            ),
            (
                "Girls remain barred from school under the decree",
                "rights",
                "against",
            ),
            (
                "Women lost their jobs and voices in public",
                "rights",
                "against",
            ),
            (
                "The ministry signed a fuel supply contract",
                "economic",
                "neutral",
            ),
            (
                "Activists say the school ban is gender apartheid",
                "rights",
                "against",
            ),
            (
                "Investors eye copper and lithium deposits",
                "economic",
                "favor",
            ),
            (
                "Rights groups documented floggings and detentions",
                "rights",
                "neutral",
            ),
        ];
        LabeledData {
            texts: rows.iter().map(|r| r.0.to_string()).collect(),
            heads: vec!["frame".into(), "stance".into()],
            labels: vec![
                rows.iter().map(|r| r.1.to_string()).collect(),
                rows.iter().map(|r| r.2.to_string()).collect(),
            ],
            groups: None,
            positions: (0..rows.len())
                .map(|i| crate::error::Position {
                    path: None,
                    line: i as u64 + 1,
                })
                .collect(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tests_support::toy_data;

    fn small_features() -> TfidfParams {
        use crate::features::{BlockParams, DfBound};
        let mut w = BlockParams::word_default();
        w.min_df = DfBound::Count(1);
        let mut c = BlockParams::char_default();
        c.min_df = DfBound::Count(1);
        TfidfParams::new().word(Some(w)).char(Some(c))
    }

    #[test]
    fn fits_heads_and_predicts_training_rows() {
        let data = toy_data();
        let m = Model::fit(&data, &small_features(), &LogisticParams::new().c(100.0)).unwrap();
        assert_eq!(m.heads().len(), 2);
        let preds = m.predict(&data.texts);
        for (i, p) in preds.iter().enumerate() {
            assert_eq!(m.label(0, p), data.labels[0][i], "row {i}");
            let s: f64 = p[1].probs.iter().sum();
            assert!((s - 1.0).abs() < 1e-9);
        }
        let top = m.top_features(0, 5);
        assert_eq!(top.len(), 2);
        assert!(top[0].1.len() == 5);
    }

    /// Vocabulary texts join the featurizer's fit (their n-grams and document counts), are
    /// never rows, are kept by `subset` (so every CV fold sees them) and are recorded.
    #[test]
    fn vocab_texts_widen_the_vocabulary_but_are_not_rows() {
        let mut data = toy_data();
        let plain = Model::fit(&data, &small_features(), &LogisticParams::new()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("more.jsonl");
        std::fs::write(
            &file,
            "{\"text\": \"Kandahar elders weigh the envoy\", \"frame\": \"ignored\"}\n\n{\"text\": \"envoy talks\"}\n",
        )
        .unwrap();
        data.add_vocab_files(std::slice::from_ref(&file), "text")
            .unwrap();
        assert_eq!(data.vocab_texts.len(), 2);
        assert_eq!(data.vocab_files[0].rows, 2);
        assert_eq!(data.subset(&[0, 1]).vocab_texts, data.vocab_texts);
        let wide = Model::fit(&data, &small_features(), &LogisticParams::new()).unwrap();
        let has = |m: &Model, term: &str| {
            let f = m.featurizer();
            (0..f.n_features()).any(|i| f.feature_name(i).is_some_and(|(_, t)| t == term))
        };
        assert!(has(&wide, "envoy") && !has(&plain, "envoy"));
        assert!(wide.featurizer().n_features() > plain.featurizer().n_features());
        assert_eq!(wide.meta().n_rows, data.len());
        assert_eq!(wide.meta().vocab_files, data.vocab_files);
        // A vocabulary file needs a string text on every record, named by file and line.
        std::fs::write(&file, "{\"text\": \"ok\"}\n{\"body\": \"no text\"}\n").unwrap();
        let e = data
            .add_vocab_files(&[file], "text")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("more.jsonl:2") && e.contains("missing text field"),
            "{e}"
        );
    }

    #[test]
    fn one_text_alone_equals_its_row_in_a_batch() {
        let data = toy_data();
        let m = Model::fit(&data, &small_features(), &LogisticParams::new()).unwrap();
        let batch = m.featurizer().transform(&data.texts);
        for (i, t) in data.texts.iter().enumerate() {
            let alone = m.featurizer().transform_one(t);
            assert_eq!(alone.row(0), batch.row(i));
            assert_eq!(m.predict_one(t), m.predict(&data.texts)[i]);
        }
    }

    #[test]
    fn fused_scoring_matches_scoring_the_sparse_row() {
        let data = toy_data();
        let mut w = crate::features::BlockParams::word_default();
        w.min_df = crate::features::DfBound::Count(1);
        w.weight = 1.7;
        let mut c = crate::features::BlockParams::char_default();
        c.min_df = crate::features::DfBound::Count(1);
        c.sublinear_tf = false;
        let params = TfidfParams::new().word(Some(w)).char(Some(c));
        let m = Model::fit(&data, &params, &LogisticParams::new()).unwrap();
        let x = m.featurizer().transform(&data.texts);
        let mut texts = data.texts.clone();
        texts.push("an unseen text with no known n-gram: zzzz qqqq".into());
        texts.push(String::new());
        for (i, t) in texts.iter().enumerate() {
            let fused = m.predict_one(t);
            assert_eq!(m.clone().predict_one(t), fused, "a clone scores alike");
            let row = if i < x.n_rows() {
                m.predict_row(x.row(i))
            } else {
                m.predict_row(m.featurizer().transform_one(t).row(0))
            };
            for (a, b) in fused.iter().zip(&row) {
                assert_eq!(a.class, b.class, "text {i}");
                for (p, q) in a.probs.iter().zip(&b.probs) {
                    assert!((p - q).abs() < 1e-5, "text {i}: {p} vs {q}");
                }
            }
        }
    }

    /// Texts whose character n-grams repeat: within a word, across words, past the tabulated
    /// term frequencies, and a text with more distinct words than the chunk cache holds.
    fn repetitive_texts() -> Vec<String> {
        let many: Vec<String> = (0..70_000).map(|i| format!("school{i}")).collect();
        vec![
            "banana bananas ban banned school schools".into(),
            "fuel fuel fuel deals deals wheat".into(),
            "school ".repeat(5000),
            format!("{} girls", many.join(" ")),
        ]
    }

    /// Asserts that `m` scores every text as it scores the text's sparse row.
    fn assert_fused_matches_rows(m: &Model, texts: &[String]) {
        let mut scratch = Scratch::default();
        for (i, t) in texts.iter().enumerate() {
            let fused = m.predict_one_with(t, &mut scratch);
            let row = m.predict_row(m.featurizer().transform_one(t).row(0));
            for (a, b) in fused.iter().zip(&row) {
                assert_eq!(a.class, b.class, "text {i}");
                for (p, q) in a.probs.iter().zip(&b.probs) {
                    assert!((p - q).abs() < 1e-5, "text {i}: {p} vs {q}");
                }
            }
        }
    }

    #[test]
    fn chunk_sums_score_repeated_ngrams_like_the_sparse_row() {
        let data = toy_data();
        let texts = repetitive_texts();
        for sublinear in [true, false] {
            let mut c = crate::features::BlockParams::char_default();
            c.min_df = crate::features::DfBound::Count(1);
            c.sublinear_tf = sublinear;
            let params = small_features().char(Some(c));
            // Two heads (rows of 8 values) and one head of two classes (rows of 4 values,
            // the loop for other widths).
            let two = Model::fit(&data, &params, &LogisticParams::new()).unwrap();
            assert_eq!(two.fused().stride(), 8);
            assert_fused_matches_rows(&two, &texts);
            let mut one = data.clone();
            one.heads.truncate(1);
            one.labels.truncate(1);
            let one = Model::fit(&one, &params, &LogisticParams::new()).unwrap();
            assert_eq!(one.fused().stride(), 4);
            assert_fused_matches_rows(&one, &texts);
        }
    }

    #[test]
    fn chunk_sums_give_the_same_scores_whatever_the_scratch_holds() {
        let data = toy_data();
        let a = Model::fit(&data, &small_features(), &LogisticParams::new()).unwrap();
        // Another model on the same featurizer (so the same character-feature cache), with
        // other weights: its chunk sums differ.
        let other = Model::fit(&data, &small_features(), &LogisticParams::new().c(0.1)).unwrap();
        let b = Model::from_parts(
            a.featurizer().clone(),
            other.heads().to_vec(),
            other.meta().clone(),
        )
        .unwrap();
        let mut texts = repetitive_texts();
        texts.extend(data.texts.iter().cloned());
        let mut shared = Scratch::default();
        for t in &texts {
            for m in [&a, &b] {
                let fresh = m.predict_one_with(t, &mut Scratch::default());
                assert_eq!(m.predict_one_with(t, &mut shared), fresh);
            }
        }
        // Counting without sums (to build sparse rows) in between keeps them valid.
        for t in &texts {
            let fresh = a.predict_one_with(t, &mut Scratch::default());
            let (mut idx, mut val) = (Vec::new(), Vec::new());
            a.featurizer()
                .transform_into(t, &mut shared, &mut idx, &mut val);
            assert_eq!(a.predict_one_with(t, &mut shared), fresh);
        }
    }
}
