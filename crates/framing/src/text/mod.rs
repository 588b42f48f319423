//! The text stages of the featurizer, in pipeline order: the optional
//! [`HashtagSplitter`] → [`Normalizer`] → [`Tokenizer`] → [`Stemmer`]. Each is a small serde
//! struct saved inside the model file.

mod hashtags;
mod normalize;
mod stem;
mod tokenize;

pub use hashtags::{split_case, HashtagSplitter, HashtagWords};
pub use normalize::Normalizer;
pub use stem::{Language, Stemmer};
pub use tokenize::{is_english_stop_word, StopWords, Tokenizer, ENGLISH_STOP_WORDS};
pub(crate) use tokenize::{packed, packed_ascii_lowercase};

/// `char::is_whitespace` for an ASCII byte (space, tab, line feed, vertical tab, form feed,
/// carriage return).
#[inline]
pub(crate) fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

/// The words of `s` between runs of ASCII whitespace, found byte by byte; on ASCII text,
/// exactly `str::split_whitespace` (which also splits at non-ASCII spaces).
#[inline]
pub(crate) fn ascii_words(s: &str) -> impl Iterator<Item = &str> + '_ {
    let b = s.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() && is_ascii_space(b[i]) {
            i += 1;
        }
        let start = i;
        while i < b.len() && !is_ascii_space(b[i]) {
            i += 1;
        }
        // Both ends sit next to ASCII bytes or the ends of `s`: character boundaries.
        (i > start).then(|| s.get(start..i)).flatten()
    })
}

/// ASCII texts for checking each byte-wise fast path against its general path: every
/// ASCII whitespace (vertical tab and form feed included), runs and ends of spaces,
/// punctuation-only words, apostrophes, digits, capitals, control characters.
#[cfg(test)]
pub(crate) const ASCII_CASES: &[&str] = &[
    "",
    " ",
    "\t\n\x0b\x0c\r ",
    "  Kabul's envoy,  said:\t'no'  -- 42 times.\r\n",
    "By Jane Doe | Updated 3 July 2025 10:05 GMT",
    "... !!! ''' ---",
    "NOT not No no SAID says It's it's",
    "a\x0bb\x0cc\x01d\x7fe`f",
    "Share this article",
    "The Taliban's 2021 takeover, the U.S. withdrawal and the 'recognition' question.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_words_split_like_split_whitespace() {
        for s in ASCII_CASES {
            let words: Vec<&str> = ascii_words(s).collect();
            assert_eq!(words, s.split_whitespace().collect::<Vec<_>>(), "{s:?}");
        }
    }
}
