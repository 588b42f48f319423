#!/usr/bin/env bash
# Accuracy/speed comparison of framing vs scikit-learn and fastText on two public data sets.
#
#   benches/accuracy.sh DATA_DIR [extra compare.py args...]
#
# DATA_DIR holds semeval2016-task6/ and gvfc-headlines/ (e.g. /work/shared/external).
# Needs benches/.venv (benches/setup-venv.sh). Results go to benches/out/ (git-ignored).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 DATA_DIR [extra compare.py args...]" >&2
    exit 2
fi
data="$(cd "$1" && pwd)"
shift

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
py="$here/.venv/bin/python"
out="$here/out"
if [ ! -x "$py" ]; then
    echo "missing $py: run benches/setup-venv.sh first" >&2
    exit 1
fi

(cd "$root" && cargo build --release -p framing-cli)
framing="$root/target/release/framing"
mkdir -p "$out"

echo
echo "== SemEval-2016 Task 6 (subtask A), one model per target, F_avg =="
"$py" "$here/compare.py" \
    --train "$data/semeval2016-task6/train.jsonl" --test "$data/semeval2016-task6/test.jsonl" \
    --label label --per-target target --semeval-favg \
    --framing "$framing" --json "$out/semeval2016-task6.json" "$@"

echo
echo "== SemEval-2016 Task 6, framing's recipe for tweets =="
echo "   (hashtags split, vocabulary and IDF also from the other targets' training tweets,"
echo "    balanced class weights, C = 1, min_df 1; chosen by 5-fold CV on the training data)"
"$py" "$here/compare.py" \
    --train "$data/semeval2016-task6/train.jsonl" --test "$data/semeval2016-task6/test.jsonl" \
    --label label --per-target target --semeval-favg --systems framing \
    --framing-args "--split-hashtags --min-df 1 --class-weight balanced --c 1" \
    --framing-vocab-other-groups \
    --framing "$framing" --json "$out/semeval2016-task6-tweet-recipe.json" "$@"

echo
echo "== GVFC headlines (fold 0), first frame, macro-F1 =="
"$py" "$here/compare.py" \
    --train "$data/gvfc-headlines/train.jsonl" --test "$data/gvfc-headlines/test.jsonl" \
    --label label \
    --framing "$framing" --json "$out/gvfc-headlines.json" "$@"
