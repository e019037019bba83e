#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the apcb authors
#
# The worked example of docs/checking-an-implementation.md, measured: drives
# examples/python/vfio_ap.py against apcb with generated traces.
#
#   find-and-shrink.sh APCB conforms [SEEDS]
#       with --fixed (both deliberate bugs off) the example conforms on `apcb gen` seeds
#       1..SEEDS (default 5) of 100 operations
#   find-and-shrink.sh APCB find BUG [MAX_SEEDS]
#       only BUG on (the other fixed): gen --ops 100 + check, seed after seed, until check
#       reports a divergence (at most MAX_SEEDS, default 50); prints the seed and the time
#   find-and-shrink.sh APCB find-and-shrink BUG [MAX_SEEDS]
#       the same, then `apcb shrink --sut-cmd` minimises that trace by re-running the example
#       on every candidate; prints the shrunk length and checks that the shrunk trace still
#       diverges with BUG on, conforms with --fixed, and has at most 8 steps
#
# Checking uses `apcb check --sut-cmd` when apcb has it, else the pipe
# `python3 vfio_ap.py | apcb check -`. KEEP=DIR keeps the traces (found.trace, shrunk.trace,
# the reports) in DIR. Exit 0 when every claim held, 1 when one did not, 2 on bad usage,
# 77 (ctest's skip) when find-and-shrink meets an apcb without shrink --sut-cmd.
set -u
here=$(cd "$(dirname "$0")" && pwd)
apcb=${1:?usage: find-and-shrink.sh APCB conforms [SEEDS] | find[-and-shrink] BUG [MAX_SEEDS]}
mode=${2:?usage: find-and-shrink.sh APCB conforms [SEEDS] | find[-and-shrink] BUG [MAX_SEEDS]}
python=${PYTHON:-python3}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

has_sut_cmd() { "$apcb" "$1" --help 2>/dev/null | grep -q -- '--sut-cmd'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# Steps of a trace: every line but the header, host init, comments, blanks and expectations.
steps() { grep -cvE '^[[:space:]]*($|#|apcb-trace|host init|=|\||commit |reset )' "$1"; }

# check_trace CMD TRACE REPORT: 0 conforms, 1 diverges, 2 trouble.
check_trace() {
  if has_sut_cmd check; then
    "$apcb" check --sut-cmd "$1" "$2" > "$3" 2>&1
  else
    sh -c "$1" < "$2" 2> "$3.stderr" | "$apcb" check - > "$3" 2>&1
  fi
}

case "$mode" in
  conforms)
    seeds=${3:-5}
    cmd="$python $here/vfio_ap.py --fixed"
    for seed in $(seq 1 "$seeds"); do
      "$apcb" gen --seed "$seed" --ops 100 --no-expect > "$work/gen.trace" || exit 2
      check_trace "$cmd" "$work/gen.trace" "$work/report"
      rc=$?
      if [ $rc -ne 0 ]; then
        echo "FAIL: vfio_ap.py --fixed on gen --seed $seed --ops 100 (check exit $rc):"
        cat "$work/report"
        exit 1
      fi
    done
    echo "conforms: vfio_ap.py --fixed on $seeds gen traces of 100 operations"
    ;;
  find|find-and-shrink)
    bug=${3:?find needs a bug name}
    max=${4:-50}
    bugs=$("$python" "$here/vfio_ap.py" --list-bugs) || exit 2
    printf '%s\n' "$bugs" | grep -qx -- "$bug" || { echo "no bug named $bug"; exit 2; }
    fix=$(printf '%s\n' "$bugs" | grep -vx -- "$bug" | sed 's/^/--fix /' | tr '\n' ' ')
    cmd="$python $here/vfio_ap.py ${fix% }"
    start=$(now)
    found=
    for seed in $(seq 1 "$max"); do
      "$apcb" gen --seed "$seed" --ops 100 --no-expect > "$work/found.trace" || exit 2
      check_trace "$cmd" "$work/found.trace" "$work/found.report"
      rc=$?
      [ $rc -eq 0 ] && continue
      [ $rc -eq 1 ] || { echo "FAIL: check exit $rc on seed $seed:"; cat "$work/found.report"; exit 1; }
      found=$seed
      break
    done
    end=$(now)
    if [ -z "$found" ]; then
      echo "FAIL: $bug not found in $max gen traces of 100 operations ($(elapsed "$start" "$end") s)"
      exit 1
    fi
    echo "found $bug: seed $found, $(elapsed "$start" "$end") s ($found traces of 100 operations, gen + check)"
    grep -m1 'divergence at step' "$work/found.report"
    [ "$mode" = find ] && exit 0
    if ! has_sut_cmd shrink; then
      echo "shrink: skipped (this apcb has no shrink --sut-cmd)"
      exit 77
    fi
    start=$(now)
    "$apcb" shrink --sut-cmd "$cmd" "$work/found.trace" > "$work/shrunk.trace" 2> "$work/shrink.stderr"
    rc=$?
    end=$(now)
    if [ $rc -ne 1 ]; then
      echo "FAIL: shrink --sut-cmd exit $rc (expected 1, a divergent minimal trace):"
      cat "$work/shrink.stderr"
      exit 1
    fi
    n=$(steps "$work/shrunk.trace")
    echo "shrunk $bug: $n steps ($(elapsed "$start" "$end") s)"
    check_trace "$cmd" "$work/shrunk.trace" "$work/shrunk.report"
    rc=$?
    if [ $rc -ne 1 ]; then
      echo "FAIL: the shrunk trace does not reproduce (check exit $rc):"
      cat "$work/shrunk.trace" "$work/shrunk.report"
      exit 1
    fi
    if ! check_trace "$python $here/vfio_ap.py --fixed" "$work/shrunk.trace" "$work/fixed.report"; then
      echo "FAIL: the shrunk trace diverges with --fixed too:"
      cat "$work/fixed.report"
      exit 1
    fi
    echo "reproduces: the shrunk trace diverges with $bug on and conforms with --fixed"
    if [ "$n" -gt 8 ]; then
      echo "FAIL: shrunk to $n steps, more than 8"
      exit 1
    fi
    ;;
  *)
    echo "usage: find-and-shrink.sh APCB conforms [SEEDS] | find[-and-shrink] BUG [MAX_SEEDS]"
    exit 2
    ;;
esac
