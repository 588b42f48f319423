#!/usr/bin/env python3
"""Synthetic corpora for scale benchmarks: N labeled paragraphs re-sampled from real sentences.

Each synthetic paragraph takes the frame and stance of a randomly drawn corpus paragraph and
is built from 2-5 sentences drawn from corpus paragraphs with the same frame and stance, so
the labels stay learnable. About `--novel` (default 3%) of words are replaced by novel
tokens: invented names, place names and codes drawn from a pool that keeps growing
(Heaps-like: a new token with probability 1/3, otherwise a Zipf-distributed earlier one), so
the vocabulary keeps growing with N as it does in real news rather than saturating.

Output (git-ignored, under benches/data/ by default):
  synth-N.jsonl           {"id", "doc", "text", "frame", "stance"} per paragraph
  synth-N-articles.jsonl  with --articles: {"id", "text"} per article of 10 paragraphs
                          separated by blank lines (input for `framing label -`)

Usage: python3 benches/synth.py --n 100000 [--n 1000000] [--seed 7] [--novel 0.03]
       [--articles] [--source labeled-data/recognition-debate.jsonl] [--out-dir benches/data]
"""
import argparse
import collections
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SYLLABLES = ["ka", "bul", "zar", "mir", "han", "dost", "gul", "rah", "sher", "pa", "tan",
             "ni", "lo", "vek", "ari", "o", "us", "tem", "zi", "kor", "bad", "ab", "qa",
             "run", "sel", "yar", "ez", "dum", "fa", "rin"]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'\u201c])")


class NovelTokens:
    """A growing pool of invented tokens: new with probability 1/3, else Zipf over the pool."""

    def __init__(self, rng):
        self.rng = rng
        self.pool = []

    def _invent(self):
        r = self.rng
        kind = r.random()
        if kind < 0.6:
            word = "".join(r.choice(SYLLABLES) for _ in range(r.randint(2, 4)))
            return word.capitalize()
        if kind < 0.85:
            return "".join(r.choice(SYLLABLES) for _ in range(r.randint(2, 3)))
        return f"{r.choice('ABCDEFGHKLMNPRSTZ')}{r.choice('ABCDEFGHKLMNPRSTZ')}-{r.randint(10, 9999)}"

    def draw(self):
        if not self.pool or self.rng.random() < 1 / 3:
            self.pool.append(self._invent())
            return self.pool[-1]
        # Zipf-like: index ~ pool size * u^3 favours early (frequent) tokens.
        i = int(len(self.pool) * self.rng.random() ** 3)
        return self.pool[min(i, len(self.pool) - 1)]


def load_sentences(source):
    """Sentences grouped by (frame, stance), and the list of labels to draw from."""
    groups = collections.defaultdict(list)
    labels = []
    for line in open(source, encoding="utf-8"):
        r = json.loads(line)
        key = (r.get("frame", ""), r.get("stance", ""))
        labels.append(key)
        for s in SENTENCE_END.split(r["text"]):
            s = s.strip()
            if len(s.split()) >= 4:
                groups[key].append(s.split())
    return groups, labels


def generate(n, seed, novel, source, out_dir, articles):
    rng = random.Random(seed)
    groups, labels = load_sentences(source)
    tokens = NovelTokens(rng)
    path = out_dir / f"synth-{n}.jsonl"
    art_path = out_dir / f"synth-{n}-articles.jsonl"
    out_dir.mkdir(parents=True, exist_ok=True)
    art = open(art_path, "w", encoding="utf-8") if articles else None
    words_total = 0
    with open(path, "w", encoding="utf-8") as f:
        article_paras = []
        for i in range(n):
            key = rng.choice(labels)
            sents = groups.get(key) or groups[rng.choice(list(groups))]
            out = []
            for _ in range(rng.randint(2, 5)):
                for w in rng.choice(sents):
                    out.append(tokens.draw() if rng.random() < novel else w)
            text = " ".join(out)
            words_total += len(out)
            f.write(json.dumps({"id": f"p{i:07d}", "doc": f"a{i // 10:06d}", "text": text,
                                "frame": key[0], "stance": key[1]}, ensure_ascii=False) + "\n")
            if art is not None:
                article_paras.append(text)
                if len(article_paras) == 10 or i == n - 1:
                    art.write(json.dumps({"id": f"a{i // 10:06d}",
                                          "text": "\n\n".join(article_paras)},
                                         ensure_ascii=False) + "\n")
                    article_paras = []
    if art is not None:
        art.close()
    print(f"{path}: {n} paragraphs, {words_total / n:.1f} words each, "
          f"{len(tokens.pool)} novel token types", file=sys.stderr)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, action="append", required=True, help="paragraphs (repeatable)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--novel", type=float, default=0.03, help="share of words replaced by novel tokens")
    ap.add_argument("--source", type=Path, default=ROOT / "labeled-data/recognition-debate.jsonl")
    ap.add_argument("--out-dir", type=Path, default=HERE / "data")
    ap.add_argument("--articles", action="store_true", help="also write 10-paragraph articles")
    a = ap.parse_args()
    for n in a.n:
        generate(n, a.seed, a.novel, a.source, a.out_dir, a.articles)


if __name__ == "__main__":
    main()
