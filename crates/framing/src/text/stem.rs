//! Stage 3, **stem**: optional Snowball stemming through `rust-stemmers`.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A Snowball stemming language (the algorithms `rust-stemmers` ships).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Language {
    Arabic,
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

impl Language {
    /// Every language, for help texts and parsing.
    pub const ALL: [Language; 18] = [
        Language::Arabic,
        Language::Danish,
        Language::Dutch,
        Language::English,
        Language::Finnish,
        Language::French,
        Language::German,
        Language::Greek,
        Language::Hungarian,
        Language::Italian,
        Language::Norwegian,
        Language::Portuguese,
        Language::Romanian,
        Language::Russian,
        Language::Spanish,
        Language::Swedish,
        Language::Tamil,
        Language::Turkish,
    ];

    /// The lowercase name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Language::Arabic => "arabic",
            Language::Danish => "danish",
            Language::Dutch => "dutch",
            Language::English => "english",
            Language::Finnish => "finnish",
            Language::French => "french",
            Language::German => "german",
            Language::Greek => "greek",
            Language::Hungarian => "hungarian",
            Language::Italian => "italian",
            Language::Norwegian => "norwegian",
            Language::Portuguese => "portuguese",
            Language::Romanian => "romanian",
            Language::Russian => "russian",
            Language::Spanish => "spanish",
            Language::Swedish => "swedish",
            Language::Tamil => "tamil",
            Language::Turkish => "turkish",
        }
    }

    /// Parses a language name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(name))
    }

    fn algorithm(self) -> rust_stemmers::Algorithm {
        use rust_stemmers::Algorithm as A;
        match self {
            Language::Arabic => A::Arabic,
            Language::Danish => A::Danish,
            Language::Dutch => A::Dutch,
            Language::English => A::English,
            Language::Finnish => A::Finnish,
            Language::French => A::French,
            Language::German => A::German,
            Language::Greek => A::Greek,
            Language::Hungarian => A::Hungarian,
            Language::Italian => A::Italian,
            Language::Norwegian => A::Norwegian,
            Language::Portuguese => A::Portuguese,
            Language::Romanian => A::Romanian,
            Language::Russian => A::Russian,
            Language::Spanish => A::Spanish,
            Language::Swedish => A::Swedish,
            Language::Tamil => A::Tamil,
            Language::Turkish => A::Turkish,
        }
    }
}

/// A ready stemmer for one language.
pub struct Stemmer {
    language: Language,
    inner: rust_stemmers::Stemmer,
}

impl std::fmt::Debug for Stemmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stemmer")
            .field("language", &self.language)
            .finish()
    }
}

impl Stemmer {
    /// Builds the Snowball stemmer for `language`.
    pub fn new(language: Language) -> Self {
        Stemmer {
            language,
            inner: rust_stemmers::Stemmer::create(language.algorithm()),
        }
    }

    /// The stemmer's language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Stems one (normalized) token.
    pub fn stem<'a>(&self, token: &'a str) -> Cow<'a, str> {
        self.inner.stem(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_table() {
        let s = Stemmer::new(Language::English);
        for (w, want) in [
            ("recognition", "recognit"),
            ("recognizing", "recogn"),
            ("sanctions", "sanction"),
            ("taliban's", "taliban"),
            ("2025", "2025"),
            ("", ""),
        ] {
            assert_eq!(s.stem(w), want, "word {w}");
        }
    }

    #[test]
    fn names_round_trip() {
        for l in Language::ALL {
            assert_eq!(Language::from_name(l.name()), Some(l));
            let json = serde_json::to_string(&l).unwrap();
            assert_eq!(json, format!("\"{}\"", l.name()));
        }
        assert_eq!(Language::from_name("ENGLISH"), Some(Language::English));
        assert_eq!(Language::from_name("klingon"), None);
    }

    #[test]
    fn non_latin_does_not_panic() {
        let s = Stemmer::new(Language::Russian);
        assert_eq!(s.stem("москвы"), "москв");
    }
}
