//! Prose or skip: the block classifier.
//!
//! Each block is judged on its own first, by rules in this order: size; markup hints
//! (headings, captions, link density); script (mostly non-Latin letters is non-English);
//! typical phrases of captions, bylines, author bios and site furniture; the share of
//! English function words (running prose has many, headlines and foreign text few); and
//! sentence punctuation. Then the article as a whole: everything after a comment-section
//! or end marker is boilerplate; so are labeled lines ("Name: …", "Abstract: …") on a page
//! whose prose is mostly unlabeled, and, in HTML, prose outside the element that holds the
//! article body (found the way readability extractors find it); teasers of a related-links
//! list after the body, author bios at the end and short blocks before the first full
//! paragraph are skipped; and a prose block that repeats, or is contained in, another
//! prose block (a pull quote, a repeated line) is a duplicate.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, StartKind};

use super::txt::ends_sentence;
use super::{Block, BlockKind, Layout, SkipReason, NO_ELEMENT};
use crate::text::{
    for_each_ascii_word_span, is_ascii_space, packed, packed_ascii_lowercase, ENGLISH_STOP_WORDS,
};

/// Thresholds of the classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderParams {
    /// Blocks with fewer words are `too-short`. Default 8.
    pub min_words: usize,
    /// Blocks with more words are `too-long`. Default 2,000.
    pub max_words: usize,
    /// Blocks whose share of characters inside links reaches this are `navigation`.
    /// Default 0.5.
    pub max_link_density: f64,
    /// Prose needs at least this share of English function words. Default 0.12.
    pub min_function_words: f64,
    /// A block that is one sentence needs this many words to be prose. Default 15.
    pub min_sentence_words: usize,
    /// Before the article's first full paragraph, shorter blocks are a standfirst or deck
    /// (`heading`). Default 25 words.
    pub lead_words: usize,
}

impl Default for ReaderParams {
    fn default() -> Self {
        ReaderParams {
            min_words: 8,
            max_words: 2000,
            max_link_density: 0.5,
            min_function_words: 0.12,
            min_sentence_words: 15,
            lead_words: 25,
        }
    }
}

/// Lowercase prefixes of site furniture.
const BOILERPLATE_PREFIXES: &[&str] = &[
    "advertisement",
    "advert",
    "sponsored",
    "share this",
    "share on",
    "share:",
    "share article",
    "subscribe",
    "sign up",
    "sign in",
    "log in",
    "newsletter",
    "get our",
    "get the latest",
    "we use cookies",
    "this site uses cookies",
    "this website uses cookies",
    "cookie",
    "accept all",
    "manage preferences",
    "all rights reserved",
    "sub-heading:",
    "subheading:",
    "headline:",
    "standfirst:",
    "tags:",
    "topics:",
    "filed under",
    "print this",
    "email this",
    "follow us",
    "follow @",
    "download the app",
    "listen to this article",
    "click here",
    "support our journalism",
    "support independent",
    "become a member",
    "donate",
    "the views expressed",
    "views expressed",
    "disclaimer",
    "opinions expressed",
    "this article was originally",
    "this article first appeared",
    "a version of this",
    "leave a comment",
    "post a comment",
    "add a comment",
    "join the conversation",
    "comments (",
    "comment (",
    "show comments",
    "view comments",
    "your email address",
    "required fields",
    "name *",
    "email *",
    "loading",
    "skip to",
    "back to top",
    "page 1",
    "page ",
    "continue reading",
    "reuse this content",
    "report an error",
    "update:",
    "update,",
    "update (",
    "editor's note",
    "editors' note",
    "editor’s note",
    "editorial note",
    "note to readers",
    "correction:",
    "correction (",
    "clarification:",
    "about the author",
    "archive note",
    "comments are",
    "corrections",
    "min read",
    "reading time",
    "excerpt from",
    "text of report",
    "exported from",
    "saved from",
    "breaking:",
];

/// Phrases that mark a short block as site furniture wherever they occur in it.
const BOILERPLATE_CUES: &[&str] = &[
    "quotes delayed",
    "cookies",
    "newsletter",
    "in your inbox",
    "unsubscribe",
    "subscribe for",
    "subscribe to",
    "subscribe,",
    "subscribers",
    "free articles",
    "unlimited access",
    "paywall",
    "reader-funded",
    "reader-supported",
    "supported by its readers",
    "runs on reader support",
    "support our",
    "thanks for reading",
    "free to share",
    "letters to the editor",
    "letters of up to",
    "have your say",
    "print edition",
    "editors' picks",
    "editor's picks",
    "earn a portion",
    "affiliate link",
    "affiliate commission",
    "opinions expressed",
    "views expressed",
    "views of the author",
    "views of their authors",
    "author's own",
    "do not necessarily reflect",
    "does not necessarily reflect",
    "not responsible for the content",
    "all rights reserved",
    "terms of use",
    "privacy policy",
    "market data delayed",
    "news division of",
    "on facebook",
    "on instagram",
    "on whatsapp",
    "follow @",
    "follow us",
    "cross-posted",
    "originally published",
    "first appeared",
    "adapted from",
    "press review",
    "reproduced in",
    "peer reviewed",
    "key points:",
    "noticed a mistake",
    "ctrl+enter",
    "send yours to",
    "download our app",
    "sign up",
    "your inbox",
    "receiving this email",
    "this week's edition",
    "our sponsors",
    "sponsored by",
    "brought to you by",
    "an earlier version of this",
    "an earlier version of the",
    "this article was amended",
    "this article has been amended",
    "this article was updated",
    "this article has been updated",
    "this story was updated",
    "this story has been updated",
    "media division of",
    "data is delayed",
    "welcome to our live",
    "just joining us",
    "hear from you",
    "send us your",
    "send questions",
    "funded by readers",
    "if you value",
    "please consider",
    "collective view of",
    "i am a bot",
    "stay on topic",
    "republished by",
    "republished with",
    "is republished",
    "syndication agreement",
    "content partnership",
    "was first published",
    "reprinted with permission",
    "published with permission",
    "shown with permission",
    "generated automatically",
    "automatically generated",
    "the author's views",
    "the authors' views",
    "submit a response",
    "how you can help",
    "withheld for their safety",
    "reposted from",
    "is reproduced",
    "install the app",
    "reader comments",
    "episode is supported",
    "issue is supported",
    "newsletter is supported",
    "podcast is supported",
    "letter to the editor",
    "how to cite",
    "cite this",
    "you are receiving this",
    "do not forward",
    "forwarded this",
    "forward this e-mail",
    "forward this email",
    "hit reply",
    "reply to this email",
    "reply to this e-mail",
    "reply to this message",
    "shared with you by",
    "media enquiries",
    "media inquiries",
    "press enquiries",
    "press inquiries",
    "registered charity",
    "registered in england",
    "write to us",
    "spotted an error",
    "spotted a mistake",
    "have a tip",
    "is part of a series",
    "part of our series",
    "this story is part of",
    "this article is part of",
    "this piece is part of",
    "app store",
    "google play",
    "names in this article",
    "name has been changed",
    "names have been changed",
    "name has been withheld",
    "names have been withheld",
    "for internal use only",
    "and any attachments",
    "intended solely for",
    "received it in error",
    "received this email in error",
    "received this e-mail in error",
    "version shall prevail",
    "report a typo",
    "spelling or grammar",
    "appeared first on",
    "monthly gift",
    "thank-you gift",
    "our press office",
    "do not represent the views",
    "does not represent the views",
    "offer valid",
    "postage-paid",
    "for the convenience of",
];

/// Verbs that follow a name at the start of an author bio ("Jane Doe writes about …").
const BIO_VERBS: &[&str] = &[
    "is",
    "was",
    "writes",
    "wrote",
    "directs",
    "covered",
    "covers",
    "teaches",
    "taught",
    "leads",
    "heads",
    "served",
    "works",
    "advises",
    "advised",
    "reports",
    "edits",
    "researches",
    "has",
    "holds",
    "joined",
    "lives",
    "spent",
    "specialises",
    "specializes",
    "studied",
    "focuses",
];

/// Markers after which everything is reader comments or page furniture.
const COMMENT_MARKERS: &[&str] = &[
    "comments (",
    "comment (",
    "leave a comment",
    "post a comment",
    "add a comment",
    "join the conversation",
    "reader comments",
    "show comments",
    "view comments",
    "comments are closed",
];

/// Whole blocks (lowercase, trimmed of punctuation) that head a page's comment section,
/// or end a press release or article ("ENDS", "###", "Notes to editors", "Footnotes",
/// "References"), or head a reader's own notes after a saved article ("My comments",
/// "Highlights", "To check"). Once the article has had prose, every later block is
/// comments, notes or furniture. ("Discussion" is not one: reports have sections of that name.)
const END_MARKERS: &[&str] = &[
    "comments",
    "comment",
    "reader comments",
    "readers' comments",
    "join the discussion",
    "responses",
    "replies",
    "ends",
    "end",
    "###",
    "notes to editors",
    "note to editors",
    "notes for editors",
    "note for editors",
    "editor's notes",
    "notes",
    "footnotes",
    "endnotes",
    "references",
    "bibliography",
    "works cited",
    "sources",
    "further reading",
    "see also",
    "my notes",
    "my comments",
    "my highlights",
    "highlights",
    "follow-ups",
    "follow-up",
    "to check",
];

/// Whether `text` ends the article: one of [`END_MARKERS`], or a comment count ("96
/// comments", "12 responses", "Comments (4)").
fn is_end_marker(text: &str) -> bool {
    if text.len() > 60 {
        return false;
    }
    let lower = text.to_lowercase();
    let t = lower.trim_matches(|c: char| !c.is_alphanumeric() && c != '#' && c != '\'');
    // "###" closes a press release; other '#'s are Markdown heading marks.
    let t = if t == "###" {
        t
    } else {
        t.trim_matches(|c: char| c == '#' || c == ' ')
    };
    if END_MARKERS.contains(&t) {
        return true;
    }
    let mut words = t.split_whitespace();
    let (first, second) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let counted = ["comments", "comment", "responses", "response", "replies"];
    (first.chars().all(|c| c.is_ascii_digit()) && !first.is_empty() && counted.contains(&second))
        || (first == "comments" && second.starts_with('('))
}

/// Lowercase prefixes of link lists and menus.
const NAVIGATION_PREFIXES: &[&str] = &[
    "read more",
    "read next",
    "read also",
    "also read",
    "related",
    "more on",
    "more from",
    "more stories",
    "most read",
    "most popular",
    "most viewed",
    "trending",
    "recommended",
    "see also",
    "you may also like",
    "you might also like",
    "latest news",
    "top stories",
    "watch:",
    "listen:",
    "home |",
    "home >",
    "home ›",
    "menu",
    "search",
    "next article",
    "previous article",
];

/// Lowercase prefixes and fragments of photo captions and credits.
const CAPTION_MARKERS: &[&str] = &[
    "alt:",
    "alt text:",
    "image description:",
    "photo:",
    "photo by",
    "photograph:",
    "photograph by",
    "image:",
    "picture:",
    "file photo",
    "/file photo",
    "pictured:",
    "caption:",
    "credit:",
    "source:",
    "sources:",
    "chart:",
    "graphic:",
    "map:",
    "illustration:",
    "illustration by",
    "video:",
    "image source",
    "image caption",
    "media caption",
    "photo credit",
    "(photo",
    "(file photo",
    "(image",
    "getty images",
    "/ afp",
    "/afp",
    "/ reuters",
    "/reuters",
    "/ ap",
    "via reuters",
];

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

#[derive(Debug, PartialEq)]
struct Stats {
    /// Whitespace-separated words, punctuation-only ones included.
    raw_words: usize,
    /// Words with a letter, digit or apostrophe.
    words: usize,
    function_share: f64,
    capitalized_share: f64,
    non_latin_share: f64,
}

impl Stats {
    /// From the counts of words (raw, with a letter or digit, function words, capitalized)
    /// and of Latin and other letters.
    fn new(
        [raw_words, words, function, capitalized]: [usize; 4],
        [latin, other]: [usize; 2],
    ) -> Stats {
        let share = |a: usize, n: usize| if n == 0 { 0.0 } else { a as f64 / n as f64 };
        Stats {
            raw_words,
            words,
            function_share: share(function, words),
            capitalized_share: share(capitalized, words),
            non_latin_share: share(other, latin + other),
        }
    }
}

fn stats(text: &str) -> Stats {
    if text.is_ascii() {
        stats_ascii(text)
    } else {
        stats_chars(text)
    }
}

/// [`stats`] character by character (any text).
fn stats_chars(text: &str) -> Stats {
    let mut words = 0;
    let mut function = 0;
    let mut capitalized = 0;
    let (mut latin, mut other) = (0usize, 0usize);
    if text.is_ascii() {
        latin = text.bytes().filter(u8::is_ascii_alphabetic).count();
    } else {
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) {
                latin += 1;
            } else {
                other += 1;
            }
        }
    }
    let mut buf = String::new();
    let mut raw_words = 0;
    for w in text.split_whitespace() {
        raw_words += 1;
        let core = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
        if core.is_empty() {
            continue;
        }
        words += 1;
        if is_function_word(core, &mut buf) {
            function += 1;
        }
        if w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_numeric())
        {
            capitalized += 1;
        }
    }
    Stats::new([raw_words, words, function, capitalized], [latin, other])
}

/// [`stats`] of ASCII text, byte by byte (the same counts: on ASCII, `is_alphanumeric` is
/// `is_ascii_alphanumeric`, `is_uppercase` is `is_ascii_uppercase`, and so on).
fn stats_ascii(text: &str) -> Stats {
    let (mut raw_words, mut words, mut function, mut capitalized) = (0, 0, 0, 0);
    let keep = |b: &u8| b.is_ascii_alphanumeric() || *b == b'\'';
    let bytes = text.as_bytes();
    for_each_ascii_word_span(bytes, |start, end| {
        raw_words += 1;
        let b = &bytes[start..end];
        let Some(a) = b.iter().position(keep) else {
            return;
        };
        let z = b.iter().rposition(keep).map_or(a + 1, |z| z + 1);
        words += 1;
        let core = &b[a..z];
        if is_ascii_function_word(core) {
            function += 1;
        }
        if b[0].is_ascii_uppercase() || b[0].is_ascii_digit() {
            capitalized += 1;
        }
    });
    Stats::new([raw_words, words, function, capitalized], [0, 0])
}

/// Longest word of [`crate::text::ENGLISH_STOP_WORDS`] and the extra function words, in bytes (all are
/// ASCII).
const LONGEST_FUNCTION_WORD: usize = 10;

/// Whether `word` (trimmed of punctuation, any case, either apostrophe) is an English stop
/// word, a negation or a speech verb. `buf` is scratch space for its lowercase form.
fn is_function_word(word: &str, buf: &mut String) -> bool {
    if word.is_ascii() {
        return is_ascii_function_word(word.as_bytes());
    }
    if word.len() > 4 * LONGEST_FUNCTION_WORD {
        return false;
    }
    buf.clear();
    for c in word.chars() {
        if c == '’' {
            buf.push('\'');
        } else {
            buf.extend(c.to_lowercase());
        }
    }
    is_lowercase_function_word(buf)
}

/// [`is_function_word`] of an ASCII word in any case, looked up by its lowercase packed key
/// without building the lowercase string.
fn is_ascii_function_word(word: &[u8]) -> bool {
    word.len() <= LONGEST_FUNCTION_WORD
        && packed_ascii_lowercase(word).is_some_and(is_packed_function_word)
}

/// Whether the lowercase `word` is an English stop word, a negation or a speech verb.
fn is_lowercase_function_word(word: &str) -> bool {
    packed(word).is_some_and(is_packed_function_word)
}

/// Whether `key` is the [`packed`] form of an English stop word, a negation or a speech
/// verb. The article reader asks about every word, so the set is a small open-addressing
/// table (16 KiB, multiplicative hash, linear probing; a third full) rather than a general
/// hash set: a lookup is a multiply, a shift and usually one comparison.
fn is_packed_function_word(key: u128) -> bool {
    static TABLE: OnceLock<FunctionWords> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            FunctionWords::new(
                ENGLISH_STOP_WORDS
                    .iter()
                    .chain(&["not", "no", "said", "says"])
                    .filter_map(|w| packed(w)),
            )
        })
        .contains(key)
}

/// A set of [`packed`] words (never 0: a packed key holds its length).
struct FunctionWords {
    slots: Box<[u128; FUNCTION_SLOTS]>,
}

/// Slots of [`FunctionWords`]: a power of two, at least three times the words.
const FUNCTION_SLOTS: usize = 1024;

impl FunctionWords {
    fn new(keys: impl Iterator<Item = u128>) -> Self {
        let mut slots = Box::new([0u128; FUNCTION_SLOTS]);
        for key in keys {
            let mut i = Self::home(key);
            while slots[i] != 0 && slots[i] != key {
                i = (i + 1) % FUNCTION_SLOTS;
            }
            slots[i] = key;
        }
        FunctionWords { slots }
    }

    #[inline]
    fn home(key: u128) -> usize {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
        (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - FUNCTION_SLOTS.trailing_zeros()))
            as usize
    }

    #[inline]
    fn contains(&self, key: u128) -> bool {
        let mut i = Self::home(key);
        loop {
            let slot = self.slots[i];
            if slot == key {
                return true;
            }
            if slot == 0 {
                return false;
            }
            i = (i + 1) % FUNCTION_SLOTS;
        }
    }
}

/// Whether `lower` contains one of `patterns()`: one pass of an Aho-Corasick automaton
/// built once into `automaton`, instead of a substring search per pattern. The automaton is
/// a DFA (a few hundred patterns make a table of well under a megabyte): per byte it is one
/// table load, where the default contiguous NFA, which the builder picks for this many
/// patterns, took about three times the instructions.
fn contains_any(
    lower: &str,
    automaton: &'static OnceLock<Option<AhoCorasick>>,
    patterns: impl Fn() -> Vec<&'static str>,
) -> bool {
    match automaton.get_or_init(|| cue_automaton(&patterns(), StartKind::Unanchored)) {
        Some(ac) => ac.is_match(lower),
        None => patterns().iter().any(|p| lower.contains(p)),
    }
}

/// Whether `lower` contains one of [`BOILERPLATE_CUES`].
fn has_boilerplate_cue(lower: &str) -> bool {
    static CUES: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    contains_any(lower, &CUES, || BOILERPLATE_CUES.to_vec())
}

/// Whether `lower` contains, anywhere, one of the [`CAPTION_MARKERS`] that mark a caption
/// wherever they occur (credits such as "(photo", "/ afp", "getty images").
fn has_caption_cue(lower: &str) -> bool {
    static CUES: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    contains_any(lower, &CUES, || {
        CAPTION_MARKERS
            .iter()
            .copied()
            .filter(|m| m.starts_with(['(', '/']) || m.contains("getty"))
            .collect()
    })
}

/// Whether `text` ends, after its last sentence, with a parenthesized credit of one to five
/// capitalized words: "… since 2002. (Orient Wire)", "… in Kabul. (AP Photo/Jane Doe)".
/// Captions end so; prose paragraphs end with their sentence.
fn has_trailing_credit(text: &str) -> bool {
    let Some(inner) = text.strip_suffix(')') else {
        return false;
    };
    let Some(open) = inner.rfind('(') else {
        return false;
    };
    let (before, credit) = (inner[..open].trim_end(), &inner[open + 1..]);
    let words: Vec<&str> = credit.split([' ', '/']).filter(|w| !w.is_empty()).collect();
    before.ends_with(['.', '!', '?', '"', '\u{201D}'])
        && (1..=5).contains(&words.len())
        && words[0].starts_with(|c: char| c.is_uppercase())
        && !credit.contains(['.', ',', ';', ':'])
        && !credit.chars().any(|c| c.is_ascii_digit())
}

/// The Aho-Corasick DFA of a cue list (`None` if it cannot be built; callers then compare
/// pattern by pattern).
fn cue_automaton(patterns: &[&str], start: StartKind) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .start_kind(start)
        .build(patterns)
        .ok()
}

/// Whether `lower` starts with one of `prefixes`: one anchored pass of an Aho-Corasick DFA
/// built once into `automaton` (it stops where no prefix can continue), instead of a
/// comparison per prefix.
fn starts_with_any(
    lower: &str,
    automaton: &'static OnceLock<Option<AhoCorasick>>,
    prefixes: &'static [&'static str],
) -> bool {
    match automaton.get_or_init(|| cue_automaton(prefixes, StartKind::Anchored)) {
        Some(ac) => ac.find(Input::new(lower).anchored(Anchored::Yes)).is_some(),
        None => prefixes.iter().any(|p| lower.starts_with(p)),
    }
}

/// [`starts_with_any`] with a prefix list's own automaton, built at its first use.
macro_rules! starts_with_any {
    ($lower:expr, $prefixes:expr) => {{
        static AUTOMATON: OnceLock<Option<AhoCorasick>> = OnceLock::new();
        starts_with_any($lower, &AUTOMATON, $prefixes)
    }};
}

/// An author line: "By Jane Doe", "By Jane Doe and John Roe, Kabul", "Reporting by …".
fn is_byline(text: &str, lower: &str, words: usize) -> bool {
    if words > 25 {
        // A wire's full credit line runs longer, every part between semicolons a credit:
        // "Reporting by … in Jalalabad and … in Kabul; Additional reporting by …; Editing
        // by …".
        return words <= 60
            && lower.contains(';')
            && lower
                .split(';')
                .all(|part| starts_with_any!(part.trim_start(), BYLINE_PREFIXES));
    }
    if lower.starts_with("by ") && words <= 14 {
        return true;
    }
    if starts_with_any!(lower, BYLINE_PREFIXES) {
        return true;
    }
    if lower.contains("contributed reporting") || lower.contains("contributed to this report") {
        return true;
    }
    // A date or update line: few words, a month name or a time, little prose. (The month
    // names are looked for only when the rest of the test could pass.)
    let meta_word = starts_with_any!(lower, DATE_LINE_PREFIXES)
        || lower.contains(" gmt")
        || lower.contains(" utc")
        || lower.contains(" ist")
        || lower.contains(" et");
    if meta_word && words <= 10 {
        return true;
    }
    let has_month = || {
        lower
            .split(|c: char| !c.is_alphabetic())
            .any(|w| MONTHS.contains(&w))
    };
    words <= 12
        && lower.bytes().any(|c| c.is_ascii_digit())
        && (meta_word || has_month())
        && !ends_sentence(text)
}

/// How credit lines for the writing open ("Reporting by …").
const BYLINE_PREFIXES: &[&str] = &[
    "reporting by",
    "writing by",
    "editing by",
    "additional reporting",
    "written by",
    "words by",
    "author:",
    "posted by",
    "published by",
];

/// How date and update lines open.
const DATE_LINE_PREFIXES: &[&str] = &[
    "updated",
    "published",
    "posted",
    "last updated",
    "first published",
    "date:",
    "modified",
];

/// An author bio: a short block that opens with a capitalized name followed by a verb such
/// as "is", "writes" or "directs" ("Jane Doe is a senior fellow at …", "*Selim Aksoy
/// teaches …").
fn is_bio(text: &str, words: usize) -> bool {
    if words > 60 || text.contains(" said") || text.contains(" says") {
        return false;
    }
    let text = text.trim_start_matches(|c: char| !c.is_alphanumeric());
    // A title before the name: "Dr. Jane Doe is …".
    let text = ["Dr. ", "Prof. ", "Professor "]
        .iter()
        .find_map(|t| text.strip_prefix(t))
        .unwrap_or(text);
    let ws: Vec<&str> = text.split_whitespace().take(6).collect();
    const NOT_NAMES: &[&str] = &[
        "The", "A", "An", "This", "That", "These", "Those", "Its", "It", "Their", "His", "Her",
        "Our", "In", "On", "At", "For", "But", "And", "If", "When", "While", "As",
    ];
    if ws.first().is_some_and(|w| NOT_NAMES.contains(w)) {
        return false;
    }
    let name_len = ws
        .iter()
        .take_while(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’')
                && !BIO_VERBS.contains(&w.to_lowercase().as_str())
        })
        .count();
    (2..=4).contains(&name_len)
        && ws
            .get(name_len)
            .is_some_and(|v| BIO_VERBS.contains(&v.trim_matches(|c: char| !c.is_alphabetic())))
}

/// A cookie or consent notice, which can run to a hundred words: it mentions cookies and
/// consent, devices, partners or preferences.
fn is_cookie_notice(text: &str, words: usize) -> bool {
    if words > 150 || !text.contains("ookie") {
        return false;
    }
    let lower = text.to_lowercase();
    lower.contains("cookie")
        && [
            "consent",
            "your device",
            "partners",
            "preferences",
            "similar technologies",
            "accept",
        ]
        .iter()
        .any(|c| lower.contains(c))
}

/// "2 On the April 2025 ruling, see …": a numbered note or reference.
fn is_footnote(text: &str, words: usize) -> bool {
    let mut it = text.splitn(2, ' ');
    let (Some(num), Some(rest)) = (it.next(), it.next()) else {
        return false;
    };
    let num = num.trim_matches(|c| c == '[' || c == ']' || c == '.');
    words < 40
        && (1..=3).contains(&num.len())
        && num.chars().all(|c| c.is_ascii_digit())
        && rest.chars().next().is_some_and(char::is_uppercase)
}

/// Sentences in a block (terminal punctuation followed by a space or the end).
fn sentence_count(text: &str) -> usize {
    let b = text.as_bytes();
    (0..b.len())
        .filter(|&i| matches!(b[i], b'.' | b'!' | b'?') && (i + 1 == b.len() || b[i + 1] == b' '))
        .count()
        .max(1)
}

/// Judges one block on its own; `s` is `None` for a block over `max_words`.
/// The lowercase form of a block's text that [`judge`] searches for cues: the whole text
/// for blocks of at most 50 words (markers are searched anywhere only in those), else only
/// its start (longer blocks, most prose, are only checked for a marker prefix).
fn cue_lowercase(text: &str, s: &Stats) -> String {
    if s.words > 50 {
        text.chars().take(16).flat_map(char::to_lowercase).collect()
    } else if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

/// Markdown emphasis, quotes and brackets that can open a block before its first word
/// ("_Update: …_", "**Note:** …", "[Editor's note: …]").
const OPENING_MARKS: [char; 7] = ['_', '*', '"', '\'', '[', '“', '‘'];

/// Classifies one block from its statistics `s` (`None` when too long) and `lower`, its
/// [`cue_lowercase`] form.
fn judge(b: &Block, s: Option<&Stats>, lower: &str, p: &ReaderParams) -> BlockKind {
    use SkipReason as R;
    let text = b.text.as_str();
    let Some(s) = s else {
        return BlockKind::Skip(R::TooLong);
    };
    if b.hints.caption {
        return BlockKind::Skip(R::Caption);
    }
    if b.hints.heading {
        return BlockKind::Skip(R::Heading);
    }
    if opens_with_pictograph(text) || opens_with_handle(text) || is_chat_message(text) {
        return BlockKind::Skip(R::Boilerplate);
    }
    let ascii = text.is_ascii();
    if s.non_latin_share > 0.5 {
        return BlockKind::Skip(R::NonEnglish);
    }
    // Prefixes are checked after Markdown emphasis and opening quotes ("_Update: …_").
    let lower = lower.trim_start_matches(OPENING_MARKS);
    if s.words <= 40 && (starts_with_any!(lower, CAPTION_MARKERS) || has_caption_cue(lower)) {
        return BlockKind::Skip(R::Caption);
    }
    if s.words <= 60 && has_trailing_credit(text) {
        return BlockKind::Skip(R::Caption);
    }
    // A wire credit can sit in parentheses: "((Reporting by …))".
    if is_byline(text, lower.trim_start_matches('('), s.words) {
        return BlockKind::Skip(R::Byline);
    }
    if s.words <= 40 && starts_with_any!(lower, BOILERPLATE_PREFIXES) {
        return BlockKind::Skip(R::Boilerplate);
    }
    if s.words <= 40 && starts_with_any!(lower, NAVIGATION_PREFIXES) {
        return BlockKind::Skip(R::Navigation);
    }
    if s.words <= 50 && has_boilerplate_cue(lower) || is_cookie_notice(text, s.words) {
        return BlockKind::Skip(R::Boilerplate);
    }
    if is_footnote(text, s.words) {
        return BlockKind::Skip(R::Boilerplate);
    }
    // A teaser that opens with a text browser's link number ("[50]Kazakhstan bets on …").
    if s.words <= 40 && opens_with_link_number(text) {
        return BlockKind::Skip(R::Navigation);
    }
    if ["[photo", "[image", "[caption"].iter().any(|m| {
        text.get(..m.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(m))
    }) {
        return BlockKind::Skip(R::Caption);
    }
    // A block wholly in square brackets: an editor's or reposter's note ("[My note: …]",
    // "[Article body omitted …]").
    if text.starts_with('[') && text.ends_with(']') || opens_with_placeholder(text) {
        return BlockKind::Skip(R::Boilerplate);
    }
    // Likewise a block wholly in parentheses ("(Description of source: …)"), a labeled
    // note of any length ("Editor's note: …", "Translator's note: …", "About this text:
    // …") and a copyright notice, which can run long.
    if is_parenthesized(text)
        || s.words <= 150 && is_note(text)
        || s.words <= 100 && is_copyright(text.trim_start_matches(OPENING_MARKS))
    {
        return BlockKind::Skip(R::Boilerplate);
    }
    // Markup of a page's source left in the text: template shortcodes, HTML comments and
    // Markdown footnote definitions; the header of a quoted e-mail reply; and a
    // reference-list entry.
    if ["{{", "{%", "<!--", "[^"]
        .iter()
        .any(|m| text.starts_with(m))
        || is_reply_header(text)
        || s.words <= 80 && is_citation(text)
    {
        return BlockKind::Skip(R::Boilerplate);
    }
    let chars = if ascii {
        text.bytes().filter(|&c| !is_ascii_space(c)).count()
    } else {
        text.chars().filter(|c| !c.is_whitespace()).count()
    }
    .max(1);
    if b.hints.link_chars as f64 / chars as f64 >= p.max_link_density {
        return BlockKind::Skip(R::Navigation);
    }
    let separators = text.contains(" | ")
        || !ascii
            && [" · ", " • ", " ● ", " ▪ ", " ► "]
                .iter()
                .any(|m| text.contains(m));
    if separators && (!ends_sentence(text) || s.function_share < p.min_function_words) {
        return BlockKind::Skip(R::Navigation);
    }
    if s.words < p.min_words {
        return if !ends_sentence(text) && s.capitalized_share >= 0.5 {
            BlockKind::Skip(R::Heading)
        } else {
            BlockKind::Skip(R::TooShort)
        };
    }
    if s.function_share < 0.06 && s.words >= 12 {
        return BlockKind::Skip(R::NonEnglish);
    }
    if !ends_sentence(text) && s.words < 30 {
        return if s.capitalized_share >= 0.5 || s.function_share < p.min_function_words {
            BlockKind::Skip(R::Heading)
        } else if b.hints.list_item {
            BlockKind::Skip(R::Navigation)
        } else {
            BlockKind::Skip(R::Boilerplate)
        };
    }
    if b.hints.list_item && s.words < 20 {
        return BlockKind::Skip(R::Navigation);
    }
    if s.function_share < p.min_function_words {
        return BlockKind::Skip(R::Boilerplate);
    }
    if s.words < p.min_sentence_words && sentence_count(text) == 1 {
        // A lone short sentence: a caption, teaser or link title more often than prose.
        return BlockKind::Skip(R::TooShort);
    }
    BlockKind::Prose
}

/// Text for duplicate detection: lowercase letters and digits only, single spaces.
#[cfg(test)]
fn dedup_key(text: &str) -> String {
    let mut key = Vec::new();
    push_dedup_key(text, &mut key);
    String::from_utf8(key).unwrap_or_default()
}

/// Each ASCII byte's lowercase form if it is a letter or digit, else 0.
const LOWER_ALNUM: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] = b.to_ascii_lowercase();
        }
        c += 1;
    }
    t
};

/// Appends the text `text` is compared by for duplicates to `out`: lowercase letters and
/// digits only, single spaces.
fn push_dedup_key(text: &str, out: &mut Vec<u8>) {
    if !text.is_ascii() {
        out.extend_from_slice(dedup_key_chars(text).as_bytes());
        return;
    }
    // Without branches: every byte is written, and the length advances past it only if it
    // is kept (a space before a word, after a gap, except at the start).
    let base = out.len();
    out.resize(base + text.len(), 0);
    let (mut n, mut gap) = (0, false);
    let dst = &mut out[base..];
    for &c in text.as_bytes() {
        let lower = LOWER_ALNUM[usize::from(c)];
        let alnum = lower != 0;
        // Before byte i, n <= i: a space is only added after a byte that added nothing.
        dst[n] = b' ';
        n += usize::from(alnum && gap && n > 0);
        dst[n] = lower;
        n += usize::from(alnum);
        gap = !alnum;
    }
    out.truncate(base + n);
}

/// [`dedup_key`] character by character (any text).
fn dedup_key_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push(' ');
        }
        gap = false;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Longest block (in bytes) whose statistics are computed before its words are counted.
const ONE_PASS_BYTES: usize = 1 << 16;

/// Longest block (in normalized characters) checked for being a pull quote.
const PULL_QUOTE_CHARS: usize = 400;

/// Blocks in a row that make a page's only prose when everything else is furniture.
const MIN_FURNITURE_RUN: usize = 3;

/// A page whose prose sits mostly in furniture containers (an article pasted into a comment
/// of a link-sharing thread, an e-edition's article in a modal text view) or after an end
/// marker (a reader's notes with a "Comment" heading above the article they paste): takes the
/// longest run of consecutive prose-like furniture blocks as the article, if it has at least
/// [`MIN_FURNITURE_RUN`] blocks and more blocks than all the page's other prose (which is
/// then dropped: the blurbs and boxes around a thread). On an HTML page the article is then
/// every prose-like furniture block of the smallest element that holds the whole run (the
/// rest of an article broken by a fact box or a page jump).
fn restore_furniture_run(blocks: &mut [Block], furniture_prose: &[bool], layout: &Layout) {
    let prose = blocks.iter().filter(|b| b.kind == BlockKind::Prose).count();
    let (mut best, mut start) = (0..0, 0);
    for i in 0..=furniture_prose.len() {
        if furniture_prose.get(i) == Some(&true) {
            continue;
        }
        if i - start > best.len() {
            best = start..i;
        }
        start = i + 1;
    }
    if best.len() < MIN_FURNITURE_RUN || best.len() <= prose {
        return;
    }
    for b in blocks.iter_mut().filter(|b| b.kind == BlockKind::Prose) {
        b.kind = BlockKind::Skip(SkipReason::Boilerplate);
    }
    let n = blocks.len();
    let mut holder = best.clone();
    let mut e = layout.owners.get(best.start).copied().unwrap_or(NO_ELEMENT);
    while let Some(el) = layout.elements.get(e as usize) {
        let range = el.blocks(n);
        if range.start <= best.start && range.end >= best.end {
            holder = range;
            break;
        }
        e = el.parent;
    }
    for (b, &furniture) in blocks[holder.clone()]
        .iter_mut()
        .zip(&furniture_prose[holder])
    {
        if furniture {
            b.kind = BlockKind::Prose;
        }
    }
}

/// Whether `text` opens with an emoji or a pictographic symbol (after opening quotes and
/// spaces): channel posts, chat messages and personal notes open so ("📌 Highlight: …",
/// "⚡️ BREAKING: …"); news paragraphs do not.
fn opens_with_pictograph(text: &str) -> bool {
    text.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '“' | '\''))
        .chars()
        .next()
        .is_some_and(|c| {
            matches!(c,
                '\u{1F000}'..='\u{1FAFF}' // emoji, pictographs, symbols, flags
                | '\u{2600}'..='\u{27BF}' // miscellaneous symbols and dingbats
                | '\u{2B00}'..='\u{2BFF}' // arrows and stars used as emoji
            )
        })
}

/// Whether `text` opens with an editing placeholder in capitals ("[PULL QUOTE] …",
/// "[SUBHEAD] …", "[PULL QUOTE for print, p14:] …").
fn opens_with_placeholder(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('[') else {
        return false;
    };
    let label = inner.split(']').next().unwrap_or("");
    let first: String = label
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    label.len() < inner.len()
        && first.len() >= 3
        && first.chars().any(char::is_alphabetic)
        && first.chars().all(|c| !c.is_lowercase())
}

/// Whether the whole of `text` sits inside one pair of parentheses ("(Description of
/// source: …)", "(The opinions expressed here are the author's own.)").
fn is_parenthesized(text: &str) -> bool {
    let text = text.strip_suffix('.').unwrap_or(text);
    if !text.starts_with('(') || !text.ends_with(')') {
        return false;
    }
    // The first parenthesis must close at the very end, not before ("(AP) — …").
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1 == text.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether `text` opens with the label of a note: up to five words before a colon, the
/// last of them "note" or "notes" ("Editor's note:", "Monitor's note:", "**Note:**"), a
/// "note on …" label ("A note on sourcing:", "A word about methods:"), or an "About this
/// …" label ("About this text:", "About this series:").
fn is_note(text: &str) -> bool {
    let text = text.trim_start_matches(OPENING_MARKS);
    // An ASCII ':' sits on a character boundary.
    let head = &text.as_bytes()[..LABEL_BYTES.min(text.len())];
    let Some(colon) = head.iter().position(|&c| c == b':') else {
        return false;
    };
    let label = text[..colon].trim_end_matches(['*', '_']).to_lowercase();
    let words: Vec<&str> = label.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 || label.contains(['.', ',', ';', '!', '?']) {
        return false;
    }
    matches!(words.last(), Some(&("note" | "notes")))
        || words.len() >= 2 && words[0] == "about" && words[1] == "this"
        || matches!(
            words.as_slice(),
            ["a" | "one", "note" | "word", "on" | "about", ..] | ["note" | "notes", "on", ..]
        )
}

/// Whether `text` (trimmed of opening marks) opens a copyright notice: "©" or "(c)", or
/// "Copyright" followed by one of them, a year, a colon or a name ("Copyright 2025 …",
/// "Copyright Volga News Agency"), not "Copyright law in …".
fn is_copyright(text: &str) -> bool {
    let mark =
        |t: &str| t.starts_with('©') || t.get(..3).is_some_and(|h| h.eq_ignore_ascii_case("(c)"));
    if mark(text) {
        return true;
    }
    let Some(rest) = text
        .get(..9)
        .filter(|h| h.eq_ignore_ascii_case("copyright"))
        .map(|_| text[9..].trim_start())
    else {
        return false;
    };
    rest.is_empty()
        || mark(rest)
        || rest.starts_with(|c: char| c == ':' || c.is_uppercase() || c.is_ascii_digit())
}

/// Whether `text` opens like a reference-list entry: a surname and a comma, one to three
/// given names or initials, the last ending in a period, then a year ("Doe, Jane. 2025.
/// …", "Doe, J. A. (2025). …").
fn is_citation(text: &str) -> bool {
    let mut tokens = text.split(' ');
    let capitalized = |t: &str| t.starts_with(|c: char| c.is_uppercase());
    if !tokens
        .next()
        .is_some_and(|t| capitalized(t) && t.len() > 2 && t.ends_with(','))
    {
        return false;
    }
    for _ in 0..3 {
        let Some(name) = tokens.next() else {
            return false;
        };
        if !capitalized(name) {
            return false;
        }
        if name.ends_with('.') {
            let year = tokens.next().unwrap_or_default();
            let year = year
                .trim_start_matches('(')
                .trim_end_matches(['.', ',', ')']);
            return year.len() == 4 && year.bytes().all(|c| c.is_ascii_digit());
        }
    }
    false
}

/// Whether `text` opens with the header of a quoted e-mail or forum reply ("On Tuesday,
/// July 22, 2025 at 9:14 AM Tariq Noorzai wrote: > …").
fn is_reply_header(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(160)];
    text.starts_with("On ") && memchr::memmem::find(head, b" wrote:").is_some()
}

/// Whether `text` opens with a link number as `lynx -dump` writes it, right before the
/// link's text ("[50]Kazakhstan bets on …").
fn opens_with_link_number(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('[') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && rest.as_bytes().get(digits) == Some(&b']')
        && rest[digits + 1..].starts_with(|c: char| c.is_alphanumeric())
}

/// Whether `text` opens with a social handle ("@orientwire My parents …"): a reply in a
/// thread, not a news paragraph.
fn opens_with_handle(text: &str) -> bool {
    text.strip_prefix('@')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
}

/// Whether `text` is a chat or log message: a date and time stamp, or a time stamp in
/// brackets, then a sender and a colon ("[13/08/2025, 21:21:03] Me: …", "12/10/2025, 09:12
/// - Farhad: …", "[08:47] Julián Pardo: …").
fn is_chat_message(text: &str) -> bool {
    let bracketed = text.starts_with('[');
    let mut rest = text.strip_prefix('[').unwrap_or(text);
    let first = rest.bytes().take_while(u8::is_ascii_digit).count();
    let time_only = bracketed && rest.as_bytes().get(first) == Some(&b':');
    // The date (none before a bracketed time): three runs of digits split by '/', '.' or
    // '-'.
    let date_parts = if time_only { 0 } else { 3 };
    for part in 0..date_parts {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=4).contains(&digits) {
            return false;
        }
        rest = &rest[digits..];
        if part < 2 {
            match rest.strip_prefix(['/', '.', '-']) {
                Some(r) => rest = r,
                None => return false,
            }
        }
    }
    rest = rest.trim_start_matches([',', ' ']);
    // The time: hours and minutes (and seconds), with an optional AM/PM.
    let hours = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&hours) || rest.as_bytes().get(hours) != Some(&b':') {
        return false;
    }
    rest = rest[hours + 1..].trim_start_matches(|c: char| c.is_ascii_digit() || c == ':');
    for ampm in [" AM", " PM", " am", " pm"] {
        if let Some(r) = rest.strip_prefix(ampm) {
            rest = r;
        }
    }
    rest = rest.trim_start_matches([']', ' ', '-', '–']);
    // The sender: a few words, then ": ".
    rest.get(..LABEL_BYTES.min(rest.len()))
        .and_then(|head| head.find(": "))
        .is_some_and(|colon| (1..=5).contains(&rest[..colon].split_whitespace().count()))
}

/// Classifies every block of an article in place.
pub fn classify(blocks: &mut [Block], p: &ReaderParams) {
    classify_in(blocks, p, &Layout::default());
}

/// How many levels above a paragraph its score reaches (parent, grandparent, …).
const SCORE_LEVELS: usize = 5;

/// Longest label (in bytes) before the colon of a labeled line.
const LABEL_BYTES: usize = 48;

/// Whether a block opens with a field or speaker label: "Abstract: …", "TN (Azimi): …",
/// "[09:14] Farah Siddiqui: …", "The CHAIR: …", "KEY QUOTE: …", "**Sudan:** …". The label is one to five
/// words, each capitalized (or a number, or in brackets), with no sentence punctuation and
/// no comma. Not labels: one upper-case word ("KABUL: …" is a dateline), and the
/// question-and-answer labels of interviews and briefings ("Q:", "Question:", "A:").
fn has_label(text: &str) -> bool {
    // A Markdown bold label ("**Sudan:** …") is a label too.
    let (text, close) = match text.strip_prefix("**") {
        Some(rest) => (rest, &b":** "[..]),
        None => (text, &b": "[..]),
    };
    let head = &text.as_bytes()[..LABEL_BYTES.min(text.len())];
    // ASCII ": " sits on character boundaries.
    let Some(colon) = head.windows(close.len()).position(|w| w == close) else {
        return false;
    };
    let label = &text[..colon];
    if label.contains(',') {
        return false;
    }
    // Words outside brackets ("[09:14]", "(Azimi)" are allowed whole).
    let mut depth = 0i32;
    let mut plain = String::with_capacity(label.len());
    for c in label.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = plain.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 {
        return false;
    }
    if let [w] = words[..] {
        let upper = w.chars().all(|c| !c.is_lowercase());
        if upper && !label.contains(['[', '('])
            || ["q", "a", "question", "answer"]
                .iter()
                .any(|x| w.eq_ignore_ascii_case(x))
        {
            return false;
        }
    }
    words.iter().all(|w| {
        let first = w.chars().next().unwrap_or(' ');
        let capital = first.is_uppercase() || first.is_ascii_digit();
        // "Dr." and "Mr." are titles, not sentence ends.
        let punct = w.contains(['.', '!', '?', ';']) && !(w.len() <= 3 && w.ends_with('.'));
        capital && !punct
    })
}

/// Share of the page's prose score that the article body must hold (see [`main_region`]).
const BODY_SHARE: f64 = 0.5;

/// Marks the blocks inside the page's main text container, found the way readability
/// extractors find it. Each prose block scores 1, plus one per comma, plus one per 100
/// characters up to 3; it adds that score to its enclosing element, half of it to the next
/// one up, and a third of it divided by the level further up. The best-scoring element,
/// widened to its ancestors until it holds half of all prose score (bodies split into
/// columns or live-blog entries) and is not an only child, is the article body. Its
/// siblings that score at least a fifth of it (or 10) belong to it too, so do siblings of
/// the same tag and class that hold prose (a body split by an advert), and so do paragraphs
/// that sit directly beside it. `None` when the page has no element tree or the body is
/// the whole document.
fn main_region(blocks: &[Block], layout: &Layout) -> Option<Vec<bool>> {
    let elements = &layout.elements;
    if elements.is_empty() || layout.owners.len() != blocks.len() {
        return None;
    }
    let mut score = vec![0.0f64; elements.len()];
    // Prefix sums of the blocks' own scores, for the score an element holds.
    let mut held = Vec::with_capacity(blocks.len() + 1);
    held.push(0.0f64);
    for (b, &owner) in blocks.iter().zip(&layout.owners) {
        let s = if b.kind == BlockKind::Prose {
            let commas = b.text.bytes().filter(|&c| c == b',').count();
            1.0 + commas as f64 + (b.text.len() / 100).min(3) as f64
        } else {
            0.0
        };
        held.push(held[held.len() - 1] + s);
        if s == 0.0 {
            continue;
        }
        let mut e = elements
            .get(owner as usize)
            .map_or(NO_ELEMENT, |e| e.parent);
        for level in 0..SCORE_LEVELS {
            let Some(el) = elements.get(e as usize) else {
                break;
            };
            let divide = match level {
                0 => 1.0,
                1 => 2.0,
                _ => 3.0 * level as f64,
            };
            score[e as usize] += s / divide;
            e = el.parent;
        }
    }
    let total = held[blocks.len()];
    let holds = |e: &super::Element| {
        let r = e.blocks(blocks.len());
        held[r.end] - held[r.start]
    };
    let mut top = (0..elements.len()).max_by(|&a, &b| score[a].total_cmp(&score[b]))?;
    if score[top] <= 0.0 {
        return None;
    }
    // Children per element, to widen an only child to its parent.
    let mut children = vec![0u32; elements.len()];
    for e in elements {
        if let Some(c) = children.get_mut(e.parent as usize) {
            *c += 1;
        }
    }
    loop {
        let parent = elements[top].parent;
        if parent == NO_ELEMENT {
            return None;
        }
        if holds(&elements[top]) >= BODY_SHARE * total && children[parent as usize] > 1 {
            break;
        }
        top = parent as usize;
    }
    let parent = elements[top].parent;
    // The body is the page itself: nothing is outside it.
    if parent == NO_ELEMENT {
        return None;
    }
    let threshold = (score[top] * 0.2).max(10.0);
    let mut inside = vec![false; blocks.len()];
    let look = elements[top].look;
    for (i, e) in elements.iter().enumerate() {
        // Strong siblings, and siblings that look like the body (same tag and class: a
        // body split in two by an advert) and hold prose.
        let sibling =
            e.parent == parent && (score[i] >= threshold || e.look == look && holds(e) > 0.0);
        if i == top || sibling {
            inside[e.blocks(blocks.len())].fill(true);
        }
    }
    // Paragraphs beside the body: text of the body's parent itself, or of an element (or
    // its child) directly under that parent.
    for (i, &owner) in layout.owners.iter().enumerate() {
        let mut e = owner;
        for _ in 0..3 {
            if e == parent {
                inside[i] = true;
                break;
            }
            let Some(el) = elements.get(e as usize) else {
                break;
            };
            e = el.parent;
        }
    }
    Some(inside)
}

/// Related-story teasers after the article: from the first of `list_headings` (blocks
/// like "Related" or "More on this story" that follow the body) after which the page
/// holds at least two prose blocks and no two of them in a row (each teaser's sentence
/// sits between its title and the next title or date), those prose blocks are
/// `navigation`. An article whose text goes on after such a heading has paragraphs in a
/// row, so it keeps them.
fn skip_teasers(blocks: &mut [Block], list_headings: &[usize]) {
    let teasers_after = |start: usize| {
        let tail = &blocks[start..];
        let prose = |b: &Block| b.kind == BlockKind::Prose;
        tail.iter().filter(|b| prose(b)).count() >= 2
            && !tail.windows(2).any(|w| prose(&w[0]) && prose(&w[1]))
    };
    if let Some(&start) = list_headings.iter().find(|&&i| teasers_after(i)) {
        for b in &mut blocks[start..] {
            if b.kind == BlockKind::Prose {
                b.kind = BlockKind::Skip(SkipReason::Navigation);
            }
        }
    }
}

/// [`classify`] with the page's element tree (HTML).
pub(crate) fn classify_in(blocks: &mut [Block], p: &ReaderParams, layout: &Layout) {
    let mut in_comments = false;
    // After an end marker that follows at least two prose blocks: no more article.
    let mut ended = false;
    let mut prose_seen = 0;
    // Whether a full paragraph (of at least `lead_words` words) has been read as prose.
    let mut body_seen = false;
    let mut previous = BlockKind::Prose;
    // Each block's word count as `stats` counts words (computed once; 0 when too long).
    let mut core_words = Vec::with_capacity(blocks.len());
    // Which blocks read as prose but sit in a furniture container or after an end marker.
    let mut furniture_prose = Vec::with_capacity(blocks.len());
    // Headings of related-link lists ("Related", "More on this story") after the body.
    let mut list_headings = Vec::new();
    for (i, b) in blocks.iter_mut().enumerate() {
        // Statistics and word count in one pass, unless the block is so long that it may
        // be too long (then words are counted first, and statistics only if needed).
        let (words, s) = if b.text.len() <= ONE_PASS_BYTES {
            let s = stats(&b.text);
            (s.raw_words, (s.raw_words <= p.max_words).then_some(s))
        } else {
            let words = b.text.split_whitespace().count();
            (words, (words <= p.max_words).then(|| stats(&b.text)))
        };
        let lower = match &s {
            Some(s) => cue_lowercase(&b.text, s),
            // Too long to judge; lowercased only for the comment-marker test below.
            None if words <= 12 => b.text.to_lowercase(),
            None => String::new(),
        };
        // (A comment marker before the body's first full paragraph, or right under the
        // byline, is a count or a notice beside it and opens no comment section.)
        if !in_comments
            && body_seen
            && previous != BlockKind::Skip(SkipReason::Byline)
            && words <= 12
            && starts_with_any!(&lower, COMMENT_MARKERS)
        {
            in_comments = true;
        }
        core_words.push(s.as_ref().map_or(0, |s| s.words));
        if !ended && prose_seen >= 2 && words <= 8 && is_end_marker(&b.text) {
            ended = true;
        }
        b.kind = judge(b, s.as_ref(), &lower, p);
        if prose_seen >= 3
            && b.kind == BlockKind::Skip(SkipReason::Navigation)
            && words <= 5
            && !b.text.contains(':')
            && starts_with_any!(&lower, NAVIGATION_PREFIXES)
        {
            list_headings.push(i);
        }
        // Prose-like text in a comment list, sidebar or newsletter box (named by its HTML
        // container) or after an end marker is held aside: restored below if it is the
        // page's longest run of prose. Other skips keep their more specific reason.
        let held = (ended || b.hints.furniture) && b.kind == BlockKind::Prose;
        if held {
            b.kind = BlockKind::Skip(SkipReason::Boilerplate);
        }
        furniture_prose.push(held);
        prose_seen += usize::from(b.kind == BlockKind::Prose);
        body_seen |=
            b.kind == BlockKind::Prose && s.as_ref().is_some_and(|s| s.words >= p.lead_words);
        // In a comment section, short blocks and blocks under an author or date line are
        // reader comments (a "Leave a comment" button can also sit mid-article).
        if in_comments
            && b.kind == BlockKind::Prose
            && (words < 35
                || matches!(
                    previous,
                    BlockKind::Skip(
                        SkipReason::Byline | SkipReason::Heading | SkipReason::TooShort
                    )
                ))
        {
            b.kind = BlockKind::Skip(SkipReason::Boilerplate);
        }
        previous = b.kind;
    }
    restore_furniture_run(blocks, &furniture_prose, layout);
    // Labeled lines (chat messages, transcript turns, notes and abstracts: "Name: …") on a
    // page whose prose is mostly unlabeled: the article is the unlabeled prose.
    let labeled: Vec<bool> = blocks
        .iter()
        .map(|b| b.kind == BlockKind::Prose && has_label(&b.text))
        .collect();
    let n_labeled = labeled.iter().filter(|&&l| l).count();
    let n_prose = blocks.iter().filter(|b| b.kind == BlockKind::Prose).count();
    if n_labeled > 0 && n_labeled * 2 < n_prose {
        for (b, labeled) in blocks.iter_mut().zip(labeled) {
            if labeled {
                b.kind = BlockKind::Skip(SkipReason::Boilerplate);
            }
        }
    }
    // Prose outside the page's main text container: comments, promos, other stories.
    if let Some(inside) = main_region(blocks, layout) {
        for (b, inside) in blocks.iter_mut().zip(inside) {
            if !inside && b.kind == BlockKind::Prose {
                b.kind = BlockKind::Skip(SkipReason::Boilerplate);
            }
        }
    }
    skip_teasers(blocks, &list_headings);
    // Author bios close articles: a bio-shaped block with at most two prose blocks after it.
    let mut prose_after = 0;
    for (b, &words) in blocks.iter_mut().zip(&core_words).rev() {
        if b.kind == BlockKind::Prose {
            if prose_after <= 2 && is_bio(&b.text, words) {
                b.kind = BlockKind::Skip(SkipReason::Boilerplate);
            } else {
                prose_after += 1;
            }
        }
    }
    // Standfirsts and decks: before the first full paragraph, short prose-like blocks.
    if let Some(first) = blocks
        .iter()
        .zip(&core_words)
        .position(|(b, &words)| b.kind == BlockKind::Prose && words >= p.lead_words)
    {
        for b in blocks[..first].iter_mut() {
            if b.kind == BlockKind::Prose {
                b.kind = BlockKind::Skip(SkipReason::Heading);
            }
        }
    }
    // Repeats: an exact repeat of an earlier block, or a prose block contained in a longer
    // prose block (pull quotes), is a duplicate.
    // Every key in one buffer.
    let mut key_text = Vec::new();
    let mut spans = Vec::with_capacity(blocks.len());
    for b in blocks.iter() {
        let start = key_text.len();
        if b.kind != BlockKind::Skip(SkipReason::TooLong) {
            push_dedup_key(&b.text, &mut key_text);
        }
        spans.push(start..key_text.len());
    }
    let keys: Vec<&[u8]> = spans.into_iter().map(|r| &key_text[r]).collect();
    let mut seen = rustc_hash::FxHashSet::default();
    for i in 0..blocks.len() {
        if keys[i].is_empty() {
            continue;
        }
        if !seen.insert(keys[i]) {
            if blocks[i].kind == BlockKind::Prose {
                blocks[i].kind = BlockKind::Skip(SkipReason::Duplicate);
            }
            continue;
        }
        // Only blocks short enough to be a pull quote are searched for in the others.
        if blocks[i].kind != BlockKind::Prose || keys[i].len() > PULL_QUOTE_CHARS {
            continue;
        }
        // One searcher for block i, built at the first block it could be contained in.
        let mut finder = None;
        let contained = (0..blocks.len()).any(|j| {
            j != i
                && blocks[j].kind == BlockKind::Prose
                && keys[j].len() * 6 >= keys[i].len() * 10
                && finder
                    .get_or_insert_with(|| memchr::memmem::Finder::new(keys[i]))
                    .find(keys[j])
                    .is_some()
        });
        if contained {
            blocks[i].kind = BlockKind::Skip(SkipReason::Duplicate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{Article, SourceKind};

    fn kinds(src: &str) -> Vec<(String, BlockKind)> {
        kinds_of(src, SourceKind::Text)
    }

    fn kinds_of(src: &str, kind: SourceKind) -> Vec<(String, BlockKind)> {
        Article::read(src, kind, &ReaderParams::default())
            .blocks
            .into_iter()
            .map(|b| (b.text, b.kind))
            .collect()
    }

    /// The texts of the prose blocks among `k`.
    /// Asserts that the first block of each source is judged `kind`.
    fn assert_first_kind<S: AsRef<str>>(sources: impl Iterator<Item = S>, kind: BlockKind) {
        for src in sources {
            let src = src.as_ref();
            assert_eq!(kinds(src)[0].1, kind, "{src}");
        }
    }

    fn prose(k: &[(String, BlockKind)]) -> Vec<&str> {
        k.iter()
            .filter(|(_, kind)| *kind == BlockKind::Prose)
            .map(|(t, _)| t.as_str())
            .collect()
    }

    const PROSE: &str = "Russia became the first country to formally recognise the Taliban government on Thursday, a step officials in Moscow said would open the way to trade and security cooperation.";

    #[test]
    fn every_skip_reason() {
        use SkipReason as R;
        let cases: &[(&str, BlockKind)] = &[
            (PROSE, BlockKind::Prose),
            ("Moscow Recognises Taliban Government in Historic First", BlockKind::Skip(R::Heading)),
            ("By Anna Petrova and Omar Siddiqui", BlockKind::Skip(R::Byline)),
            ("Updated 3 July 2025, 14:05 GMT", BlockKind::Skip(R::Byline)),
            ("Photo: Taliban officials at the ceremony in Kabul. (Reuters)", BlockKind::Skip(R::Caption)),
            ("Advertisement", BlockKind::Skip(R::Boilerplate)),
            ("Subscribe to our newsletter for the latest on Central Asia", BlockKind::Skip(R::Boilerplate)),
            ("We use cookies to improve your experience. Accept all?", BlockKind::Skip(R::Boilerplate)),
            ("Read more: Why China stops short of recognition", BlockKind::Skip(R::Navigation)),
            ("Home | World | Asia | Opinion", BlockKind::Skip(R::Navigation)),
            ("It did.", BlockKind::Skip(R::TooShort)),
            ("Россия первой признала правительство талибов, сообщил МИД в четверг.", BlockKind::Skip(R::NonEnglish)),
            ("La Russie est devenue jeudi le premier pays à reconnaître officiellement le gouvernement taliban selon Moscou.", BlockKind::Skip(R::NonEnglish)),
        ];
        for (text, want) in cases {
            let got = kinds(text);
            assert_eq!(got.len(), 1, "{text}");
            assert_eq!(got[0].1, *want, "{text}");
        }
    }

    #[test]
    fn function_words_match_in_any_case_and_apostrophe() {
        use crate::text::ENGLISH_STOP_WORDS;
        assert!(ENGLISH_STOP_WORDS
            .iter()
            .all(|w| w.is_ascii() && w.len() <= LONGEST_FUNCTION_WORD));
        let mut buf = String::new();
        for w in ["The", "THE", "not", "Said", "It’s", "it's"] {
            assert!(is_function_word(w, &mut buf), "{w}");
        }
        for w in [
            "Taliban",
            "recognition",
            "théâtre",
            "Kabul’s",
            "nott",
            "sai",
        ] {
            assert!(!is_function_word(w, &mut buf), "{w}");
        }
        // The byte-wise lookup of the ASCII path agrees with the string one.
        for w in ENGLISH_STOP_WORDS
            .iter()
            .chain(&["NOT", "Said", "Taliban", "it's", "x"])
        {
            let lower = w.to_ascii_lowercase();
            let want = matches!(lower.as_str(), "not" | "no" | "said" | "says")
                || crate::text::is_english_stop_word(&lower);
            assert_eq!(is_lowercase_function_word(&lower), want, "{w}");
            assert_eq!(is_ascii_function_word(w.as_bytes()), want, "{w}");
        }
    }

    #[test]
    fn ascii_stats_match_the_general_path_on_every_short_text() {
        // Every text of up to 4 symbols over an alphabet of word pieces (function words,
        // their prefixes and extensions, 10- and 11-letter words, apostrophes, punctuation
        // inside and around words, capitals, digits) and separators.
        let pieces = [
            "the",
            "The",
            "th",
            "thee",
            "it's",
            "IT'S",
            "'",
            "'no'",
            "no.",
            "said,",
            "and/or",
            "yourselves",
            "yourselvesx",
            "Xyourselves",
            "-",
            "...",
            "a",
            "42",
            "(not)",
            " ",
            "\t",
            "  ",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
            texts.extend(longer);
        }
        for t in &texts {
            assert_eq!(stats_ascii(t), stats_chars(t), "{t:?}");
        }
    }

    #[test]
    fn ascii_fast_paths_match_the_general_paths() {
        for s in crate::text::ASCII_CASES {
            assert_eq!(stats_ascii(s), stats_chars(s), "{s:?}");
            assert_eq!(dedup_key(s), dedup_key_chars(s), "{s:?}");
        }
        assert!(has_caption_cue(
            "officials at the ceremony (photo: reuters)"
        ));
        assert!(!has_caption_cue("a photo of the ceremony"));
        assert!(has_caption_cue(
            "workers at the copper site in a file photo. meridian/file photo"
        ));
        // Captions that end with a credit after their last sentence; prose with a
        // parenthesis of its own does not.
        for credit in [
            "Members of the council vote on the renewal in New York on Monday. (Orient Wire)",
            "Women queue for bread in Kabul. \"Every day is harder.\" (AP Photo/Jane Doe)",
        ] {
            assert!(has_trailing_credit(credit), "{credit}");
        }
        for prose in [
            PROSE,
            "The envoy met the minister (who had flown in from Doha).",
            "Trade rose sharply in the first half. (See the table below, from 2024.)",
            "The council renewed the mission for a year (Resolution 2777).",
        ] {
            assert!(!has_trailing_credit(prose), "{prose}");
        }
        let cue = "Sign up for our newsletter";
        assert!(has_boilerplate_cue(&cue.to_lowercase()));
        assert!(!has_boilerplate_cue(
            "officials in kabul said the talks would continue"
        ));
        for note in [
            "This story was written by Orient Wire and is republished under a syndication agreement.",
            "This summary was generated automatically from the article and may contain mistakes.",
            "This timeline was first published in August and has been updated.",
        ] {
            assert!(has_boilerplate_cue(&note.to_lowercase()), "{note}");
        }
    }

    #[test]
    fn dedup_keys_are_lowercase_words() {
        for (text, key) in [
            ("  Hello, World -- 2025!", "hello world 2025"),
            ("Kabul’s ÉLITE talks", "kabul s élite talks"),
            ("...", ""),
        ] {
            assert_eq!(dedup_key(text), key, "{text}");
        }
    }

    #[test]
    fn duplicates_and_pull_quotes() {
        let src = format!("{PROSE}\n\n\u{201c}open the way to trade and security cooperation\u{201d}\n\n{PROSE}\n");
        let k = kinds(&src);
        assert_eq!(k[0].1, BlockKind::Prose);
        assert_ne!(k[1].1, BlockKind::Prose);
        assert_eq!(k[2].1, BlockKind::Skip(SkipReason::Duplicate));
    }

    #[test]
    fn comment_sections_are_boilerplate() {
        let src = format!(
            "{PROSE}\n\nComments (3)\n\nR. Delgado · Oct 4, 2025\n\n{PROSE} I agree with this analysis entirely.\n\nGood piece, thanks for writing it.\n"
        );
        let k = kinds(&src);
        assert_eq!(k[0].1, BlockKind::Prose);
        assert_eq!(k[3].1, BlockKind::Skip(SkipReason::Boilerplate));
        assert_ne!(k[4].1, BlockKind::Prose);
        // A mid-article "Leave a comment" button does not swallow the paragraphs after it.
        let later = "Officials in Tashkent and Islamabad, asked whether they would follow Moscow, said only that their governments would study the decision carefully and continue the practical cooperation on trade and transit that they have built over the past four years.";
        let src = format!("{PROSE}\n\nLeave a comment\n\n{later}\n");
        assert_eq!(kinds(&src)[2].1, BlockKind::Prose);
    }

    #[test]
    fn field_and_speaker_labels() {
        for label in [
            "Abstract: The paper argues that returns changed the debate.",
            "TN (Azimi): The source has no standfirst here at all.",
            "[09:14] Farah Siddiqui: Morning all, he landed an hour ago.",
            "The CHAIR: Thank you, we will suspend for ten minutes.",
            "Dr. Brenninkmeyer: I am not a lawyer and would defer.",
            "KEY QUOTE: \"The presumption weakens.\"",
            "**Sudan:** The mission will brief member states next week.",
        ] {
            assert!(has_label(label), "{label}");
        }
        for prose in [
            "KABUL: The Taliban welcomed the decision on Thursday.",
            "Question: Russia yesterday became the first country to recognize it.",
            "What to watch: financing for the railway and the water talks.",
            "The realist answer is: to reduce the risk of war.",
            "ISLAMABAD, July 3: Pakistan said it would study the decision.",
            "Russia said on Thursday that it had accepted the credentials.",
            "Its gains are tangible: hard currency, oil and food.",
            "**The deal is tangible:** hard currency, oil and food.",
        ] {
            assert!(!has_label(prose), "{prose}");
        }
        // Labeled lines around mostly unlabeled prose are not the article; an interview
        // whose every paragraph is labeled stays prose.
        let chat = "[10:05] Asma Tariq: Torkham is quiet this morning and traders say the queue of lorries is shorter than it was all week.";
        let src =
            format!("{chat}\n\n{PROSE}\n\n{PROSE} Both sides said so.\n\n{PROSE} Talks went on.\n");
        let k = kinds(&src);
        assert_eq!(k[0].1, BlockKind::Skip(SkipReason::Boilerplate));
        assert!(k[1..].iter().all(|(_, kind)| *kind == BlockKind::Prose));
        let turn = |who: &str, n: usize| format!("{who}: {PROSE} Point {n}.");
        let src = [
            turn("Ms Haidari", 1),
            turn("Dr Brenninkmeyer", 2),
            turn("Ms Haidari", 3),
        ]
        .join("\n\n");
        assert!(kinds(&src)
            .iter()
            .all(|(_, kind)| *kind == BlockKind::Prose));
    }

    /// The article body is the element holding most of the page's prose; prose elsewhere
    /// (reader comments under class names that say nothing, letters, teasers) is not the
    /// article. Bodies split into parts, or with a paragraph beside the body, stay whole.
    #[test]
    fn prose_outside_the_main_container() {
        let p = |n: usize| format!("<p>{PROSE} Paragraph {n}, with detail.</p>");
        let body: String = (1..=5).map(p).collect();
        let comment = |n: usize| {
            format!("<div class=\"x{n}\"><div class=\"msg\"><p>I disagree with this, because {PROSE} Reader {n}.</p></div></div>")
        };
        let comments: String = (1..=3).map(comment).collect();
        let src = format!(
            "<html><body><main><div class=\"a1\"><h1>Title</h1><div class=\"b2\">{body}</div></div>\
             <div class=\"c3\"><div class=\"d4\">{comments}</div></div></main></body></html>"
        );
        let k = kinds_of(&src, SourceKind::Html);
        let texts = prose(&k);
        assert_eq!(texts.len(), 5, "{k:?}");
        assert!(texts.iter().all(|t| t.contains("Paragraph")));
        assert!(k
            .iter()
            .filter(|(t, _)| t.contains("Reader"))
            .all(|(_, kind)| *kind == BlockKind::Skip(SkipReason::Boilerplate)));
        // A body split in two by an advert (same tag and class), a lede beside it, and a
        // body in column wrappers that are only children: every paragraph stays.
        let part = |a: usize, b: usize| {
            format!(
                "<section class=\"body\"><div>{}</div></section>",
                (a..b).map(p).collect::<String>()
            )
        };
        let src = format!(
            "<article>{}<p>{PROSE} Lede.</p>{}<div class=\"ad\">Advertisement</div>{}</article>{}",
            "<h1>Title</h1>",
            part(1, 3),
            part(3, 7),
            "<div class=\"f\"><div><p>Another story entirely, which {PROSE}</p></div></div>"
        );
        let k = kinds_of(&src, SourceKind::Html);
        let n = prose(&k).len();
        assert_eq!(n, 7, "{k:?}");
    }

    /// After an end marker ("ENDS", "Notes to editors", a comment count or heading) that
    /// follows the article's prose, no block is prose; before any prose, a comment count
    /// (next to the byline) ends nothing.
    #[test]
    fn end_markers_close_the_article() {
        let later = "Officials in Tashkent and Islamabad, asked whether they would follow Moscow, said only that their governments would study the decision carefully and continue the practical cooperation on trade and transit that they have built over the past four years.";
        for marker in [
            "ENDS",
            "###",
            "Notes to editors:",
            "96 comments share save hide report",
            "## Comments",
            "Comments (12)",
        ] {
            let src =
                format!("{PROSE}\n\n{later}\n\n{marker}\n\n{PROSE} Later.\n\n{later} Again.\n");
            let k = kinds(&src);
            assert_eq!(k[1].1, BlockKind::Prose, "{marker}");
            assert!(
                k[3..].iter().all(|(_, kind)| *kind != BlockKind::Prose),
                "{marker}: {k:?}"
            );
        }
        let src = format!("12 comments\n\n{PROSE}\n\n{later}\n\n{PROSE} Later.\n");
        assert!(kinds(&src)[1..]
            .iter()
            .all(|(_, kind)| *kind == BlockKind::Prose));
        // A paragraph that only mentions comments is not a marker.
        assert!(!is_end_marker("Comments from the ministry followed."));
        for marker in ["Notes", "## Footnotes", "References:", "Works cited"] {
            assert!(is_end_marker(marker), "{marker}");
        }
        assert!(!is_end_marker("Notes from a divided capital"));
        assert!(!is_end_marker("The end"));
    }

    /// Editorial notes, reader appeals and long consent notices, however prose-like; a
    /// Markdown emphasis marker does not hide a prefix.
    #[test]
    fn notes_appeals_and_consent_notices() {
        let boilerplate = [
            "_Update (3 November 2025): An earlier version of this post gave the wrong month for the parade in Beijing._",
            "Editor's note: The names of the teacher and her students have been changed for their safety.",
            "If you value reporting like this, please consider a gift today; most of our budget comes from readers.",
            "(c) 2025 Orient Wire. Shared for internal coordination only.",
            "We and our 162 partners store and access information on your device, such as cookies, to show you personalised content and adverts, to measure how the site is used, and to develop our products. With your permission we and our partners may use precise location data. You can accept, refuse or change your preferences at any time from the privacy settings at the foot of every page.",
        ];
        assert_first_kind(boilerplate.iter(), BlockKind::Skip(SkipReason::Boilerplate));
        assert_eq!(
            kinds("Source: NATO mission placemats, 2011-2021. Chart by the Skagerrak Institute.")
                [0]
            .1,
            BlockKind::Skip(SkipReason::Caption)
        );
        // A long paragraph that mentions cookies without consent language stays prose.
        let prose = "Bakers in Kabul say the price of flour has doubled since the spring, and the cookies and flatbreads they once sold by the hundred now go by the dozen, as families cut back on everything but essentials. Several bakers said they had let apprentices go, and two said they would close before winter unless wheat from Kazakhstan became cheaper.";
        assert_eq!(kinds(prose)[0].1, BlockKind::Prose);
    }

    #[test]
    fn author_bios_at_the_end() {
        let bio = "Jane Doe is a senior fellow at the Steppe Institute, where she writes about Central Asia.";
        let src = format!("{PROSE}\n\n{PROSE} Again.\n\n{bio}\n");
        assert_eq!(kinds(&src)[2].1, BlockKind::Skip(SkipReason::Boilerplate));
        let mid = "The Parliament is expected to return to Afghanistan in its debates this autumn, and several members have asked for a vote.";
        let src = format!("{PROSE}\n\n{PROSE} Again.\n\n{mid}\n");
        assert_eq!(kinds(&src)[2].1, BlockKind::Prose);
    }

    #[test]
    fn long_author_bios_and_market_data_notes() {
        // A bio of 48 words (bios run up to 60).
        let bio = "Dilnoza Karimova is the agency's chief correspondent in Uzbekistan, covering politics, energy and the region's relations with Afghanistan. Before joining the agency in 2019 she reported for a Tashkent business weekly, and she has written about the Amu Darya water dispute from both banks of the river.";
        let src = format!("{PROSE}\n\n{PROSE} Again.\n\n{bio}\n");
        assert_eq!(kinds(&src)[2].1, BlockKind::Skip(SkipReason::Boilerplate));
        for note in [
            "All quotes delayed a minimum of 15 minutes. See here for a complete list of exchanges and delays.",
            "Do you have thoughts on this article? Submit a letter to the editor. Letters may be edited for length and clarity.",
            "How to cite: Qureshi, S. I. (2025). Islamabad's Taliban Trap. Issue Brief No. 41/2025. Islamabad: Potohar Centre.",
            "You are receiving this alert because you are a member of the team workspace that follows Afghanistan and Pakistan.",
        ] {
            assert_eq!(kinds(note)[0].1, BlockKind::Skip(SkipReason::Boilerplate), "{note}");
        }
    }

    /// Notes under any label ending in "note", blocks wholly in parentheses, long
    /// copyright and wire credit lines, and furniture sentences of e-mails and apps.
    #[test]
    fn labeled_notes_parenthesized_asides_and_credit_lines() {
        let long_tail = " It was prepared from the agency's own copy and has not been checked against the original broadcast, so readers who need the exact wording should request the recording from the service desk, which keeps it for ninety days.";
        let boilerplate = [
            format!("Monitor's note: A German-language version of the paper was published at the same time.{long_tail}"),
            format!("**Note:** The agency uses the term de facto authorities in line with United Nations practice.{long_tail}"),
            "About this text: We reproduce the English version as published and have not edited it beyond formatting.".to_string(),
            format!("(Description of source: a privately funded research institute in Berlin that works on European security.{long_tail})"),
            format!("(c) Europe Monitor Service 2025. This item is for the internal use of subscribing organisations only.{long_tail}"),
            "Please do not forward this e-mail outside the organisation; reply to this message if you need the full text of an item.".to_string(),
            "Spotted an error? Tell us here. We correct significant mistakes promptly and note the change at the end of the article.".to_string(),
            "This story is part of Kabul's Neighbours, a series on how governments across the region deal with Afghanistan's rulers.".to_string(),
        ];
        assert_first_kind(boilerplate.iter(), BlockKind::Skip(SkipReason::Boilerplate));
        let credit = "Reporting by Ahmad Karimi in Jalalabad and Yusuf Noori in Kabul; Additional reporting by Priya Menon in New Delhi and Anna Lind in Geneva; Editing by Tom Hale and Sara Quinn";
        assert_eq!(kinds(credit)[0].1, BlockKind::Skip(SkipReason::Byline));
        // Not notes: a colon late in the sentence, a label that does not end in "note", a
        // parenthesis that closes before the end, and reporting cited in a sentence.
        for text in [
            "The minister said the draft was only a note to the cabinet: nothing had been decided, and the committee would meet again in September to weigh the objections.",
            "A note of caution: the Taliban have promised similar reforms before, and diplomats in Doha say they will judge the decree by how it is enforced in the provinces.",
            "(AP) Russia became the first country to formally recognise the Taliban government on Thursday, a step officials in Moscow said would open the way to trade.",
            "Reporting by the agency last year found that the aid convoys had been stopped at least a dozen times; the ministry has not answered questions about the findings, and editing by officials of the published figures was never explained.",
        ] {
            assert_eq!(kinds(text)[0].1, BlockKind::Prose, "{text}");
        }
    }

    /// A related-links list after the article: each teaser's sentence sits between titles,
    /// so no two prose blocks follow each other. An article that goes on after such a
    /// heading keeps its paragraphs.
    #[test]
    fn teasers_after_a_related_heading() {
        let body = format!("{PROSE}\n\n{PROSE} Two.\n\n{PROSE} Three.\n\n");
        let teaser = "Three rounds of talks produced working groups but little movement on the issues donors care about most, and the next round has no date.";
        let src = format!(
            "{body}Related\n\nRecognition Without Leverage\n\n{teaser}\n\nReturning to Nothing\n\n{teaser} Again.\n"
        );
        let k = kinds(&src);
        assert_eq!(prose(&k).len(), 3, "{k:?}");
        assert!(k
            .iter()
            .filter(|(t, _)| t.starts_with("Three rounds"))
            .all(|(_, kind)| *kind == BlockKind::Skip(SkipReason::Navigation)));
        // The article goes on after an inline "Related" line: nothing is lost.
        let src = format!(
            "{body}Related\n\nRecognition Without Leverage\n\n{teaser}\n\n{teaser} Again.\n"
        );
        assert_eq!(prose(&kinds(&src)).len(), 5);
        // One isolated paragraph after the heading is not a list.
        let src = format!("{body}Related\n\nRecognition Without Leverage\n\n{teaser}\n");
        assert_eq!(prose(&kinds(&src)).len(), 4);
        // With the teasers gone, a bio above the heading is the article's last prose.
        let bio = "Dr. Jane Doe is a senior fellow at the Steppe Institute, where she writes about Central Asia.";
        let src = format!(
            "{body}{bio}\n\nRelated\n\nRecognition Without Leverage\n\n{teaser}\n\nReturning to Nothing\n\n{teaser} Again.\n"
        );
        assert_eq!(prose(&kinds(&src)).len(), 3);
    }

    /// "Note on …" labels, reference-list entries, e-mail and statement disclaimers, and
    /// a reader's own notes after a saved article.
    #[test]
    fn notes_on_sources_citations_disclaimers_and_reader_notes() {
        let long_tail = " The officials asked not to be named because the talks were private, and two of them later confirmed the account to a second reporter in Jakarta.";
        let boilerplate = [
            format!("*A note on sourcing: the diplomats quoted above spoke on condition of anonymity.{long_tail}"),
            "Doe, Jane. 2025. \"The trade bonanza is a mirage.\" The Meridian Review, 2 August 2025, pp. 28-31.".to_string(),
            "Karimi, A. R. (2025). Corridors without recognition. Kabul Policy Papers 12. Kabul: Institute.".to_string(),
            "This email and any attachments are confidential and intended solely for the addressee. If you have received it in error, please delete it.".to_string(),
            "This statement is also available in French and Spanish. In case of any discrepancy, the English version shall prevail.".to_string(),
            "The post Forty-eight hours offline appeared first on The Harbour Times.".to_string(),
            format!("Copyright © 2025 Example Public Radio. All rights reserved.{long_tail}{long_tail}"),
            "Call 1-800-555-0174 or return the postage-paid card in this issue. Offer valid in the U.S. only.".to_string(),
            "This summary is provided for the convenience of the public. The official transcript is the authoritative record.".to_string(),
            "Sub-heading: Tehran deals with Kabul every day but has not recognised it, and the relationship is shaped by old grievances.".to_string(),
        ];
        assert_first_kind(boilerplate.iter(), BlockKind::Skip(SkipReason::Boilerplate));
        // Prose: a note "of" something, a surname list without a year, and copyright as a
        // subject of the sentence.
        for text in [
            "A note of caution: the Taliban have promised similar reforms before, and diplomats in Doha say they will judge the decree by how it is enforced.",
            "Kabul, Tashkent, Islamabad. Those three capitals have argued over the railway's route for a decade, and none of them has found the money to build it.",
            "Copyright law in Afghanistan has not been enforced since 2021, publishers in Kabul say, and pirated textbooks now fill the stalls near the university.",
        ] {
            assert_eq!(kinds(text)[0].1, BlockKind::Prose, "{text}");
        }
        // A text browser's numbered link opening a teaser.
        let teaser = "[51]The women who run Kabul's underground schools Classes move from house to house to avoid inspectors.";
        assert_eq!(kinds(teaser)[0].1, BlockKind::Skip(SkipReason::Navigation));
        // A reader's comments after the article are not its prose.
        let mine = "The strongest part of the piece is the historical point: the land bridge has failed on finance and security for decades.";
        let src = format!("{PROSE}\n\n{PROSE} Two.\n\n## My comments\n\n{mine}\n\n{mine} Again.\n");
        assert_eq!(prose(&kinds(&src)).len(), 2);
    }

    /// A heading that ends articles ("Comment") above a pasted article, in a reader's
    /// notes: the longer run of prose after it is the article, and nothing of it is lost.
    #[test]
    fn an_end_marker_above_a_longer_article_does_not_end_it() {
        let note = "I read this less as analysis than as a map of how Moscow would like its policy to be described, and I will use it that way.";
        let body: Vec<String> = (1..=5).map(|i| format!("{PROSE} Part {i}.")).collect();
        let src = format!(
            "{note}\n\n{note} Again.\n\n## Comment\n\n{note} Once more.\n\n## Pasted text\n\n{}\n",
            body.join("\n\n")
        );
        let k = kinds(&src);
        let found = prose(&k);
        assert_eq!(found.len(), 5, "{k:?}");
        assert!(found.iter().all(|t| t.contains("Part")), "{found:?}");
        // After an article of five paragraphs, two comments under "Comments" stay out.
        let src = format!(
            "{}\n\nComments\n\n{note}\n\n{note} Again.\n",
            body.join("\n\n")
        );
        assert_eq!(prose(&kinds(&src)).len(), 5);
    }

    #[test]
    fn blocks_that_open_with_an_emoji_are_not_prose() {
        for opening in [
            "📌 Highlight (Aug 11): ",
            "⚡️ BREAKING: ",
            "☀️ Morning, Herat: ",
            "\"🌙 ",
        ] {
            let src = format!("{opening}{PROSE}");
            assert_eq!(
                kinds(&src)[0].1,
                BlockKind::Skip(SkipReason::Boilerplate),
                "{src}"
            );
        }
        // Symbols that are not pictographs leave prose alone.
        assert_eq!(kinds(&format!("• {PROSE}"))[0].1, BlockKind::Prose);
    }

    #[test]
    fn chat_messages_replies_and_bracketed_notes_are_not_prose() {
        let cases = [
            format!("[13/08/2025, 21:21:03] Me: {PROSE}"),
            format!("12/10/2025, 09:12 - Farhad Kabul Office: {PROSE}"),
            format!("3.7.25, 9:41 PM - Dilnoza R.: {PROSE}"),
            format!("[08:47] Julián Pardo: {PROSE}"),
            format!("@orientwire {PROSE}"),
            format!("[My note: {PROSE}]"),
        ];
        assert_first_kind(cases.iter(), BlockKind::Skip(SkipReason::Boilerplate));
        // A dated dateline, an e-mail address and a bracket inside prose leave it prose.
        for src in [
            format!("12/10/2025 - {PROSE}"),
            format!("{PROSE} Write to desk@wire.example [sic]."),
            format!("[Kabul] {PROSE}"),
            format!("09:12 Farhad: {PROSE}"),
        ] {
            assert_eq!(kinds(&src)[0].1, BlockKind::Prose, "{src}");
        }
        let alt = "alt: A darkened internet cafe in Kabul. The monitors are switched off and the chairs have been stacked on the tables.";
        assert_eq!(kinds(alt)[0].1, BlockKind::Skip(SkipReason::Caption));
    }

    #[test]
    fn source_markup_placeholders_and_quoted_replies_are_not_prose() {
        for src in [
            format!("{{{{< figure src=\"/img/a.jpg\" alt=\"{PROSE}\" >}}}}"),
            format!("<!-- TODO(desk): {PROSE} -->"),
            format!("[^series]: {PROSE}"),
            format!("[PULL QUOTE] {PROSE}"),
            format!("[PULL QUOTE for print, p14:] {PROSE}"),
            format!("On Tuesday, July 22, 2025 at 9:14:07 AM UTC-4 Tariq Noorzai wrote: > {PROSE}"),
        ] {
            assert_eq!(
                kinds(&src)[0].1,
                BlockKind::Skip(SkipReason::Boilerplate),
                "{src}"
            );
        }
        let credit = "((Reporting by Hamid Safi; additional reporting by the Moscow bureau. Editing by Claire Dunmore))";
        assert_eq!(kinds(credit)[0].1, BlockKind::Skip(SkipReason::Byline));
        // Prose that opens with a bracketed place or "On" stays prose.
        for src in [format!("[Kabul] {PROSE}"), format!("On Thursday {PROSE}")] {
            assert_eq!(kinds(&src)[0].1, BlockKind::Prose, "{src}");
        }
    }

    /// A comment notice under the byline ("Comments are closed") is not where the
    /// comments begin: the article's paragraphs after its subheadings stay prose.
    #[test]
    fn a_comment_notice_under_the_byline_opens_no_comment_section() {
        let src = format!(
            "About this capture\n\n{PROSE} Archive note that runs long enough to read as a full paragraph here.\n\n\
             By Rahim Sultani\n\nComments are closed on this article\n\n{PROSE} One.\n\n\
             The leadership\n\n{PROSE} Two.\n\nSecurity\n\n{PROSE} Three.\n"
        );
        let k = kinds(&src);
        for part in ["One.", "Two.", "Three."] {
            assert!(
                k.iter()
                    .any(|(t, kind)| t.ends_with(part) && *kind == BlockKind::Prose),
                "{part}: {k:?}"
            );
        }
    }

    /// An e-edition's text view: the article sits in a modal dialog (furniture), broken by
    /// a page jump and a fact box; every paragraph of it is read.
    #[test]
    fn an_article_in_a_modal_text_view_with_a_page_jump() {
        let para = |n: usize| format!("<div class=\"tv-para\">{PROSE} Paragraph {n}.</div>");
        let first: String = (1..=3).map(para).collect();
        let rest: String = (4..=6).map(para).collect();
        let src = format!(
            "<html><body><div role=\"dialog\"><article><div class=\"tv-body\">{first}\
             <div>See RAILWAY, Page A6</div><div>RAILWAY from Page A1</div>\
             <div class=\"box\"><div>AT A GLANCE</div><div>Cost: several billion dollars</div></div>\
             {rest}</div></article></div></body></html>"
        );
        let k = kinds_of(&src, SourceKind::Html);
        let n = prose(&k).len();
        assert_eq!(n, 6, "{k:?}");
    }

    /// An article pasted into a comment of a link-sharing thread: its paragraphs, in a row
    /// inside the comment, outnumber the page's other prose and are read as the article;
    /// the short replies around it, and a blurb in the sidebar, are not.
    #[test]
    fn an_article_pasted_into_a_comment_thread() {
        let para = |n: usize| format!("<p>{PROSE} Paragraph {n}.</p>");
        let article: String = (1..=4).map(para).collect();
        let reply = |n: usize| {
            format!(
                "<div class=\"thing comment\"><p class=\"tagline\">user{n} 12 points</p>\
                 <div class=\"md\"><p>I read it differently, because {PROSE} Reply {n}.</p></div></div>"
            )
        };
        let replies: String = (1..=3).map(reply).collect();
        let src = format!(
            "<html><body><div class=\"side\"><p>News and discussion about the region, in English and other languages, with links to the original reports and the people who wrote them.</p></div>\
             <div class=\"commentarea\"><div class=\"thing comment\"><p class=\"tagline\">poster 300 points</p>\
             <div class=\"md\">{article}</div></div>{replies}</div></body></html>"
        );
        let k = kinds_of(&src, SourceKind::Html);
        let texts = prose(&k);
        assert_eq!(texts.len(), 4, "{k:?}");
        assert!(texts.iter().all(|t| t.contains("Paragraph")), "{k:?}");
        // With the article outside the comments, the comments stay furniture.
        let src = format!(
            "<html><body><article>{}</article><div class=\"comments\">{replies}</div></body></html>",
            (1..=2).map(para).collect::<String>()
        );
        let k = kinds_of(&src, SourceKind::Html);
        assert!(k
            .iter()
            .filter(|(t, _)| t.contains("Reply"))
            .all(|(_, kind)| *kind != BlockKind::Prose));
    }

    #[test]
    fn oversized_blocks_are_too_long() {
        let huge = "word ".repeat(5000);
        assert_eq!(kinds(&huge)[0].1, BlockKind::Skip(SkipReason::TooLong));
    }
}
