//! **article → paragraphs**: reads scraped articles (plain text, Markdown, HTML) into
//! blocks, and classifies every block as **prose** (a paragraph to label) or **skip** with a
//! reason (heading, byline, caption, boilerplate, …), keeping each block's character
//! offsets in the source.
//!
//! Like jusText and trafilatura, the classifier looks at each block's length, share of
//! English function words, sentence punctuation, link density (HTML), typical boilerplate
//! phrases, position, and repetition; see [`classify`].

pub mod classify;
mod html;
mod txt;

use serde::Serialize;

pub use classify::ReaderParams;

use crate::text::for_each_ascii_word_span;

/// Why a block is not a paragraph to label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// A title or section heading.
    Heading,
    /// An author line ("By …"), or a date, dateline or "Updated" line.
    Byline,
    /// An image caption or photo credit.
    Caption,
    /// Site furniture: adverts, share and subscribe prompts, cookie notices, copyright,
    /// comment forms, author bios, tags.
    Boilerplate,
    /// Menus and link lists ("Read more", "Related", "Most read", link-heavy blocks).
    Navigation,
    /// Too few words to be a paragraph.
    TooShort,
    /// Not English.
    NonEnglish,
    /// Repeats (or is contained in) another block of the same article: pull quotes, repeated
    /// lines.
    Duplicate,
    /// Longer than any paragraph could be (e.g. a whole file on one line without breaks).
    TooLong,
}

impl SkipReason {
    /// The reason as written in output (`too-short`, `non-english`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Heading => "heading",
            SkipReason::Byline => "byline",
            SkipReason::Caption => "caption",
            SkipReason::Boilerplate => "boilerplate",
            SkipReason::Navigation => "navigation",
            SkipReason::TooShort => "too-short",
            SkipReason::NonEnglish => "non-english",
            SkipReason::Duplicate => "duplicate",
            SkipReason::TooLong => "too-long",
        }
    }
}

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A paragraph of running prose: labeled.
    Prose,
    /// Not labeled, for this reason.
    Skip(SkipReason),
}

/// Structural hints the HTML reader knows about a block (plain text has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockHints {
    /// Inside `h1`-`h6` or `title`.
    pub heading: bool,
    /// Inside `figcaption` or `caption`.
    pub caption: bool,
    /// A list item.
    pub list_item: bool,
    /// Characters inside links.
    pub link_chars: usize,
    /// Inside an element whose class, id or role names page furniture (comments, sidebar,
    /// newsletter box, related links, cookie notice, …).
    pub furniture: bool,
}

/// One block of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The block's text, whitespace collapsed (HTML entities decoded).
    pub text: String,
    /// Offset of the block's first character in the source, in characters (Unicode scalar
    /// values, i.e. Python string indices).
    pub start: usize,
    /// Offset just past the block's last character in the source, in characters.
    pub end: usize,
    /// Prose or skip.
    pub kind: BlockKind,
    /// What the reader saw of the block's markup.
    pub hints: BlockHints,
}

/// Input formats of the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Plain text: paragraphs separated by blank lines, or one per line (detected).
    Text,
    /// Markdown: read as plain text; `#` headings are headings.
    Markdown,
    /// HTML: block elements (`p`, `li`, `blockquote`, headings, …); scripts, styles,
    /// navigation, footers, asides and forms are dropped.
    Html,
}

impl SourceKind {
    /// The kind implied by a file extension (`txt`, `md`, `html`, …), if any.
    pub fn from_extension(ext: &str) -> Option<SourceKind> {
        match ext.to_ascii_lowercase().as_str() {
            "txt" | "text" => Some(SourceKind::Text),
            "md" | "markdown" => Some(SourceKind::Markdown),
            "html" | "htm" | "xhtml" => Some(SourceKind::Html),
            _ => None,
        }
    }
}

/// A read article: its blocks in source order.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Every block, prose and skip, in source order.
    pub blocks: Vec<Block>,
}

impl Article {
    /// Splits `source` into blocks and classifies them.
    pub fn read(source: &str, kind: SourceKind, params: &ReaderParams) -> Article {
        let (raw, elements) = match kind {
            SourceKind::Text | SourceKind::Markdown => (txt::blocks(source, kind), Vec::new()),
            SourceKind::Html => html::blocks(source),
        };
        let layout = Layout {
            owners: raw.iter().map(|b| b.element).collect(),
            elements,
        };
        let mut blocks = to_char_offsets(source, raw);
        classify::classify_in(&mut blocks, params, &layout);
        Article { blocks }
    }

    /// The prose blocks, in order.
    pub fn prose(&self) -> impl Iterator<Item = &Block> + '_ {
        self.blocks.iter().filter(|b| b.kind == BlockKind::Prose)
    }
}

/// A block as the splitters produce it: byte offsets, no kind yet.
pub(crate) struct RawBlock {
    pub text: String,
    pub start_byte: usize,
    pub end_byte: usize,
    pub hints: BlockHints,
    /// The innermost block-level HTML element holding the text (an index into the
    /// document's [`Element`]s), or [`NO_ELEMENT`].
    pub element: u32,
}

/// No element: plain text, or text outside every block-level element.
pub(crate) const NO_ELEMENT: u32 = u32::MAX;

/// A block-level HTML element, as far as the reader needs it: where it sits in the tree
/// and which blocks it holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element {
    /// The enclosing block-level element, or [`NO_ELEMENT`].
    pub parent: u32,
    /// The blocks it holds are `first_block..end_block` (indices into the article's
    /// blocks).
    pub first_block: u32,
    pub end_block: u32,
    /// A hash of its tag name and `class` value: elements that look alike.
    pub look: u64,
}

impl Element {
    /// The indices of the blocks it holds, among an article's `n` blocks.
    pub fn blocks(&self, n: usize) -> std::ops::Range<usize> {
        let end = (self.end_block as usize).min(n);
        (self.first_block as usize).min(end)..end
    }
}

/// The element tree of an HTML page (empty for plain text).
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// Each block's innermost element.
    pub owners: Vec<u32>,
    /// Every block-level element, in document order.
    pub elements: Vec<Element>,
}

/// Converts byte offsets (sorted by start) to character offsets in one pass: the characters
/// before byte `w` are the bytes before it that do not continue a UTF-8 sequence.
fn to_char_offsets(source: &str, raw: Vec<RawBlock>) -> Vec<Block> {
    let bytes = source.as_bytes();
    let mut wanted: Vec<usize> = raw
        .iter()
        .flat_map(|b| [b.start_byte, b.end_byte])
        .filter(|&w| w <= bytes.len())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let (mut pos, mut chars) = (0, 0);
    let at: Vec<usize> = wanted
        .iter()
        .map(|&w| {
            // Characters are the bytes that do not continue one (a word-at-a-time test
            // first: scraped text is mostly ASCII, one character per byte).
            let span = &bytes[pos..w];
            chars += if span.is_ascii() {
                span.len()
            } else {
                span.iter().map(|&b| usize::from((b as i8) >= -0x40)).sum()
            };
            pos = w;
            chars
        })
        .collect();
    let char_offset = |w: usize| wanted.binary_search(&w).map_or(0, |i| at[i]);
    raw.into_iter()
        .map(|b| Block {
            start: char_offset(b.start_byte),
            end: char_offset(b.end_byte),
            text: b.text,
            kind: BlockKind::Prose,
            hints: b.hints,
        })
        .collect()
}

/// Invisible format characters (zero-width, bidi controls, BOM, soft hyphen): dropped from
/// block text so they cannot hide a sentence's end or split a word.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Collapses runs of whitespace to one space, drops invisible format characters, trims.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    if is_collapsed_ascii(s.as_bytes()) {
        return s.to_owned();
    }
    if s.is_ascii() {
        // Bytes, not chars: ASCII has no invisible characters, and `is_ascii_space` is
        // `char::is_whitespace` on ASCII.
        let mut out = String::with_capacity(s.len());
        for_each_ascii_word_span(s.as_bytes(), |a, z| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&s[a..z]);
        });
        return out;
    }
    collapse_chars(s)
}

/// Whether `b` is ASCII that [`collapse_whitespace`] leaves as it is: no whitespace but
/// single spaces between words. Written as one branch-free pass that the compiler
/// vectorizes (most scraped lines already are collapsed, and copying them is cheaper than
/// rebuilding them word by word).
fn is_collapsed_ascii(b: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return true;
    };
    let ends = first == b' ' || last == b' ';
    // Any non-ASCII byte, control whitespace, or a space after a space.
    let bad = b.iter().zip(&b[1..]).fold(u8::from(ends), |acc, (&x, &y)| {
        acc | (y >> 7) | u8::from(y.wrapping_sub(b'\t') < 5) | u8::from(x == b' ' && y == b' ')
    });
    bad == 0 && first.is_ascii() && !(b'\t'..=b'\r').contains(&first)
}

/// [`collapse_whitespace`] character by character (any text).
fn collapse_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        let start = out.len();
        if start > 0 {
            out.push(' ');
        }
        if w.is_ascii() {
            out.push_str(w);
        } else {
            out.extend(w.chars().filter(|&c| !is_invisible(c)));
        }
        if out.len() == start + usize::from(start > 0) {
            out.truncate(start);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_collapsing_matches_the_general_path() {
        for s in crate::text::ASCII_CASES {
            assert_eq!(collapse_whitespace(s), collapse_chars(s), "{s:?}");
        }
        let cases = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "a b",
            "a  b",
            "a\tb",
            "a\x0bb",
            "a\x0cb",
            "a\rb",
            "\na",
            "a b.",
            "caf\u{e9} au lait",
            "\u{e9}",
            "a\u{200b}b",
            "x\u{a0}y",
            "a\x01b \x7f",
        ];
        for s in cases {
            let copied = is_collapsed_ascii(s.as_bytes());
            assert_eq!(copied, s.is_ascii() && collapse_chars(s) == s, "{s:?}");
            assert_eq!(collapse_whitespace(s), collapse_chars(s), "{s:?}");
        }
    }

    #[test]
    fn character_offsets_count_characters() {
        let source = "a\u{e9}b\n\nKabul\u{2019}s \u{201c}x\u{201d}\n";
        let raw = |a: usize, b: usize| RawBlock {
            text: String::new(),
            start_byte: a,
            end_byte: b,
            hints: BlockHints::default(),
            element: NO_ELEMENT,
        };
        let start = source.find('K').unwrap_or(0);
        let blocks = to_char_offsets(source, vec![raw(0, 4), raw(start, source.len() - 1)]);
        let chars: Vec<char> = source.chars().collect();
        assert_eq!((blocks[0].start, blocks[0].end), (0, 3));
        assert_eq!((blocks[1].start, blocks[1].end), (5, chars.len() - 1));
        assert_eq!(chars[blocks[1].start], 'K');
    }
}
