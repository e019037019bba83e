#!/usr/bin/env bash
# same-divergence.sh APCB AS_COMMAND PLUGIN TRACE: `apcb check --sut PLUGIN` and `apcb check
# --sut-cmd 'AS_COMMAND PLUGIN'` (the plugin wrapped as a command, sut/plugin_as_command.cpp)
# both exit 1 and report the divergence at the same step with the same two observations.
# Prints both verdict lines and "same divergence"; exits 1 otherwise.
set -uo pipefail
apcb=$1 as_command=$2 plugin=$3 trace=$4
sut=$("$apcb" check --sut "$plugin" "$trace"); sut_rc=$?
cmd=$("$apcb" check --sut-cmd "$as_command $plugin" "$trace"); cmd_rc=$?
head -1 <<<"$sut"
head -1 <<<"$cmd"
[[ $sut_rc == 1 && $cmd_rc == 1 ]] || { echo "exit codes: --sut $sut_rc, --sut-cmd $cmd_rc (both must be 1)"; exit 1; }
step() { head -1 | grep -o 'diverges at step [0-9]*'; }
s1=$(step <<<"$sut") s2=$(step <<<"$cmd")
[[ -n $s1 && $s1 == "$s2" ]] || { echo "not the same step: '$s1' / '$s2'"; exit 1; }
# Everything after the first line (the operation, both observations, the states) is the same.
[[ "$(tail -n +2 <<<"$sut")" == "$(tail -n +2 <<<"$cmd")" ]] || { echo "the reports differ after the first line"; exit 1; }
echo "same divergence: $s1"
