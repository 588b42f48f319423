#!/usr/bin/env python3
"""Side-by-side comparison of framing against scikit-learn and fastText.

Trains every system on TRAIN, labels TEST and reports fit time, prediction
throughput, peak RSS and accuracy. Each system runs in its own child process
(so peak RSS is per system); runs alternate between systems and medians are
reported. See benches/README.md.

    benches/.venv/bin/python benches/compare.py --train TRAIN.jsonl \
        --test TEST.jsonl --label label [--per-target target --semeval-favg]

Internal: `compare.py --worker SYSTEM --spec SPEC.json --result OUT.json` runs
one Python system inside a child process.
"""

import os

# Python peers run with two threads. This must happen before numpy is imported
# (the worker imports it lazily, and children inherit the environment).
# The BLAS/OpenMP pools follow --blas-threads (passed to workers as
# COMPARE_BLAS_THREADS); fastText always gets PY_THREADS.
PY_THREADS = 2
BLAS_THREADS = int(os.environ.get("COMPARE_BLAS_THREADS", PY_THREADS))
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
for _var in BLAS_VARS:
    os.environ[_var] = str(BLAS_THREADS)

import argparse
import json
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALL_SYSTEMS = ["framing", "sklearn-word", "sklearn-wordchar", "fasttext"]
PY_SYSTEMS = ALL_SYSTEMS[1:]
REPO_ROOT = Path(__file__).resolve().parent.parent
WARNED = set()


# --------------------------------------------------------------------------
# data

def read_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: bad JSON: {e}")
    return rows


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False))
            f.write("\n")


def usable(rows, text_field, label_field, what):
    """Rows with a string text and a non-null label; warns about the rest."""
    keep = [r for r in rows
            if isinstance(r.get(text_field), str) and r.get(label_field) is not None]
    if len(keep) != len(rows):
        print(f"warning: {what}: dropped {len(rows) - len(keep)} rows without "
              f"{text_field!r} or {label_field!r}", file=sys.stderr)
    return keep


def prepare_groups(args, tmp):
    """Writes per-group train/test files; returns (groups, gold labels in pooled order).

    Each group is {"name", "train", "test", "n_train", "n_test"}. Test files hold
    only the text field, so no system can see the gold label. Without
    --per-target there is a single group holding everything.
    """
    train = usable(read_jsonl(args.train), args.text_field, args.label, "train")
    test = usable(read_jsonl(args.test), args.text_field, args.label, "test")
    if args.per_target:
        names = sorted({str(r.get(args.per_target)) for r in train})
        test_names = {str(r.get(args.per_target)) for r in test}
        missing = sorted(test_names - set(names))
        if missing:
            sys.exit(f"test values of {args.per_target!r} with no training rows: {missing}")
        names = [n for n in names if n in test_names]
        key = lambda r: str(r.get(args.per_target))
    else:
        names = ["all"]
        key = lambda r: "all"

    groups, gold = [], []
    for i, name in enumerate(names):
        tr = [r for r in train if key(r) == name]
        te = [r for r in test if key(r) == name]
        g = {"name": name, "train": str(tmp / f"train_{i}.jsonl"),
             "test": str(tmp / f"test_{i}.jsonl"), "n_train": len(tr), "n_test": len(te),
             "n_pred": len(te) * args.predict_repeat}
        write_jsonl(g["train"], tr)
        # The test rows, repeated --predict-repeat times: throughput is measured over all
        # copies (amortizing process start-up), accuracy over the first.
        write_jsonl(g["test"], [{"id": k * len(te) + j, args.text_field: r[args.text_field]}
                                for k in range(args.predict_repeat)
                                for j, r in enumerate(te)])
        gold.extend(str(r[args.label]) for r in te)
        groups.append(g)
    return groups, gold


# --------------------------------------------------------------------------
# child processes

def gnu_time():
    """Path of GNU time if it works here (it reports a child's own peak RSS)."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile("r") as f:
        ok = subprocess.run([path, "-f", "%M", "-o", f.name, "true"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode == 0
        return path if ok and f.read().strip().isdigit() else None


GNU_TIME = None  # set by main()


def vm_hwm_kib(pid="self"):
    """Peak RSS of a live process's current address space, in KiB (None if gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run_child(cmd, env=None, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (wall seconds, peak RSS MB, stderr text). Exits on failure.

    Peak RSS is NOT taken from wait4/RUSAGE_CHILDREN: on Linux, exec carries the
    parent's high-water mark into the child's ru_maxrss, so every child would
    report at least this (large) Python process's RSS. GNU time forks the
    command from its own tiny process and reports the command's figure; without
    it, a thread polls /proc/PID/status VmHWM (peak of the exec'd image).
    """
    import threading
    with tempfile.NamedTemporaryFile("w+b") as err, tempfile.NamedTemporaryFile("r") as rss:
        full = [GNU_TIME, "-f", "%M", "-o", rss.name] + list(cmd) if GNU_TIME else list(cmd)
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=stdout, stderr=err, env=env)
        peak = [0]
        if not GNU_TIME:
            def poll():
                while True:
                    v = vm_hwm_kib(p.pid)
                    if v is None:
                        return
                    peak[0] = max(peak[0], v)
                    time.sleep(0.002)
            th = threading.Thread(target=poll, daemon=True)
            th.start()
        p.wait()
        wall = time.perf_counter() - t0
        if GNU_TIME:
            lines = [l for l in rss.read().splitlines() if l.strip()]
            peak[0] = int(lines[-1]) if lines and lines[-1].strip().isdigit() else 0
        else:
            th.join()
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {shlex.join(map(str, cmd))}\n{text}")
    return wall, peak[0] / 1024.0, text


def run_framing(args, groups, tmp):
    extra = shlex.split(args.framing_args or "")
    if not any(a in ("--c", "-C") or a.startswith(("--c=", "-C")) for a in extra):
        extra = ["--c", str(args.c)] + extra
    env = dict(os.environ)
    if args.framing_threads:
        env["RAYON_NUM_THREADS"] = str(args.framing_threads)
    fit_s = predict_s = fit_rss = predict_rss = 0.0
    preds = []
    for i, g in enumerate(groups):
        model = tmp / f"framing_{i}.model"
        out = tmp / f"framing_{i}.pred.jsonl"
        # Unlabeled texts for the vocabulary: the other groups' training files.
        vocab = [a for o in groups if o is not g and args.framing_vocab_other_groups
                 for a in ("--vocab-data", o["train"])]
        wall, rss, _ = run_child(
            [args.framing, "train", "--data", g["train"], "--text-field", args.text_field,
             "--label", args.label, "--out", str(model)] + vocab + extra, env=env)
        fit_s += wall
        fit_rss = max(fit_rss, rss)
        with open(out, "wb") as f:
            wall, rss, _ = run_child(
                [args.framing, "predict", "--model", str(model), g["test"],
                 "--text-field", args.text_field, "--format", "jsonl"], env=env, stdout=f)
        predict_s += wall
        predict_rss = max(predict_rss, rss)
        got = read_jsonl(out)
        if len(got) != g["n_pred"]:
            sys.exit(f"framing predict wrote {len(got)} records for {g['n_pred']} inputs ({out})")
        if any(r.get("id") != k for k, r in enumerate(got)):
            sys.exit(f"framing predict changed the order or ids of records ({out})")
        preds.extend(None if r.get(args.label) is None else str(r[args.label])
                     for r in got[:g["n_test"]])
    return {"fit_s": fit_s, "predict_s": predict_s, "peak_rss_mb": max(fit_rss, predict_rss),
            "fit_rss_mb": fit_rss, "predict_rss_mb": predict_rss, "preds": preds}


def run_python(system, args, groups, tmp):
    spec = tmp / "spec.json"
    result = tmp / f"result_{system}.json"
    spec.write_text(json.dumps({"groups": groups, "text_field": args.text_field,
                                "label": args.label, "c": args.c}))
    env = dict(os.environ, COMPARE_BLAS_THREADS=str(args.blas_threads))
    for var in BLAS_VARS:
        env[var] = str(args.blas_threads)
    _, rss, err = run_child([sys.executable, str(Path(__file__).resolve()), "--worker", system,
                             "--spec", str(spec), "--result", str(result)], env=env)
    r = json.loads(result.read_text())
    r["peak_rss_mb"] = rss
    if err.strip() and system not in WARNED:  # e.g. ConvergenceWarning; show once per system
        WARNED.add(system)
        print(f"{system} stderr:\n{err.rstrip()}", file=sys.stderr)
    return r


# --------------------------------------------------------------------------
# Python systems (run inside the worker process)

def fasttext_line(text):
    return " ".join(text.lower().split())  # lowercase; newlines and runs of blanks -> one space


def worker(system, spec_path, result_path):
    from threadpoolctl import threadpool_limits
    # Import only what this system needs, so its baseline RSS is its own.
    if system == "fasttext":
        import fasttext
    else:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

    threadpool_limits(BLAS_THREADS)
    base_mb = vm_hwm_kib() / 1024.0  # interpreter + imports
    spec = json.loads(Path(spec_path).read_text())
    tf, lf, c = spec["text_field"], spec["label"], spec["c"]

    def word():
        return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)

    def make_sklearn():
        if system == "sklearn-word":
            feats = word()
        else:
            feats = FeatureUnion([
                ("word", word()),
                ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                         sublinear_tf=True, min_df=2)),
            ])
        return Pipeline([("tfidf", feats), ("lr", LogisticRegression(C=c, max_iter=1000))])

    fit_s = predict_s = 0.0
    preds = []
    with tempfile.TemporaryDirectory(prefix="compare-ft-") as ftdir:
        for i, g in enumerate(spec["groups"]):
            train = read_jsonl(g["train"])
            x_train = [r[tf] for r in train]
            y_train = [str(r[lf]) for r in train]
            x_test = [r[tf] for r in read_jsonl(g["test"])]

            if system == "fasttext":
                # fastText labels cannot hold spaces: use class indices as labels.
                classes = sorted(set(y_train))
                index = {y: k for k, y in enumerate(classes)}
                path = os.path.join(ftdir, f"train_{i}.txt")
                t0 = time.perf_counter()
                with open(path, "w", encoding="utf-8") as f:
                    for x, y in zip(x_train, y_train):
                        f.write(f"__label__{index[y]} {fasttext_line(x)}\n")
                model = fasttext.train_supervised(
                    input=path, wordNgrams=2, epoch=25, lr=0.5, dim=50, thread=PY_THREADS,
                    loss="softmax", minCount=1, verbose=0, seed=0)
                fit_s += time.perf_counter() - t0
                t0 = time.perf_counter()
                labels, _ = model.predict([fasttext_line(x) for x in x_test], k=1)
                predict_s += time.perf_counter() - t0
                preds.extend(classes[int(ls[0][len("__label__"):])]
                             for ls in labels[:g["n_test"]])
            else:
                model = make_sklearn()
                t0 = time.perf_counter()
                model.fit(x_train, y_train)
                fit_s += time.perf_counter() - t0
                t0 = time.perf_counter()
                p = model.predict(x_test)  # vectorizer.transform + LR predict
                predict_s += time.perf_counter() - t0
                preds.extend(str(v) for v in p[:g["n_test"]])
            del model  # free it before the next group's model is built

    Path(result_path).write_text(json.dumps(
        {"fit_s": fit_s, "predict_s": predict_s, "baseline_rss_mb": base_mb, "preds": preds}))


# --------------------------------------------------------------------------
# scoring and reporting

def score(gold, preds, semeval):
    from sklearn.metrics import accuracy_score, f1_score
    missing = "<none>"
    preds = [missing if p is None else p for p in preds]
    labels = sorted(set(gold) | set(preds) - {missing})
    out = {"accuracy": accuracy_score(gold, preds),
           "macro_f1": f1_score(gold, preds, labels=labels, average="macro", zero_division=0)}
    if semeval:
        f = f1_score(gold, preds, labels=["FAVOR", "AGAINST"], average=None, zero_division=0)
        out["f_avg"] = float(f.mean())
    return out


def versions():
    v = {"python": platform.python_version(), "machine": platform.machine(),
         "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    v["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from importlib import metadata
    for dist in ("numpy", "scipy", "scikit-learn", "fasttext", "fasttext-wheel"):
        try:
            v[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return v


def fmt_table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).rjust(w) if i else str(x).ljust(w)
                               for i, (x, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", help="training JSONL")
    ap.add_argument("--test", help="test JSONL")
    ap.add_argument("--label", help="label field")
    ap.add_argument("--text-field", default="text", help="text field (default: text)")
    ap.add_argument("--framing", default=None,
                    help="framing binary (default: target/release/framing of this repo)")
    ap.add_argument("--framing-args", default="", help="extra arguments for `framing train`")
    ap.add_argument("--framing-vocab-other-groups", action="store_true",
                    help="with --per-target: fit each framing model's vocabulary on the other "
                         "targets' training texts too (`--vocab-data`)")
    ap.add_argument("--framing-threads", type=int, default=PY_THREADS,
                    help="RAYON_NUM_THREADS for framing (default: %(default)s; 0 = unset)")
    ap.add_argument("--blas-threads", type=int, default=PY_THREADS,
                    help="OMP/OpenBLAS/MKL threads of the Python peers (default: %(default)s). "
                         "On a loaded machine 2 OpenBLAS threads can slow lbfgs ~30x; try 1")
    ap.add_argument("--runs", type=int, default=3, help="runs per system (default: 3)")
    ap.add_argument("--c", type=float, default=10.0, help="inverse regularisation C (default: 10)")
    ap.add_argument("--semeval-favg", action="store_true",
                    help="also report F_avg = (F1(FAVOR) + F1(AGAINST)) / 2")
    ap.add_argument("--per-target", metavar="FIELD",
                    help="train and test one model per distinct value of FIELD, pool predictions")
    ap.add_argument("--systems", default=",".join(ALL_SYSTEMS),
                    help="comma-separated subset of: " + ",".join(ALL_SYSTEMS))
    ap.add_argument("--predict-repeat", type=int, default=1, metavar="N",
                    help="predict the test rows N times over for the throughput figure "
                         "(accuracy uses the first copy; default 1)")
    ap.add_argument("--json", metavar="OUT", help="write every number to OUT")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        worker(args.worker, args.spec, args.result)
        return
    if not (args.train and args.test and args.label):
        ap.error("--train, --test and --label are required")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in ALL_SYSTEMS]
    if unknown or not systems:
        ap.error(f"unknown systems {unknown}; choose from {ALL_SYSTEMS}")
    if "framing" in systems:
        if args.framing is None:
            args.framing = str(REPO_ROOT / "target" / "release" / "framing")
        if not os.access(args.framing, os.X_OK):
            sys.exit(f"framing binary not found: {args.framing} "
                     "(build it with `cargo build --release -p framing-cli`, "
                     "or pass --systems without framing)")
        args.framing = str(Path(args.framing).resolve())

    global GNU_TIME
    GNU_TIME = gnu_time()
    with tempfile.TemporaryDirectory(prefix="compare-") as tmpname:
        tmp = Path(tmpname)
        groups, gold = prepare_groups(args, tmp)
        n_test = len(gold)
        print(f"train {args.train}: {sum(g['n_train'] for g in groups)} rows; "
              f"test {args.test}: {n_test} rows; {len(groups)} model(s) per system"
              + (f" (one per {args.per_target}: {', '.join(g['name'] for g in groups)})"
                 if args.per_target else ""), flush=True)

        runs = {s: [] for s in systems}
        for r in range(args.runs):
            order = systems[r % len(systems):] + systems[:r % len(systems)]  # rotate the start
            for s in order:
                res = (run_framing(args, groups, tmp) if s == "framing"
                       else run_python(s, args, groups, tmp))
                if len(res["preds"]) != n_test:
                    sys.exit(f"{s}: {len(res['preds'])} predictions for {n_test} test rows")
                res.update(score(gold, res.pop("preds"), args.semeval_favg))
                n_pred = n_test * args.predict_repeat
                res["docs_per_s"] = n_pred / res["predict_s"] if res["predict_s"] > 0 else None
                runs[s].append(res)
                print(f"  run {r + 1}/{args.runs} {s:<16} fit {res['fit_s']:7.2f}s  "
                      f"predict {res['predict_s']:7.3f}s  peak {res['peak_rss_mb']:6.0f} MB  "
                      f"acc {res['accuracy']:.4f}", file=sys.stderr, flush=True)

    keys = ["fit_s", "predict_s", "docs_per_s", "peak_rss_mb", "accuracy", "macro_f1"]
    if args.semeval_favg:
        keys.append("f_avg")
    med = {s: {k: statistics.median(x[k] for x in runs[s]) for k in keys} for s in systems}

    header = ["system", "fit s", "predict docs/s", "peak RSS MB", "accuracy", "macro-F1"]
    if args.semeval_favg:
        header.append("F_avg")
    rows = []
    for s in systems:
        m = med[s]
        row = [s, f"{m['fit_s']:.3f}", f"{m['docs_per_s']:,.0f}", f"{m['peak_rss_mb']:.0f}",
               f"{m['accuracy']:.4f}", f"{m['macro_f1']:.4f}"]
        if args.semeval_favg:
            row.append(f"{m['f_avg']:.4f}")
        rows.append(row)
    print(f"\nmedians of {args.runs} run(s); C={args.c:g}; fastText {PY_THREADS} threads, "
          f"BLAS {args.blas_threads} thread(s); framing "
          f"RAYON_NUM_THREADS={args.framing_threads or 'unset'}")
    print(fmt_table(header, rows))

    ratios = {}
    if "framing" in systems and len(systems) > 1:
        f = med["framing"]
        for s in systems:
            if s == "framing":
                continue
            ratios[s] = {"fit_time": f["fit_s"] / med[s]["fit_s"],
                         "predict_throughput": f["docs_per_s"] / med[s]["docs_per_s"]}
        print("\nframing / peer (fit time: < 1 means framing is faster; "
              "predict throughput: > 1 means framing is faster)")
        print(fmt_table(["peer", "fit time", "predict docs/s"],
                        [[s, f"{r['fit_time']:.2f}x", f"{r['predict_throughput']:.2f}x"]
                         for s, r in ratios.items()]))

    if args.json:
        out = {
            "config": {k: getattr(args, k) for k in (
                "train", "test", "label", "text_field", "framing", "framing_args",
                "framing_threads", "framing_vocab_other_groups", "blas_threads", "runs", "c", "semeval_favg", "per_target")}
            | {"systems": systems, "fasttext_threads": PY_THREADS,
               "rss_method": "GNU time %M" if GNU_TIME else "VmHWM polling", "n_test": n_test,
               "groups": [{k: g[k] for k in ("name", "n_train", "n_test")} for g in groups]},
            "environment": versions(),
            "medians": med,
            "runs": runs,
            "ratios_framing_over_peer": ratios,
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
