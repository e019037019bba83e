#!/usr/bin/env bash
# shrink-reproduces.sh APCB OUT MODE IMPL TRACE: `apcb shrink MODE IMPL TRACE` (MODE: --sut or
# --sut-cmd) writes OUT, a smaller trace on which the implementation, re-run with `apcb check MODE
# IMPL`, still diverges, at OUT's last step; plain `apcb check OUT` (the implementation's recorded
# observations against the reference) diverges at that step too. Prints the step counts and
# "reproduces"; exits 1 otherwise.
set -uo pipefail
apcb=$1 out=$2 mode=$3 impl=$4 trace=$5
# A trace's number of steps, as apcb counts them: `apcb run -` as a command conforms on every step.
steps() { "$apcb" check --sut-cmd "$apcb run -" "$1" | sed -nE 's/.* conforms \(([0-9]+) steps compared, 0 skipped.*/\1/p'; }
before=$(steps "$trace")
"$apcb" shrink "$mode" "$impl" "$trace" >"$out"; rc=$?
[[ $rc == 1 ]] || { echo "shrink exited $rc (expected 1)"; exit 1; }
after=$(steps "$out")
echo "steps: $before -> $after"
[[ -n $before && -n $after && $after -ge 1 && $after -lt $before ]] || { echo "not smaller"; exit 1; }
report=$("$apcb" check "$mode" "$impl" "$out"); rc=$?
head -1 <<<"$report"
[[ $rc == 1 ]] || { echo "check $mode exited $rc on the shrunk trace (expected 1: it must still diverge)"; exit 1; }
grep -qE "^[^ ]*:[0-9]+: .* diverges at step $after\$" <<<"$(head -1 <<<"$report")" ||
  { echo "the implementation does not diverge at the last step ($after)"; exit 1; }
plain=$("$apcb" check "$out"); rc=$?
head -1 <<<"$plain"
[[ $rc == 1 ]] && grep -q "divergence at step $after\$" <<<"$(head -1 <<<"$plain")" ||
  { echo "apcb check (expectations) does not diverge at the last step ($after)"; exit 1; }
echo "reproduces"
