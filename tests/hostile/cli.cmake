# Hostile command lines (issue 13): every verb ends with exit 0/1/2 and a message; standard
# input is read wherever a file is; a failed write to standard output is exit 2, not a pass.
set(hostile_traces ${PROJECT_SOURCE_DIR}/tests/traces)
set(hostile_cli ${PROJECT_SOURCE_DIR}/tests/cli)

apcb_cli_test(hostile_cli_misspelled_verb_is_named 2
  "apcb: no verb 'chekc' \\(verbs: run, check, verify, gen, shrink, explain, prove; apcb --help\\)" chekc x.trace)
apcb_cli_test(hostile_cli_gen_seed_beyond_64_bits 2
  "'18446744073709551616' is not a seed: a decimal number in 0..18446744073709551615" gen --seed 18446744073709551616)
apcb_cli_test(hostile_cli_gen_seed_negative 2 "'-1' is not a seed" gen --seed=-1)
apcb_cli_test(hostile_cli_gen_seed_not_a_number 2 "'7x' is not a seed" gen --seed 7x)
apcb_cli_test(hostile_cli_gen_largest_seed_is_a_seed 0
  "# apcb gen --seed 18446744073709551615 --ops 3\n" gen --seed 18446744073709551615 --ops 3)
apcb_cli_test(hostile_cli_run_mdev_without_mdevctl 2 "--mdev names one config of an --mdevctl FILE"
  run --mdev 11111111-1111-1111-1111-111111111111 ${hostile_traces}/crycb-format0.trace)
apcb_cli_test(hostile_cli_trace_that_is_a_directory 2 "traces: cannot read the trace: Is a directory"
  check ${hostile_traces})
apcb_cli_test(hostile_cli_missing_trace_says_why 2 "absent.trace: cannot open the trace: No such file or directory"
  check ${hostile_cli}/absent.trace)
apcb_cli_test(hostile_cli_undeclared_signal_line_is_bad_input 2
  "signal-undeclared.trace:7:1: a signal line needs the line 'observe signals' after the header"
  check ${hostile_cli}/signal-undeclared.trace)

# "-" is standard input, named <stdin> in messages.
function(hostile_stdin_test name expected_exit regex input)
  add_test(NAME ${name} COMMAND bash -c "\"$0\" \"$@\" <\"${input}\" 2>&1; echo \"exit=$?\"" $<TARGET_FILE:apcb> ${ARGN})
  set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}.*exit=${expected_exit}\n$")
endfunction()
hostile_stdin_test(hostile_cli_check_reads_stdin 0 "-: conforms \\([1-9][0-9]* steps checked"
  ${hostile_traces}/crycb-format0.trace check -)
hostile_stdin_test(hostile_cli_check_stdin_error_names_stdin 2 "<stdin>:3:75: unknown or read-only mdev attribute"
  ${hostile_cli}/malformed.trace check -)
hostile_stdin_test(hostile_cli_run_reads_stdin 0 "^apcb-trace" ${hostile_traces}/crycb-format0.trace run -)
hostile_stdin_test(hostile_cli_shrink_reads_stdin 1 "steps -> [1-9]" ${hostile_cli}/shrink-me.trace shrink -)
hostile_stdin_test(hostile_cli_explain_reads_stdin 0 "." ${hostile_traces}/crycb-format0.trace explain -)

# Standard output full (/dev/full) or closed: exit 2 with the reason, for every verb that
# prints its result there.
function(hostile_stdout_test name redirect regex)
  add_test(NAME ${name} COMMAND bash -c "\"$0\" \"$@\" ${redirect}; echo \"exit=$?\" >&2" $<TARGET_FILE:apcb> ${ARGN})
  set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}.*exit=2\n$")
endfunction()
hostile_stdout_test(hostile_cli_gen_to_a_full_device ">/dev/full"
  "apcb: cannot write standard output: No space left on device" gen --ops 2000)
hostile_stdout_test(hostile_cli_gen_to_a_closed_stdout ">&-"
  "apcb: cannot write standard output: Bad file descriptor" gen --ops 20)
hostile_stdout_test(hostile_cli_run_to_a_full_device ">/dev/full"
  "apcb: cannot write standard output: No space left on device" run ${hostile_traces}/crycb-format0.trace)
hostile_stdout_test(hostile_cli_check_to_a_full_device ">/dev/full"
  "apcb: cannot write standard output: No space left on device" check ${hostile_traces}/crycb-format0.trace)
hostile_stdout_test(hostile_cli_explain_to_a_full_device ">/dev/full"
  "apcb: cannot write standard output: No space left on device" explain ${hostile_traces}/crycb-format0.trace)

# gen streams: a million operations fit in 256 MB of address space (before streaming, ten
# million peaked at 4 GB, so one million needed about 400 MB). Not under the sanitizers, whose
# shadow memory alone reserves terabytes of address space.
if(NOT APCB_FUZZ AND NOT APCB_TSAN)
  add_test(NAME hostile_cli_gen_memory_does_not_grow_with_ops COMMAND bash -c
    "ulimit -v 262144; \"$0\" gen --seed 3 --ops 1000000 | tail -c 200 >/dev/null; echo \"exit=\${PIPESTATUS[0]}\"" $<TARGET_FILE:apcb>)
  set_tests_properties(hostile_cli_gen_memory_does_not_grow_with_ops PROPERTIES PASS_REGULAR_EXPRESSION "exit=0\n$" TIMEOUT 600)
endif()
# Standard input is read once: it cannot be both the trace and the mdevctl config.
apcb_cli_test(hostile_cli_run_stdin_twice_is_refused 2 "apcb run: standard input can be the TRACE or the --mdevctl FILE, not both"
  run - --mdevctl -)
apcb_cli_test(hostile_cli_explain_stdin_twice_is_refused 2 "apcb explain: standard input can be the TRACE or the --mdevctl FILE, not both"
  explain - --mdevctl -)
apcb_cli_test(hostile_cli_driver_override_bad_apqn_is_bad_input 2
  "driver-override-bad-apqn.trace:3:36: expected an APQN like 05.0004"
  check ${hostile_cli}/driver-override-bad-apqn.trace)
