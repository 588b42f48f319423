//! Stage 1, **normalize**: Unicode NFKC, lowercasing, folding of typographic quotes,
//! apostrophes and dashes, and removal of invisible format characters.
//!
//! `Taliban’s` and `Taliban's` normalize to the same string, so they give the same tokens.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// The normalization stage. Every switch is on by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normalizer {
    /// Apply Unicode compatibility composition (NFKC): full-width letters, ligatures and
    /// non-breaking spaces become their plain forms. Default `true`.
    pub nfkc: bool,
    /// Lowercase the text (Unicode-aware). Default `true`.
    pub lowercase: bool,
    /// Fold typographic apostrophes and quotes to `'` and `"`, and every dash or minus
    /// sign to `-`. Default `true`.
    pub fold_punctuation: bool,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer {
            nfkc: true,
            lowercase: true,
            fold_punctuation: true,
        }
    }
}

/// What [`Normalizer::normalize`] does with one character after NFKC.
enum Fold {
    Keep(char),
    Replace(char),
    Drop,
}

fn fold_char(c: char, fold_punctuation: bool) -> Fold {
    match c {
        // Zero-width characters, soft hyphen, BOM and bidi controls are invisible: drop them.
        '\u{00AD}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => Fold::Drop,
        '\t' | '\n' | '\r' => Fold::Keep(c),
        c if c.is_control() => Fold::Replace(' '),
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
        | '\u{0060}' | '\u{00B4}'
            if fold_punctuation =>
        {
            Fold::Replace('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}'
            if fold_punctuation =>
        {
            Fold::Replace('"')
        }
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}'
            if fold_punctuation =>
        {
            Fold::Replace('-')
        }
        c => Fold::Keep(c),
    }
}

impl Normalizer {
    /// Normalizes `text` into `out` (cleared first). `out` is a reusable buffer: call this in a
    /// loop with the same `String` to avoid allocating per paragraph.
    pub fn normalize_into(&self, text: &str, out: &mut String) {
        out.clear();
        // Fast path: NFKC is the identity on ASCII, so ASCII text without control characters
        // (other than tab and line ends) or backticks (the usual case) is a copy,
        // lowercased in place. Anything else takes the general path.
        let special =
            |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F || b == b'`';
        if text.is_ascii() && !text.bytes().any(special) {
            out.push_str(text);
            if self.lowercase {
                out.make_ascii_lowercase();
            }
            return;
        }
        self.normalize_chars_into(text, out);
    }

    /// [`Normalizer::normalize_into`] character by character (any text).
    fn normalize_chars_into(&self, text: &str, out: &mut String) {
        out.clear();
        let push = |c: char, out: &mut String| match fold_char(c, self.fold_punctuation) {
            Fold::Drop => {}
            Fold::Keep(c) | Fold::Replace(c) => {
                if self.lowercase {
                    out.extend(c.to_lowercase());
                } else {
                    out.push(c);
                }
            }
        };
        if self.nfkc {
            for c in text.nfkc() {
                push(c, out);
            }
        } else {
            for c in text.chars() {
                push(c, out);
            }
        }
    }

    /// Normalizes `text` into a new `String`.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.normalize_into(text, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let n = Normalizer::default();
        let cases = [
            ("Taliban’s", "taliban's"),
            ("Taliban's", "taliban's"),
            ("“Recognition” — now", "\"recognition\" - now"),
            ("ＫＡＢＵＬ", "kabul"),
            ("non\u{00A0}breaking", "non breaking"),
            ("zero\u{200B}width\u{FEFF}", "zerowidth"),
            ("bidi\u{202E}x\u{202C}", "bidix"),
            ("nul\0byte", "nul byte"),
            ("ﬁnance", "finance"),
            ("ÉCOLE", "école"),
            ("Кабул", "кабул"),
            ("", ""),
            ("2025–26 −3", "2025-26 -3"),
        ];
        for (input, want) in cases {
            assert_eq!(n.normalize(input), want, "input {input:?}");
        }
    }

    #[test]
    fn ascii_fast_path_matches_the_general_path() {
        let cases = [
            "Kabul's `envoy`\t\x0b\x0c\r\n \x01\x7f END",
            "",
            "A-Z a-z 0-9 ~!@#$%^&*()",
        ];
        for n in [
            Normalizer::default(),
            Normalizer {
                nfkc: false,
                lowercase: false,
                fold_punctuation: false,
            },
        ] {
            for s in cases {
                let (mut fast, mut general) = (String::from("stale"), String::new());
                n.normalize_into(s, &mut fast);
                n.normalize_chars_into(s, &mut general);
                assert_eq!(fast, general, "{s:?}");
            }
        }
    }

    #[test]
    fn switches_off() {
        let n = Normalizer {
            nfkc: false,
            lowercase: false,
            fold_punctuation: false,
        };
        assert_eq!(n.normalize("Taliban’s ＫＡ"), "Taliban’s ＫＡ");
    }

    #[test]
    fn buffer_is_reused_and_cleared() {
        let n = Normalizer::default();
        let mut buf = String::new();
        n.normalize_into("First", &mut buf);
        n.normalize_into("Two", &mut buf);
        assert_eq!(buf, "two");
    }
}
