# Hostile traces (issue 13): every malformed trace is exit 2 at FILE:LINE:COL; a trace that
# states no expectation checks nothing and is no pass. The inputs are written by printf at test
# time (control bytes and CRLF do not survive an editor).
set(hostile_host "host init apxa=1 na=0xff nd=0xff adapters=02 domains=0003 control=-")
set(hostile_create "echo 11111111-1111-1111-1111-111111111111 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create")
# hostile_trace_test(NAME EXPECTED_EXIT REGEX PRINTF_FORMAT): the trace printf writes, checked.
function(hostile_trace_test name expected_exit regex format)
  add_test(NAME ${name} COMMAND bash -c "printf \"$1\" >${name}.trace; \"$0\" check ${name}.trace 2>&1; echo \"exit=$?\""
    $<TARGET_FILE:apcb> "${format}")
  set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}.*exit=${expected_exit}\n$")
endfunction()
hostile_trace_test(hostile_trace_empty 2 "hostile_trace_empty.trace:1:1: empty trace" "")
hostile_trace_test(hostile_trace_binary 2 "hostile_trace_binary.trace:1:1: control byte in the trace" "\\x00\\x01garbage")
hostile_trace_test(hostile_trace_other_version 2 "hostile_trace_other_version.trace:1:1: a trace starts with the line 'apcb-trace 1'" "apcb-trace 9\\n")
hostile_trace_test(hostile_trace_nul_inside_a_step 2 "hostile_trace_nul_inside_a_step.trace:3:[0-9]+: control byte in the trace"
  "apcb-trace 1\\n${hostile_host}\\nguest create 1\\x00 msax3=0\\n")
hostile_trace_test(hostile_trace_expectation_before_any_step 2 "hostile_trace_expectation_before_any_step.trace:3:1: an expectation needs a step before it"
  "apcb-trace 1\\n${hostile_host}\\n= 0\\n")
hostile_trace_test(hostile_trace_errno_beyond_64_bits 2 "hostile_trace_errno_beyond_64_bits.trace:4:[0-9]+: "
  "apcb-trace 1\\n${hostile_host}\\n${hostile_create}\\n= 99999999999999999999\\n")
hostile_trace_test(hostile_trace_no_expectation_checks_nothing 2
  "hostile_trace_no_expectation_checks_nothing.trace: nothing was checked: no step has an expectation \\(1 steps without"
  "apcb-trace 1\\n${hostile_host}\\n${hostile_create}\\n")
hostile_trace_test(hostile_trace_no_step_checks_nothing 2 "nothing was checked: no step has an expectation \\(0 steps without"
  "apcb-trace 1\\n${hostile_host}\\n# caf\\xc3\\n")
hostile_trace_test(hostile_trace_crlf_is_read 0 "hostile_trace_crlf_is_read.trace: conforms \\(1 step checked"
  "apcb-trace 1\\r\\n${hostile_host}\\r\\n${hostile_create}\\r\\n= 0\\r\\n")
# host reset-response sequences: at most 16 codes, each 0..0xff, no empty item; the error names
# the offending code's column.
hostile_trace_test(hostile_trace_reset_sequence_of_17_codes 2
  "hostile_trace_reset_sequence_of_17_codes.trace:3:109: at most 16 response codes in a reset-response sequence"
  "apcb-trace 1\n${hostile_host}\nhost reset-response 02.0003 0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x05,0x00\n")
hostile_trace_test(hostile_trace_reset_sequence_empty_item 2
  "hostile_trace_reset_sequence_empty_item.trace:3:34: expected a response code 0..0xff"
  "apcb-trace 1\n${hostile_host}\nhost reset-response 02.0003 0x05,,0x00\n")
hostile_trace_test(hostile_trace_reset_sequence_trailing_comma 2
  "hostile_trace_reset_sequence_trailing_comma.trace:3:34: expected a response code 0..0xff"
  "apcb-trace 1\n${hostile_host}\nhost reset-response 02.0003 0x05,\n")
hostile_trace_test(hostile_trace_reset_sequence_code_beyond_a_byte 2
  "hostile_trace_reset_sequence_code_beyond_a_byte.trace:3:34: expected a response code 0..0xff"
  "apcb-trace 1\n${hostile_host}\nhost reset-response 02.0003 0x05,0x100\n")
# A 5 MB comment line is read (the limit is 16 MiB, below) and the error after it is
# still positioned.
add_test(NAME hostile_trace_long_line_then_error COMMAND bash -c
  "{ printf 'apcb-trace 1\\n%s\\n# ' \"$1\"; printf '%5000000s' x; printf '\\nbogus step\\n'; } >long.trace; \"$0\" check long.trace 2>&1; echo \"exit=$?\""
  $<TARGET_FILE:apcb> "${hostile_host}")
set_tests_properties(hostile_trace_long_line_then_error PROPERTIES PASS_REGULAR_EXPRESSION "long.trace:4:1: unknown step 'bogus step'.*exit=2\n$")
# Traces stream (trace/reader.h): a line longer than 16 MiB is refused, positioned, rather than
# buffered whole, so no input can grow apcb's memory without bound.
add_test(NAME hostile_trace_overlong_line_is_refused COMMAND bash -c
  "{ printf 'apcb-trace 1\\n%s\\n# ' \"$1\"; printf '%17000000s' x; printf '\\nbogus step\\n'; } >overlong.trace; \"$0\" check overlong.trace 2>&1; echo \"exit=$?\""
  $<TARGET_FILE:apcb> "${hostile_host}")
set_tests_properties(hostile_trace_overlong_line_is_refused PROPERTIES PASS_REGULAR_EXPRESSION "overlong.trace:3:1: line longer than 16777216 bytes\nexit=2\n$")
# Traces stream: a bad line is found when it is reached. A check stopped at its first divergence
# reads no further (exit 1); with --all it reads on, reports the divergence and then the bad line
# (exit 2); run prints the steps before the bad line, then exit 2. README "Inputs" says so.
set(hostile_diverge_then_bad "apcb-trace 1\\n${hostile_host}\\n${hostile_create}\\n= EBUSY\\nbogus step\\n")
hostile_trace_test(hostile_trace_divergence_before_a_bad_line_stops_there 1
  "divergence at step 1.*1 step checked, 0 without expectations, up to and including this one\n" "${hostile_diverge_then_bad}")
add_test(NAME hostile_trace_all_reads_on_to_a_bad_line COMMAND bash -c
  "printf \"$1\" >all-bad.trace; \"$0\" check --all all-bad.trace 2>&1; echo \"exit=$?\""
  $<TARGET_FILE:apcb> "${hostile_diverge_then_bad}")
set_tests_properties(hostile_trace_all_reads_on_to_a_bad_line PROPERTIES PASS_REGULAR_EXPRESSION
  "divergence at step 1.*all-bad.trace:5:1: unknown step 'bogus step'\nexit=2\n$")
add_test(NAME hostile_trace_run_prints_up_to_a_bad_line COMMAND bash -c
  "printf \"$1\" >run-bad.trace; \"$0\" run run-bad.trace 2>&1; echo \"exit=$?\""
  $<TARGET_FILE:apcb> "${hostile_diverge_then_bad}")
set_tests_properties(hostile_trace_run_prints_up_to_a_bad_line PROPERTIES PASS_REGULAR_EXPRESSION
  "/create\n= 0\nrun-bad.trace:5:1: unknown step 'bogus step'\nexit=2\n$")
# The guest's PQAP(AQIC) step (`vcpu pqap G aqic XX.YYYY`): a missing or misspelt word, a bad
# guest number or APQN is bad input positioned at the word.
hostile_trace_test(hostile_trace_pqap_without_apqn 2 "hostile_trace_pqap_without_apqn.trace:3:1: expected: vcpu pqap G aqic XX.YYYY"
  "apcb-trace 1\\n${hostile_host}\\nvcpu pqap 1 aqic\\n= 0\\n")
hostile_trace_test(hostile_trace_pqap_other_function 2 "hostile_trace_pqap_other_function.trace:3:13: expected: vcpu pqap G aqic XX.YYYY"
  "apcb-trace 1\\n${hostile_host}\\nvcpu pqap 1 tapq 02.0003\\n= 0\\n")
hostile_trace_test(hostile_trace_pqap_bad_apqn 2 "hostile_trace_pqap_bad_apqn.trace:3:18: "
  "apcb-trace 1\\n${hostile_host}\\nvcpu pqap 1 aqic 02.00zz\\n= 0\\n")
hostile_trace_test(hostile_trace_pqap_bad_guest 2 "hostile_trace_pqap_bad_guest.trace:3:11: "
  "apcb-trace 1\\n${hostile_host}\\nvcpu pqap -1 aqic 02.0003\\n= 0\\n")
hostile_trace_test(hostile_trace_pqap_extra_word 2 "hostile_trace_pqap_extra_word.trace:3:1: expected: vcpu pqap G aqic XX.YYYY"
  "apcb-trace 1\\n${hostile_host}\\nvcpu pqap 1 aqic 02.0003 ir=1\\n= 0\\n")
