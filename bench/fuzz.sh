#!/usr/bin/env bash
# Hostile-input fuzzing at volume: the properties of tests/unit/intake/test_fuzz.py with N cases each (default 20,000; six
# properties, so 120,000 cases), with Hypothesis's statistics. Peak memory of the run is printed at the end.
#   bench/fuzz.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
export SVS_FUZZ_EXAMPLES="${1:-20000}" PYTHONWARNINGS=ignore
/usr/bin/time -v .venv/bin/python -m pytest -q -p no:cacheprovider -W ignore tests/unit/intake/test_fuzz.py \
  --hypothesis-show-statistics 2>&1 | grep -E "passed|failed|test_|- [0-9]+ passing|Maximum resident|Elapsed|Typical runtimes|invalid|%, "
