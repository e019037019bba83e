#!/usr/bin/env bash
# A plugin's crash, hang or exit is a finding whose reproducer reproduces it:
#   finding-reproduces.sh APCB PLUGIN MODEL_PLUGIN TRACE WORKDIR STEP [apcb check options...]
# runs `apcb check --sut PLUGIN TRACE` in the empty folder WORKDIR and asserts: exit 1; the
# reproducer <trace name>.step<STEP>.reproducer.trace is written there (and named in the
# report); it holds exactly STEP steps (the model plugin conforms on it comparing STEP steps);
# and `apcb check --sut PLUGIN` on it gives the same finding at its own step STEP. Prints both
# reports, then "reproduces" when every assertion holds, for the ctest's regular expression.
set -u
apcb=$1 plugin=$2 model_plugin=$3 trace=$4 workdir=$5 step=$6
shift 6
rm -rf "$workdir" && mkdir -p "$workdir" && cd "$workdir" || exit 2
name=$(basename "$trace" .trace)
reproducer="$name.step$step.reproducer.trace"

first=$("$apcb" check --sut "$plugin" "$@" "$trace" 2>&1)
first_exit=$?
printf 'first run (exit %s):\n%s\n' "$first_exit" "$first"
[ "$first_exit" = 1 ] || { echo "FAIL: the first run exited $first_exit, not 1"; exit 1; }
[ -f "$reproducer" ] || { echo "FAIL: no reproducer $reproducer in $workdir"; exit 1; }
grep -qF "reproducer: $reproducer " <<<"$first" || { echo "FAIL: the report does not name $reproducer"; exit 1; }
# No temporary file of the atomic write is left behind.
leftovers=$(find . -name '.apcb-*' | head -1)
[ -z "$leftovers" ] || { echo "FAIL: temporary file left: $leftovers"; exit 1; }

steps=$("$apcb" check --sut "$model_plugin" "$reproducer" 2>&1)
grep -q "conforms ($step steps\? compared, 0 skipped" <<<"$steps" ||
  { echo "FAIL: the reproducer does not hold exactly $step steps: $steps"; exit 1; }

second=$("$apcb" check --sut "$plugin" "$@" --reproducer again.trace "$reproducer" 2>&1)
second_exit=$?
printf 'second run, on the reproducer (exit %s):\n%s\n' "$second_exit" "$second"
[ "$second_exit" = 1 ] || { echo "FAIL: the second run exited $second_exit, not 1"; exit 1; }
# The same finding: the headline after "FILE:LINE: " is the same.
headline() { head -1 <<<"$1" | sed 's/^[^ ]*: //'; }
[ "$(headline "$first")" = "$(headline "$second")" ] ||
  { echo "FAIL: different findings: '$(headline "$first")' vs '$(headline "$second")'"; exit 1; }
grep -q "^$reproducer:[0-9]*: " <<<"$second" || { echo "FAIL: the second report does not name $reproducer:LINE"; exit 1; }
echo "reproduces"
