#!/usr/bin/env bash
# recorded-shrink-loses.sh APCB AS_COMMAND PLUGIN TRACE OUT: what shrinking against recorded
# answers does to a stateful bug. Records PLUGIN's observations on TRACE (apcb_plugin_as_command),
# checks that they diverge from the reference, shrinks them with plain `apcb shrink` (no --sut) to
# OUT, and re-runs the plugin on OUT with `apcb check --sut`. Prints that check's verdict and
# "not a reproducer" when the plugin conforms on OUT (exit 0): the shrink lost the bug. Exits 1
# on any other outcome.
set -uo pipefail
apcb=$1 as_command=$2 plugin=$3 trace=$4 out=$5
"$as_command" "$plugin" <"$trace" >"$out.recorded" || { echo "recording failed"; exit 1; }
"$apcb" check "$out.recorded" >/dev/null; rc=$?
[[ $rc == 1 ]] || { echo "the recorded answers do not diverge (check exited $rc)"; exit 1; }
"$apcb" shrink "$out.recorded" >"$out" 2>"$out.stderr"; rc=$?
[[ $rc == 1 ]] || { echo "shrink exited $rc"; exit 1; }
grep -q "the implementation is not re-run" "$out.stderr" || { echo "shrink did not warn that it does not re-run"; exit 1; }
grep -E "^# apcb shrink" "$out"
"$apcb" check "$out" | head -1   # the recorded expectation still diverges from the reference ...
"$apcb" check --sut "$plugin" "$out"; rc=$?   # ... but the plugin itself does not
[[ $rc == 0 ]] && echo "not a reproducer" || { echo "check --sut exited $rc"; exit 1; }
