#!/usr/bin/env bash
# Runs the fuzz campaign: each target (or the ones named) for SECONDS (default 960 s),
# one after another, from the committed seeds plus whatever corpus earlier runs grew.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#   fuzz/run-campaign.sh [SECONDS] [TARGET...]
# Logs go to fuzz/logs/<target>.log; failing inputs to fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-960}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(text_pipeline article_reader model_file data_readers)
mkdir -p logs
# Safe Rust gains little from AddressSanitizer, which slows execution 2-3x; only the model
# loader keeps it, for -malloc_limit_mb (which needs the sanitizer's allocator).
cargo +nightly fuzz build -O -s none
cargo +nightly fuzz build -O model_file
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  max_len=16384 sanitizer=none
  [ "$t" = model_file ] && max_len=65536 sanitizer=address
  echo "== $t: ${secs}s" >&2
  # -malloc_limit_mb: no single allocation may exceed 64 MB (inputs are at most 64 KB).
  cargo +nightly fuzz run -O -s "$sanitizer" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=2048 -malloc_limit_mb=64 \
    -timeout=10 -print_final_stats=1 2>&1 | tee "logs/$t.log" | grep -E "^#[0-9]+.*(DONE|pulse)|SUMMARY|ERROR|panicked|stat::" >&2 || true
done
