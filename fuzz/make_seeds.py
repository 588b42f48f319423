#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/.

Every seed is written here for the project. The first byte of each seed is the target's
configuration byte (see fuzz/src/lib.rs). The model_file seeds come from the Rust test
`write_model_seeds` (they need a real model's bytes); this script writes the others.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, config, payload):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes([config]) + payload)


# 1. Text pipeline: config bits pick NFKC/lowercase/folding off, stop words, stemming,
#    char source, minimum token length.
texts = {
    "plain": "Moscow hopes recognition will unlock fuel and wheat deals.",
    "curly": "The Taliban\u2019s envoy said \u201cengagement\u201d \u2014 not isolation \u2014 works.",
    "fullwidth": "\uff34\uff41\uff4c\uff49\uff42\uff41\uff4e officials met \ufb01nance ministers in Doha.",
    "scripts": "Kabul \u06a9\u0627\u0628\u0644 \u041a\u0430\u0431\u0443\u043b \u55c0\u5e03\u5c14 and \u0915\u093e\u092c\u0941\u0932 in one line.",
    "emoji": "Sanctions \U0001f6ab\U0001f4b8 hurt traders \U0001f1e6\U0001f1eb!!",
    "invisible": "Girls\u200b are barred\u00ad from school\u202e\u2066 again\ufeff.",
    "numbers": "In 2025, 41 million people; GDP fell 20.7% to $14.3bn (est.).",
    "turkish": "\u0130STANBUL talks: \u0130\u0130\u0130 and \u1e9e STRASSE \u00df.",
    "combining": "e\u0301e\u0301e\u0301 n\u0303 a\u030a\u0323 Zalgo\u0336\u0336\u0336 text.",
    "lines": "First line about trade.\nSecond line about rights.\r\nThird\rline.",
    "punct": "!!! ??? ... --- ''' \"\"\" ### @@@ ;;; ::: ((( )))",
    "longword": "a" * 300 + " recognition " + "\u00e9" * 100,
    "spaces": "\t \u00a0\u2003\u3000 wide   spaces\u2028and\u2029separators ",
}
for i, (name, t) in enumerate(texts.items()):
    write("text_pipeline", name, [0, 16, 8, 32, 7, 64, 0xC0, 1][i % 8], t)
write("text_pipeline", "invalid-utf8", 0, b"valid \xff\xfe half \xc3 surrogate \xed\xa0\x80 end")
write("text_pipeline", "nul", 0, b"nul\x00bytes\x00inside\x00words")
write("text_pipeline", "hashtags", 64,
      "Protest #StopTheWar and #stopthewar\nstop the war now\n#Kabul_Talks #UNSecurityCouncil2025 C# a#b #\n#" + "ab" * 40 + "\n")

# 2. Article reader: config byte 0 = text, 1 = Markdown, 2 = HTML.
para = ("Recognition would give Kabul access to frozen reserves, one economist argued, "
        "but lenders want guarantees first and donors remain divided on the terms.")
write("article_reader", "blank-lines", 0,
      f"Kabul talks stall\n\nBy A. Writer\n\n{para}\n\n{para.replace('Kabul', 'Moscow')}\n\nShare this article\n")
write("article_reader", "one-per-line", 0,
      f"Home | World | Asia\n{para}\nAdvertisement\n{para.upper()}\nRead more: sanctions\n")
wrapped = "\n".join(para[i:i + 60] for i in range(0, len(para), 60))
write("article_reader", "wrapped", 0, f"{wrapped}\n\n{wrapped}\n")
write("article_reader", "crlf-cr", 0, f"Title\r\n\r\n{para}\r\n\r\n{para}\rPhoto: Reuters\r")
write("article_reader", "markdown", 1,
      f"# Recognition debate\n\n## Background\n\n{para}\n\n> {para}\n\n- item one\n- item two\n\n```\ncode\n```\n")
write("article_reader", "html-page", 2, f"""<!doctype html><html><head><title>Kabul &amp; Moscow</title>
<style>p {{ color: red }}</style><script>var x = "<p>not prose</p>";</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Moscow recognizes the Taliban</h1><p class="byline">By Staff &middot; 4 July 2025</p>
<figure><img src="a.jpg"><figcaption>Officials in Kabul. Photo: AP</figcaption></figure>
<p>{para}</p><blockquote><p>&ldquo;We will engage,&rdquo; the envoy said &mdash; and left.</p></blockquote>
<p>{para}<br><br>{para}</p><ul><li><a href="/1">Related: trade</a></li><li>{para}</li></ul>
<form><input name="email"><button>Subscribe</button></form></article>
<aside>Most read</aside><footer>&copy; 2025 News Ltd</footer></body></html>""")
write("article_reader", "html-broken", 2,
      "<p>unclosed <b>bold <i>nested</p></div><p attr='x>y'>&bogus; &#x110000; &#0; &#xD800;"
      "<!-- comment <p>hidden</p> --><p>" + para + "<![CDATA[ raw ]]><table><tr><td>cell</td></tr></table>")
write("article_reader", "html-deep", 2, "<div>" * 200 + para + "</div>" * 200)

# 4. Data readers: config byte 0 = JSON Lines, 1 = CSV, 2 = TSV.
rows = [
    {"id": "a1", "doc": "d1", "text": para, "frame": "economic-interest", "stance": "favor"},
    {"id": "a2", "doc": "d1", "text": "Girls are barred from school.", "frame": "human-rights",
     "stance": "against", "label": 3},
]
write("data_readers", "jsonl", 0, "\n".join(json.dumps(r) for r in rows) + "\n\n")
write("data_readers", "jsonl-bom-crlf", 0, "\ufeff" + "\r\n".join(json.dumps(r) for r in rows))
write("data_readers", "jsonl-odd", 0,
      '{"text": 5, "frame": ["a"]}\n[1,2]\n{"text": "x", "frame": null}\n{"a": {"b": {"c": [[[]]]}}}\n'
      '{"text": "dup", "text": "twice", "frame": true, "label": 1.5e300, "doc": -0}\n   \n{bad json\n')
write("data_readers", "csv", 1,
      'id,text,frame,stance,label,doc\na1,"Quoted, with comma",economic-interest,favor,x,d1\n'
      'a2,"Line\nbreak ""quote""",human-rights,against,y,d2\n')
write("data_readers", "csv-ragged", 1, "text,frame\nonly-one-field\na,b,c\n\ufeffx,y\n")
write("data_readers", "tsv", 2, "text\tframe\tstance\nTrade deals\teconomic-interest\tfavor\n"
      "Rights\thuman-rights\t\n")
