# apcb check --allow FILE and --all (issue 15): known differences are passed with their reason,
# checking goes on past them, and every divergence class is reported once. Included from
# tests/CMakeLists.txt inside its `if(TARGET apcb)` block (apcb_cli_test is defined there).
set(allow_dir ${CMAKE_CURRENT_SOURCE_DIR}/cli/allow)
set(known ${allow_dir}/known-differences.trace)

# Without options: the first divergence only, labelled implementation / reference.
apcb_cli_test(check_stops_at_the_first_divergence 1
  "known-differences.trace:21: divergence at step 8\n  echo 5 > [^\n]*/assign_adapter\nimplementation:\n= EBUSY\nreference:\n= EADDRINUSE\n.*8 steps checked, 0 without expectations, up to and including this one\n"
  check ${known})
# --all: both classes in full, the second EBUSY only counted, and the table.
apcb_cli_test(check_all_reports_each_divergence_class_once 1
  "step 8\n[^\n]*\nclass: attr_write assign_adapter / result EBUSY vs EADDRINUSE\n.*step 11\n[^\n]*\nclass: read_mdev guest_matrix / output\n.*divergence classes[^\n]*\n  2  attr_write assign_adapter / result EBUSY vs EADDRINUSE  step 8 \\(line 21\\)  not allowed\n  1  read_mdev guest_matrix / output  step 11 \\(line 29\\)  not allowed\n[^\n]*known-differences.trace: diverges: 3 steps in 2 classes not allowed \\(11 steps checked"
  check --all ${known})
# --allow one class: its steps are one line each, checking goes on to the other class and stops.
apcb_cli_test(check_allow_passes_a_known_difference_and_goes_on 1
  "known-differences.trace:21: allowed divergence at step 8: attr_write assign_adapter / result EBUSY vs EADDRINUSE \\(ebusy-for-in-use, [^\n]*ebusy-for-in-use.json:4: the implementation follows kernels before 5.x, which answered EBUSY\\)\n[^\n]*known-differences.trace:23: allowed divergence at step 9: .*known-differences.trace:29: divergence at step 11\n.*not allowed \\(checking stopped here\\)\n[^\n]*known-differences.trace: diverges: 1 step in 1 class not allowed, 2 steps in 1 class allowed"
  check --allow ${allow_dir}/ebusy-for-in-use.json ${known})
# --allow both classes: exit 0, and the verdict says what was allowed.
apcb_cli_test(check_allow_every_difference_conforms_up_to_them 0
  "allowed divergence at step 11: read_mdev guest_matrix / output \\(short-guest-matrix, .*conforms up to allowed differences: 3 steps in 2 classes allowed \\(11 steps checked, 0 without expectations\\)\n"
  check --allow ${allow_dir}/both-classes.json ${known})
# An entry's observation pattern narrows it: here it does not match, so nothing is allowed.
apcb_cli_test(check_allow_observation_pattern_narrows_an_entry 1
  "known-differences.trace: diverges: 3 steps in 2 classes not allowed"
  check --all --allow ${allow_dir}/pattern-does-not-match.json ${known})
# A misspelt operation allows nothing: refused, positioned, exit 2.
apcb_cli_test(check_allow_misspelt_operation_is_bad_input 2
  "misspelt-op.json:3:26: not an allow list: \"op\" pattern \"attr_write asign_\\*\" matches no operation"
  check --allow ${allow_dir}/misspelt-op.json ${known})
apcb_cli_test(check_allow_missing_file_is_bad_input 2 "absent.json: cannot"
  check --allow ${allow_dir}/absent.json ${known})
# A conforming trace with --all: the plain verdict.
apcb_cli_test(check_all_on_a_conforming_trace_conforms 0 "three-guests.trace: conforms \\([1-9][0-9]* steps checked"
  check --all ${PROJECT_SOURCE_DIR}/tests/traces/three-guests.trace)

# Through a plugin: the buggy example's one bug (unbind loses its commit) is its only class, so
# allowing it lets a long generated trace conform, and --all counts it.
if(TARGET apcb_buggy_sut)
  add_test(NAME check_allow_through_a_plugin_passes_its_known_bug
    COMMAND bash -c "\"$<TARGET_FILE:apcb>\" gen --seed 5 --ops 2000 > gen5-allow.trace && \"$<TARGET_FILE:apcb>\" check --sut $<TARGET_FILE:apcb_buggy_sut> --allow ${allow_dir}/buggy-unbind.json gen5-allow.trace; echo exit=$?")
  set_tests_properties(check_allow_through_a_plugin_passes_its_known_bug PROPERTIES PASS_REGULAR_EXPRESSION
    "allowed divergence at step [0-9]+: queue_unbind / commits 0 vs 1 \\(unbind-loses-its-commit.*gen5-allow.trace: buggy example \\(unbind loses its commit\\) conforms up to allowed differences: [1-9][0-9]* steps? in 1 class allowed \\([0-9]+ steps compared, [1-9][0-9]* skipped: cannot comply\\)\nexit=0\n$")
  add_test(NAME check_all_through_a_plugin_counts_its_bug
    COMMAND bash -c "\"$<TARGET_FILE:apcb>\" gen --seed 5 --ops 2000 > gen5-all.trace && \"$<TARGET_FILE:apcb>\" check --sut $<TARGET_FILE:apcb_buggy_sut> --all gen5-all.trace; echo exit=$?")
  set_tests_properties(check_all_through_a_plugin_counts_its_bug PROPERTIES PASS_REGULAR_EXPRESSION
    "divergence classes[^\n]*\n  [1-9][0-9]*  queue_unbind / commits 0 vs 1  step [0-9]+ \\(line [0-9]+\\)  not allowed\n[^\n]*diverges: [1-9][0-9]* steps? in 1 class not allowed \\([0-9]+ steps compared, [1-9][0-9]* skipped: cannot comply\\)\nexit=1\n$")
endif()

# An empty command is a usage error, not a silent plain check.
apcb_cli_test(check_sut_cmd_empty_is_a_usage_error 2 "--sut-cmd: the command is empty"
  check --sut-cmd " " ${PROJECT_SOURCE_DIR}/tests/traces/three-guests.trace)
# Standard input is one of the two, as for run and explain.
apcb_cli_test(check_allow_and_trace_both_stdin_is_refused 2
  "apcb check: standard input can be the TRACE or the --allow FILE, not both" check --allow - -)
# An allow list from standard input is read (named <stdin> in messages).
add_test(NAME check_allow_reads_standard_input
  COMMAND bash -c "\"$0\" check --allow - \"$1\" < \"$2\"; echo exit=$?" $<TARGET_FILE:apcb> ${known} ${allow_dir}/both-classes.json)
set_tests_properties(check_allow_reads_standard_input PROPERTIES PASS_REGULAR_EXPRESSION
  "\\(short-guest-matrix, <stdin>:10: .*conforms up to allowed differences.*exit=0\n$")
