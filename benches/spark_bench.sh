#!/usr/bin/env bash
# Spark local-mode benchmark of examples/spark/label_with_framing.py (RDD.pipe through
# `framing predict`) against plain `framing predict` on the same JSON Lines file.
#
#   benches/spark_bench.sh            # benches/data/synth-1000000.jsonl
#   benches/spark_bench.sh 100000     # benches/data/synth-100000.jsonl
#
# Environment: PARTITIONS (default 12), MASTER (default local[2]), THREADS_PER_TASK (1),
# PLAIN_THREADS (RAYON_NUM_THREADS for plain predict, 2), DRIVER_MEMORY (1g),
# FRAMING (default target/release/framing).
#
# Needs pyspark in benches/.venv (WITH_SPARK=1 benches/setup-venv.sh), Java 17+, and a
# release build (cargo build --release -p framing-cli). The corpus is generated with
# benches/synth.py if missing. Outputs go to benches/out/spark/ (git-ignored): the labeled
# JSONL directory, plain predict's output, the Spark log, and summary-N.json.
#
# Partitions come from splitting the input file (spark.sql.files.maxPartitionBytes = size /
# PARTITIONS), so there is no shuffle before the pipe. Peak memory is sampled every 0.5 s
# over the whole process tree (driver JVM, Python workers, framing children).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

n="${1:-1000000}"
parts="${PARTITIONS:-12}"
master="${MASTER:-local[2]}"
threads="${THREADS_PER_TASK:-1}"
plain_threads="${PLAIN_THREADS:-2}"
driver_mem="${DRIVER_MEMORY:-1g}"
framing="${FRAMING:-target/release/framing}"
venv="$root/benches/.venv"
data="benches/data/synth-$n.jsonl"
out="benches/out/spark"

[ -x "$framing" ] || { echo "no $framing: cargo build --release -p framing-cli" >&2; exit 2; }
"$venv/bin/python" -c 'import pyspark' 2>/dev/null ||
    { echo "pyspark is not in $venv: WITH_SPARK=1 benches/setup-venv.sh" >&2; exit 2; }
if [ ! -f "$data" ]; then
    echo "generating $data"
    python3 benches/synth.py --n "$n"
fi
mkdir -p "$out"

# spark-submit finds pyspark through the python on PATH; workers use PYSPARK_PYTHON.
export PATH="$venv/bin:$PATH" PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"

size=$(stat -c %s "$data")
split_bytes=$(( size / parts + 1 ))
labels="$out/labels-$n.jsonl"
summary="$out/summary-$n.json"
log="$out/spark-$n.log"
plain="$out/plain-$n.jsonl"

# Runs "$@", sampling the summed RSS of it and all its descendants; writes
# "<wall s> <peak tree RSS MB> <peak single-process RSS MB> <its name> <peak framing RSS MB>"
# to the file $1.
measure() {
    local res=$1; shift
    "$venv/bin/python" - "$res" "$@" <<'EOF'
import subprocess, sys, time, psutil
res, cmd = sys.argv[1], sys.argv[2:]
t0 = time.time()
p = subprocess.Popen(cmd)
root = psutil.Process(p.pid)
peak_tree, peak_one, peak_name, peak_framing = 0, 0, "", 0
while p.poll() is None:
    total = 0
    try:
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        procs = []
    for q in procs:
        try:
            rss = q.memory_info().rss
            total += rss
            name = q.name()
            if rss > peak_one:
                peak_one, peak_name = rss, name
            if name == "framing":
                peak_framing = max(peak_framing, rss)
        except psutil.Error:
            pass
    peak_tree = max(peak_tree, total)
    time.sleep(0.5)
wall = time.time() - t0
with open(res, "w") as f:
    f.write(f"{wall:.2f} {peak_tree / 2**20:.0f} {peak_one / 2**20:.0f} {peak_name} "
            f"{peak_framing / 2**20:.0f}\n")
sys.exit(p.returncode)
EOF
}

echo "== Spark: $master, $parts partitions, RAYON_NUM_THREADS=$threads per task, $data ($((size / 1000000)) MB)"
echo "   pyspark $("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)'), $(java -version 2>&1 | head -1)"
set +e
measure "$out/spark-$n.res" spark-submit --master "$master" --driver-memory "$driver_mem" \
    --conf spark.ui.enabled=false \
    --conf spark.sql.files.maxPartitionBytes="$split_bytes" \
    examples/spark/label_with_framing.py \
    --input "$data" --output "$labels" --framing "$framing" \
    --threads-per-task "$threads" --overwrite --summary-json "$summary" \
    2> "$log"
spark_rc=$?
set -e
read -r spark_wall spark_tree spark_one spark_one_name spark_framing < "$out/spark-$n.res"
echo "   spark-submit exit code $spark_rc (log: $log)"

echo "== plain: RAYON_NUM_THREADS=$plain_threads $framing predict --format jsonl -q $data"
measure "$out/plain-$n.res" env RAYON_NUM_THREADS="$plain_threads" \
    "$framing" predict --format jsonl -q "$data" > "$plain" || true
read -r plain_wall plain_tree _ _ _ < "$out/plain-$n.res"
plain_rows=$(wc -l < "$plain")

# Do Spark's labels match plain predict's, id by id?
agree=$("$venv/bin/python" - "$plain" "$labels" <<'EOF'
import glob, json, sys
plain, labels = sys.argv[1], sys.argv[2]
heads = None
want = {}
for line in open(plain, encoding="utf-8"):
    r = json.loads(line)
    if heads is None:
        heads = [k for k in r if k != "id" and f"{k}_score" in r]
    want[str(r["id"])] = r
same = diff = missing = 0
worst = 0.0
for part in glob.glob(f"{labels}/part-*"):
    for line in open(part, encoding="utf-8"):
        r = json.loads(line)
        w = want.pop(str(r["id"]), None)
        if w is None:
            missing += 1
            continue
        if all(r.get(h) == w.get(h) for h in heads):
            same += 1
        else:
            diff += 1
        for h in heads:
            if f"{h}_score" in r and f"{h}_score" in w:
                worst = max(worst, abs(r[f"{h}_score"] - w[f"{h}_score"]))
print(f"{same} same labels, {diff} different, {missing + len(want)} unmatched ids, "
      f"max score difference {worst:.2g}")
EOF
)

"$venv/bin/python" - "$summary" "$n" "$spark_wall" "$spark_tree" "$spark_one" "$spark_one_name" "$spark_framing" \
    "$plain_wall" "$plain_tree" "$plain_rows" "$agree" <<'EOF'
import json, sys
path, n, s_wall, s_tree, s_one, s_name, s_framing, p_wall, p_rss, p_rows, agree = sys.argv[1:]
try:
    s = json.load(open(path))
except (OSError, ValueError):
    s = {}
g = lambda k: s.get(k, "?")
rows = int(p_rows)
print()
print(f"Spark ({g('master')}, {g('partitions')} partitions, pyspark {g('spark_version')})")
print(f"  input rows        {g('input_rows')}")
print(f"  output rows       {g('output_rows')}")
print(f"  ids intact        {'yes' if s.get('ids_intact') else 'NO'}"
      f" (missing {g('ids_missing')}, unexpected {g('ids_extra')})")
print(f"  error records     {g('error_records')}")
print(f"  label wall        {g('label_wall_s')} s = {g('rows_per_s')} paragraphs/s"
      " (read, pipe, write)")
print(f"  spark-submit wall {float(s_wall):.1f} s = {int(n) / float(s_wall):.0f} paragraphs/s"
      " (JVM start, probe, count, label, checks)")
print(f"  peak RSS          {s_tree} MB whole tree; largest process {s_one} MB ({s_name});"
      f" one framing child {s_framing} MB")
print(f"plain framing predict")
print(f"  output rows       {rows}")
print(f"  wall              {float(p_wall):.1f} s = {rows / float(p_wall):.0f} paragraphs/s")
print(f"  peak RSS          {p_rss} MB")
print(f"Spark vs plain      {agree}")
EOF
exit "$spark_rc"
