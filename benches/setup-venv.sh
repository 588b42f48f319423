#!/usr/bin/env bash
# Create benches/.venv with the pinned Python peers used by benches/compare.py.
#
#   benches/setup-venv.sh            # create (or update) the venv
#   PYTHON=python3.12 benches/setup-venv.sh
#   WITH_SPARK=1 benches/setup-venv.sh   # also pyspark, for examples/spark and spark_bench.sh
#
# The venv is git-ignored. pip honours PIP_FIND_LINKS (e.g. a local wheel cache).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

# Pinned versions. numpy stays on 1.26 because fastText's Python wrapper still
# calls np.array(..., copy=False), which numpy 2 rejects.
NUMPY=1.26.4
SCIPY=1.17.1
SKLEARN=1.9.1
PSUTIL=7.2.2
FASTTEXT=0.9.3          # sdist, compiled locally (needs a C++ compiler)
FASTTEXT_WHEEL=0.9.2    # prebuilt fallback
# Optional (WITH_SPARK=1): ~490 MB installed (it bundles Spark's jars) and needs Java 17+,
# so it is not installed by default. Used only by examples/spark and benches/spark_bench.sh.
PYSPARK=4.3.0

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip)

"${pip[@]}" install --quiet --upgrade pip setuptools wheel
"${pip[@]}" install --quiet \
    "numpy==$NUMPY" "scipy==$SCIPY" "scikit-learn==$SKLEARN" "psutil==$PSUTIL" pybind11

if "$venv/bin/python" -c 'import fasttext' 2>/dev/null; then
    echo "fasttext already installed"
elif "${pip[@]}" install --quiet --no-build-isolation "fasttext==$FASTTEXT"; then
    echo "installed fasttext==$FASTTEXT"
else
    echo "fasttext==$FASTTEXT failed to build; trying fasttext-wheel==$FASTTEXT_WHEEL" >&2
    "${pip[@]}" install --quiet "fasttext-wheel==$FASTTEXT_WHEEL"
fi

if [ "${WITH_SPARK:-0}" = 1 ]; then
    "${pip[@]}" install --quiet "pyspark==$PYSPARK"
    "$venv/bin/python" -c 'import pyspark; print("pyspark", pyspark.__version__)'
fi

# Smoke test: imports work and numpy was not upgraded by a dependency.
"$venv/bin/python" - <<'EOF'
import numpy, scipy, sklearn, psutil, fasttext
print("numpy", numpy.__version__, "| scipy", scipy.__version__,
      "| scikit-learn", sklearn.__version__, "| psutil", psutil.__version__,
      "| fasttext ok")
EOF
