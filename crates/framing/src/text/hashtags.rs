//! Optional stage 0, **hashtags**: each `#hashtag` in a text is followed by the words it
//! is made of, so `#StopTheWar` also gives the tokens `stop`, `the` and `war`.
//!
//! A hashtag is split at its case changes, digits and underscores (`#HumanRights2025` →
//! `Human Rights 2025`). A hashtag written in one case (`#stopthewar`) is segmented into
//! words seen in the texts the featurizer was fitted on, choosing the most probable
//! sequence under their unigram frequencies; when no sequence of known words covers it, it
//! is left whole. The hashtag itself is kept, so its own n-grams still count.
//!
//! The word table is learned at fit time and saved in the model file with the rest of the
//! featurizer, so a text gets the same words at prediction time as at training time.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Words kept in the table (the most frequent ones), which bounds the model file.
pub const MAX_WORDS: usize = 200_000;

/// Longest word (in characters) a hashtag is segmented into.
const MAX_PIECE_CHARS: usize = 20;

/// Shortest hashtag (in characters) that segmentation is tried on.
const MIN_SEGMENTED_CHARS: usize = 4;

/// Longest: real hashtags are short, and a page-long `#aaaa…` must not cost much.
const MAX_SEGMENTED_CHARS: usize = 64;

/// The fitted word table of the hashtag stage: each word seen in the fitting texts (outside
/// hashtags and `@mentions`, lowercased) with its count. Saved in the model header as one
/// string, a `word count` line per word.
#[derive(Debug, Clone, PartialEq)]
pub struct HashtagWords {
    /// `(word, count)`, sorted by word.
    pub words: Vec<(String, u64)>,
}

impl Serialize for HashtagWords {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut text = String::new();
        for (w, c) in &self.words {
            text.push_str(w);
            text.push(' ');
            text.push_str(&c.to_string());
            text.push('\n');
        }
        ser.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for HashtagWords {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let text = String::deserialize(de)?;
        let mut words = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let parsed = line
                .split_once(' ')
                .filter(|(w, _)| !w.is_empty() && !w.contains(char::is_whitespace))
                .and_then(|(w, c)| Some((w.to_string(), c.parse::<u64>().ok()?)));
            match parsed {
                Some(wc) => words.push(wc),
                None => {
                    return Err(D::Error::custom(format!(
                        "hashtag word table, entry {}: expected `word count`, found {line:?}",
                        i + 1
                    )))
                }
            }
        }
        Ok(HashtagWords { words })
    }
}

/// The hashtag stage, ready to split: the word table as log-probabilities.
#[derive(Debug, Clone)]
pub struct HashtagSplitter {
    table: HashtagWords,
    log_p: FxHashMap<String, f64>,
}

/// Whether `c` may continue a hashtag (letters, digits, marks and `_`).
fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_mark(c)
}

/// Combining marks (accents written as separate code points) stay inside a word.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}')
}

/// Calls `f` with each hashtag of `text` (without its `#`) and the byte offset just past
/// it. A `#` starts a hashtag at the start of the text or after a character that cannot be
/// part of a word (so `C#` and `a#b` are not hashtags).
fn for_each_hashtag(text: &str, mut f: impl FnMut(&str, usize)) {
    let mut prev: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c == '#' && !prev.is_some_and(is_tag_char) {
            let start = i + 1;
            let mut end = start;
            while let Some(&(j, d)) = iter.peek() {
                if !is_tag_char(d) {
                    break;
                }
                end = j + d.len_utf8();
                iter.next();
            }
            if end > start {
                f(&text[start..end], end);
                prev = text[..end].chars().next_back();
                continue;
            }
        }
        prev = Some(c);
    }
}

/// The words of `text` the table counts: runs of letters, lowercased, outside hashtags and
/// `@mentions`.
fn for_each_plain_word(text: &str, mut f: impl FnMut(String)) {
    let mut word = String::new();
    let mut skip = false;
    let mut prev: Option<char> = None;
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_alphabetic() || is_mark(c) {
            if word.is_empty() && !skip {
                skip = matches!(prev, Some('#' | '@'));
            }
            word.extend(c.to_lowercase());
        } else {
            if !word.is_empty() && !skip {
                f(std::mem::take(&mut word));
            }
            word.clear();
            // A hashtag or mention runs on through digits and underscores.
            if !(skip && (c.is_alphanumeric() || c == '_')) {
                skip = false;
            }
        }
        prev = Some(c);
    }
}

/// Splits a hashtag at case changes, digits and underscores: `HumanRights2025` →
/// `Human`, `Rights`, `2025`; `UNSecurityCouncil` → `UN`, `Security`, `Council`. Letters
/// without case (most scripts) join the word they are in.
pub fn split_case(tag: &str) -> Vec<&str> {
    #[derive(Clone, Copy, PartialEq)]
    enum K {
        Upper,
        Lower,
        Digit,
        Sep,
    }
    let kind = |c: char| {
        if c.is_uppercase() {
            K::Upper
        } else if c.is_numeric() {
            K::Digit
        } else if c.is_alphabetic() || is_mark(c) {
            K::Lower
        } else {
            K::Sep
        }
    };
    let chars: Vec<(usize, char)> = tag.char_indices().collect();
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    for (n, &(i, c)) in chars.iter().enumerate() {
        let k = kind(c);
        let prev = n.checked_sub(1).map(|p| kind(chars[p].1));
        let next = chars.get(n + 1).map(|&(_, d)| kind(d));
        let boundary = match (prev, k) {
            (_, K::Sep) => true,
            (None, _) => false,
            (Some(p), k) if p == k => {
                // Inside a capital run, the last capital before a lowercase letter starts
                // the next word (`UNSecurity` → `UN`, `Security`).
                k == K::Upper && next == Some(K::Lower)
            }
            // A capital after lowercase letters or digits starts a word; lowercase after one
            // capital continues it.
            (Some(K::Upper), K::Lower) => false,
            _ => true,
        };
        if boundary {
            if let Some(s) = start.take() {
                parts.push(&tag[s..i]);
            }
        }
        if k != K::Sep && start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        parts.push(&tag[s..]);
    }
    parts
}

impl HashtagWords {
    /// Counts the words of `texts` (see the module docs), keeping the [`MAX_WORDS`] most
    /// frequent.
    pub fn fit<S: AsRef<str>>(texts: &[S]) -> Self {
        let mut counts: FxHashMap<String, u64> = FxHashMap::default();
        for t in texts {
            for_each_plain_word(t.as_ref(), |w| *counts.entry(w).or_insert(0) += 1);
        }
        let mut words: Vec<(String, u64)> = counts.into_iter().collect();
        if words.len() > MAX_WORDS {
            words.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            words.truncate(MAX_WORDS);
        }
        words.sort_unstable();
        HashtagWords { words }
    }
}

impl HashtagSplitter {
    /// Builds the splitter from a fitted table. Zero counts and empty words are ignored.
    pub fn new(table: HashtagWords) -> Self {
        let total: u64 = table.words.iter().map(|(_, c)| *c).sum();
        let log_p = table
            .words
            .iter()
            .filter(|(w, c)| *c > 0 && !w.is_empty())
            .map(|(w, c)| (w.clone(), (*c as f64 / total as f64).ln()))
            .collect();
        HashtagSplitter { table, log_p }
    }

    /// Fits the word table on `texts`.
    pub fn fit<S: AsRef<str>>(texts: &[S]) -> Self {
        HashtagSplitter::new(HashtagWords::fit(texts))
    }

    /// The word table (saved in the model file).
    pub fn table(&self) -> &HashtagWords {
        &self.table
    }

    /// The words of one hashtag (without `#`), or `None` when it is one word.
    pub fn split(&self, tag: &str) -> Option<Vec<String>> {
        let parts = split_case(tag);
        match parts.as_slice() {
            [] => None,
            [one] => self.segment(&one.to_lowercase()),
            _ => Some(parts.iter().map(|p| p.to_string()).collect()),
        }
    }

    /// The most probable sequence of two or more known words that spells `s` (lowercase
    /// letters), or `None`. One-letter words other than `a` and `i` are not used: they would
    /// cover any spelling.
    fn segment(&self, s: &str) -> Option<Vec<String>> {
        let bounds: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .collect();
        let n = bounds.len() - 1;
        if !(MIN_SEGMENTED_CHARS..=MAX_SEGMENTED_CHARS).contains(&n)
            || !s.chars().all(|c| c.is_alphabetic() || is_mark(c))
        {
            return None;
        }
        // best[i]: score and start of the last word of the best cover of the first i chars.
        let mut best: Vec<Option<(f64, usize)>> = vec![None; n + 1];
        best[0] = Some((0.0, 0));
        for i in 1..=n {
            for j in i.saturating_sub(MAX_PIECE_CHARS)..i {
                let Some((before, _)) = best[j] else { continue };
                let w = &s[bounds[j]..bounds[i]];
                if i - j == 1 && w != "a" && w != "i" {
                    continue;
                }
                if let Some(lp) = self.log_p.get(w) {
                    let score = before + lp;
                    if !matches!(best[i], Some((b, _)) if b >= score) {
                        best[i] = Some((score, j));
                    }
                }
            }
        }
        best[n]?;
        let mut words = Vec::new();
        let mut i = n;
        while i > 0 {
            let (_, j) = best[i]?;
            words.push(s[bounds[j]..bounds[i]].to_string());
            i = j;
        }
        words.reverse();
        (words.len() > 1).then_some(words)
    }

    /// Writes `text` into `out` (cleared first) with each hashtag followed by its words,
    /// space-separated. Returns whether any hashtag was split.
    pub fn expand_into(&self, text: &str, out: &mut String) -> bool {
        out.clear();
        let mut copied = 0;
        for_each_hashtag(text, |tag, end| {
            if let Some(words) = self.split(tag) {
                out.push_str(&text[copied..end]);
                for w in words {
                    out.push(' ');
                    out.push_str(&w);
                }
                copied = end;
            }
        });
        if copied == 0 {
            return false;
        }
        out.push_str(&text[copied..]);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn splitter(texts: &[&str]) -> HashtagSplitter {
        HashtagSplitter::fit(texts)
    }

    #[test]
    fn case_changes_digits_and_underscores_split() {
        assert_eq!(split_case("StopTheWar"), ["Stop", "The", "War"]);
        assert_eq!(
            split_case("UNSecurityCouncil"),
            ["UN", "Security", "Council"]
        );
        assert_eq!(split_case("HumanRights2025"), ["Human", "Rights", "2025"]);
        assert_eq!(split_case("women_rights"), ["women", "rights"]);
        assert_eq!(split_case("iPhone"), ["i", "Phone"]);
        assert_eq!(split_case("stopthewar"), ["stopthewar"]);
        assert_eq!(split_case("USA"), ["USA"]);
        assert_eq!(split_case("_"), Vec::<&str>::new());
        assert_eq!(split_case("Кабул2025"), ["Кабул", "2025"]);
    }

    #[test]
    fn one_case_hashtags_are_segmented_by_known_words() {
        let s = splitter(&[
            "we must stop the war now",
            "the war is not over",
            "women's rights matter; rights for women",
        ]);
        assert_eq!(s.split("stopthewar").unwrap(), ["stop", "the", "war"]);
        assert_eq!(s.split("WOMENRIGHTS").unwrap(), ["women", "rights"]);
        // A piece no text had: left whole.
        assert_eq!(s.split("stopthewarx"), None);
        // One known word: nothing to add.
        assert_eq!(s.split("rights"), None);
        // Too short or too long to segment.
        assert_eq!(s.split("war"), None);
        assert_eq!(s.split(&"stopthewar".repeat(7)), None);
        assert_eq!(s.split(&"stopthewar".repeat(6)).unwrap().len(), 18);
        // Digits split off by case rules; the letters before them are not segmented again.
        assert_eq!(s.split("thewar1").unwrap(), ["thewar", "1"]);
    }

    #[test]
    fn the_table_skips_hashtags_and_mentions() {
        let t = HashtagWords::fit(&["#stopthewar @kabul_news said: Stop the war! #war2 war"]);
        let words: Vec<&str> = t.words.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["said", "stop", "the", "war"]);
        assert_eq!(t.words[3].1, 2);
    }

    #[test]
    fn more_probable_words_win() {
        // "therapist" or "the rapist": the counts decide.
        let s = splitter(&["the the the the rapist therapist therapist"]);
        assert_eq!(s.split("thetherapist").unwrap(), ["the", "therapist"]);
    }

    #[test]
    fn texts_get_each_hashtags_words_after_it() {
        let s = splitter(&["stop the war"]);
        let mut out = String::new();
        assert!(s.expand_into("No more. #StopTheWar now #stopthewar!", &mut out));
        assert_eq!(
            out,
            "No more. #StopTheWar Stop The War now #stopthewar stop the war!"
        );
        assert!(!s.expand_into("C# and a#b are not hashtags; #war is one word", &mut out));
        assert!(!s.expand_into("", &mut out));
        assert!(s.expand_into("#Kabul_Talks", &mut out));
        assert_eq!(out, "#Kabul_Talks Kabul Talks");
    }

    #[test]
    fn the_table_round_trips_through_json_and_rejects_bad_entries() {
        let t = HashtagWords::fit(&["stop the war, the war"]);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#""stop 1\nthe 2\nwar 2\n""#);
        assert_eq!(serde_json::from_str::<HashtagWords>(&json).unwrap(), t);
        for bad in [r#""stop""#, r#""stop x""#, r#"" 3""#, r#""a b 3""#, "7"] {
            assert!(serde_json::from_str::<HashtagWords>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_table_is_bounded() {
        let texts: Vec<String> = (0..MAX_WORDS + 10)
            .map(|i| {
                let w: String = format!("{i:x}")
                    .chars()
                    .map(|c| (b'g' + c.to_digit(16).unwrap_or(0) as u8) as char)
                    .collect();
                if i < 3 {
                    format!("{w} {w}")
                } else {
                    w
                }
            })
            .collect();
        let t = HashtagWords::fit(&texts);
        assert_eq!(t.words.len(), MAX_WORDS);
        // The repeated words are kept.
        assert!(t.words.iter().any(|(w, c)| w == "g" && *c == 2));
    }
}
