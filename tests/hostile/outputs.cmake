# Hostile output paths (issue 13): every file apcb writes is written atomically; an unwritable
# path is found before the run; a failed write leaves an existing file exactly as it was.
set(hostile_cli ${PROJECT_SOURCE_DIR}/tests/cli)
set(hostile_small_verify verify --skip proofs --skip fuzz --sequences 5 --ops 20)
# The same inside a bash -c script (a CMake list there would read as `verify;--skip;...`).
string(REPLACE ";" " " hostile_small_verify_sh "${hostile_small_verify}")

# An unwritable --json is found before any layer runs (no "verify: property" progress line).
add_test(NAME hostile_outputs_verify_unwritable_json_is_found_first COMMAND bash -c
  "\"$0\" ${hostile_small_verify_sh} --json /nonexistent-dir/v.json 2>&1 | grep -v '^verify: '; echo \"exit=\${PIPESTATUS[0]}\"" $<TARGET_FILE:apcb>)
set_tests_properties(hostile_outputs_verify_unwritable_json_is_found_first PROPERTIES PASS_REGULAR_EXPRESSION
  "^/nonexistent-dir/v.json: cannot write: No such file or directory\nexit=2\n$")
apcb_cli_test(hostile_outputs_verify_json_onto_its_ledger_is_refused 2 "would overwrite the ledger it reads"
  ${hostile_small_verify} --ledger ${hostile_cli}/ledger-at-the-records.json --json ${hostile_cli}/./ledger-at-the-records.json)
add_test(NAME hostile_outputs_verify_out_naming_a_file COMMAND bash -c
  "echo keep >out-file; \"$0\" ${hostile_small_verify_sh} --out out-file 2>&1; echo \"exit=$?\"; cat out-file" $<TARGET_FILE:apcb>)
set_tests_properties(hostile_outputs_verify_out_naming_a_file PROPERTIES PASS_REGULAR_EXPRESSION
  "out-file: cannot use as the output folder \\(--out DIR\\): [^\n]+\nexit=2\nkeep\n$")
apcb_cli_test(hostile_outputs_prove_unwritable_json_is_found_first 2 "^/nonexistent-dir/p.json: cannot write: No such file or directory\n"
  prove --width 8 --only init --json /nonexistent-dir/p.json)
apcb_cli_test(hostile_outputs_shrink_unwritable_gtest_is_found_first 2 "^/nonexistent-dir/t.cpp: cannot write: No such file or directory\n"
  shrink --emit-gtest /nonexistent-dir/t.cpp ${hostile_cli}/shrink-me.trace)

# Nothing checked is not a pass; below the ledger, every verdict says "fails" and the JSON
# lists each shortfall.
apcb_cli_test(hostile_outputs_verify_nothing_checked_is_no_pass 2
  "verdict: BAD INPUT.*nothing was checked: every layer was skipped and no assurance record was read"
  verify --skip proofs --skip property --skip fuzz --skip conformance --assurance-dir ${hostile_cli}/no-such-dir)
add_test(NAME hostile_outputs_verify_below_the_ledger_says_fails_everywhere COMMAND bash -c
  "\"$0\" ${hostile_small_verify_sh} --ledger \"$1\" --json below.json >below.out 2>&1; echo \"exit=$?\"; grep 'verdict:' below.out;
   python3 -c 'import json,sys; j=json.load(open(\"below.json\")); print(\"json\", j[\"verdict\"], j[\"exit_code\"], len(j[\"ledger\"][\"below_floor\"]), j[\"ledger\"][\"below_floor\"][0])'"
  $<TARGET_FILE:apcb> ${hostile_cli}/ledger-above-this-run.json)
set_tests_properties(hostile_outputs_verify_below_the_ledger_says_fails_everywhere PROPERTIES PASS_REGULAR_EXPRESSION
  "exit=1\n[^\n]*below the ledger; [^\n]*verdict: FAILS\njson fails 1 [1-9][0-9]* property random sequences, impl against the model: seeds 5 < floor 1e\\+06\n$")

# A full disk (a 2 KiB file size limit) while writing the ledger: exit 2 with the reason, and
# the valid ledger that was there is left byte for byte.
add_test(NAME hostile_outputs_write_ledger_on_a_full_disk_keeps_the_old_ledger COMMAND bash -c
  "cp \"$1\" kept-ledger.json && cp \"$1\" ledger-before.json &&
   (ulimit -f 2; \"$0\" ${hostile_small_verify_sh} --write-ledger kept-ledger.json 2>&1 | grep 'kept-ledger'; echo \"exit=\${PIPESTATUS[0]}\");
   cmp kept-ledger.json ledger-before.json && echo unchanged; ls -a | grep -c '^.apcb-' || true"
  $<TARGET_FILE:apcb> ${hostile_cli}/ledger-at-the-records.json)
set_tests_properties(hostile_outputs_write_ledger_on_a_full_disk_keeps_the_old_ledger PROPERTIES PASS_REGULAR_EXPRESSION
  "kept-ledger.json: cannot write: File too large\nexit=2\nunchanged\n0\n$")
add_test(NAME hostile_outputs_json_on_a_full_disk_keeps_the_old_report COMMAND bash -c
  "echo '{\"old\": true}' >kept.json;
   (ulimit -f 2; \"$0\" ${hostile_small_verify_sh} --json kept.json 2>&1 | grep 'kept.json'; echo \"exit=\${PIPESTATUS[0]}\"); cat kept.json"
  $<TARGET_FILE:apcb>)
set_tests_properties(hostile_outputs_json_on_a_full_disk_keeps_the_old_report PROPERTIES PASS_REGULAR_EXPRESSION
  "kept.json: cannot write: File too large\nexit=2\n{\"old\": true}\n$")

# A read-only working directory: verify cannot create its output folder there and says so
# (exit 2), no uncaught filesystem_error (exit 134). As root, permissions do not bind: the
# run drops to nobody with setpriv (util-linux, in every Debian).
add_test(NAME hostile_outputs_verify_in_a_read_only_directory COMMAND bash -c
  "rm -rf ro && mkdir ro && chmod 555 ro && cd ro || exit 3
   as=(); if [ \"$(id -u)\" = 0 ]; then as=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
   \"\${as[@]}\" \"$0\" verify --skip proofs --skip fuzz --skip property --traces \"$1\" 2>&1; echo \"exit=$?\""
  $<TARGET_FILE:apcb> ${PROJECT_SOURCE_DIR}/tests/traces)
set_tests_properties(hostile_outputs_verify_in_a_read_only_directory PROPERTIES PASS_REGULAR_EXPRESSION
  "apcb-verify: cannot use as the output folder \\(--out DIR\\): Permission denied\nexit=2\n$")
