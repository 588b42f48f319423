#!/usr/bin/env bash
# Scale benchmarks on synthetic corpora (benches/synth.py): 100k and 1M paragraphs.
#
#   benches/scale.sh [compare|stream|fit1m|all] [--runs N]
#
# compare  side by side at 100k (90k train / 10k test, label `frame`): framing, scikit-learn
#          word+char and fastText, alternating, medians of --runs (default 3): fit time, predict
#          paragraphs/s, peak RSS, accuracy, macro-F1 and the ratios (benches/compare.py).
# stream   `framing predict` over 100k and 1M paragraphs and `framing label -` over 10k and
#          100k ten-paragraph JSONL articles, 2 threads: wall time, paragraphs/s, peak RSS, and
#          the RSS ratio 1M/100k (flat means streaming). Output rows are counted against input.
# fit1m    `framing train` on 1M paragraphs (label `frame`): wall time and peak RSS; with
#          SKLEARN_1M=1 also scikit-learn word+char on the same file (slow; for comparison).
#
# Generated data goes to benches/data/, results to benches/out/ (both git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
shift || true
runs=3
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
data=benches/data
out=benches/out
mkdir -p "$data" "$out"
cargo build --release -q -p framing-cli
framing=target/release/framing
py=benches/.venv/bin/python
[ -x "$py" ] || { echo "run benches/setup-venv.sh first" >&2; exit 2; }

[ -f "$data/synth-1000000-articles.jsonl" ] ||
  python3 benches/synth.py --n 100000 --n 1000000 --articles
if [ ! -f "$data/synth-100k-test.jsonl" ]; then
  head -n 90000 "$data/synth-100000.jsonl" > "$data/synth-100k-train.jsonl"
  tail -n 10000 "$data/synth-100000.jsonl" > "$data/synth-100k-test.jsonl"
fi

# timed LOG OUT CMD...: runs CMD with stdout to OUT; prints "wall_s peak_rss_mb".
timed() {
  local log=$1 dest=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$log.time" "$@" > "$dest"
  awk '{printf "%s %.0f\n", $1, $2/1024}' "$log.time"
}

if [ "$what" = compare ] || [ "$what" = all ]; then
  $py benches/compare.py --train "$data/synth-100k-train.jsonl" --test "$data/synth-100k-test.jsonl" \
    --label frame --runs "$runs" --blas-threads 1 --predict-repeat 3 \
    --systems framing,sklearn-wordchar,fasttext --framing "$framing" \
    --json "$out/scale-compare-100k.json"
fi

if [ "$what" = stream ] || [ "$what" = all ]; then
  model=$out/synth-100k.model
  [ -f "$model" ] || $framing train --data "$data/synth-100k-train.jsonl" --label frame --out "$model"
  printf '%-44s %9s %12s %9s %9s\n' command wall_s paragraphs/s rss_mb rows_ok
  for n in 100000 1000000; do
    read -r wall rss < <(timed "$out/predict-$n" "$out/predict-$n.jsonl" env RAYON_NUM_THREADS=2 \
      $framing predict --model "$model" -q "$data/synth-$n.jsonl" --format jsonl)
    rows=$(wc -l < "$out/predict-$n.jsonl")
    ok=$([ "$rows" -eq "$n" ] && echo yes || echo "no ($rows)")
    printf '%-44s %9s %12.0f %9s %9s\n' "predict synth-$n.jsonl" "$wall" "$(echo "$n / $wall" | bc -l)" "$rss" "$ok"
    echo "predict $n $wall $rss" >> "$out/stream.txt"
    rm -f "$out/predict-$n.jsonl"
  done
  for n in 100000 1000000; do
    read -r wall rss < <(timed "$out/label-$n" "$out/label-$n.jsonl" \
      $framing label --model "$model" --jobs 2 --format jsonl -q - < "$data/synth-$n-articles.jsonl")
    rows=$(grep -c '"kind":"prose"' "$out/label-$n.jsonl" || true)
    printf '%-44s %9s %12.0f %9s %9s\n' "label synth-$n-articles.jsonl ($rows prose)" "$wall" "$(echo "$rows / $wall" | bc -l)" "$rss" "-"
    echo "label $n $wall $rss" >> "$out/stream.txt"
    rm -f "$out/label-$n.jsonl"
  done
fi

if [ "$what" = fit1m ] || [ "$what" = all ]; then
  read -r wall rss < <(timed "$out/train-1m" /dev/stderr env RAYON_NUM_THREADS=2 \
    $framing train --data "$data/synth-1000000.jsonl" --label frame --out "$out/synth-1m.model")
  echo "framing train 1M paragraphs: ${wall} s, peak RSS ${rss} MB"
  if [ "${SKLEARN_1M:-0}" = 1 ]; then
    read -r wall rss < <(timed "$out/sklearn-1m" /dev/stderr env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $py - "$data/synth-1000000.jsonl" <<'EOF'
import json, sys
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
X = [r["text"] for r in rows]; y = [r["frame"] for r in rows]
feats = FeatureUnion([
    ("w", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
    ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2))])
make_pipeline(feats, LogisticRegression(C=10, max_iter=1000)).fit(X, y)
EOF
)
    echo "scikit-learn word+char fit 1M paragraphs: ${wall} s, peak RSS ${rss} MB"
  fi
fi
