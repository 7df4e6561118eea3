#!/usr/bin/env bash
# The test command (`make test`), with warnings as users have them:
#   1. every notebook with nbdev-test, as nbdev and its GitHub workflow run it (cells flagged slow or cuda skipped);
#   2. every notebook in a real Jupyter kernel, top to bottom, as learners run it in Jupyter or Colab (tools/run_notebooks.py);
#   3. the documentation site: nbdev-proc-nbs, the pages and their stored outputs, README.md (tools/check_site.py).
# 1 and 2 run side by side, each one notebook at a time with one PyTorch thread (OMP_NUM_THREADS=1): on two cores that
# keeps both cores busy through the single-threaded parts (imports, kernels starting, the browser) without two
# notebooks fighting over threads. TEST_THREADS sets the threads per runner. The last line is "N passed, N failed",
# counting notebooks and checks.
set -u
cd "$(dirname "$0")/.."
start=$(date +%s)
# The tutorials take the dataset from $PNEUMO_DATA, else download it: under the tests they run on the bundled sample,
# with tiny settings (their stored outputs were run on the full training split)
export PNEUMO_DATA="$PWD/pneumo_nb/sample"
python -c 'import sys, torch, torchvision, fastai, fastcore, nbdev; print(f"Python {sys.version.split()[0]}, torch {torch.__version__}, torchvision {torchvision.__version__}, fastai {fastai.__version__}, fastcore {fastcore.__version__}, nbdev {nbdev.__version__}")' 2>/dev/null
export OMP_NUM_THREADS="${TEST_THREADS:-1}"
logs=$(mktemp -d)
nbdev_runner() {
  find nbs -name '*.ipynb' -not -path '*/.*' -not -path '*/_*' | sort | while read -r nb; do
    log="$logs/$(echo "$nb" | tr / _).log"; s=$(date +%s)
    if nbdev-test "$nb" --n-workers 0 >"$log" 2>&1; then r=passed; else r=failed; fi
    echo "$r $(( $(date +%s) - s ))s nbdev-test $nb" | tee "$log.result"
  done
}
nbdev_runner & nbdev_pid=$!
python tools/run_notebooks.py > "$logs/kernel_run" 2>&1 & kernel_pid=$!
tail -f "$logs/kernel_run" --pid=$kernel_pid 2>/dev/null | grep --line-buffered -E '^(passed|failed) ' &
wait $nbdev_pid; wait $kernel_pid
sleep 1
for r in "$logs"/*.result; do
  if grep -q '^failed' "$r"; then echo; echo "=== $(cut -d' ' -f4 "$r") (nbdev-test) ==="; tail -n 60 "${r%.result}"; fi
done
nb_passed=$(cat "$logs"/*.result | grep -c '^passed' || true)
nb_failed=$(cat "$logs"/*.result | grep -c '^failed' || true)
grep -v -E '^(passed|failed) [0-9]+s ' "$logs/kernel_run"   # the kernel runner's failures, in full, and its count
echo "$nb_passed passed, $nb_failed failed (notebooks with nbdev-test)"
k_line=$(tail -n 1 "$logs/kernel_run")
rm -rf "$logs"
python tools/check_site.py | tee "${TMPDIR:-/tmp}/site_check.$$"
s_line=$(tail -n 1 "${TMPDIR:-/tmp}/site_check.$$"); rm -f "${TMPDIR:-/tmp}/site_check.$$"

count() { local v; v=$(echo "$1" | sed -n "s/^\([0-9]*\) passed, \([0-9]*\) failed.*/\\$2/p"); echo "${v:-$3}"; }   # a runner that did not report counts as one failure
passed=$(( nb_passed + $(count "$k_line" 1 0) + $(count "$s_line" 1 0) ))
failed=$(( nb_failed + $(count "$k_line" 2 1) + $(count "$s_line" 2 1) ))
echo "in $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
