#!/usr/bin/env python3
"""Prints the datasheet's count tables for the corpus (Markdown).

Usage: python3 labeled-data/stats.py [labeled-data/recognition-debate.jsonl]
The pass/fail checks of the same file run in `cargo test` (tests/corpus.rs)."""
import collections
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "labeled-data/recognition-debate.jsonl"
rows = [json.loads(line) for line in open(path, encoding="utf-8")]
n = len(rows)
docs = collections.Counter(r["doc"] for r in rows)
words = sorted(len(r["text"].split()) for r in rows)
print(f"{n} paragraphs in {len(docs)} mini-articles; {min(docs.values())}-{max(docs.values())} "
      f"paragraphs per article; words per paragraph min {words[0]}, median {words[n // 2]}, "
      f"max {words[-1]}; {sum(40 <= w <= 100 for w in words) / n:.0%} within 40-100.\n")


def table(title, key):
    c = collections.Counter(key(r) for r in rows)
    print(f"| {title} | paragraphs | share |\n|---|---:|---:|")
    for k, v in c.most_common():
        print(f"| {k} | {v} | {v / n:.1%} |")
    print()


table("frame", lambda r: r["frame"])
table("stance", lambda r: r["stance"])
table("genre", lambda r: r["genre"])
table("topic", lambda r: r["topic"])
table("annotation", lambda r: r.get("annotation", "single"))
ct = collections.Counter((r["frame"], r["stance"]) for r in rows)
stances = ["favor", "against", "neutral"]
print("| frame \\ stance | " + " | ".join(stances) + " |\n|---|" + "---:|" * len(stances))
for f in sorted({r["frame"] for r in rows}):
    print(f"| {f} | " + " | ".join(str(ct[(f, s)]) for s in stances) + " |")
print()
hard = sum(1 for r in rows if r.get("hard"))
multi = sum(1 for r in rows if len(r["frames"]) > 1)
either = sum(1 for r in rows if r.get("hard") or len(r["frames"]) > 1)
analog = len({r["doc"] for r in rows if r["topic"] != "afghanistan"})
print(f"Hard cases marked by the writers: {hard} ({hard / n:.0%}); paragraphs with more than one "
      f"frame: {multi} ({multi / n:.0%}); either: {either} ({either / n:.0%}). "
      f"Articles with analog-debate paragraphs: {analog} of {len(docs)} ({analog / len(docs):.0%}).")
