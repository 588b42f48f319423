#!/usr/bin/env python3
"""Cohen's kappa of the double-annotated sample, before and after adjudication.

Reads double-annotation.jsonl (first pass = the writers' labels, second pass = the blind
annotation of text + codebook only, adjudicated = the third reading of disagreements) and
the final corpus. Run from the repository root:
    python3 labeled-data/agreement/kappa.py"""
import collections
import json

SAMPLE = "labeled-data/agreement/double-annotation.jsonl"
CORPUS = "labeled-data/recognition-debate.jsonl"


def kappa(a, b):
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = collections.Counter(a), collections.Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(a) | set(b)) / (n * n)
    return (po - pe) / (1 - pe), po


rows = [json.loads(line) for line in open(SAMPLE, encoding="utf-8")]
final = {r["id"]: r for r in map(json.loads, open(CORPUS, encoding="utf-8"))}
print(f"{len(rows)} paragraphs double-annotated; {sum('adjudicated' in r for r in rows)} disagreements adjudicated\n")
print("| field | comparison | agreement | Cohen's kappa |\n|---|---|---:|---:|")
for field in ("frame", "stance"):
    first = [r["first"][field] for r in rows]
    second = [r["second"][field] for r in rows]
    fin = [final[r["id"]][field] for r in rows]
    for name, a, b in (
        ("first vs second (before adjudication)", first, second),
        ("final vs second (after)", fin, second),
        ("final vs first (after)", fin, first),
    ):
        k, po = kappa(a, b)
        print(f"| {field} | {name} | {po:.3f} | {k:.3f} |")
