#!/usr/bin/env bash
# Run every notebook in nbs/ as a test with nbdev-test (cells flagged slow or cuda are skipped, see tst_flags in
# pyproject.toml), two notebooks at a time, and end with one line: "N passed, N failed" (notebooks).
set -u
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONWARNINGS=ignore
logs=$(mktemp -d)
ls nbs/*.ipynb | xargs -P "${NB_WORKERS:-2}" -I{} sh -c '
  nb="{}"; log="'"$logs"'/$(basename "$nb").log"; start=$(date +%s)
  if nbdev-test "$nb" --n-workers 0 >"$log" 2>&1; then r=passed; else r=failed; fi
  echo "$r $(( $(date +%s) - start ))s $nb" | tee "$log.result"'
passed=$(cat "$logs"/*.result | grep -c '^passed' || true)
failed=$(cat "$logs"/*.result | grep -c '^failed' || true)
for r in "$logs"/*.result; do
  if grep -q '^failed' "$r"; then echo; echo "=== $(cut -d' ' -f3 "$r") ==="; tail -n 60 "${r%.result}"; fi
done
rm -rf "$logs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
