//! The invariants the fuzz targets check, one function per target.
//!
//! Each function takes the fuzzer's raw bytes and panics if an invariant fails. They live
//! here rather than in the targets so that `crates/framing/tests/fuzz_regressions.rs` runs
//! the very same checks, in the normal test suite, on the seed corpora and on every input
//! the fuzzer ever crashed with (`fuzz/regressions/<target>/`).
//!
//! The first input byte, where a target needs one, picks a configuration (pipeline options,
//! file kind, loader mode); the rest is the payload.

use std::path::Path;
use std::sync::OnceLock;

use framing::article::{Article, BlockKind, ReaderParams, SourceKind};
use framing::data::{labeled_from_rows, parse_json_line, parse_rows, DataSpec};
use framing::features::ngrams::{char_wb_ngrams, ngram_hash, word_ngrams, NgramScratch};
use framing::features::{BlockParams, CharSource, DfBound, NgramKind, NgramRange, SparseRow};
use framing::text::{HashtagSplitter, Language, Normalizer, Stemmer, StopWords, Tokenizer};
use framing::{LabeledData, LogisticParams, Model, Position, TfidfParams};

/// Paragraphs every featurizer and model here is fitted on, so that some vocabulary exists
/// whatever the input.
const CORPUS: &[(&str, &str)] = &[
    (
        "Moscow hopes recognition unlocks wheat and fuel deals.",
        "economic",
    ),
    (
        "Girls remain barred from secondary school in Kabul.",
        "rights",
    ),
    (
        "A rail corridor through Termez would carry cargo south.",
        "economic",
    ),
    (
        "Women activists say the edicts erase them from public life.",
        "rights",
    ),
    (
        "Traders count the tariffs on the Torkham crossing.",
        "economic",
    ),
    (
        "The UN rapporteur lists detentions of journalists.",
        "rights",
    ),
];

fn corpus_data() -> LabeledData {
    LabeledData {
        texts: CORPUS.iter().map(|(t, _)| t.to_string()).collect(),
        heads: vec!["frame".into()],
        labels: vec![CORPUS.iter().map(|(_, l)| l.to_string()).collect()],
        positions: (1..=CORPUS.len() as u64)
            .map(|line| Position { path: None, line })
            .collect(),
        ..Default::default()
    }
}

fn small_params() -> TfidfParams {
    let mut words = BlockParams::word_default();
    words.min_df = DfBound::Count(1);
    let mut chars = BlockParams::char_default();
    chars.min_df = DfBound::Count(1);
    chars.ngram_range = NgramRange { min: 2, max: 4 };
    TfidfParams::new().word(Some(words)).char(Some(chars))
}

/// A small real model (word and char blocks, one head), fitted once.
pub fn small_model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::fit(&corpus_data(), &small_params(), &LogisticParams::new())
            .expect("the built-in corpus always fits")
    })
}

/// Where a model file's header length sits: after the magic and the `u32` version.
pub const HEADER_LEN_AT: usize = framing::model_file::MAGIC.len() + 4;

/// The small model's file bytes.
pub fn small_model_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| small_model().to_bytes().expect("serializes"))
}

fn check_row(row: SparseRow<'_>, n_features: usize, weights: &[(usize, usize, f32)]) {
    assert_eq!(row.indices.len(), row.values.len());
    assert!(
        row.indices.windows(2).all(|w| w[0] < w[1]),
        "indices not strictly increasing"
    );
    assert!(row.indices.iter().all(|&i| (i as usize) < n_features));
    assert!(row.values.iter().all(|v| v.is_finite() && *v > 0.0));
    // Each block (a range of columns) has L2 norm equal to its weight, or is empty.
    for &(lo, hi, weight) in weights {
        let norm: f32 = row
            .indices
            .iter()
            .zip(row.values)
            .filter(|(&i, _)| (lo..hi).contains(&(i as usize)))
            .map(|(_, v)| v * v)
            .sum::<f32>()
            .sqrt();
        assert!(
            norm == 0.0 || (norm - weight).abs() < 1e-4 * weight.max(1.0),
            "block norm {norm}, expected 0 or {weight}"
        );
    }
}

fn check_prediction(model: &Model, text: &str) {
    let p = model.predict_one(text);
    assert_eq!(p.len(), model.heads().len());
    for (h, hp) in p.iter().enumerate() {
        let k = model.heads()[h].model.classes().len();
        assert_eq!(hp.probs.len(), k);
        assert!(hp.class < k);
        assert!(
            hp.probs
                .iter()
                .all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
            "probabilities {:?}",
            hp.probs
        );
        let sum: f64 = hp.probs.iter().sum();
        assert!((sum - 1.0).abs() < 1e-6, "probabilities sum to {sum}");
        assert_eq!(hp.score, hp.probs[hp.class]);
    }
    assert_eq!(
        p,
        model.predict_one(text),
        "prediction is not deterministic"
    );
}

/// Target 1, the text pipeline: normalize → tokenize → stem → n-grams → featurize → score.
///
/// Invariants: no panic; n-gram hashes are the hashes of the n-grams reported; feature
/// values finite and positive, indices increasing and in range; each block's L2 norm is
/// its weight or 0; one text alone gives the same row as inside a batch; deterministic;
/// probabilities finite and summing to 1.
pub fn check_text_pipeline(data: &[u8]) {
    let Some((&config, payload)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(payload);
    let normalizer = Normalizer {
        nfkc: config & 1 == 0,
        lowercase: config & 2 == 0,
        fold_punctuation: config & 4 == 0,
    };
    let tokenizer = Tokenizer {
        stop_words: if config & 8 == 0 {
            StopWords::None
        } else {
            StopWords::English
        },
        min_chars: 1 + (config as usize >> 6),
    };
    let stemmer = (config & 16 == 0).then_some(Language::English);

    // The stages one by one.
    let normalized = normalizer.normalize(&text);
    assert_eq!(normalized, normalizer.normalize(&text));
    let tokens = tokenizer.tokens(&normalized);
    assert!(tokens.iter().all(|t| !t.is_empty()));
    let stemmed: Vec<String> = match stemmer {
        Some(lang) => {
            let s = Stemmer::new(lang);
            tokens.iter().map(|t| s.stem(t).into_owned()).collect()
        }
        None => tokens.clone(),
    };
    let mut scratch = NgramScratch::default();
    let mut n = 0usize;
    word_ngrams(
        &stemmed,
        NgramRange { min: 1, max: 3 },
        &mut scratch,
        |h, s| {
            assert_eq!(
                h,
                ngram_hash(NgramKind::Word, s),
                "word n-gram hash of {s:?}"
            );
            n += 1;
        },
    );
    let windows: usize = (1..=3).map(|k| stemmed.len().saturating_sub(k - 1)).sum();
    assert_eq!(n, if stemmed.is_empty() { 0 } else { windows });
    for t in tokens.iter().take(64) {
        char_wb_ngrams(t, NgramRange { min: 1, max: 5 }, &mut scratch, |h, s| {
            assert_eq!(
                h,
                ngram_hash(NgramKind::Char, s),
                "char n-gram hash of {s:?}"
            );
            assert!(!s.is_empty() && s.chars().count() <= 5);
        });
    }

    // Hashtag splitting only adds text: the input is a subsequence of its expansion.
    let lines: Vec<&str> = text.lines().take(32).collect();
    let splitter = HashtagSplitter::fit(&lines);
    let mut expanded = String::new();
    if splitter.expand_into(&text, &mut expanded) {
        let mut rest = expanded.chars();
        assert!(
            text.chars().all(|c| rest.any(|d| d == c)),
            "expansion lost text: {text:?} -> {expanded:?}"
        );
    } else {
        assert!(expanded.is_empty());
    }

    // A featurizer fitted on the corpus plus the input's lines, then used on them.
    let mut params = small_params()
        .split_hashtags(config & 64 != 0)
        .normalizer(normalizer)
        .stop_words(tokenizer.stop_words.clone())
        .min_token_chars(tokenizer.min_chars)
        .stemmer(stemmer);
    if config & 32 != 0 {
        params = params.char_source(CharSource::Words);
    }
    let mut fit_texts: Vec<&str> = CORPUS.iter().map(|(t, _)| *t).collect();
    fit_texts.extend(&lines);
    let tfidf = match params.fit(&fit_texts) {
        Ok(t) => t,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let mut weights = Vec::new();
    let mut lo = 0;
    for block in tfidf.blocks() {
        let w = match block.kind() {
            NgramKind::Word => tfidf.params().word.as_ref(),
            NgramKind::Char => tfidf.params().char.as_ref(),
        }
        .map_or(1.0, |p| p.weight);
        weights.push((lo, lo + block.len(), w));
        lo += block.len();
    }
    assert_eq!(lo, tfidf.n_features());
    let mut batch: Vec<&str> = vec![&text];
    batch.extend(&lines);
    let m = tfidf.transform(&batch);
    assert_eq!(m.n_rows(), batch.len());
    for (i, t) in batch.iter().enumerate() {
        check_row(m.row(i), tfidf.n_features(), &weights);
        let alone = tfidf.transform_one(t);
        assert_eq!(
            alone.row(0),
            m.row(i),
            "row {i} differs alone and in a batch"
        );
    }
    // Every line was in the fitting set, so a line with any token has some feature.
    check_prediction(small_model(), &text);
}

fn collapse(s: &str) -> String {
    let visible: String = s
        .chars()
        .filter(|&c| {
            !matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        })
        .collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Target 2, the article reader on arbitrary text, Markdown or HTML.
///
/// Invariants: no panic; deterministic; blocks in source order, not overlapping, offsets
/// inside the input (in characters); block text non-empty with whitespace collapsed; for
/// plain text, each block's text is exactly its source span with whitespace collapsed; for
/// HTML, a block with text spans some source; prose blocks have a word count inside the
/// reader's limits.
pub fn check_article_reader(data: &[u8]) {
    let Some((&config, payload)) = data.split_first() else {
        return;
    };
    let kind = match config % 3 {
        0 => SourceKind::Text,
        1 => SourceKind::Markdown,
        _ => SourceKind::Html,
    };
    let source = String::from_utf8_lossy(payload);
    let params = ReaderParams::default();
    let article = Article::read(&source, kind, &params);
    assert_eq!(
        article,
        Article::read(&source, kind, &params),
        "not deterministic"
    );
    let char_starts: Vec<usize> = source
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(source.len()))
        .collect();
    let n_chars = char_starts.len() - 1;
    let mut prev_end = 0;
    for b in &article.blocks {
        assert!(
            b.start <= b.end && b.end <= n_chars,
            "offsets {}..{} outside 0..{n_chars}",
            b.start,
            b.end
        );
        assert!(
            b.start >= prev_end,
            "block at {} overlaps the one ending at {prev_end}",
            b.start
        );
        prev_end = b.end;
        assert!(!b.text.is_empty(), "empty block at {}..{}", b.start, b.end);
        assert_eq!(b.text, collapse(&b.text), "block text not collapsed");
        let span = &source[char_starts[b.start]..char_starts[b.end]];
        match kind {
            SourceKind::Text => assert_eq!(collapse(span), b.text, "text differs from its span"),
            SourceKind::Markdown => assert!(
                collapse(span).ends_with(&b.text),
                "text {:?} is not the end of its span {span:?}",
                b.text
            ),
            SourceKind::Html => assert!(b.start < b.end, "a block with text spans nothing"),
        }
        if b.kind == BlockKind::Prose {
            let words = b.text.split_whitespace().count();
            assert!(
                (params.min_words..=params.max_words).contains(&words),
                "prose of {words} words"
            );
        }
    }
}

/// Target 3, the model loader. The first byte picks a mode:
///
/// 0. the payload is a whole file;
/// 1. the payload is edits `(offset: u32, xor: u8)` to a real model file, with the checksum
///    then recomputed so that parsing goes past it, followed by a truncation point;
/// 2. the payload replaces the JSON header of a real model file (checksum recomputed);
/// 3. the same edits as mode 1 but the checksum kept: any change must be an error.
///
/// Invariants: an error or a model, never a panic; allocation is bounded by the input size
/// (enforced by running with `-malloc_limit_mb`); a loaded model predicts finite
/// probabilities that sum to 1, and saves and reloads to the same bytes.
pub fn check_model_file(data: &[u8]) {
    let Some((&mode, payload)) = data.split_first() else {
        return;
    };
    let base = small_model_bytes();
    let (bytes, must_fail) = match mode % 4 {
        0 => (payload.to_vec(), false),
        1 | 3 => {
            let mut b = base.to_vec();
            let mut edits = payload.chunks_exact(5);
            for e in &mut edits {
                let at = u32::from_le_bytes([e[0], e[1], e[2], e[3]]) as usize % b.len();
                b[at] ^= e[4];
            }
            if let [cut, ..] = edits.remainder() {
                let keep = b.len() - b.len() * (*cut as usize) / 1024;
                b.truncate(keep);
            }
            let changed = b != base;
            if mode % 4 == 1 {
                reseal(&mut b);
                (b, false)
            } else {
                (b, changed)
            }
        }
        _ => {
            let header_len =
                u64::from_le_bytes(base[HEADER_LEN_AT..HEADER_LEN_AT + 8].try_into().unwrap())
                    as usize;
            let mut b = base[..HEADER_LEN_AT].to_vec();
            b.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            b.extend_from_slice(payload);
            b.extend_from_slice(&base[HEADER_LEN_AT + 8 + header_len..base.len() - 8]);
            b.extend_from_slice(&[0; 8]);
            reseal(&mut b);
            (b, false)
        }
    };
    match Model::from_bytes(&bytes, Some(Path::new("fuzz.model"))) {
        Ok(model) => {
            assert!(!must_fail, "a changed file without a new checksum loaded");
            for text in [
                "",
                "Wheat and fuel deals",
                &String::from_utf8_lossy(payload),
            ] {
                check_prediction(&model, text);
            }
            let again = model.to_bytes().expect("a loaded model serializes");
            let reloaded = Model::from_bytes(&again, None).expect("a saved model reloads");
            assert_eq!(
                again,
                reloaded.to_bytes().expect("serializes"),
                "round trip"
            );
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("fuzz.model"),
                "error does not name the file: {msg}"
            );
        }
    }
}

/// Replaces the last 8 bytes of `b` with the XXH3 checksum of the rest.
fn reseal(b: &mut [u8]) {
    if b.len() < 8 {
        return;
    }
    let n = b.len() - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&b[..n]);
    b[n..].copy_from_slice(&sum.to_le_bytes());
}

/// Target 4, the labeled-data readers (JSON Lines, CSV, TSV; the first byte picks which).
///
/// Invariants: an error or rows, never a panic; errors name the file (and, for records,
/// the line); rows come in increasing line order; JSON Lines give one row per non-blank
/// line; labeled data built from rows has one text, label and position per row.
pub fn check_data_readers(data: &[u8]) {
    let Some((&config, payload)) = data.split_first() else {
        return;
    };
    let name = ["fuzz.jsonl", "fuzz.csv", "fuzz.tsv"][config as usize % 3];
    let path = Path::new(name);
    match parse_rows(path, payload) {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(name), "error does not name the file: {msg}");
        }
        Ok(rows) => {
            assert!(!rows.is_empty());
            assert!(rows
                .windows(2)
                .all(|w| w[0].position.line < w[1].position.line));
            if name.ends_with("jsonl") {
                let mut records = 0;
                for (i, line) in payload.split(|&b| b == b'\n').enumerate() {
                    let pos = Position {
                        path: None,
                        line: i as u64 + 1,
                    };
                    if parse_json_line(line, &pos)
                        .expect("parsed once already")
                        .is_some()
                    {
                        records += 1;
                    }
                }
                assert_eq!(records, rows.len(), "one row per non-blank line");
            }
            let specs = [
                DataSpec::default(),
                DataSpec {
                    labels: Some(vec!["label".into()]),
                    group_field: Some("doc".into()),
                    ..DataSpec::default()
                },
            ];
            for spec in specs {
                match labeled_from_rows(rows.clone(), path, &spec) {
                    Ok(d) => {
                        assert_eq!(d.texts.len(), rows.len());
                        assert_eq!(d.positions.len(), rows.len());
                        assert_eq!(d.labels.len(), d.heads.len());
                        assert!(d.labels.iter().all(|l| l.len() == rows.len()));
                        assert!(d.labels.iter().flatten().all(|l| !l.is_empty()));
                        if let Some(g) = &d.groups {
                            assert_eq!(g.len(), rows.len());
                        }
                    }
                    Err(e) => {
                        let msg = e.to_string();
                        assert!(msg.contains(name), "error does not name the file: {msg}");
                    }
                }
            }
        }
    }
}
