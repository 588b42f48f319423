//! Stage 5, **weigh**: vocabulary selection (`min_df`, `max_df`, `max_features`), sublinear
//! term frequency, smoothed IDF learned at fit time and stored, and L2 normalization.
//!
//! [`TfidfParams`] (unchecked) → [`TfidfValidParams`] → `fit(texts)` → [`Tfidf`], which
//! turns any text into a sparse row. A paragraph featurized alone gets exactly the vector it
//! gets inside a batch: IDF comes from the fitted model, never from the batch.
//!
//! Word and character n-grams are two **blocks**, each with its own vocabulary, weights and
//! L2 normalization, concatenated side by side (like scikit-learn's `FeatureUnion` of two
//! `TfidfVectorizer`s): each non-empty block of a row has unit norm.

use linfa::ParamGuard;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use super::index::{HashIndex, IndexView};
use super::memo::Memo;
use super::ngrams::{
    char_wb_ngrams, ngram_hash, word_ngrams_joined, NgramKind, NgramRange, NgramScratch,
};
use super::sparse::CsrMatrix;
use crate::error::{Error, Result};
use crate::hint::prefetch;
use crate::store::Table;
use crate::text::{
    for_each_ascii_word_span, HashtagSplitter, HashtagWords, Language, Normalizer, Stemmer,
    StopWords, Tokenizer,
};

/// A document-frequency bound: an absolute count of documents or a fraction of them
/// (scikit-learn's int vs float `min_df`/`max_df`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DfBound {
    /// At least / at most this many documents.
    Count(u64),
    /// At least / at most this fraction of documents, in `(0, 1]`.
    Fraction(f64),
}

impl DfBound {
    fn threshold(self, n_docs: usize) -> f64 {
        match self {
            DfBound::Count(c) => c as f64,
            DfBound::Fraction(f) => f * n_docs as f64,
        }
    }

    fn check(self, name: &'static str) -> Result<()> {
        match self {
            DfBound::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::InvalidParam {
                name,
                problem: format!("fraction {f} is not in (0, 1]"),
            }),
            _ => Ok(()),
        }
    }
}

impl std::str::FromStr for DfBound {
    type Err = String;
    /// `3` is a count of documents; `0.9` (with a decimal point) is a fraction.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.contains('.') {
            s.parse::<f64>()
                .map(DfBound::Fraction)
                .map_err(|_| format!("`{s}` is not a document count or fraction"))
        } else {
            s.parse::<u64>()
                .map(DfBound::Count)
                .map_err(|_| format!("`{s}` is not a document count or fraction"))
        }
    }
}

/// Parameters of one n-gram block (word or character).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockParams {
    /// N-gram lengths. Default word `1-2`, char `2-5`.
    pub ngram_range: NgramRange,
    /// Keep n-grams seen in at least this many documents. Default `Count(2)`.
    pub min_df: DfBound,
    /// Keep n-grams seen in at most this many documents. Default `Fraction(1.0)`.
    pub max_df: DfBound,
    /// Keep only the most frequent n-grams (by document frequency). Default unlimited.
    pub max_features: Option<usize>,
    /// Use `1 + ln(tf)` instead of raw counts. Default `true`.
    pub sublinear_tf: bool,
    /// The block's weight: its L2-normalized values are multiplied by this (scikit-learn's
    /// `transformer_weights`). Default `1.0`.
    pub weight: f32,
}

impl BlockParams {
    /// Default word block: 1-2-grams.
    pub fn word_default() -> Self {
        BlockParams {
            ngram_range: NgramRange { min: 1, max: 2 },
            min_df: DfBound::Count(2),
            max_df: DfBound::Fraction(1.0),
            max_features: None,
            sublinear_tf: true,
            weight: 1.0,
        }
    }

    /// Default character block: 2-5-grams inside word boundaries.
    pub fn char_default() -> Self {
        BlockParams {
            ngram_range: NgramRange { min: 2, max: 5 },
            ..Self::word_default()
        }
    }

    fn check(&self) -> Result<()> {
        self.min_df.check("min_df")?;
        self.max_df.check("max_df")?;
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(Error::InvalidParam {
                name: "weight",
                problem: format!(
                    "block weight {} is not a positive finite number",
                    self.weight
                ),
            });
        }
        if self.max_features == Some(0) {
            return Err(Error::InvalidParam {
                name: "max_features",
                problem: "must be at least 1".into(),
            });
        }
        if let (DfBound::Count(lo), DfBound::Count(hi)) = (self.min_df, self.max_df) {
            if lo > hi {
                return Err(Error::InvalidParam {
                    name: "min_df",
                    problem: format!("min_df {lo} exceeds max_df {hi}"),
                });
            }
        }
        Ok(())
    }
}

/// What character n-grams are cut from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CharSource {
    /// The tokenizer's words (punctuation dropped, stop words applied).
    Words,
    /// Whitespace-separated chunks of the normalized text, punctuation included
    /// (scikit-learn's `char_wb`): keeps `#`, `@`, `!` and quote marks as signal.
    #[default]
    Whitespace,
}

/// Validated featurizer parameters: the whole pipeline, saved in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TfidfValidParams {
    /// Stage 0, optional: follow each `#hashtag` with its words ([`HashtagSplitter`], whose
    /// word table is fitted with the vocabulary). Default `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hashtags: bool,
    /// Stage 1.
    pub normalizer: Normalizer,
    /// Stage 2.
    pub tokenizer: Tokenizer,
    /// Stage 3: the Snowball language, or `None` for no stemming. Default English.
    /// Stemming applies to word n-grams; character n-grams read the unstemmed words.
    pub stemmer: Option<Language>,
    /// Word n-gram block, or `None` to leave words out.
    pub word: Option<BlockParams>,
    /// Character n-gram block, or `None` to leave characters out.
    pub char: Option<BlockParams>,
    /// What character n-grams are cut from. Default [`CharSource::Whitespace`].
    pub char_source: CharSource,
}

/// Unchecked featurizer parameters, set with a consuming builder; `fit` checks them first.
#[derive(Debug, Clone, PartialEq)]
pub struct TfidfParams(TfidfValidParams);

impl Default for TfidfParams {
    fn default() -> Self {
        TfidfParams(TfidfValidParams {
            hashtags: false,
            normalizer: Normalizer::default(),
            tokenizer: Tokenizer::default(),
            stemmer: Some(Language::English),
            word: Some(BlockParams::word_default()),
            char: Some(BlockParams::char_default()),
            char_source: CharSource::default(),
        })
    }
}

impl TfidfParams {
    /// The defaults: normalize, keep stop words, English stemming, word 1-2 + char 2-5.
    pub fn new() -> Self {
        Self::default()
    }

    /// Splits hashtags into their words (stage 0: `#StopTheWar` also gives `stop`, `the`,
    /// `war`). Default off.
    pub fn split_hashtags(mut self, on: bool) -> Self {
        self.0.hashtags = on;
        self
    }

    /// Sets the normalizer stage.
    pub fn normalizer(mut self, n: Normalizer) -> Self {
        self.0.normalizer = n;
        self
    }

    /// Sets the stop words. Default none.
    pub fn stop_words(mut self, s: StopWords) -> Self {
        self.0.tokenizer.stop_words = s;
        self
    }

    /// Drops tokens shorter than `n` characters. Default 1.
    pub fn min_token_chars(mut self, n: usize) -> Self {
        self.0.tokenizer.min_chars = n;
        self
    }

    /// Sets the stemming language, `None` to disable. Default English.
    pub fn stemmer(mut self, lang: Option<Language>) -> Self {
        self.0.stemmer = lang;
        self
    }

    /// Sets the word block, `None` to disable it.
    pub fn word(mut self, b: Option<BlockParams>) -> Self {
        self.0.word = b;
        self
    }

    /// Sets the character block, `None` to disable it.
    pub fn char(mut self, b: Option<BlockParams>) -> Self {
        self.0.char = b;
        self
    }

    /// Sets what character n-grams are cut from. Default whitespace chunks.
    pub fn char_source(mut self, c: CharSource) -> Self {
        self.0.char_source = c;
        self
    }

    /// Checks the parameters and fits the featurizer on `texts`.
    pub fn fit<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Tfidf> {
        self.check_ref()?.fit(texts)
    }
}

impl ParamGuard for TfidfParams {
    type Checked = TfidfValidParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&TfidfValidParams> {
        self.0.check()?;
        Ok(&self.0)
    }

    fn check(self) -> Result<TfidfValidParams> {
        self.0.check()?;
        Ok(self.0)
    }
}

impl TfidfValidParams {
    fn check(&self) -> Result<()> {
        if self.word.is_none() && self.char.is_none() {
            return Err(Error::InvalidParam {
                name: "ngrams",
                problem: "both word and character n-grams are disabled".into(),
            });
        }
        for b in self.word.iter().chain(self.char.iter()) {
            b.check()?;
        }
        Ok(())
    }

    fn blocks(&self) -> Vec<(NgramKind, &BlockParams)> {
        let mut v = Vec::new();
        if let Some(b) = &self.word {
            v.push((NgramKind::Word, b));
        }
        if let Some(b) = &self.char {
            v.push((NgramKind::Char, b));
        }
        v
    }

    /// Fits vocabulary and IDF on `texts`. Three parallel passes: count document
    /// frequencies by hash, recover the strings of the kept n-grams, then build the blocks.
    pub fn fit<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Tfidf> {
        self.check()?;
        let n_docs = texts.len();
        if n_docs == 0 {
            return Err(Error::InvalidParam {
                name: "texts",
                problem: "cannot fit a featurizer on zero documents".into(),
            });
        }
        let splitter = self.hashtags.then(|| HashtagSplitter::fit(texts));
        let analyzer = Analyzer::new(self, splitter.as_ref());
        let n_blocks = self.blocks().len();

        // Pass 1: document frequency per hash, per block. `fold` keeps one table per rayon
        // job (a few per thread), not one per chunk, so few large tables are ever merged.
        let df: Vec<FxHashMap<u64, u32>> = texts
            .par_chunks(256)
            .fold(
                || {
                    (
                        Scratch::default(),
                        vec![Vec::<u64>::new(); n_blocks],
                        vec![FxHashMap::<u64, u32>::default(); n_blocks],
                    )
                },
                |(mut scratch, mut seen, mut local), chunk| {
                    for t in chunk {
                        seen.iter_mut().for_each(Vec::clear);
                        analyzer.analyze(t.as_ref(), &mut scratch, |b, h, _| seen[b].push(h));
                        for (b, hs) in seen.iter_mut().enumerate() {
                            hs.sort_unstable();
                            hs.dedup();
                            for &h in hs.iter() {
                                *local[b].entry(h).or_insert(0) += 1;
                            }
                        }
                    }
                    (scratch, seen, local)
                },
            )
            .map(|(_, _, local)| local)
            .reduce(
                || vec![FxHashMap::default(); n_blocks],
                |mut a, b| {
                    for (ma, mb) in a.iter_mut().zip(b) {
                        if ma.len() < mb.len() {
                            let small = std::mem::replace(ma, mb);
                            merge_counts(ma, small);
                        } else {
                            merge_counts(ma, mb);
                        }
                    }
                    a
                },
            );

        // Select each block's vocabulary by document frequency.
        let selected: Vec<FxHashMap<u64, u32>> = self
            .blocks()
            .iter()
            .zip(df)
            .map(|((_, bp), counts)| {
                let lo = bp.min_df.threshold(n_docs);
                let hi = bp.max_df.threshold(n_docs);
                let mut kept: Vec<(u64, u32)> = counts
                    .into_iter()
                    .filter(|&(_, d)| d as f64 >= lo && d as f64 <= hi)
                    .collect();
                if let Some(m) = bp.max_features {
                    if kept.len() > m {
                        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                        kept.truncate(m);
                    }
                }
                kept.into_iter().collect()
            })
            .collect();

        // Pass 2: the text of every kept n-gram (one table per rayon job, as in pass 1, so
        // each n-gram's string is allocated a few times, not once per chunk).
        let names: Vec<FxHashMap<u64, String>> = texts
            .par_chunks(256)
            .fold(
                || {
                    (
                        Scratch::default(),
                        vec![FxHashMap::<u64, String>::default(); n_blocks],
                    )
                },
                |(mut scratch, mut local), chunk| {
                    for t in chunk {
                        analyzer.analyze(t.as_ref(), &mut scratch, |b, h, s| {
                            if selected[b].contains_key(&h) && !local[b].contains_key(&h) {
                                local[b].insert(h, s.to_string());
                            }
                        });
                    }
                    (scratch, local)
                },
            )
            .map(|(_, local)| local)
            .reduce(
                || vec![FxHashMap::default(); n_blocks],
                |mut a, b| {
                    for (ma, mb) in a.iter_mut().zip(b) {
                        for (h, s) in mb {
                            ma.entry(h).or_insert(s);
                        }
                    }
                    a
                },
            );

        let mut blocks = Vec::with_capacity(n_blocks);
        for (((kind, _), sel), mut name) in self.blocks().into_iter().zip(&selected).zip(names) {
            let mut terms: Vec<(String, u32)> = sel
                .iter()
                .filter_map(|(h, &d)| name.remove(h).map(|s| (s, d)))
                .collect();
            // Most frequent first: common n-grams share cache lines in the weight matrix.
            terms.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let idf = terms
                .iter()
                .map(|&(_, d)| smooth_idf(n_docs, d as usize))
                .collect();
            let terms = terms.into_iter().map(|(s, _)| s).collect();
            blocks.push(Vocabulary::new(kind, terms, idf)?);
        }
        let tfidf = Tfidf::assemble(self.clone(), blocks, splitter)?;
        if tfidf.n_features() == 0 {
            return Err(Error::InvalidParam {
                name: "min_df",
                problem: format!(
                    "no n-gram survives the document-frequency bounds on {n_docs} documents; lower min_df"
                ),
            });
        }
        Ok(tfidf)
    }
}

fn merge_counts(into: &mut FxHashMap<u64, u32>, from: FxHashMap<u64, u32>) {
    for (h, c) in from {
        *into.entry(h).or_insert(0) += c;
    }
}

/// Smoothed inverse document frequency, as scikit-learn's `smooth_idf=True`:
/// `ln((1 + n) / (1 + df)) + 1`.
pub fn smooth_idf(n_docs: usize, df: usize) -> f32 {
    (((1 + n_docs) as f64 / (1 + df) as f64).ln() + 1.0) as f32
}

/// One block's vocabulary: n-gram texts in index order, their IDF, and the hash index.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    kind: NgramKind,
    /// Every term's UTF-8 text, back to back (one allocation, not one per term).
    text: Table<u8>,
    /// Where each term ends in `text`; term `i` starts where term `i - 1` ends.
    ends: Table<u32>,
    idf: Table<f32>,
    index: HashIndex,
}

impl Vocabulary {
    /// Builds a vocabulary from its terms and IDF values.
    /// Fails on a length mismatch, a non-finite or non-positive IDF, or duplicate terms.
    pub fn new(kind: NgramKind, terms: Vec<String>, idf: Vec<f32>) -> Result<Self> {
        let mut text = String::with_capacity(terms.iter().map(String::len).sum());
        let mut ends = Vec::with_capacity(terms.len());
        for t in &terms {
            text.push_str(t);
            ends.push(u32::try_from(text.len()).map_err(|_| too_big())?);
        }
        Self::packed(kind, text, ends, idf)
    }

    /// Builds a vocabulary from its terms back to back in `text`, term `i` ending at byte
    /// `ends[i]` (as a model file stores them, without a `String` per term).
    /// Fails as [`Vocabulary::new`] does, and on ends that are not increasing character
    /// boundaries of `text` ending at its end.
    pub fn packed(kind: NgramKind, text: String, ends: Vec<u32>, idf: Vec<f32>) -> Result<Self> {
        check_terms(text.as_bytes(), &ends, &idf)?;
        let hashes: Vec<u64> = (0..ends.len())
            .map(|i| ngram_hash(kind, term_of(text.as_bytes(), &ends, i)))
            .collect();
        let index = HashIndex::new(&hashes).map_err(|i| Error::InvalidParam {
            name: "vocabulary",
            problem: format!(
                "duplicate {kind:?} n-gram {:?}",
                term_of(text.as_bytes(), &ends, i)
            ),
        })?;
        Ok(Vocabulary {
            kind,
            text: text.into_bytes().into(),
            ends: ends.into(),
            idf: idf.into(),
            index,
        })
    }

    /// A vocabulary from stored tables, the hash index included (a model file's, read in
    /// place): checked as [`Vocabulary::packed`] checks, except that the index is checked
    /// for shape (every id once, a free slot) rather than rebuilt from the terms.
    pub(crate) fn stored(
        kind: NgramKind,
        text: Table<u8>,
        ends: Table<u32>,
        idf: Table<f32>,
        slots: Table<u64>,
    ) -> Result<Self> {
        check_terms(&text, &ends, &idf)?;
        let index =
            HashIndex::from_slots(slots, ends.len()).map_err(|problem| Error::InvalidParam {
                name: "vocabulary index",
                problem,
            })?;
        Ok(Vocabulary {
            kind,
            text,
            ends,
            idf,
            index,
        })
    }

    /// The block kind.
    pub fn kind(&self) -> NgramKind {
        self.kind
    }

    /// N-gram texts in index order.
    pub fn terms(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|i| term_of(&self.text, &self.ends, i))
    }

    /// The text of term `i`, if there is one.
    pub fn term(&self, i: usize) -> Option<&str> {
        (i < self.ends.len()).then(|| term_of(&self.text, &self.ends, i))
    }

    /// IDF per term.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The packed term text, the term ends and the hash index slots, as a model file
    /// stores them.
    pub(crate) fn tables(&self) -> (&[u8], &[u32], &[u64]) {
        (&self.text, &self.ends, self.index.slots())
    }
}

/// Checks packed terms: UTF-8 text, ends that are increasing character boundaries reaching
/// its end, one positive finite IDF per term, fewer than 2^32 terms.
fn check_terms(text: &[u8], ends: &[u32], idf: &[f32]) -> Result<()> {
    let text = std::str::from_utf8(text).map_err(|e| Error::InvalidParam {
        name: "vocabulary",
        problem: format!("term text is not UTF-8 ({e})"),
    })?;
    if ends.len() != idf.len() {
        return Err(Error::Shape {
            what: "vocabulary idf values",
            expected: ends.len(),
            found: idf.len(),
        });
    }
    if ends.len() > u32::MAX as usize {
        return Err(Error::InvalidParam {
            name: "vocabulary",
            problem: "more than 2^32 terms".into(),
        });
    }
    let mut start = 0usize;
    for &end in ends {
        let end = end as usize;
        if end < start || !text.is_char_boundary(end) {
            return Err(Error::InvalidParam {
                name: "vocabulary",
                problem: format!("term end {end} is not a boundary after {start}"),
            });
        }
        start = end;
    }
    if start != text.len() {
        return Err(Error::InvalidParam {
            name: "vocabulary",
            problem: format!(
                "{} bytes of term text after the last term",
                text.len() - start
            ),
        });
    }
    if let Some(bad) = idf.iter().find(|v| !v.is_finite() || **v <= 0.0) {
        return Err(Error::InvalidParam {
            name: "idf",
            problem: format!("idf value {bad} is not a positive finite number"),
        });
    }
    Ok(())
}

/// Term `i` of terms packed back to back in `text` and ending at `ends` (checked by
/// [`check_terms`] to be UTF-8 split at character boundaries, so the fallback to `""`
/// never happens).
fn term_of<'a>(text: &'a [u8], ends: &[u32], i: usize) -> &'a str {
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    text.get(start..ends[i] as usize)
        .and_then(|t| std::str::from_utf8(t).ok())
        .unwrap_or("")
}

fn too_big() -> Error {
    Error::InvalidParam {
        name: "vocabulary",
        problem: "more than 4 GiB of term text".into(),
    }
}

/// Reusable per-thread buffers for featurization. Create one per thread and pass it to
/// [`Tfidf::transform_into`] to featurize without allocating per paragraph.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The text with its hashtags' words added (hashtag stage only).
    expanded: String,
    normalized: String,
    spans: Vec<(usize, usize)>,
    /// The current text's (stemmed) tokens joined by single spaces, so that every word
    /// n-gram is a slice of it.
    joined: String,
    /// Byte spans of the tokens in `joined`.
    joined_bounds: Vec<(usize, usize)>,
    ngrams: NgramScratch,
    ids: [IdList; 2],
    /// The n-gram hashes of the row being built, per block, before lookup.
    hashes: [Vec<u64>; 2],
    /// First-probe buffer of [`HashIndex::lookup_all`].
    probes: Vec<u64>,
    /// Ids found by one [`HashIndex::lookup_all`] batch, before counting.
    found: Vec<u32>,
    /// Per-feature occurrence counts of the row being built (all zero between rows).
    counts: Vec<u16>,
    /// Term frequencies handed out by [`Tfidf::for_each_block`].
    tfs: Vec<f32>,
    /// Stems of words seen before (news text repeats its words; stemming is costly).
    /// Keyed by the word's 64-bit hash (no key string to chase); values are byte ranges of
    /// `stem_text` and the stem's word-unigram id in the vocabulary of `stems_owner` (or
    /// [`UNIGRAM_UNKNOWN`] / [`UNIGRAM_ABSENT`]).
    stems: Memo<(u32, u32, u32)>,
    /// The featurizer ([`Tfidf`]'s `id`) whose unigram ids `stems` holds (0: none).
    stems_owner: u64,
    /// Word-unigram ids of the current text's words found in the vocabulary, in order.
    unigram_ids: Vec<u32>,
    /// The cached stems, back to back.
    stem_text: String,
    /// The language `stems` holds stems of: a scratch reused with another model's stemmer
    /// starts a fresh cache.
    stems_language: Option<Language>,
    /// Byte spans of the chunks character n-grams are cut from.
    chunks: Vec<(usize, usize)>,
    /// Character features of chunks seen before: the chunk's 64-bit hash → range of
    /// `char_ids` holding the block-local ids of its n-grams found in the vocabulary
    /// (repeats kept, for counts), and its slot in `chunk_sums`. Words repeat within and
    /// across paragraphs, so most chunks skip n-gram hashing and lookup. Keys are hashes,
    /// not strings (no pointer to chase): the vocabulary index itself already identifies
    /// n-grams by hash.
    char_cache: Memo<ChunkEntry>,
    /// Sums of [`ChunkSums`] for cached chunks, `width` values each, in slot order.
    chunk_sums: Vec<f32>,
    /// The [`ChunkSums::owner`] whose sums `chunk_sums` holds (0: none).
    sums_owner: u64,
    /// The current text's chunk sums added up (one per chunk occurrence).
    char_total: Vec<f32>,
    /// Slots in `chunk_sums` of the current group of chunks, added up together.
    chunk_slots: Vec<u32>,
    /// Block-local ids of the character n-grams that occurred more than once in the text,
    /// in the order their second occurrence was counted (gathered only with [`ChunkSums`]).
    repeated: IdList,
    /// The n-grams of a block that occurred more than once, handed out by
    /// [`Counted::take_repeated`].
    repeats: Vec<Repeat>,
    /// Keys of the current text's chunks, looked up together.
    chunk_keys: Vec<u64>,
    /// Ranges of `char_ids` of the current group of chunks, counted together.
    chunk_ranges: Vec<(usize, usize)>,
    /// Keys of the current text's words, looked up together.
    word_keys: Vec<u64>,
    /// The ids `char_cache` points into.
    char_ids: Vec<u32>,
    /// The featurizer `char_cache` belongs to ([`Tfidf`]'s `id`): a scratch used with
    /// another featurizer starts a fresh cache.
    char_owner: u64,
}

impl Scratch {
    /// Forgets every cached chunk: its ids and its sums.
    fn clear_char_cache(&mut self) {
        self.char_cache.clear();
        self.char_ids.clear();
        self.chunk_sums.clear();
    }
}

/// A stem's unigram id not looked up yet.
const UNIGRAM_UNKNOWN: u32 = u32::MAX;

/// A stem that is not a unigram of the vocabulary.
const UNIGRAM_ABSENT: u32 = u32::MAX - 1;

/// The fitted text stages [`analyze`] runs, borrowed from a [`Tfidf`] or an [`Analyzer`].
#[derive(Clone, Copy)]
struct Stages<'a> {
    params: &'a TfidfValidParams,
    hashtags: Option<&'a HashtagSplitter>,
    stemmer: Option<&'a Stemmer>,
}

/// What [`analyze`] hands out: hashed n-grams, or word-unigram ids already known.
enum Gram<'a> {
    /// An n-gram of `block`, by hash and text.
    Hashed {
        block: usize,
        hash: u64,
        text: &'a str,
    },
    /// The ids of the text's word unigrams found in the vocabulary, in order (handed out
    /// once, before any word n-gram, when [`analyze`] is given the word index).
    Unigrams(&'a [u32]),
}

/// A list of ids in a buffer that only grows: clearing keeps the buffer, so counting, which
/// writes every id and keeps some, never refills it with zeros.
#[derive(Debug, Default, Clone)]
struct IdList {
    buf: Vec<u32>,
    len: usize,
}

impl IdList {
    fn clear(&mut self) {
        self.len = 0;
    }

    fn as_slice(&self) -> &[u32] {
        &self.buf[..self.len]
    }

    fn as_mut_slice(&mut self) -> &mut [u32] {
        &mut self.buf[..self.len]
    }

    /// The buffer, with room for at least `extra` ids past the list's end.
    fn room(&mut self, extra: usize) -> &mut [u32] {
        let need = self.len + extra;
        if self.buf.len() < need {
            self.buf.resize(need, 0);
        }
        &mut self.buf
    }
}

/// A chunk's entry in the character-feature cache.
#[derive(Debug, Clone, Copy, Default)]
struct ChunkEntry {
    /// Where the chunk's n-gram ids start in `Scratch::char_ids`.
    start: u32,
    /// How many ids it has.
    len: u32,
    /// Its sum's slot in `Scratch::chunk_sums`, or [`NO_SUM`].
    sum: u32,
}

/// [`ChunkEntry::sum`] of a chunk whose sum is not computed yet.
const NO_SUM: u32 = u32::MAX;

/// `sum(offset, ids, out)` of [`ChunkSums`].
pub(crate) type ChunkSumFn<'a> = &'a dyn Fn(u32, &[u32], &mut [f32]);

/// Per-chunk sums that a linear scorer adds up in place of each chunk's character n-grams
/// (see [`Tfidf::for_each_counted`]). Character n-grams never cross a chunk, so a text's
/// character features are the union of its chunks' n-grams: whatever is linear in the
/// n-grams' occurrence counts can be summed once per distinct chunk, cached per thread, and
/// added once per chunk occurrence. Only n-grams that occur more than once in a text need a
/// correction (their sublinear term frequency is not their count).
pub(crate) struct ChunkSums<'a> {
    /// Identifies what the sums are computed from (a model's weights): a scratch that holds
    /// sums of another owner starts its caches afresh. Never 0.
    pub(crate) owner: u64,
    /// Values per sum.
    pub(crate) width: usize,
    /// `sum(offset, ids, out)` adds into `out` (`width` zeros) the sum for a chunk whose
    /// n-grams, one per occurrence, have block-local `ids` in a block starting at global id
    /// `offset`.
    pub(crate) sum: ChunkSumFn<'a>,
}

/// An n-gram that occurred more than once in a text ([`Counted::take_repeated`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Repeat {
    /// Its block-local id.
    pub(crate) id: u32,
    /// Its occurrence count `n`.
    pub(crate) n: f32,
    /// Its term frequency (`1 + ln n` under sublinear tf, else `n`).
    pub(crate) tf: f32,
}

/// N-gram hashes gathered before their vocabulary lookups run (bounds memory per text).
const LOOKUP_BATCH: usize = 4096;

/// Chunks resolved (and their cached ids prefetched) before their ids are counted.
const CHUNK_GROUP: usize = 64;

/// Entries the per-thread stem cache holds before it is cleared.
const STEM_CACHE_LIMIT: usize = 1 << 16;

/// Chunks the per-thread character-feature cache holds before it is cleared.
const CHAR_CACHE_LIMIT: usize = 1 << 16;

/// Ids the per-thread character-feature cache holds before it is cleared (4 MB; about what
/// `CHAR_CACHE_LIMIT` chunks of news text need, so memory stops growing once it is full).
const CHAR_IDS_LIMIT: usize = 1 << 20;

/// Source of [`Tfidf`] ids; 0 is never issued, so a fresh [`Scratch`] owns no cache.
static NEXT_TFIDF_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The text stages bound together for fitting: owns the stemmer.
struct Analyzer<'p> {
    params: &'p TfidfValidParams,
    hashtags: Option<&'p HashtagSplitter>,
    stemmer: Option<Stemmer>,
}

impl<'p> Analyzer<'p> {
    fn new(params: &'p TfidfValidParams, hashtags: Option<&'p HashtagSplitter>) -> Self {
        Analyzer {
            params,
            hashtags,
            stemmer: params.stemmer.map(Stemmer::new),
        }
    }

    fn analyze(&self, text: &str, s: &mut Scratch, mut f: impl FnMut(usize, u64, &str)) {
        let stages = Stages {
            params: self.params,
            hashtags: self.hashtags,
            stemmer: self.stemmer.as_ref(),
        };
        analyze(stages, text, s, true, None, |g| {
            if let Gram::Hashed { block, hash, text } = g {
                f(block, hash, text);
            }
        })
    }
}

/// A fitted featurizer: the pipeline parameters plus each block's vocabulary and IDF.
#[derive(Debug)]
pub struct Tfidf {
    params: TfidfValidParams,
    /// The fitted hashtag stage, when `params.hashtags`.
    hashtags: Option<HashtagSplitter>,
    stemmer: Option<Stemmer>,
    blocks: Vec<Vocabulary>,
    offsets: Vec<u32>,
    n_features: usize,
    /// Identifies this featurizer's vocabulary to per-thread caches in [`Scratch`].
    id: u64,
}

impl Clone for Tfidf {
    fn clone(&self) -> Self {
        Tfidf {
            params: self.params.clone(),
            hashtags: self.hashtags.clone(),
            stemmer: self.params.stemmer.map(Stemmer::new),
            blocks: self.blocks.clone(),
            offsets: self.offsets.clone(),
            n_features: self.n_features,
            // Same vocabulary, so caches may be shared.
            id: self.id,
        }
    }
}

impl Tfidf {
    /// Reassembles a fitted featurizer from its parameters, block vocabularies and hashtag
    /// word table (the model loader uses this). The blocks must match the enabled blocks of
    /// `params`, in order, and the table must be given exactly when `params.hashtags`.
    pub fn from_parts(
        params: TfidfValidParams,
        blocks: Vec<Vocabulary>,
        hashtags: Option<HashtagWords>,
    ) -> Result<Self> {
        Tfidf::assemble(params, blocks, hashtags.map(HashtagSplitter::new))
    }

    /// [`Tfidf::from_parts`] with the hashtag stage already built (fitting builds it before
    /// the vocabulary, to analyze the texts with it).
    fn assemble(
        params: TfidfValidParams,
        blocks: Vec<Vocabulary>,
        hashtags: Option<HashtagSplitter>,
    ) -> Result<Self> {
        params.check()?;
        if params.hashtags != hashtags.is_some() {
            return Err(Error::InvalidParam {
                name: "hashtags",
                problem: if params.hashtags {
                    "the hashtag stage is on but its word table is missing".into()
                } else {
                    "a hashtag word table is given but the hashtag stage is off".into()
                },
            });
        }
        let kinds: Vec<NgramKind> = params.blocks().iter().map(|(k, _)| *k).collect();
        let got: Vec<NgramKind> = blocks.iter().map(|b| b.kind).collect();
        if kinds != got {
            return Err(Error::InvalidParam {
                name: "blocks",
                problem: format!("blocks {got:?} do not match the parameters' {kinds:?}"),
            });
        }
        let mut offsets = Vec::with_capacity(blocks.len());
        let mut total: usize = 0;
        for b in &blocks {
            offsets.push(total as u32);
            total += b.len();
        }
        if total > u32::MAX as usize {
            return Err(Error::InvalidParam {
                name: "vocabulary",
                problem: "more than 2^32 features".into(),
            });
        }
        Ok(Tfidf {
            stemmer: params.stemmer.map(Stemmer::new),
            hashtags,
            params,
            blocks,
            offsets,
            n_features: total,
            id: NEXT_TFIDF_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The pipeline parameters.
    pub fn params(&self) -> &TfidfValidParams {
        &self.params
    }

    /// The fitted hashtag stage's word table, when the stage is on.
    pub fn hashtag_words(&self) -> Option<&HashtagWords> {
        self.hashtags.as_ref().map(HashtagSplitter::table)
    }

    /// The block vocabularies, in feature order.
    pub fn blocks(&self) -> &[Vocabulary] {
        &self.blocks
    }

    /// Total number of features (columns).
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The kind and text of feature `index`, or `None` if out of range.
    pub fn feature_name(&self, index: usize) -> Option<(NgramKind, &str)> {
        let b = self.offsets.iter().rposition(|&o| o as usize <= index)?;
        let local = index - self.offsets[b] as usize;
        self.blocks[b].term(local).map(|t| (self.blocks[b].kind, t))
    }

    /// Counts `text`'s n-grams found in the vocabulary: `scratch.ids[b]` gets block `b`'s
    /// distinct block-local ids in order of first occurrence, and `scratch.counts` (indexed
    /// by global feature) how often each occurred. The caller must zero those counts. With
    /// `sums` and a character block, `scratch.char_total` gets the sum of every chunk
    /// occurrence's [`ChunkSums`].
    fn count(&self, text: &str, scratch: &mut Scratch, sums: Option<&ChunkSums<'_>>) {
        let mut per_block = std::mem::take(&mut scratch.ids);
        per_block.iter_mut().for_each(IdList::clear);
        // Distinct ids go to `per_block` once; `counts` (indexed by global feature) holds
        // how often each occurred, so only distinct ids need sorting.
        let mut counts = std::mem::take(&mut scratch.counts);
        if counts.len() < self.n_features {
            counts.resize(self.n_features, 0);
        }
        let mut hashes = std::mem::take(&mut scratch.hashes);
        hashes.iter_mut().for_each(Vec::clear);
        let mut probes = std::mem::take(&mut scratch.probes);
        // Hashes are looked up in batches of at most LOOKUP_BATCH, so memory stays bounded
        // however long the text.
        let mut found = std::mem::take(&mut scratch.found);
        // Counts `known` ids of block `b`, then the ids of the hashes `hs` (emptied).
        let mut lookup = |b: usize, hs: &mut Vec<u64>, probes: &mut Vec<u64>, known: &[u32]| {
            found.clear();
            self.blocks[b]
                .index
                .lookup_all(hs, probes, |id| found.push(id));
            let offset = self.offsets[b] as usize;
            let all = [known, found.as_slice()];
            let total = known.len() + found.len();
            let (ids, none) = (&mut per_block[b], &mut IdList::default());
            count_distinct::<false>(all, total, offset, &mut counts, ids, none);
            hs.clear();
        };
        // Word unigrams through the stem cache, which keeps their ids (for this featurizer).
        let unigrams = match &self.params.word {
            Some(wp)
                if wp.ngram_range.min == 1 && self.blocks[0].len() < UNIGRAM_ABSENT as usize =>
            {
                Some((self.blocks[0].index.view(), self.id))
            }
            _ => None,
        };
        let stages = Stages {
            params: &self.params,
            hashtags: self.hashtags.as_ref(),
            stemmer: self.stemmer.as_ref(),
        };
        analyze(stages, text, scratch, false, unigrams, |g| match g {
            Gram::Hashed { block: b, hash, .. } => {
                hashes[b].push(hash);
                if hashes[b].len() >= LOOKUP_BATCH {
                    lookup(b, &mut hashes[b], &mut probes, &[]);
                }
            }
            // Before any word n-gram is hashed (`hashes[0]` is empty), so ids keep the
            // order of first occurrence.
            Gram::Unigrams(ids) => lookup(0, &mut hashes[0], &mut probes, ids),
        });
        for (b, hs) in hashes.iter_mut().enumerate().take(self.blocks.len()) {
            lookup(b, hs, &mut probes, &[]);
        }
        scratch.probes = probes;
        scratch.found = found;
        if let Some(cp) = &self.params.char {
            // Character n-grams, per chunk, through the per-thread cache.
            let b = self.blocks.len() - 1;
            let owner = sums.map_or(scratch.sums_owner, |cs| cs.owner);
            if scratch.char_owner != self.id || scratch.sums_owner != owner {
                scratch.clear_char_cache();
                scratch.char_owner = self.id;
                scratch.sums_owner = owner;
            }
            let width = sums.map_or(0, |cs| cs.width);
            scratch.repeated.clear();
            scratch.char_total.clear();
            scratch.char_total.resize(width, 0.0);
            char_chunks(&self.params, scratch);
            let offset = self.offsets[b] as usize;
            let vocab = &self.blocks[b];
            let ids = &mut per_block[b];
            // Keys of all chunks first, with their slots prefetched, so the misses overlap.
            scratch.chunk_keys.clear();
            for &(a, z) in &scratch.chunks {
                let key = ngram_hash(NgramKind::Char, &scratch.normalized[a..z]);
                scratch.char_cache.prefetch(key);
                scratch.chunk_keys.push(key);
            }
            // Then, a group of chunks at a time: resolve each chunk to its cached ids
            // (featurizing it on a miss) and prefetch them, then count the group's ids.
            let per_char = cp.ngram_range.max - cp.ngram_range.min + 1;
            let index = vocab.index.view();
            // Out of `scratch` for the loop, so the loop can clear the cache as a whole.
            let (chunks, chunk_keys) = (
                std::mem::take(&mut scratch.chunks),
                std::mem::take(&mut scratch.chunk_keys),
            );
            for (group, keys) in chunks
                .chunks(CHUNK_GROUP)
                .zip(chunk_keys.chunks(CHUNK_GROUP))
            {
                // Room for the whole group, so no range resolved below is cleared before it
                // is counted (a group's worst case: every n-gram of every chunk is new).
                let need: usize = group.iter().map(|&(a, z)| per_char * (z - a + 3)).sum();
                if scratch.char_cache.len() + group.len() > CHAR_CACHE_LIMIT
                    || scratch.char_ids.len() + need > CHAR_IDS_LIMIT
                {
                    scratch.clear_char_cache();
                }
                scratch.chunk_ranges.clear();
                scratch.chunk_slots.clear();
                for (&(a, z), &key) in group.iter().zip(keys) {
                    let mut e = match scratch.char_cache.get(key) {
                        Some(e) => e,
                        None => {
                            let start = scratch.char_ids.len();
                            let found = &mut scratch.char_ids;
                            let chunk = &scratch.normalized[a..z];
                            char_wb_ngrams(chunk, cp.ngram_range, &mut scratch.ngrams, |h, _| {
                                if let Some(id) = index.get(h) {
                                    found.push(id);
                                }
                            });
                            let e = ChunkEntry {
                                start: start as u32,
                                len: (found.len() - start) as u32,
                                sum: NO_SUM,
                            };
                            scratch.char_cache.insert(key, e);
                            e
                        }
                    };
                    let (start, len) = (e.start as usize, e.len as usize);
                    let chunk_ids = &scratch.char_ids[start..start + len];
                    if let Some(cs) = sums {
                        if e.sum == NO_SUM {
                            // First use with these sums: compute the chunk's sum once.
                            let at = scratch.chunk_sums.len();
                            scratch.chunk_sums.resize(at + width, 0.0);
                            (cs.sum)(offset as u32, chunk_ids, &mut scratch.chunk_sums[at..]);
                            e.sum = (at / width.max(1)) as u32;
                            scratch.char_cache.set(key, e);
                        }
                        let at = e.sum as usize * width;
                        prefetch(&scratch.chunk_sums[at..at + width]);
                        scratch.chunk_slots.push(e.sum);
                    }
                    prefetch(chunk_ids);
                    scratch.chunk_ranges.push((start, start + len));
                }
                let total = scratch.chunk_ranges.iter().map(|&(a, z)| z - a).sum();
                let char_ids = &scratch.char_ids;
                let found = scratch.chunk_ranges.iter().map(|&(a, z)| &char_ids[a..z]);
                if sums.is_some() {
                    let repeated = &mut scratch.repeated;
                    count_distinct::<true>(found, total, offset, &mut counts, ids, repeated);
                } else {
                    let none = &mut IdList::default();
                    count_distinct::<false>(found, total, offset, &mut counts, ids, none);
                }
                // In occurrence order, so the total is the same however the cache is filled.
                for &slot in &scratch.chunk_slots {
                    let at = slot as usize * width;
                    let sum = &scratch.chunk_sums[at..at + width];
                    for (t, v) in scratch.char_total.iter_mut().zip(sum) {
                        *t += v;
                    }
                }
            }
            (scratch.chunks, scratch.chunk_keys) = (chunks, chunk_keys);
        }
        scratch.ids = per_block;
        scratch.counts = counts;
        scratch.hashes = hashes;
    }

    /// Featurizes one text into `indices`/`values` (cleared first): strictly increasing
    /// column indices, each non-empty block with unit L2 norm.
    pub fn transform_into(
        &self,
        text: &str,
        scratch: &mut Scratch,
        indices: &mut Vec<u32>,
        values: &mut Vec<f32>,
    ) {
        indices.clear();
        values.clear();
        self.count(text, scratch, None);
        let mut per_block = std::mem::take(&mut scratch.ids);
        let mut counts = std::mem::take(&mut scratch.counts);
        let table = sublinear_table();
        for (b, ids) in per_block.iter_mut().enumerate().take(self.blocks.len()) {
            let ids = ids.as_mut_slice();
            let vocab = &self.blocks[b];
            let (sublinear, weight) = self
                .block_params(b)
                .map_or((true, 1.0), |p| (p.sublinear_tf, p.weight));
            ids.sort_unstable();
            let start = values.len();
            let idf = vocab.idf();
            for &id in ids.iter() {
                let global = self.offsets[b] + id;
                let tf = take_tf(&mut counts, global, sublinear, table);
                indices.push(global);
                values.push(tf * idf[id as usize]);
            }
            let norm = values[start..].iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                let scale = weight / norm;
                values[start..].iter_mut().for_each(|v| *v *= scale);
            }
        }
        scratch.ids = per_block;
        scratch.counts = counts;
    }

    /// The unnormalized features of `text`, block by block, for scorers that fold the
    /// weighting into their own pass: calls `f(block, ids, tfs)` once per block (in block
    /// order, empty blocks included) with the global ids of the block's distinct n-grams in
    /// order of first occurrence (not sorted) and their term frequencies (`1 + ln n` under
    /// sublinear tf, else `n`). Multiplying by [`Vocabulary::idf`] and scaling each block to
    /// its [`BlockParams::weight`] over its L2 norm gives [`Tfidf::transform_into`]'s values.
    /// Skips the sort `transform_into` needs for CSR order.
    pub fn for_each_block(
        &self,
        text: &str,
        scratch: &mut Scratch,
        mut f: impl FnMut(usize, &[u32], &[f32]),
    ) {
        let mut tfs = std::mem::take(&mut scratch.tfs);
        self.for_each_counted(text, scratch, None, |b, mut block, _| {
            tfs.clear();
            tfs.extend((0..block.ids.len()).map(|t| block.take_tf(t)));
            let offset = block.offset;
            block.ids.iter_mut().for_each(|id| *id += offset);
            f(b, block.ids, &tfs);
        });
        scratch.tfs = tfs;
    }

    /// [`Tfidf::for_each_block`] for a scorer that reads each n-gram's count itself, in the
    /// same pass as its weights: calls `f(block, counted, chunk_total)` once per block, in
    /// order. With `sums`, the character block's `chunk_total` is the sum of
    /// [`ChunkSums`] over the text's chunk occurrences (`None` for other blocks, or without
    /// `sums`).
    pub(crate) fn for_each_counted(
        &self,
        text: &str,
        scratch: &mut Scratch,
        sums: Option<&ChunkSums<'_>>,
        mut f: impl FnMut(usize, Counted<'_>, Option<&[f32]>),
    ) {
        self.count(text, scratch, sums);
        let table = sublinear_table();
        for b in 0..self.blocks.len() {
            let sublinear = self.block_params(b).map_or(true, |p| p.sublinear_tf);
            let total = match (sums, self.blocks[b].kind) {
                (Some(_), NgramKind::Char) => Some(scratch.char_total.as_slice()),
                _ => None,
            };
            f(
                b,
                Counted {
                    offset: self.offsets[b],
                    ids: scratch.ids[b].as_mut_slice(),
                    counts: &mut scratch.counts,
                    repeated: scratch.repeated.as_slice(),
                    repeats: &mut scratch.repeats,
                    sublinear,
                    table,
                },
                total,
            );
        }
    }

    /// The parameters of block `b` (word or char), if that block is enabled.
    pub fn block_params(&self, b: usize) -> Option<&BlockParams> {
        match self.blocks.get(b)?.kind {
            NgramKind::Word => self.params.word.as_ref(),
            NgramKind::Char => self.params.char.as_ref(),
        }
    }

    /// Featurizes one text into a new single-row matrix.
    pub fn transform_one(&self, text: &str) -> CsrMatrix {
        self.transform(&[text])
    }

    /// Featurizes `texts` in parallel into a CSR matrix, rows in input order.
    pub fn transform<S: AsRef<str> + Sync>(&self, texts: &[S]) -> CsrMatrix {
        let parts: Vec<CsrMatrix> = texts
            .par_chunks(256)
            .map(|chunk| {
                let mut scratch = Scratch::default();
                let (mut idx, mut val) = (Vec::new(), Vec::new());
                let mut m = CsrMatrix::new(self.n_features);
                for t in chunk {
                    self.transform_into(t.as_ref(), &mut scratch, &mut idx, &mut val);
                    m.push_row(&idx, &val);
                }
                m.shrink_to_fit();
                m
            })
            .collect();
        CsrMatrix::concat(self.n_features, parts)
    }
}

/// One block of a counted text ([`Tfidf::for_each_counted`]): the block's distinct
/// n-grams, and their counts to take.
pub(crate) struct Counted<'a> {
    /// The block's first global id.
    pub(crate) offset: u32,
    /// Block-local ids of the block's distinct n-grams, in order of first occurrence.
    pub(crate) ids: &'a mut [u32],
    /// Occurrence counts by global id; each must be taken (zeroed) once.
    counts: &'a mut [u16],
    /// The ids that occurred more than once (for the character block, gathered only with
    /// [`ChunkSums`]).
    repeated: &'a [u32],
    /// Buffer of [`Counted::take_repeated`].
    repeats: &'a mut Vec<Repeat>,
    sublinear: bool,
    table: &'static [f32; TABULATED],
}

impl Counted<'_> {
    /// The term frequency of `ids[t]` (`1 + ln n` under sublinear tf, else `n`), leaving its
    /// count at zero for the next text. Call once per `t`.
    #[inline(always)]
    pub(crate) fn take_tf(&mut self, t: usize) -> f32 {
        let global = self.offset + self.ids[t];
        take_tf(self.counts, global, self.sublinear, self.table)
    }

    /// The largest occurrence count among the n-grams that occurred more than once (1 if
    /// none did; for the character block of a text counted with [`ChunkSums`]). Leaves
    /// the counts.
    pub(crate) fn max_repeat(&self) -> u16 {
        let offset = self.offset as usize;
        self.repeated
            .iter()
            .map(|&id| self.counts[offset + id as usize])
            .fold(1, u16::max)
    }

    /// Takes every count (leaving them zero for the next text) and returns the n-grams that
    /// occurred more than once, in the order their second occurrence was counted. Instead
    /// of [`Counted::take_tf`], for the character block of a text counted with
    /// [`ChunkSums`].
    pub(crate) fn take_repeated(&mut self) -> &[Repeat] {
        let offset = self.offset as usize;
        let out = &mut *self.repeats;
        out.clear();
        for &id in self.repeated {
            let n = self.counts[offset + id as usize];
            out.push(Repeat {
                id,
                n: f32::from(n),
                tf: tf_of(n, self.sublinear, self.table),
            });
        }
        for &id in self.ids.iter() {
            self.counts[offset + id as usize] = 0;
        }
        out
    }
}

/// Counts the block-local ids of every slice of `found` (`total` ids in all) in `counts`
/// (indexed by `offset + id`), appending to `distinct` each id whose count was zero and,
/// with `REPEATS`, to `repeated` each id whose count was one. Branch-free: the id is always
/// written and the length only advances for a new one (whether an id is new is
/// unpredictable).
#[inline]
fn count_distinct<'f, const REPEATS: bool>(
    found: impl IntoIterator<Item = &'f [u32]>,
    total: usize,
    offset: usize,
    counts: &mut [u16],
    distinct_list: &mut IdList,
    repeated_list: &mut IdList,
) {
    let mut n = distinct_list.len;
    let distinct = distinct_list.room(total);
    let mut r = repeated_list.len;
    let repeated = repeated_list.room(if REPEATS { total } else { 0 });
    // Nested loops, not `flatten` (whose per-element exhaustion check costs here).
    for ids in found {
        for &id in ids {
            let c = &mut counts[offset + id as usize];
            distinct[n] = id;
            n += usize::from(*c == 0);
            if REPEATS {
                repeated[r] = id;
                r += usize::from(*c == 1);
            }
            *c = c.saturating_add(1);
        }
    }
    distinct_list.len = n;
    repeated_list.len = r;
}

/// Counts whose sublinear term frequency is tabulated (16 KiB); larger counts, rare in a
/// paragraph, are computed.
const TABULATED: usize = 1 << 12;

/// `1 + ln n` for counts below [`TABULATED`], computed by the same expression as
/// [`sublinear_tf`] (so the same values): a table load instead of a logarithm per feature.
fn sublinear_table() -> &'static [f32; TABULATED] {
    static TABLE: std::sync::OnceLock<[f32; TABULATED]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|n| sublinear_tf(n as u16)))
}

/// `1 + ln n`. Out of line and cold: inlined, the logarithm's call made the compiler keep
/// the scoring loop's accumulators in memory on every iteration; as a cold call they are
/// saved only around it.
#[cold]
#[inline(never)]
fn sublinear_tf(n: u16) -> f32 {
    1.0 + f32::from(n).ln()
}

/// Feature `global`'s term frequency from its occurrence count in `counts` (`1 + ln n` when
/// `sublinear`, else `n`), leaving the count at zero for the next text.
#[inline]
fn take_tf(counts: &mut [u16], global: u32, sublinear: bool, table: &[f32; TABULATED]) -> f32 {
    tf_of(
        std::mem::take(&mut counts[global as usize]),
        sublinear,
        table,
    )
}

/// The term frequency of an n-gram that occurred `n` times: `1 + ln n` when `sublinear`
/// (from `table` below [`TABULATED`]), else `n`.
#[inline(always)]
fn tf_of(n: u16, sublinear: bool, table: &[f32; TABULATED]) -> f32 {
    if !sublinear {
        f32::from(n)
    } else if let Some(&tf) = table.get(usize::from(n)) {
        tf
    } else {
        sublinear_tf(n)
    }
}

/// Runs stages 1-4 on `text`, calling `f` with every n-gram ([`Gram::Hashed`]). Blocks are
/// numbered in order: word (if enabled), then char (if enabled). With `unigrams` (the word
/// block's index and its featurizer's id) and a stemmer, word unigrams are instead looked up
/// once per distinct word and cached with its stem, and handed out as [`Gram::Unigrams`].
fn analyze(
    stages: Stages<'_>,
    text: &str,
    s: &mut Scratch,
    chars: bool,
    unigrams: Option<(IndexView<'_>, u64)>,
    mut f: impl FnMut(Gram<'_>),
) {
    let (p, stemmer) = (stages.params, stages.stemmer);
    match stages.hashtags {
        Some(h) if text.contains('#') && h.expand_into(text, &mut s.expanded) => {
            p.normalizer.normalize_into(&s.expanded, &mut s.normalized);
        }
        _ => p.normalizer.normalize_into(text, &mut s.normalized),
    }
    s.spans.clear();
    let spans = &mut s.spans;
    p.tokenizer
        .for_each_token(&s.normalized, |_, span| spans.push(span));
    let norm = s.normalized.as_str();
    let mut block = 0;
    if let Some(wp) = &p.word {
        let unigrams = unigrams.filter(|_| stemmer.is_some());
        if let Some(st) = stemmer {
            let owner = unigrams.map_or(s.stems_owner, |(_, id)| id);
            if s.stems_language != Some(st.language()) || s.stems_owner != owner {
                s.stems.clear();
                s.stem_text.clear();
                s.stems_language = Some(st.language());
                s.stems_owner = owner;
            }
        }
        s.unigram_ids.clear();
        let (stems, stem_text) = (&mut s.stems, &mut s.stem_text);
        s.word_keys.clear();
        if stemmer.is_some() {
            // All keys first, with their slots prefetched, so the misses overlap.
            for &(a, b) in &s.spans {
                let key = xxh3_64(&norm.as_bytes()[a..b]);
                stems.prefetch(key);
                s.word_keys.push(key);
            }
        }
        let (joined, bounds) = (&mut s.joined, &mut s.joined_bounds);
        joined.clear();
        bounds.clear();
        for (i, &(a, b)) in s.spans.iter().enumerate() {
            if i > 0 {
                joined.push(' ');
            }
            let start = joined.len();
            let word = &norm[a..b];
            match stemmer {
                Some(st) => {
                    let key = s.word_keys[i];
                    let (x, y, mut id) = match stems.get(key) {
                        Some(e) => e,
                        None => {
                            let stem = st.stem(word);
                            if stems.len() >= STEM_CACHE_LIMIT || stem_text.len() >= 1 << 20 {
                                stems.clear();
                                stem_text.clear();
                            }
                            let x = stem_text.len() as u32;
                            stem_text.push_str(&stem);
                            let e = (x, stem_text.len() as u32, UNIGRAM_UNKNOWN);
                            stems.insert(key, e);
                            e
                        }
                    };
                    let stem = &stem_text[x as usize..y as usize];
                    joined.push_str(stem);
                    if let Some((index, _)) = unigrams {
                        if id == UNIGRAM_UNKNOWN {
                            let h = ngram_hash(NgramKind::Word, stem);
                            id = index.get(h).unwrap_or(UNIGRAM_ABSENT);
                            stems.set(key, (x, y, id));
                        }
                        if id != UNIGRAM_ABSENT {
                            s.unigram_ids.push(id);
                        }
                    }
                }
                None => joined.push_str(word),
            }
            bounds.push((start, joined.len()));
        }
        let mut range = wp.ngram_range;
        if unigrams.is_some() {
            f(Gram::Unigrams(&s.unigram_ids));
            range.min = 2;
        }
        if range.min <= range.max {
            word_ngrams_joined(&s.joined, &s.joined_bounds, range, |hash, text| {
                f(Gram::Hashed { block, hash, text })
            });
        }
        block += 1;
    }
    if let (Some(cp), true) = (&p.char, chars) {
        char_chunks(p, s);
        for &(a, b) in &s.chunks {
            char_wb_ngrams(
                &s.normalized[a..b],
                cp.ngram_range,
                &mut s.ngrams,
                |hash, text| f(Gram::Hashed { block, hash, text }),
            );
        }
    }
}

/// Fills `s.chunks` with the spans of `s.normalized` that character n-grams are cut from:
/// the tokens (`s.spans`) or the whitespace-separated chunks.
fn char_chunks(p: &TfidfValidParams, s: &mut Scratch) {
    s.chunks.clear();
    match p.char_source {
        CharSource::Words => s.chunks.extend_from_slice(&s.spans),
        CharSource::Whitespace => {
            let base = s.normalized.as_ptr() as usize;
            let span = |w: &str| {
                let a = w.as_ptr() as usize - base;
                (a, a + w.len())
            };
            if s.normalized.is_ascii() {
                let chunks = &mut s.chunks;
                for_each_ascii_word_span(s.normalized.as_bytes(), |a, z| chunks.push((a, z)));
            } else {
                s.chunks.extend(s.normalized.split_whitespace().map(span));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_only(lang: Language) -> TfidfParams {
        let mut w = BlockParams::word_default();
        w.min_df = DfBound::Count(1);
        TfidfParams::new()
            .stemmer(Some(lang))
            .word(Some(w))
            .char(None)
    }

    /// With the hashtag stage, a hashtag's words count as words in fitting and featurizing
    /// alike (the hashtag itself too); without it, the hashtag is one word.
    #[test]
    fn split_hashtags_add_their_words() {
        let texts = [
            "we must stop the war",
            "the war goes on",
            "#StopTheWar now",
            "#stopthewar",
        ];
        let fit = |on: bool| {
            let mut w = BlockParams::word_default();
            w.min_df = DfBound::Count(1);
            let p = TfidfParams::new().split_hashtags(on).word(Some(w));
            p.fit(&texts).unwrap()
        };
        let names = |t: &Tfidf, text: &str| -> Vec<String> {
            let x = t.transform_one(text);
            let row = x.row(0);
            let mut v: Vec<String> = row
                .indices
                .iter()
                .filter_map(|&i| t.feature_name(i as usize))
                .filter(|(k, _)| *k == NgramKind::Word)
                .map(|(_, s)| s.to_string())
                .collect();
            v.sort();
            v
        };
        let (on, off) = (fit(true), fit(false));
        assert_eq!(
            names(&on, "#stopthewar"),
            [
                "stop",
                "stop the",
                "stopthewar",
                "stopthewar stop",
                "the",
                "the war",
                "war"
            ]
        );
        assert_eq!(names(&off, "#stopthewar"), ["stopthewar"]);
        // The fitted table counts words outside hashtags only.
        let table = on.hashtag_words().unwrap();
        assert!(table.words.contains(&("war".to_string(), 2)));
        assert!(!table.words.iter().any(|(w, _)| w == "stopthewar"));
        assert!(off.hashtag_words().is_none());
        // Texts without a hashtag featurize exactly as without the stage.
        let plain = "the war goes on and on";
        assert_eq!(names(&on, plain), names(&off, plain));
        // One text alone equals its row in a batch.
        let batch = on.transform(&texts);
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(on.transform_one(t).row(0), batch.row(i));
        }
    }

    /// A scratch reused with featurizers of different stemming languages must not serve one
    /// language's cached stems to the other ("meetings": English "meet", German "meeting").
    #[test]
    fn scratch_shared_across_languages_does_not_leak_stems() {
        let texts = ["meetings were held", "more meetings today"];
        let en = words_only(Language::English).fit(&texts).unwrap();
        let de = words_only(Language::German).fit(&texts).unwrap();
        let fresh = de.transform_one(texts[0]);
        let mut scratch = Scratch::default();
        let (mut i, mut v) = (Vec::new(), Vec::new());
        en.transform_into(texts[0], &mut scratch, &mut i, &mut v);
        de.transform_into(texts[0], &mut scratch, &mut i, &mut v);
        assert_eq!(fresh.row(0).indices, i.as_slice());
        assert_eq!(fresh.row(0).values, v.as_slice());
    }

    /// Word unigrams served from the stem cache (with their ids, per featurizer) must count
    /// exactly what the fit-time analyzer emits, across a mid-text clear of the cache and
    /// with one scratch shared by featurizers with different vocabularies.
    #[test]
    fn cached_word_unigrams_match_the_analyzer() {
        let mut params = words_only(Language::English);
        if let Some(w) = params.0.word.as_mut() {
            w.sublinear_tf = false;
        }
        // More distinct words than the stem cache holds, each seen twice, plus repeats.
        let n = STEM_CACHE_LIMIT + 5_000;
        let text: String = (0..2 * n)
            .map(|i| format!("meetings q{}z ", (i % n) * 7919 % 1_000_003))
            .collect();
        let a = params.fit(&["meetings held q1z", text.as_str()]).unwrap();
        let b = params.fit(&["q7919z were meetings q0z held"]).unwrap();
        let valid = params.check_ref().unwrap();
        let mut scratch = Scratch::default();
        for _ in 0..2 {
            for t in [&a, &b] {
                let mut expected = std::collections::BTreeMap::new();
                Analyzer::new(valid, None).analyze(&text, &mut Scratch::default(), |_, h, _| {
                    if let Some(id) = t.blocks()[0].index.get(h) {
                        *expected.entry(id).or_insert(0.0f32) += 1.0;
                    }
                });
                let mut got = std::collections::BTreeMap::new();
                t.for_each_block(&text, &mut scratch, |_, ids, tfs| {
                    got.extend(ids.iter().copied().zip(tfs.iter().copied()));
                });
                assert!(expected.len() > 2);
                // Counts saturate at u16::MAX ("meetings" exceeds it here).
                let clamped = expected
                    .iter()
                    .map(|(&id, &n)| (id, n.min(f32::from(u16::MAX))));
                let wrong = clamped.filter(|&(id, n)| got.get(&id) != Some(&n)).count();
                assert_eq!((got.len(), wrong), (expected.len(), 0));
                let short = "meetings were held";
                let fresh = t.transform_one(short);
                let (mut i, mut v) = (Vec::new(), Vec::new());
                t.transform_into(short, &mut scratch, &mut i, &mut v);
                assert_eq!(fresh.row(0).indices, i.as_slice());
                assert_eq!(fresh.row(0).values, v.as_slice());
            }
        }
    }

    /// The per-thread chunk cache (resolved a group at a time, cleared when full) must count
    /// exactly what the fit-time analyzer emits, including across a mid-text clear.
    #[test]
    fn cached_character_counts_match_the_analyzer() {
        let mut c = BlockParams::char_default();
        c.min_df = DfBound::Count(1);
        c.sublinear_tf = false;
        let params = TfidfParams::new().word(None).char(Some(c));
        // More distinct chunks than the cache holds, each seen twice, plus punctuation.
        let n = CHAR_CACHE_LIMIT + 5_000;
        let text: String = (0..2 * n)
            .map(|i| format!("q{}z, ", (i % n) * 7919 % 1_000_003))
            .collect();
        let t = params.fit(&["q1z q22z q333z", text.as_str()]).unwrap();
        let mut expected = std::collections::BTreeMap::new();
        let valid = params.check_ref().unwrap();
        let mut s = Scratch::default();
        Analyzer::new(valid, None).analyze(&text, &mut s, |_, h, _| {
            if let Some(id) = t.blocks()[0].index.get(h) {
                *expected.entry(id).or_insert(0.0f32) += 1.0;
            }
        });
        let mut scratch = Scratch::default();
        for _ in 0..2 {
            let mut got = std::collections::BTreeMap::new();
            t.for_each_block(&text, &mut scratch, |_, ids, tfs| {
                got.extend(ids.iter().copied().zip(tfs.iter().copied()));
            });
            // Counts saturate at u16::MAX (the padding-space n-grams here exceed it).
            let clamped = expected
                .iter()
                .map(|(&id, &n)| (id, n.min(f32::from(u16::MAX))));
            let wrong = clamped.filter(|&(id, n)| got.get(&id) != Some(&n)).count();
            assert_eq!((got.len(), wrong), (expected.len(), 0));
        }
    }

    #[test]
    fn sublinear_tf_is_one_plus_ln_count() {
        let mut counts = vec![0u16; 1 << 16];
        for n in (1..300u16).chain([u16::MAX - 1, u16::MAX]) {
            counts[n as usize] = n;
            let expected = 1.0 + f32::from(n).ln();
            assert_eq!(
                take_tf(&mut counts, u32::from(n), true, sublinear_table()),
                expected,
                "{n}"
            );
            assert_eq!(counts[n as usize], 0);
            counts[n as usize] = n;
            assert_eq!(
                take_tf(&mut counts, u32::from(n), false, sublinear_table()),
                f32::from(n)
            );
        }
    }

    #[test]
    fn packed_terms_are_checked() {
        let idf = vec![1.0f32; 3];
        let v = Vocabulary::packed(NgramKind::Word, "abcdéf".into(), vec![1, 3, 7], idf.clone())
            .unwrap();
        assert_eq!(v.terms().collect::<Vec<_>>(), ["a", "bc", "déf"]);
        assert_eq!((v.term(2), v.term(3)), (Some("déf"), None));
        let same = Vocabulary::new(
            NgramKind::Word,
            vec!["a".into(), "bc".into(), "déf".into()],
            idf.clone(),
        )
        .unwrap();
        assert_eq!(same.index.get(ngram_hash(NgramKind::Word, "bc")), Some(1));
        assert_eq!(v.index.get(ngram_hash(NgramKind::Word, "bc")), Some(1));
        for ends in [vec![1, 3, 5], vec![3, 1, 7], vec![1, 3, 6], vec![1, 3, 8]] {
            // Inside "é", decreasing, trailing text, past the end.
            assert!(
                Vocabulary::packed(NgramKind::Word, "abcdéf".into(), ends.clone(), idf.clone())
                    .is_err(),
                "{ends:?}"
            );
        }
        let dup = Vocabulary::packed(NgramKind::Word, "abab".into(), vec![2, 4], vec![1.0; 2]);
        assert!(dup.unwrap_err().to_string().contains("duplicate"));
    }

    #[test]
    fn idf_is_stored_and_reused() {
        let texts = ["a b", "a c", "a d"];
        let t = words_only(Language::English).fit(&texts).unwrap();
        let vocab = &t.blocks()[0];
        let a = vocab.terms().position(|x| x == "a").unwrap();
        assert_eq!(vocab.idf()[a], smooth_idf(3, 3));
        // Transforming a batch where every document has "b" does not change its weight.
        let one = t.transform_one("a b");
        let batch = t.transform(&["a b", "b", "b b"]);
        assert_eq!(one.row(0), batch.row(0));
    }
}
