//! The text stages of the featurizer, in pipeline order: the optional
//! [`HashtagSplitter`] → [`Normalizer`] → [`Tokenizer`] → [`Stemmer`]. Each is a small serde
//! struct saved inside the model file.

/// A `[bool; 256]` of `pred` for every byte value `b`, built at compile time: byte classes
/// looked up in one load by the word splitters.
macro_rules! byte_table {
    (|$b:ident| $pred:expr) => {{
        let mut t = [false; 256];
        let mut c = 0;
        while c < 256 {
            let $b = c as u8;
            t[c] = $pred;
            c += 1;
        }
        t
    }};
}

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
    ASCII_SPACE[usize::from(b)]
}

/// [`is_ascii_space`] by byte value: one load, where the two comparisons cost several
/// instructions per byte in the word splitters.
static ASCII_SPACE: [bool; 256] = byte_table!(|b| matches!(b, b' ' | b'\t'..=b'\r'));

/// Calls `f(start, end)` with the byte span of every word of `s` between runs of ASCII
/// whitespace, found byte by byte; on ASCII text, exactly the words of
/// `str::split_whitespace` (which also splits at non-ASCII spaces). Spans, not slices: no
/// character boundary checks and no iterator state per word.
#[inline]
pub(crate) fn for_each_ascii_word_span(s: &[u8], mut f: impl FnMut(usize, usize)) {
    let n = s.len();
    let mut i = 0;
    loop {
        while i < n && is_ascii_space(s[i]) {
            i += 1;
        }
        if i == n {
            return;
        }
        let start = i;
        while i < n && !is_ascii_space(s[i]) {
            i += 1;
        }
        f(start, i);
    }
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
            let mut words = Vec::new();
            for_each_ascii_word_span(s.as_bytes(), |a, z| words.push(&s[a..z]));
            assert_eq!(words, s.split_whitespace().collect::<Vec<_>>(), "{s:?}");
        }
    }
}
