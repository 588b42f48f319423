//! Plain text and Markdown: splits a file into blocks, one per line or one per run of
//! hard-wrapped lines.
//!
//! Scraped text comes in two layouts: paragraphs separated by blank lines (often hard
//! wrapped at a fixed width), or one paragraph per line with no blank lines. The layout is
//! decided per run of consecutive non-blank lines: a run is one wrapped paragraph when its
//! lines (all but the last) fill a steady width and do not end sentences; otherwise every
//! line is its own block. Noise lines (menus, bylines) are short and never look wrapped.

use super::{collapse_whitespace, BlockHints, RawBlock, SourceKind, NO_ELEMENT};

/// Whether a line ends like a sentence (after closing quotes and brackets).
pub(crate) fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»')
    });
    t.ends_with(['.', '!', '?', '…', ':', ';'])
}

fn is_wrapped_run(lines: &[(usize, usize)], source: &str) -> bool {
    if lines.len() < 2 {
        return false;
    }
    let lens: Vec<usize> = lines
        .iter()
        .map(|&(a, b)| source[a..b].chars().count())
        .collect();
    let max = lens.iter().copied().max().unwrap_or(0);
    if !(30..=120).contains(&max) {
        return false;
    }
    // A stack of four or more short lines that all start with a capital is a list of
    // titles or links ("Stories you may have missed", then three headlines), not a wrapped
    // paragraph, whose lines start wherever the width broke them.
    let capitalized = || {
        lines.iter().all(|&(a, b)| {
            source[a..b]
                .trim_start_matches(['"', '\'', '“', '‘', '*', '-', '•'])
                .starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
        })
    };
    if lines.len() >= 4 && max <= 60 && capitalized() {
        return false;
    }
    // Two or more lines that open with a list marker are a list (one item per line, or
    // items wrapped onto continuation lines), not a paragraph.
    let items = lines
        .iter()
        .filter(|&&(a, b)| {
            ["* ", "• ", "+ ", "- "]
                .iter()
                .any(|m| source[a..b].starts_with(m))
        })
        .count();
    if items >= 2 {
        return false;
    }
    let body = &lines[..lines.len() - 1];
    let steady = lens[..lens.len() - 1].iter().all(|&l| l * 10 >= max * 6);
    let ending = body
        .iter()
        .filter(|&&(a, b)| ends_sentence(&source[a..b]))
        .count();
    // Greedy wrapping breaks a line only where the next word would not fit, so each line
    // and the next line's first word overflow the width (which is at least `max`). Lines
    // that end sentences are then wraps too (a sentence can end at the margin), unless
    // every one does (a list of sentences of similar length).
    let overflowing = body
        .iter()
        .zip(&lens)
        .zip(&lines[1..])
        .all(|((_, &len), &(a, b))| {
            let next = source[a..b].split_whitespace().next().unwrap_or("");
            len + 1 + next.chars().count() > max
        });
    steady && (ending * 10 <= body.len() * 3 || overflowing && ending < body.len())
}

/// Lines with their terminators: `\n`, `\r\n`, or a lone `\r` (old Mac files).
fn split_lines(source: &str) -> impl Iterator<Item = &str> + '_ {
    let bytes = source.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let i = memchr::memchr2(b'\n', b'\r', &bytes[start..]).map_or(bytes.len(), |k| start + k);
        let end = match bytes.get(i) {
            None => i,
            Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => i + 2,
            Some(_) => i + 1,
        };
        let line = &source[start..end];
        start = end;
        Some(line)
    })
}

/// Splits `source` into raw blocks with byte offsets.
pub(crate) fn blocks(source: &str, kind: SourceKind) -> Vec<RawBlock> {
    // Non-blank lines as trimmed byte spans; `None` marks a blank line.
    let mut lines: Vec<Option<(usize, usize)>> = Vec::new();
    let mut pos = 0;
    for raw in split_lines(source) {
        let start = pos;
        pos += raw.len();
        let trimmed_start = raw.len() - raw.trim_start().len();
        let t = raw.trim();
        if t.is_empty() {
            lines.push(None);
        } else {
            let a = start + trimmed_start;
            lines.push(Some((a, a + t.len())));
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(_) = lines[i] else {
            i += 1;
            continue;
        };
        let run_start = i;
        while i < lines.len() && lines[i].is_some() {
            i += 1;
        }
        let run: Vec<(usize, usize)> = lines[run_start..i].iter().flatten().copied().collect();
        if is_wrapped_run(&run, source) {
            let (a, b) = (run[0].0, run[run.len() - 1].1);
            out.push(raw_block(&source[a..b], a, b, BlockHints::default()));
        } else {
            for (a, b) in run {
                out.push(line_block(source, a, b, kind));
            }
        }
    }
    out
}

fn raw_block(text: &str, a: usize, b: usize, hints: BlockHints) -> RawBlock {
    RawBlock {
        text: collapse_whitespace(text),
        start_byte: a,
        end_byte: b,
        hints,
        element: NO_ELEMENT,
    }
}

/// One line as a block; in Markdown, `#` headings and list markers are recognized and the
/// marker is left out of the block.
fn line_block(source: &str, a: usize, b: usize, kind: SourceKind) -> RawBlock {
    let line = &source[a..b];
    let mut hints = BlockHints::default();
    let mut skip = 0;
    if kind == SourceKind::Markdown {
        let hashes = line.bytes().take_while(|&c| c == b'#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            hints.heading = true;
            skip = hashes + 1;
        } else if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("> ") {
            hints.list_item = !line.starts_with('>');
            skip = 2;
        }
    }
    let body = &line[skip..];
    let lead = body.len() - body.trim_start().len();
    raw_block(body, a + skip + lead, b, hints)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        blocks(s, SourceKind::Text)
            .into_iter()
            .map(|b| b.text)
            .collect()
    }

    #[test]
    fn blank_line_and_line_per_paragraph_layouts() {
        assert_eq!(
            texts("One para.\n\nTwo para.\n"),
            ["One para.", "Two para."]
        );
        assert_eq!(
            texts("One para.\nTwo para.\nThree"),
            ["One para.", "Two para.", "Three"]
        );
        assert_eq!(texts("\r\n  lead  \r\n\r\n"), ["lead"]);
        assert_eq!(texts("One.\rTwo.\r\rThree."), ["One.", "Two.", "Three."]);
    }

    #[test]
    fn hard_wrapped_paragraphs_are_joined() {
        let src = "The foreign ministry in Moscow said on Thursday that it\n\
                   had accepted the credentials of the new ambassador and\n\
                   expected trade to grow.\n\nHeadline\nBy A Writer\n";
        assert_eq!(
            texts(src),
            [
                "The foreign ministry in Moscow said on Thursday that it had accepted the credentials of the new ambassador and expected trade to grow.",
                "Headline",
                "By A Writer"
            ]
        );
    }

    /// Sentences can end at the margin of a wrapped paragraph; a list of short sentences,
    /// each of which leaves room for the next line's first word, is not wrapped.
    #[test]
    fn wrapped_paragraphs_whose_lines_end_sentences() {
        let src = "The three tracks meet great-power politics in different ways.\n\
                   Qatar values its ties to Washington and is unlikely to move first.\n\
                   The UAE is freer to diverge from Western lines on sanctions. Saudi\n\
                   Arabia weighs its standing among Muslim publics above all.\n";
        assert_eq!(texts(src).len(), 1, "{:?}", texts(src));
        let list = "Moscow recognised the Taliban government in July.\n\
                    Trade talks resumed soon after the announcement.\n\
                    Kabul welcomed it as an example for others.\n";
        assert_eq!(texts(list).len(), 3, "{:?}", texts(list));
    }

    /// Short lines that all start with a capital are a list of titles, not a wrapped
    /// paragraph; wrapped prose in a narrow column is still joined.
    #[test]
    fn stacked_titles_are_not_a_wrapped_paragraph() {
        let list = "Stories you may have missed\nAfghanistan's UN seat explained\n\
                    The Doha process in five questions\nWho is resisting the Taliban?\n";
        assert_eq!(texts(list).len(), 4);
        let narrow = "Officials in Kabul said that the\ntalks with Moscow would resume\n\
                      next week, after a pause of\nseveral months of silence.\n";
        assert_eq!(texts(narrow).len(), 1);
    }

    #[test]
    fn offsets_slice_back_to_the_line() {
        let src = "  Title\n\nBody text here.\n";
        for b in blocks(src, SourceKind::Text) {
            assert_eq!(&src[b.start_byte..b.end_byte], b.text);
        }
    }

    #[test]
    fn wrapped_lists_are_one_block_per_item() {
        // html2text output: a bullet list whose lines are of a steady width, as a wrapped
        // paragraph's are; each item is its own block.
        let src = "  * Sharaa is the first Syrian head of state to visit the White House\n  \
                   * Syria to join the coalition against Islamic State, officials say\n  \
                   * Washington suspends some sanctions on Syria for another six months\n";
        for kind in [SourceKind::Text, SourceKind::Markdown] {
            assert_eq!(blocks(src, kind).len(), 3, "{kind:?}");
        }
        // A wrapped paragraph with one line that happens to open with a dash stays whole.
        let para = "MOSCOW, July 3 (Meridian) - Russia on Thursday formally recognised the\n\
                    Taliban administration as the government of Afghanistan, making it the\n\
                    - by its own account - first state to do so since the movement swept back\n\
                    into Kabul in August 2021, the Russian foreign ministry said.\n";
        assert_eq!(blocks(para, SourceKind::Text).len(), 1);
    }

    #[test]
    fn markdown_headings_and_lists() {
        let bs = blocks("# Title\n\n- item one\n\nText.", SourceKind::Markdown);
        assert!(bs[0].hints.heading && bs[0].text == "Title");
        assert!(bs[1].hints.list_item && bs[1].text == "item one");
        assert!(!bs[2].hints.heading);
    }

    #[test]
    fn sentence_endings() {
        assert!(ends_sentence("He said so.\u{201d}"));
        assert!(ends_sentence("Really?)"));
        assert!(!ends_sentence("Share this article"));
    }
}
