//! Stage 4, **n-grams**: word n-grams over (stemmed) tokens, and character n-grams inside
//! word boundaries (scikit-learn's `char_wb`: each word padded with one space per side).
//!
//! Every n-gram is reported with a 64-bit hash of its text ([`ngram_hash`]) so that the hot
//! path looks features up without building strings for character n-grams.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The two kinds of n-gram features; each has its own vocabulary block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum NgramKind {
    /// Word n-grams: tokens joined by one space.
    Word,
    /// Character n-grams inside a space-padded word.
    Char,
}

impl NgramKind {
    fn seed(self) -> u64 {
        match self {
            NgramKind::Word => 0x776f_7264_6e67_7261,
            NgramKind::Char => 0x6368_6172_6e67_7261,
        }
    }
}

/// The stable 64-bit hash of an n-gram's text. Model files store n-gram strings, and the
/// loader recomputes these hashes, so the hash never has to be stored.
#[inline]
pub fn ngram_hash(kind: NgramKind, text: &str) -> u64 {
    xxh3_64_with_seed(text.as_bytes(), kind.seed())
}

/// An inclusive n-gram length range, written `[min, max]` in model files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "[usize; 2]", try_from = "[usize; 2]")]
pub struct NgramRange {
    /// Shortest n-gram length (≥ 1).
    pub min: usize,
    /// Longest n-gram length (≥ `min`).
    pub max: usize,
}

impl NgramRange {
    /// The largest `max` accepted (longer n-grams are never useful and would let a model
    /// file request unbounded work).
    pub const LIMIT: usize = 16;

    /// A range, validated: `1 <= min <= max <= LIMIT`.
    pub fn new(min: usize, max: usize) -> Result<Self, String> {
        if min == 0 || min > max || max > Self::LIMIT {
            return Err(format!(
                "n-gram range {min}-{max} is invalid: need 1 <= min <= max <= {}",
                Self::LIMIT
            ));
        }
        Ok(NgramRange { min, max })
    }
}

impl From<NgramRange> for [usize; 2] {
    fn from(r: NgramRange) -> Self {
        [r.min, r.max]
    }
}

impl TryFrom<[usize; 2]> for NgramRange {
    type Error = String;
    fn try_from(v: [usize; 2]) -> Result<Self, String> {
        NgramRange::new(v[0], v[1])
    }
}

impl std::str::FromStr for NgramRange {
    type Err = String;
    /// Parses `2-5`, `2..5`, `2,5` or a single `3`.
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s
            .split(['-', ',', ':'])
            .flat_map(|p| p.split(".."))
            .filter(|p| !p.is_empty())
            .collect();
        let num = |p: &str| {
            p.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{s}` is not an n-gram range like 1-2"))
        };
        match parts.as_slice() {
            [a] => NgramRange::new(num(a)?, num(a)?),
            [a, b] => NgramRange::new(num(a)?, num(b)?),
            _ => Err(format!("`{s}` is not an n-gram range like 1-2")),
        }
    }
}

/// Reusable buffers for n-gram generation (one per thread).
#[derive(Debug, Default)]
pub struct NgramScratch {
    joined: String,
    word_bounds: Vec<(usize, usize)>,
    padded: String,
    bounds: Vec<usize>,
}

/// Calls `f(hash, text)` for every word n-gram of `tokens` with length in `range`.
pub fn word_ngrams<S: AsRef<str>>(
    tokens: &[S],
    range: NgramRange,
    scratch: &mut NgramScratch,
    f: impl FnMut(u64, &str),
) {
    let (joined, bounds) = (&mut scratch.joined, &mut scratch.word_bounds);
    joined.clear();
    bounds.clear();
    for t in tokens {
        if !bounds.is_empty() {
            joined.push(' ');
        }
        let start = joined.len();
        joined.push_str(t.as_ref());
        bounds.push((start, joined.len()));
    }
    word_ngrams_joined(joined, bounds, range, f);
}

/// [`word_ngrams`] of tokens already joined by single spaces into `joined`, token `i` at
/// byte span `bounds[i]`: an n-gram is then a slice of `joined` (from its first token's
/// start to its last token's end), hashed where it lies instead of copied together.
pub fn word_ngrams_joined(
    joined: &str,
    bounds: &[(usize, usize)],
    range: NgramRange,
    mut f: impl FnMut(u64, &str),
) {
    for n in range.min..=range.max {
        if n > bounds.len() {
            break;
        }
        for (first, last) in bounds.iter().zip(&bounds[n - 1..]) {
            let text = &joined[first.0..last.1];
            f(ngram_hash(NgramKind::Word, text), text);
        }
    }
}

/// Calls `f(hash, text)` for every character n-gram of the space-padded `word` with length
/// in `range`, following scikit-learn's `char_wb` rule: a padded word no longer than `n`
/// is emitted once, whole, and longer n are then skipped.
pub fn char_wb_ngrams(
    word: &str,
    range: NgramRange,
    scratch: &mut NgramScratch,
    mut f: impl FnMut(u64, &str),
) {
    let padded = &mut scratch.padded;
    padded.clear();
    padded.push(' ');
    padded.push_str(word);
    padded.push(' ');
    // Character boundaries; for ASCII (the common case) bytes are characters and none are
    // computed.
    let ascii = padded.is_ascii();
    let bounds = &mut scratch.bounds;
    bounds.clear();
    if !ascii {
        bounds.extend(padded.char_indices().map(|(i, _)| i));
        bounds.push(padded.len());
    }
    let at = |i: usize| if ascii { i } else { bounds[i] };
    let n_chars = if ascii {
        padded.len()
    } else {
        bounds.len() - 1
    };
    for n in range.min..=range.max {
        if n >= n_chars {
            f(ngram_hash(NgramKind::Char, padded), padded);
            break;
        }
        for start in 0..=(n_chars - n) {
            let s = &padded[at(start)..at(start + n)];
            f(ngram_hash(NgramKind::Char, s), s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(tokens: &[&str], r: (usize, usize)) -> Vec<String> {
        let mut out = Vec::new();
        let mut s = NgramScratch::default();
        word_ngrams(
            tokens,
            NgramRange::new(r.0, r.1).unwrap(),
            &mut s,
            |h, t| {
                assert_eq!(h, ngram_hash(NgramKind::Word, t));
                out.push(t.to_string())
            },
        );
        // The joined form gives the same n-grams, in the same order.
        let joined = tokens.join(" ");
        let mut bounds = Vec::new();
        let mut at = 0;
        for t in tokens {
            bounds.push((at, at + t.len()));
            at += t.len() + 1;
        }
        let mut again = Vec::new();
        let range = NgramRange::new(r.0, r.1).unwrap();
        word_ngrams_joined(&joined, &bounds, range, |h, t| {
            assert_eq!(h, ngram_hash(NgramKind::Word, t));
            again.push(t.to_string())
        });
        assert_eq!(again, out);
        out
    }

    fn chars(word: &str, r: (usize, usize)) -> Vec<String> {
        let mut out = Vec::new();
        let mut s = NgramScratch::default();
        char_wb_ngrams(word, NgramRange::new(r.0, r.1).unwrap(), &mut s, |h, t| {
            assert_eq!(h, ngram_hash(NgramKind::Char, t));
            out.push(t.to_string())
        });
        out
    }

    #[test]
    fn word_table() {
        assert_eq!(
            words(&["a", "b", "c"], (1, 2)),
            ["a", "b", "c", "a b", "b c"]
        );
        assert_eq!(words(&["a"], (1, 3)), ["a"]);
        assert!(words(&[], (1, 2)).is_empty());
        assert_eq!(words(&["x", "y"], (2, 2)), ["x y"]);
        assert_eq!(
            words(&["кабул", "taliban's", "x"], (2, 3)),
            ["кабул taliban's", "taliban's x", "кабул taliban's x"]
        );
    }

    #[test]
    fn char_wb_matches_sklearn_rule() {
        // sklearn: CountVectorizer(analyzer="char_wb", ngram_range=(2, 3)) on "ab" gives
        // " a", "ab", "b ", " ab", "ab " ... and a 1-letter word " a " once for n=3.
        assert_eq!(chars("ab", (2, 3)), [" a", "ab", "b ", " ab", "ab "]);
        assert_eq!(chars("a", (2, 5)), [" a", "a ", " a "]);
        assert_eq!(chars("a", (3, 5)), [" a "]);
        assert_eq!(chars("дом", (4, 4)), [" дом", "дом "]);
    }

    #[test]
    fn kinds_hash_apart() {
        assert_ne!(
            ngram_hash(NgramKind::Word, "ab"),
            ngram_hash(NgramKind::Char, "ab")
        );
    }

    #[test]
    fn range_parsing() {
        assert_eq!(
            "2-5".parse::<NgramRange>().unwrap(),
            NgramRange { min: 2, max: 5 }
        );
        assert_eq!(
            "3".parse::<NgramRange>().unwrap(),
            NgramRange { min: 3, max: 3 }
        );
        assert_eq!(
            "1..2".parse::<NgramRange>().unwrap(),
            NgramRange { min: 1, max: 2 }
        );
        assert!("0-2".parse::<NgramRange>().is_err());
        assert!("5-2".parse::<NgramRange>().is_err());
        assert!("1-99".parse::<NgramRange>().is_err());
        assert!("x".parse::<NgramRange>().is_err());
    }
}
