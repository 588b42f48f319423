//! HTML: block elements via html5gum's WHATWG tokenizer (entities decoded, byte spans
//! kept). Text inside `script`, `style`, `nav`, `footer`, `aside` (but for a forum's
//! `<aside class="quote">`), forms and the document head is dropped; every block-level
//! element (`p`, `li`, `blockquote`, headings, `div`, table cells, …) starts a new block.
//! Text inside an element whose `class`, `id` or `role` names page furniture (comments,
//! sidebars, newsletter boxes, related links, cookie notices, embedded social posts, info
//! boxes, subscription offers, …) is marked as such, the way readability extractors weigh
//! class names.

use html5gum::{DefaultEmitter, Token, Tokenizer};

use super::{collapse_whitespace, BlockHints, Element, RawBlock, NO_ELEMENT};

/// Elements whose whole content is dropped.
const DROP: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "form", "iframe",
    "button", "select", "textarea", "head", "menu", "dialog", "object",
];

/// Elements that start or end a block.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figure",
    "figcaption",
    "section",
    "article",
    "main",
    "header",
    "td",
    "th",
    "tr",
    "table",
    "caption",
    "dd",
    "dt",
    "dl",
    "pre",
    "address",
    "hr",
    "body",
    "html",
    "details",
    "summary",
];

/// Words of `class`, `id` and `role` values that name page furniture, not article text,
/// matched against whole words of the value ("comment-list" has "comment"; "header" does
/// not have "ad"; "commentary" is not "comment"). See also [`FURNITURE_PREFIXES`].
const FURNITURE: &[&str] = &[
    "ad",
    "ads",
    "alertdialog",
    "banner",
    "bio",
    "box",
    "comment",
    "comments",
    "complementary",
    "consent",
    "contentinfo",
    "dialog",
    "embed",
    "gdpr",
    "modal",
    "navigation",
    "note",
    "offer",
    "paywall",
    "popup",
    "promo",
    "recirculation",
    "replies",
    "respond",
    "share",
    "sharing",
    "signup",
    "social",
    "sponsor",
    "sponsored",
    "trending",
    "tweet",
];

/// Furniture words that also mark the words they begin ("relatedposts", "sidebar2",
/// "cookies", "advertisement").
const FURNITURE_PREFIXES: &[&str] = &[
    "advert",
    "breadcrumb",
    "cookie",
    "disqus",
    "factbox",
    "infobox",
    "newsletter",
    "outbrain",
    "related",
    "sidebar",
    "taboola",
];

/// Words of a `class`, `id` or `role` value that mark a container of the article itself:
/// a value with one of them is never furniture ("main-content has-sidebar").
const CONTENT: &[&str] = &["article", "body", "content", "main", "story", "text"];

/// The words of a start tag's attribute value ("comment-list js-x" has "comment", "list",
/// "js", "x"), as bytes, so they compare without case and without building a string.
fn attr_words<'t>(
    tag: &'t html5gum::StartTag<usize>,
    attr: &str,
) -> impl Iterator<Item = &'t [u8]> + Clone {
    tag.attributes
        .get(attr.as_bytes())
        .map(|v| -> &[u8] { &v.value })
        .unwrap_or_default()
        .split(|c| !c.is_ascii_alphanumeric())
}

/// Whether a start tag's `class`, `id` or `role` names page furniture. The document, its
/// `body`, `main` and `article` elements never do (a blog's `<body class="has-sidebar">`,
/// a newsletter platform's `<article class="newsletter-post">`).
fn names_furniture(name: &str, tag: &html5gum::StartTag<usize>) -> bool {
    if matches!(name, "html" | "body" | "main" | "article") {
        return false;
    }
    let is = |w: &[u8], list: &[&str]| list.iter().any(|x| w.eq_ignore_ascii_case(x.as_bytes()));
    let starts = |w: &[u8]| {
        FURNITURE_PREFIXES.iter().any(|p| {
            w.get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
        })
    };
    ["class", "id", "role"].iter().any(|attr| {
        let mut words = attr_words(tag, attr);
        !words.clone().any(|w| is(w, CONTENT)) && words.any(|w| is(w, FURNITURE) || starts(w))
    })
}

/// Whether an element that is otherwise dropped holds a quotation: forum software
/// (Discourse) quotes a post, or a pasted article, in `<aside class="quote">`.
fn is_quotation(name: &str, tag: &html5gum::StartTag<usize>) -> bool {
    name == "aside" && attr_words(tag, "class").any(|w| w.eq_ignore_ascii_case(b"quote"))
}

/// A hash of an element's tag name and `class` value (elements that look alike).
fn look(name: &str, tag: &html5gum::StartTag<usize>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    name.hash(&mut h);
    if let Some(class) = tag.attributes.get(b"class".as_slice()) {
        class.value.hash(&mut h);
    }
    h.finish()
}

/// Elements that never have an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

#[derive(Default)]
struct Current {
    text: String,
    start: Option<usize>,
    end: usize,
    hints: BlockHints,
}

/// An open element.
struct Open {
    name: String,
    /// Whether its content is dropped (see [`DROP`]).
    drops: bool,
    /// Whether its class, id or role names page furniture.
    furniture: bool,
    /// Its index in [`Reader::elements`] if it is a block-level element, else [`NO_ELEMENT`].
    element: u32,
}

struct Reader<'s> {
    source: &'s str,
    /// Open elements, outermost first.
    stack: Vec<Open>,
    /// Every block-level element opened so far (the tree the blocks sit in).
    elements: Vec<Element>,
    dropping: usize,
    /// Open elements that name page furniture.
    furniture: usize,
    cur: Current,
    out: Vec<RawBlock>,
    /// A `<br>` was the last thing seen (only whitespace since): a second one ends the
    /// block, as pages that separate paragraphs with `<br><br>` intend.
    after_br: bool,
}

impl Reader<'_> {
    fn flush(&mut self) {
        let cur = std::mem::take(&mut self.cur);
        if let Some(start) = cur.start {
            let text = collapse_whitespace(&cur.text);
            if !text.is_empty() {
                self.out.push(RawBlock {
                    text,
                    start_byte: start,
                    end_byte: cur.end,
                    hints: cur.hints,
                    element: self.innermost_element(),
                });
            }
        }
    }

    fn inside(&self, names: &[&str]) -> bool {
        self.stack.iter().any(|o| names.contains(&o.name.as_str()))
    }

    /// The innermost open block-level element.
    fn innermost_element(&self) -> u32 {
        self.stack
            .iter()
            .rev()
            .map(|o| o.element)
            .find(|&e| e != NO_ELEMENT)
            .unwrap_or(NO_ELEMENT)
    }

    fn start(&mut self, name: String, tag: &html5gum::StartTag<usize>) {
        let is_block = BLOCK.contains(&name.as_str());
        if is_block {
            self.flush();
            // A `p` cannot contain blocks: an unclosed one ends here.
            if let Some(pos) = self.stack.iter().rposition(|o| o.name == "p") {
                self.close_to(pos);
            }
        }
        if name == "br" {
            if self.after_br {
                self.flush();
                self.after_br = false;
            } else {
                self.cur.text.push(' ');
                self.after_br = true;
            }
            return;
        }
        self.after_br = false;
        if tag.self_closing || VOID.contains(&name.as_str()) {
            return;
        }
        let drops = DROP.contains(&name.as_str()) && !is_quotation(&name, tag);
        self.dropping += usize::from(drops);
        let furniture = names_furniture(&name, tag);
        self.furniture += usize::from(furniture);
        let element = if is_block {
            self.elements.push(Element {
                parent: self.innermost_element(),
                first_block: self.out.len() as u32,
                end_block: u32::MAX,
                look: look(&name, tag),
            });
            (self.elements.len() - 1) as u32
        } else {
            NO_ELEMENT
        };
        self.stack.push(Open {
            name,
            drops,
            furniture,
            element,
        });
    }

    fn close_to(&mut self, pos: usize) {
        let blocks = self.out.len() as u32;
        for o in self.stack.drain(pos..) {
            self.dropping -= usize::from(o.drops);
            self.furniture -= usize::from(o.furniture);
            if let Some(e) = self.elements.get_mut(o.element as usize) {
                e.end_block = blocks;
            }
        }
    }

    fn end(&mut self, name: &str) {
        if BLOCK.contains(&name) {
            self.flush();
        }
        if let Some(pos) = self.stack.iter().rposition(|o| o.name == name) {
            self.close_to(pos);
        }
    }

    fn text(&mut self, value: &[u8], start: usize, end: usize) {
        if self.dropping > 0 {
            return;
        }
        let value = String::from_utf8_lossy(value);
        // Offsets of the visible text: trim whitespace from the raw source slice.
        let raw = self.source.get(start..end).unwrap_or("");
        let lead = raw.len() - raw.trim_start().len();
        let trail = raw.len() - raw.trim_end().len();
        if raw.trim().is_empty() {
            self.cur.text.push(' ');
            return;
        }
        self.after_br = false;
        if self.cur.start.is_none() {
            self.cur.start = Some(start + lead);
        }
        self.cur.end = end - trail;
        self.cur.text.push_str(&value);
        if self.inside(&["a"]) {
            self.cur.hints.link_chars += value.chars().filter(|c| !c.is_whitespace()).count();
        }
        if self.inside(&["h1", "h2", "h3", "h4", "h5", "h6", "title"]) {
            self.cur.hints.heading = true;
        }
        if self.inside(&["figcaption", "caption"]) {
            self.cur.hints.caption = true;
        }
        if self.inside(&["li"]) {
            self.cur.hints.list_item = true;
        }
        if self.furniture > 0 {
            self.cur.hints.furniture = true;
        }
    }
}

/// Splits an HTML document into raw blocks with byte offsets into `source`, and the
/// block-level elements they sit in.
pub(crate) fn blocks(source: &str) -> (Vec<RawBlock>, Vec<Element>) {
    let mut emitter = DefaultEmitter::<usize>::new_with_span();
    emitter.naively_switch_states(true);
    let mut r = Reader {
        source,
        stack: Vec::new(),
        elements: Vec::new(),
        dropping: 0,
        furniture: 0,
        cur: Current::default(),
        out: Vec::new(),
        after_br: false,
    };
    for token in Tokenizer::new_with_emitter(source, emitter) {
        let Ok(token) = token;
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                r.start(name, &tag);
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                r.end(&name);
            }
            Token::String(s) => r.text(&s.value, s.span.start, s.span.end),
            Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
        }
    }
    r.flush();
    r.close_to(0);
    (r.out, r.elements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_entities_and_dropped_elements() {
        let src = "<html><head><title>T</title><style>p{}</style></head><body>\
                   <nav><a href=/>Home</a></nav><h1>Big &amp; bold</h1>\
                   <p>Kabul&rsquo;s <b>new</b> line.</p><p>Unclosed one<p>Second\
                   <script>var x = '<p>no</p>';</script></p>\
                   <ul><li>Item <a href=#>link</a></li></ul><footer>Footer</footer></body></html>";
        let (bs, _) = blocks(src);
        let texts: Vec<&str> = bs.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Big & bold",
                "Kabul\u{2019}s new line.",
                "Unclosed one",
                "Second",
                "Item link"
            ]
        );
        assert!(bs[0].hints.heading);
        assert!(bs[4].hints.list_item && bs[4].hints.link_chars == 4);
        // Offsets point at the visible text in the source.
        assert!(src[bs[1].start_byte..bs[1].end_byte].starts_with("Kabul&rsquo;s"));
        assert!(src[bs[1].start_byte..bs[1].end_byte].ends_with("line."));
    }

    #[test]
    fn furniture_named_by_class_id_or_role() {
        let src = "<div class=\"article-body\"><p>Body text.</p>\
                   <div class=\"ad-slot\"><p>Advert text.</p></div>\
                   <p>More <span class=\"shadow\">body</span>.</p></div>\
                   <section id=\"comments\" class=\"comments-area\"><ol class=\"comment-list\">\
                   <li><p>A reader's comment.</p></li></ol></section>\
                   <div role=\"complementary\"><p>Rail.</p></div><div class=\"header\"><p>Head.</p></div>\
                   <div class=\"jp-relatedposts\"><p>Also.</p></div><div class=\"commentary\"><p>Op-ed.</p></div>\
                   <article class=\"newsletter-post\"><p>Post.</p></article><div ID=\"Comments\"><p>Shout.</p></div>\
                   <div class=\"main-content has-sidebar\"><p>Main.</p></div>\
                   <blockquote class=\"twitter-tweet\"><p>Posted.</p></blockquote>\
                   <div class=\"embed__fallback\"><p>Channel.</p></div><div class=\"info-box\"><p>Boxed.</p></div>\
                   <div class=\"inline-offer\"><p>Offer.</p></div><div class=\"editor-note\"><p>Noted.</p></div>\
                   <div class=\"factbox-v2\"><p>Fact.</p></div><div class=\"inbox\"><p>Letter.</p></div>";
        let got: Vec<(String, bool)> = blocks(src)
            .0
            .into_iter()
            .map(|b| (b.text, b.hints.furniture))
            .collect();
        let want = [
            ("Body text.", false),
            ("Advert text.", true),
            ("More body.", false),
            ("A reader's comment.", true),
            ("Rail.", true),
            ("Head.", false),
            ("Also.", true),
            ("Op-ed.", false),
            ("Post.", false),
            ("Shout.", true),
            ("Main.", false),
            ("Posted.", true),
            ("Channel.", true),
            ("Boxed.", true),
            ("Offer.", true),
            ("Noted.", true),
            ("Fact.", true),
            ("Letter.", false),
        ];
        assert_eq!(got, want.map(|(t, f)| (t.to_string(), f)).to_vec());
    }

    #[test]
    fn forum_quotations_are_kept_other_asides_dropped() {
        let src = "<p>Intro.</p><aside class=\"quote no-group\"><div class=\"title\">Poster</div>\
                   <blockquote><p>Quoted text.</p></blockquote></aside><aside class=\"rail\"><p>Rail.</p></aside>\
                   <aside><p>Plain.</p></aside><p>After.</p>";
        let texts: Vec<String> = blocks(src).0.into_iter().map(|b| b.text).collect();
        assert_eq!(texts, ["Intro.", "Poster", "Quoted text.", "After."]);
    }

    #[test]
    fn double_breaks_separate_paragraphs() {
        let src =
            "<div>First paragraph here.<br><br>\n<br/>Second one, with a<br>line break.</div>";
        let texts: Vec<String> = blocks(src).0.into_iter().map(|b| b.text).collect();
        assert_eq!(
            texts,
            ["First paragraph here.", "Second one, with a line break."]
        );
    }

    #[test]
    fn malformed_html_does_not_panic() {
        for src in [
            "<p",
            "</p></div><p>x",
            "<<<>>>",
            "<p>a<b>b</p>c",
            "\u{0}<p>\u{0}</p>",
            "",
        ] {
            let _ = blocks(src);
        }
    }
}
