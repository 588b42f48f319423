//! Stage 2, **tokenize**: words on Unicode word boundaries (UAX #29), numbers kept,
//! punctuation dropped, optional stop words removed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// Which stop words the tokenizer removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum StopWords {
    /// Keep every word (the default: negations and pronouns carry stance).
    #[default]
    None,
    /// The built-in English list ([`ENGLISH_STOP_WORDS`]); negations are deliberately not in it.
    English,
    /// A custom list, matched against normalized (lowercased) tokens.
    Custom {
        /// The words to drop.
        words: BTreeSet<String>,
    },
}

/// English function words dropped by [`StopWords::English`]. Written for this project;
/// `no`, `not`, `nor` and `never` are left out on purpose because they flip stance.
pub const ENGLISH_STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "me",
    "might",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// The tokenization stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokenizer {
    /// Stop words to remove. Default [`StopWords::None`].
    pub stop_words: StopWords,
    /// Tokens shorter than this many characters are dropped. Default `1` (keep all).
    pub min_chars: usize,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            stop_words: StopWords::None,
            min_chars: 1,
        }
    }
}

/// Whether `word` (lowercase) is in [`ENGLISH_STOP_WORDS`], through a hash set built once
/// (the tokenizer and the article reader ask about every word).
pub fn is_english_stop_word(word: &str) -> bool {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<u128>> = std::sync::OnceLock::new();
    let set = SET.get_or_init(|| {
        ENGLISH_STOP_WORDS
            .iter()
            .filter_map(|w| packed(w))
            .collect()
    });
    packed(word).is_some_and(|key| set.contains(&key))
}

/// ASCII word bytes (alphanumerics and `_`), by byte value: one load per byte in the word
/// splitter, where the two range tests took several instructions.
static WORD_BYTES: [bool; 256] = byte_table!(|b| b.is_ascii_alphanumeric() || b == b'_');

/// `unicode_word_indices` for ASCII text, without its general machinery: the words of
/// Unicode's word boundary rules (UAX #29) that contain a letter or digit. On ASCII the
/// rules come down to: runs of letters, digits and `_` are words (WB5, WB8-WB10, WB13a/b),
/// joined across one `.` or `'` between two letters or two digits (WB6/7, WB11/12), one
/// `:` between two letters (WB6/7), and one `,` or `;` between two digits (WB11/12).
fn ascii_word_indices<'t>(text: &'t str, mut f: impl FnMut(usize, &'t str)) {
    let b = text.as_bytes();
    let word = |c: u8| WORD_BYTES[usize::from(c)];
    let mut i = 0;
    while i < b.len() {
        if !word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        loop {
            while i < b.len() && word(b[i]) {
                i += 1;
            }
            // A joiner between the run's last byte and the next byte.
            let (Some(&before), Some(&mid), Some(&after)) = (b.get(i - 1), b.get(i), b.get(i + 1))
            else {
                break;
            };
            let letters = before.is_ascii_alphabetic() && after.is_ascii_alphabetic();
            let digits = before.is_ascii_digit() && after.is_ascii_digit();
            let joins = match mid {
                b'.' | b'\'' => letters || digits,
                b':' => letters,
                b',' | b';' => digits,
                _ => false,
            };
            if !joins {
                break;
            }
            i += 1;
        }
        let w = &text[start..i];
        if w.bytes().any(|c| c.is_ascii_alphanumeric()) {
            f(start, w);
        }
    }
}

/// A word of at most 15 bytes as one integer: its bytes, then its length in the top byte
/// (so no two words share a key). Longer words are in no stop list.
pub(crate) fn packed(word: &str) -> Option<u128> {
    pack(word.as_bytes(), |b| b)
}

/// [`packed`] of the ASCII lowercase form of `word` (a byte string).
#[inline]
pub(crate) fn packed_ascii_lowercase(word: &[u8]) -> Option<u128> {
    pack(word, |b| b.to_ascii_lowercase())
}

/// `word`'s bytes (mapped by `map`) little-endian, its length in the top byte. Built in
/// registers: bytes stored one by one into an array and read back as one integer would
/// stall the load (store forwarding cannot merge the stores).
#[inline]
fn pack(word: &[u8], map: impl Fn(u8) -> u8) -> Option<u128> {
    if word.len() > 15 {
        return None;
    }
    let (mut lo, mut hi) = (0u64, (word.len() as u64) << 56);
    let (head, tail) = word.split_at(word.len().min(8));
    for (i, &b) in head.iter().enumerate() {
        lo |= u64::from(map(b)) << (8 * i);
    }
    for (i, &b) in tail.iter().enumerate() {
        hi |= u64::from(map(b)) << (8 * i);
    }
    Some(u128::from(hi) << 64 | u128::from(lo))
}

impl Tokenizer {
    /// Calls `f` with every kept token of the already-normalized `text`, with its byte span.
    pub fn for_each_token<'t>(&self, text: &'t str, mut f: impl FnMut(&'t str, (usize, usize))) {
        let mut keep = |start: usize, word: &'t str| {
            if self.min_chars > 1 && word.chars().count() < self.min_chars {
                return;
            }
            if self.is_stop_word(word) {
                return;
            }
            f(word, (start, start + word.len()));
        };
        if text.is_ascii() {
            ascii_word_indices(text, &mut keep);
        } else {
            for (start, word) in text.unicode_word_indices() {
                keep(start, word);
            }
        }
    }

    /// The kept tokens of `text` as owned strings (convenience for tests and tools).
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_token(text, |w, _| out.push(w.to_string()));
        out
    }

    fn is_stop_word(&self, word: &str) -> bool {
        match &self.stop_words {
            StopWords::None => false,
            StopWords::English => is_english_stop_word(word),
            StopWords::Custom { words } => words.contains(word),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Normalizer;

    fn toks(t: &Tokenizer, s: &str) -> Vec<String> {
        t.tokens(&Normalizer::default().normalize(s))
    }

    #[test]
    fn stop_list_is_sorted_for_binary_search() {
        let mut sorted = ENGLISH_STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, ENGLISH_STOP_WORDS);
    }

    #[test]
    fn table() {
        let t = Tokenizer::default();
        let cases: &[(&str, &[&str])] = &[
            ("Taliban’s rule", &["taliban's", "rule"]),
            ("Taliban's rule", &["taliban's", "rule"]),
            ("counter-terrorism", &["counter", "terrorism"]),
            (
                "$3.5bn in 2025, up 12%",
                &["3.5bn", "in", "2025", "up", "12"],
            ),
            ("Кабул и Москва", &["кабул", "и", "москва"]),
            ("...!!! ??", &[]),
            ("", &[]),
            ("U.S. officials", &["u.s", "officials"]),
        ];
        for (input, want) in cases {
            assert_eq!(toks(&t, input), *want, "input {input:?}");
        }
    }

    #[test]
    fn spans_slice_back_to_tokens() {
        let t = Tokenizer::default();
        let text = "moscow's move, 3 july 2025";
        t.for_each_token(text, |w, (s, e)| assert_eq!(&text[s..e], w));
    }

    #[test]
    fn ascii_words_follow_unicode_word_boundaries() {
        // Every string over an alphabet of letters, digits, joiners and separators, up to
        // length 5 (and random longer ones), splits as `unicode_word_indices` splits it.
        let alphabet = b"aZ1_.':,;\" -\n";
        fn reference(s: &str) -> Vec<(usize, &str)> {
            s.unicode_word_indices().collect()
        }
        fn fast(s: &str) -> Vec<(usize, &str)> {
            let mut v = Vec::new();
            ascii_word_indices(s, |i, w| v.push((i, w)));
            v
        }
        let mut check = |s: &str| assert_eq!(fast(s), reference(s), "{s:?}");
        let mut s = Vec::new();
        fn all(s: &mut Vec<u8>, n: usize, alphabet: &[u8], check: &mut dyn FnMut(&str)) {
            if let Ok(t) = std::str::from_utf8(s) {
                check(t);
            }
            if n == 0 {
                return;
            }
            for &c in alphabet {
                s.push(c);
                all(s, n - 1, alphabet, check);
                s.pop();
            }
        }
        all(&mut s, 5, alphabet, &mut check);
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let len = (x % 24) as usize;
            let t: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(alphabet[(x % alphabet.len() as u64) as usize])
                })
                .collect();
            check(&t);
        }
        for t in [
            "U.S. e.g. 3.5 1,000 don't a:b 1:2 a_b __ _1 x.1 1.x 3'5",
            "taliban's 2021",
        ] {
            check(t);
        }
    }

    #[test]
    fn stop_word_lookup_is_exact() {
        for w in ENGLISH_STOP_WORDS {
            assert!(is_english_stop_word(w), "{w}");
            for other in [
                format!("{w}\0"),
                format!("{w}s"),
                w.to_uppercase(),
                w[1..].into(),
            ] {
                let listed = ENGLISH_STOP_WORDS.contains(&other.as_str());
                assert_eq!(is_english_stop_word(&other), listed, "{other:?}");
            }
        }
        for w in ["", "taliban", "themselvesthemselves", "\u{e9}t\u{e9}"] {
            assert!(!is_english_stop_word(w), "{w}");
        }
    }

    #[test]
    fn packed_words_are_their_bytes_then_their_length() {
        for w in [
            "",
            "a",
            "It's",
            "themselves",
            "fifteen-letters",
            "sixteen-letters!",
        ] {
            let want = (w.len() <= 15).then(|| {
                let mut bytes = [0u8; 16];
                bytes[..w.len()].copy_from_slice(w.as_bytes());
                bytes[15] = w.len() as u8;
                u128::from_le_bytes(bytes)
            });
            assert_eq!(packed(w), want, "{w}");
            let lower = w.to_ascii_lowercase();
            assert_eq!(packed_ascii_lowercase(w.as_bytes()), packed(&lower), "{w}");
        }
    }

    #[test]
    fn stop_words_keep_negations() {
        let t = Tokenizer {
            stop_words: StopWords::English,
            min_chars: 1,
        };
        assert_eq!(toks(&t, "This is not the answer"), ["not", "answer"]);
        let custom = Tokenizer {
            stop_words: StopWords::Custom {
                words: ["kabul".to_string()].into(),
            },
            min_chars: 2,
        };
        assert_eq!(toks(&custom, "Kabul a city"), ["city"]);
    }
}
