#!/usr/bin/env python3
"""Label a corpus with `framing` inside Spark: each partition is streamed through
`framing predict --format jsonl -q` with RDD.pipe, then the labels are written and checked.

    spark-submit --master local[2] examples/spark/label_with_framing.py \
        --input corpus.jsonl --output labels.parquet --framing target/release/framing

See examples/spark/README.md for cluster use (shipping the binary and a model with --files).

Exit codes: 0 labeled and verified; 1 verification failed (row counts or ids differ), or
error records with --fail-on-error-records; 2 bad arguments, input rows without an id, or
the binary could not be run.
"""
import argparse
import json
import os
import shlex
import sys
import time
import warnings

from pyspark import RDD, SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

CORRUPT = "_corrupt_record"
PROBE_ID = "__framing_probe__"

# Runs a binary that was shipped with --files. Spark's own fetcher marks fetched files
# executable, but other ways of distributing files may drop the mode bits, so: chmod it, or,
# if that is not allowed, run a private executable copy.
EXEC_SHIM = r"""b=$1; shift
[ -x "$b" ] || chmod u+x "$b" 2>/dev/null
[ -x "$b" ] && exec "$b" "$@"
t=$(mktemp) && cp "$b" "$t" && chmod u+x "$t" || exit 126
"$t" "$@"; rc=$?; rm -f "$t"; exit $rc"""


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True, help="JSONL or Parquet file or directory")
    ap.add_argument("--input-format", choices=["jsonl", "parquet"],
                    help="default: from the extension (.parquet/.pq, else JSON Lines)")
    ap.add_argument("--output", required=True, help="output directory (Spark writes part files)")
    ap.add_argument("--output-format", choices=["jsonl", "parquet"],
                    help="default: parquet if --output ends in .parquet/.pq, else jsonl")
    ap.add_argument("--id-col", default="id", help="id column (default: id); carried as a string")
    ap.add_argument("--text-col", default="text", help="text column (default: text)")
    ap.add_argument("--framing", default="framing",
                    help="the framing binary: a file shipped with --files (by its base name), "
                         "else a path that exists on every executor, else a name on PATH "
                         "(default: framing)")
    ap.add_argument("--model", help="model file (shipped with --files, or a path on every "
                                    "executor); default: the model embedded in the binary")
    ap.add_argument("--threads-per-task", type=int, default=1,
                    help="RAYON_NUM_THREADS for each framing process (default 1: Spark already "
                         "runs one task per core)")
    ap.add_argument("--partitions", type=int,
                    help="repartition (a shuffle) to this many partitions before labeling; "
                         "default: keep the input's partitions")
    ap.add_argument("--null-text", choices=["error", "skip"], default="error",
                    help="rows whose text is null: an error record in the output (default) or "
                         "left out; they are never sent to the binary")
    ap.add_argument("--drop-null-ids", action="store_true",
                    help="drop input rows without an id (or unreadable JSON lines) instead of "
                         "refusing to run")
    ap.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    ap.add_argument("--fail-on-error-records", action="store_true",
                    help="exit 1 if any output record is an error record")
    ap.add_argument("--summary-json", help="also write the summary to this local file")
    ap.add_argument("--log-level", default="WARN", help="Spark log level (default: WARN)")
    a = ap.parse_args(argv)
    if a.threads_per_task < 1:
        ap.error("--threads-per-task must be >= 1")
    if a.partitions is not None and a.partitions < 1:
        ap.error("--partitions must be >= 1")
    if a.input_format is None:
        a.input_format = "parquet" if has_ext(a.input, ".parquet", ".pq") else "jsonl"
    if a.output_format is None:
        a.output_format = "parquet" if has_ext(a.output, ".parquet", ".pq") else "jsonl"
    return a


def has_ext(path, *exts):
    return path.rstrip("/").lower().endswith(exts)


def log(msg):
    print(f"[label_with_framing] {msg}", file=sys.stderr, flush=True)


def read_input(spark, a):
    """DataFrame (id: string, text: string, bad: boolean): bad marks unreadable JSON lines."""
    if a.input_format == "jsonl":
        # An explicit schema avoids a full pass for schema inference and reads only two
        # fields; a numeric id or text becomes its JSON text.
        schema = StructType([StructField(a.id_col, StringType()),
                             StructField(a.text_col, StringType()),
                             StructField(CORRUPT, StringType())])
        df = spark.read.schema(schema).option("columnNameOfCorruptRecord", CORRUPT).json(a.input)
        bad = F.col(CORRUPT).isNotNull()
    else:
        df = spark.read.parquet(a.input)
        bad = F.lit(False)
    missing = [c for c in (a.id_col, a.text_col) if c not in df.columns]
    if missing:
        raise SystemExit(f"error: input has no column {', '.join(missing)} "
                         f"(columns: {', '.join(df.columns)})")
    return df.select(F.col(a.id_col).cast("string").alias("id"),
                     F.col(a.text_col).cast("string").alias("text"),
                     bad.alias("bad"))


def resolve_on_executor(sc, names):
    """For each base name, the path of its --files copy as an executor sees it, or None."""
    def look(_):
        found = {}
        cwd = os.getcwd()
        for n in names:
            p = os.path.abspath(SparkFiles.get(n))
            if not os.path.isfile(p):
                found[n] = None
            elif os.path.commonpath([p, cwd]) == cwd:
                # On a cluster each executor has its own copy under its own working
                # directory, so name it relative to that (the pipe's child starts there).
                found[n] = os.path.join(".", os.path.relpath(p, cwd))
            else:
                found[n] = p  # local mode: one copy, in the driver's temp directory
        yield found
    return sc.parallelize([0], 1).mapPartitions(look).collect()[0]


def build_command(sc, a):
    """The pipe command, its environment, and a description of what was resolved."""
    names = [os.path.basename(a.framing)] + ([os.path.basename(a.model)] if a.model else [])
    shipped = resolve_on_executor(sc, names)

    args = ["predict", "--format", "jsonl", "--input-format", "jsonl", "-q"]
    notes = []
    bin_shipped = shipped[names[0]]
    if a.model:
        model = shipped[names[1]] or os.path.abspath(a.model)
        notes.append(f"model: {model} ({'shipped' if shipped[names[1]] else 'path'})")
        args += ["--model", model]
    if bin_shipped:
        cmd = ["sh", "-c", EXEC_SHIM, "framing", bin_shipped] + args
        notes.append(f"binary: {bin_shipped} (shipped)")
    else:
        binary = os.path.abspath(a.framing) if os.sep in a.framing else a.framing
        cmd = [binary] + args
        notes.append(f"binary: {binary} ({'path' if os.sep in a.framing else 'PATH lookup'})")

    # RDD.pipe replaces the child's whole environment with `env`, so PATH must be given too
    # (for a bare binary name, and for the shim's mktemp/cp/chmod).
    path = os.pathsep.join(p for p in [os.environ.get("PATH", ""),
                                       "/usr/local/bin:/usr/bin:/bin"] if p)
    env = {"RAYON_NUM_THREADS": str(a.threads_per_task), "PATH": path}
    return shlex.join(cmd), env, notes


def probe_heads(sc, cmd, env):
    """Run the binary once on an executor; returns the label heads it writes, in order."""
    probe = json.dumps({"id": PROBE_ID, "text": "A probe paragraph."})
    try:
        lines = sc.parallelize([probe], 1).pipe(cmd, env=env).collect()
    except Exception as e:  # the executor's traceback is already on stderr
        raise SystemExit(f"error: could not run framing on an executor: {str(e)[:500]}")
    if len(lines) != 1:
        raise SystemExit(f"error: framing wrote {len(lines)} lines for 1 probe record "
                         "(see its message on the executor's stderr)")
    rec = json.loads(lines[0])
    if "error" in rec:
        raise SystemExit(f"error: framing rejected the probe record: {rec['error']}")
    heads = [k for k in rec if k != "id" and f"{k}_score" in rec]
    if not heads:
        raise SystemExit(f"error: no label heads in framing's output: {lines[0]}")
    return heads


def label(spark, a, rows, cmd, env, heads):
    """The labeled DataFrame (lazy): id, each head and its score, error."""
    to_label = rows.where(F.col("text").isNotNull()).select("id", "text")
    if a.partitions:
        to_label = to_label.repartition(a.partitions)
    n_parts = to_label.rdd.getNumPartitions()
    # toJSON escapes newlines and other control characters inside strings, so each row is
    # exactly one line, and it is never blank. The binary answers one line per line, in order.
    with warnings.catch_warnings():
        # Spark 4 warns that toJSON may return a DataFrame in a future release.
        warnings.simplefilter("ignore", UserWarning)
        lines = to_label.toJSON()
    if not isinstance(lines, RDD):
        lines = lines.rdd.map(lambda r: r[0])
    piped = lines.pipe(cmd, env=env)

    fields = [StructField("id", StringType())]
    for h in heads:
        fields += [StructField(h, StringType()), StructField(f"{h}_score", DoubleType())]
    fields += [StructField("error", StringType()), StructField(CORRUPT, StringType())]
    out = (spark.read.schema(StructType(fields))
           .option("columnNameOfCorruptRecord", CORRUPT).json(piped))
    # A line that is not JSON (never expected) becomes an error record without an id, which
    # the id check then reports.
    out = out.withColumn("error", F.coalesce(
        F.col("error"),
        F.when(F.col(CORRUPT).isNotNull(),
               F.concat(F.lit("unreadable framing output: "), F.substring(CORRUPT, 1, 200)))))
    cols = ["id"] + [c for h in heads for c in (h, f"{h}_score")] + ["error"]
    out = out.select(*cols)

    if a.null_text == "error":
        nulls = rows.where(F.col("text").isNull()).select(
            "id", *[F.lit(None).cast(f.dataType).alias(f.name) for f in fields[1:-2]],
            F.lit(f"null text in column `{a.text_col}`").alias("error"))
        out = out.unionByName(nulls)
    return (out.withColumnRenamed("id", a.id_col) if a.id_col != "id" else out), n_parts


def main(argv=None):
    a = parse_args(argv)
    t_start = time.time()
    spark = SparkSession.builder.appName("label_with_framing").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel(a.log_level)

    cmd, env, notes = build_command(sc, a)
    for n in notes:
        log(n)
    log(f"pipe command: {cmd.replace(shlex.quote(EXEC_SHIM), '<exec shim>')}")
    log(f"pipe env: RAYON_NUM_THREADS={env['RAYON_NUM_THREADS']}")
    heads = probe_heads(sc, cmd, env)
    log(f"label heads: {', '.join(heads)}")

    # One pass over the input for the counts the checks need.
    rows = read_input(spark, a)
    t0 = time.time()
    c = rows.agg(F.count(F.lit(1)).alias("n"),
                 F.sum(F.col("bad").cast("long")).alias("bad"),
                 F.sum(F.col("id").isNull().cast("long")).alias("null_id"),
                 F.sum(F.col("text").isNull().cast("long")).alias("null_text"),
                 F.sum((F.col("text").isNull() & F.col("id").isNotNull()).cast("long"))
                 .alias("null_text_kept")).first()
    t_count = time.time() - t0
    n_in, n_bad, n_null_id = c["n"], c["bad"] or 0, c["null_id"] or 0
    log(f"input: {n_in} rows ({n_bad} unreadable, {n_null_id} without id, "
        f"{c['null_text'] or 0} with null text), counted in {t_count:.1f}s")
    if n_null_id:
        if not a.drop_null_ids:
            log(f"error: {n_null_id} input rows have no `{a.id_col}` (or are unreadable); "
                "fill the ids, or pass --drop-null-ids")
            spark.stop()
            return 2
        rows = rows.where(F.col("id").isNotNull())
    n_null_text = c["null_text_kept"] or 0
    n_kept = n_in - n_null_id
    n_expected = n_kept - (n_null_text if a.null_text == "skip" else 0)

    out, n_parts = label(spark, a, rows.select("id", "text"), cmd, env, heads)
    log(f"piping {n_parts} partitions")
    writer = out.write.mode("overwrite" if a.overwrite else "errorifexists")
    t0 = time.time()
    if a.output_format == "parquet":
        writer.parquet(a.output)
    else:
        writer.json(a.output)  # null fields (error on good rows) are left out of each line
    t_label = time.time() - t0
    log(f"labeled and written in {t_label:.1f}s")

    # Checks, on what was written.
    t0 = time.time()
    written = (spark.read.parquet(a.output) if a.output_format == "parquet"
               else spark.read.schema(out.schema).json(a.output))
    w = written.agg(F.count(F.lit(1)).alias("n"),
                    F.sum(F.col("error").isNotNull().cast("long")).alias("err")).first()
    n_out, n_err = w["n"], w["err"] or 0
    expected_ids = rows if a.null_text == "error" else rows.where(F.col("text").isNotNull())
    expected_ids = expected_ids.select("id")
    got_ids = written.select(F.col(a.id_col).alias("id"))
    missing = expected_ids.join(got_ids, "id", "left_anti").count()
    extra = got_ids.join(expected_ids, "id", "left_anti").count()
    t_verify = time.time() - t0

    rows_ok = n_out == n_expected
    ids_ok = rows_ok and missing == 0 and extra == 0
    summary = {
        "input": a.input, "output": a.output, "output_format": a.output_format,
        "partitions": n_parts,
        "input_rows": n_in, "input_unreadable": n_bad, "input_null_id": n_null_id,
        "input_null_text": n_null_text, "null_text": a.null_text,
        "expected_rows": n_expected, "output_rows": n_out, "error_records": n_err,
        "ids_missing": missing, "ids_extra": extra, "ids_intact": ids_ok,
        "threads_per_task": a.threads_per_task, "heads": heads,
        "count_s": round(t_count, 2), "label_wall_s": round(t_label, 2),
        "verify_s": round(t_verify, 2), "total_wall_s": round(time.time() - t_start, 2),
        "rows_per_s": round(n_expected / t_label, 1) if t_label > 0 else None,
        "spark_version": spark.version, "master": sc.master,
        "default_parallelism": sc.defaultParallelism,
    }
    print(f"input rows:     {n_in}" + (f" ({n_null_id} without id dropped)" if n_null_id else ""))
    print(f"null texts:     {n_null_text} ({'error records' if a.null_text == 'error' else 'skipped'})")
    print(f"output rows:    {n_out} (expected {n_expected})")
    print(f"error records:  {n_err}")
    print(f"ids intact:     {'yes' if ids_ok else 'NO'} (missing {missing}, unexpected {extra})")
    print(f"label wall:     {t_label:.1f} s  ({summary['rows_per_s']} rows/s; input read, "
          "pipe and write)")
    print(f"total wall:     {summary['total_wall_s']:.1f} s (with probe, input count and checks)")
    if a.summary_json:
        with open(a.summary_json, "w") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
    spark.stop()
    if not ids_ok:
        return 1
    if n_err and a.fail_on_error_records:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
