#!/usr/bin/env python3
"""Throughput of `framing label` over generated article files.

Generates N scraped-looking .txt articles from the project corpus (title, byline, date,
noise lines and the article's paragraphs; the articles cycle through the corpus with a
serial number added so no two files are identical), then runs

    framing label DIR --format jsonl --jobs J -q

for J = 1 and 2, alternating, and reports the median wall time, articles/s, paragraphs/s
and peak RSS (from /usr/bin/time), for 1,000 and N articles, so that RSS growth with the
batch size is visible. Generated files go to benches/data/ (git-ignored).

Usage: python3 benches/label_throughput.py [--articles 10000] [--runs 3] [--framing PATH]
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import tempfile
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def generate(n, out_dir):
    """Writes n article files; returns the number of prose paragraphs in them."""
    marker = out_dir / ".complete"
    if marker.exists():
        return int(marker.read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(l) for l in open(ROOT / "labeled-data/recognition-debate.jsonl", encoding="utf-8")]
    docs = collections.OrderedDict()
    for r in rows:
        docs.setdefault(r["doc"], []).append(r["text"])
    meta = {}
    for l in open(ROOT / "labeled-data/recognition-debate-docs.jsonl", encoding="utf-8"):
        d = json.loads(l)
        meta[d["doc"]] = d
    names = list(docs)
    paragraphs = 0
    for i in range(n):
        doc = names[i % len(names)]
        m = meta.get(doc, {})
        paras = docs[doc]
        lines = [
            "Home | World | Asia | Opinion",
            m.get("title") or "Untitled",
            m.get("byline") or "By Staff",
            f"Updated {m.get('date', '2025-07-03')} 10:{i % 60:02d} GMT",
            "Advertisement",
        ]
        for k, p in enumerate(paras):
            lines.append(p)
            if k == 2:
                lines.append("Read more: related coverage from our correspondents")
        lines += ["Share this article", f"Article {i}. © 2025 Example Media. All rights reserved."]
        (out_dir / f"article-{i:06d}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        paragraphs += len(paras)
    marker.write_text(str(paragraphs))
    return paragraphs


def run(framing, data_dir, jobs):
    cmd = ["/usr/bin/time", "-f", "%e %M", framing, "label", str(data_dir), "--format", "jsonl",
           "--jobs", str(jobs), "-q"]
    # Output goes to a file, as in a pipeline writing labels to disk. (Reading it through a
    # pipe would put this script's decoding on the same two cores as framing's workers.)
    with tempfile.TemporaryFile(dir=data_dir.parent) as out:
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"framing label failed: {p.stderr[-2000:]}")
        out.seek(0)
        labeled = sum(line.count(b'"kind":"prose"') for line in out)
    last = p.stderr.strip().splitlines()[-1].split()
    return wall, float(last[1]) / 1024.0, labeled


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--framing", default=str(ROOT / "target/release/framing"))
    args = ap.parse_args()
    if not Path(args.framing).exists():
        sys.exit("build first: cargo build --release -p framing-cli")
    sizes = sorted({min(1000, args.articles), args.articles})
    print("| articles | jobs | wall s (median) | articles/s | paragraphs/s | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    rss = {}
    for n in sizes:
        data = HERE / "data" / f"label-{n}"
        paragraphs = generate(n, data)
        results = {1: [], 2: []}
        for r in range(args.runs):
            for jobs in ((1, 2) if r % 2 == 0 else (2, 1)):
                wall, mb, labeled = run(args.framing, data, jobs)
                if labeled != paragraphs:
                    sys.exit(f"{labeled} paragraphs labeled, {paragraphs} expected")
                results[jobs].append((wall, mb))
        for jobs in (1, 2):
            wall = statistics.median(w for w, _ in results[jobs])
            mb = max(m for _, m in results[jobs])
            rss[(n, jobs)] = mb
            print(f"| {n:,} | {jobs} | {wall:.2f} | {n / wall:,.0f} | {paragraphs / wall:,.0f} | {mb:.0f} |")
    if len(sizes) == 2:
        for jobs in (1, 2):
            a, b = rss[(sizes[0], jobs)], rss[(sizes[1], jobs)]
            print(f"\npeak RSS, jobs {jobs}: {a:.0f} MB at {sizes[0]:,} articles, {b:.0f} MB at "
                  f"{sizes[1]:,} ({b / a:.2f}x)")


if __name__ == "__main__":
    main()
