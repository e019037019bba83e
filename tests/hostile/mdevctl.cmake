# Hostile mdevctl JSON (issue 13): nesting that cost the old reader 15 s and 1.9 GB, 20,000
# devices that took it minutes, duplicate keys (last-wins before), another parent's devices in
# a real s390 `mdevctl list --dumpjson` (refused outright before), bytes that must not reach the
# terminal raw, and standard input. Large inputs are generated at test time by
# mdevctl/generate.py into this build directory.
set(hostile_mdevctl ${CMAKE_CURRENT_SOURCE_DIR}/mdevctl)
set(hostile_mdevctl_fixtures ${PROJECT_SOURCE_DIR}/tests/cli/mdevctl)
# The ideal-host starts of 20,000 devices take seconds in the default build (each write checks
# every other mdev, as the kernel does); sanitizers make that several times slower.
if(APCB_FUZZ OR APCB_TSAN OR APCB_COVERAGE)
  set(hostile_mdevctl_large_timeout 600)
else()
  set(hostile_mdevctl_large_timeout 120)
endif()

# hostile_mdevctl_generated_test(NAME KIND EXIT REGEX TIMEOUT ARGS...): generates input KIND
# (generate.py) as NAME.json here, runs `apcb ARGS... FILE` and passes when the exit code is EXIT,
# the output matches REGEX, and it ends within TIMEOUT seconds.
function(hostile_mdevctl_generated_test name kind expected_exit regex timeout)
  add_test(NAME ${name} COMMAND bash -c
    "python3 \"$0\" \"$1\" \"$2\" || exit 3; shift 2; \"$@\" 2>&1; echo \"exit=$?\""
    ${hostile_mdevctl}/generate.py ${kind} ${CMAKE_CURRENT_BINARY_DIR}/${name}.json
    $<TARGET_FILE:apcb> ${ARGN} ${CMAKE_CURRENT_BINARY_DIR}/${name}.json)
  set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}.*exit=${expected_exit}\n$"
                                          TIMEOUT ${timeout})
endfunction()

# 60 KB of '[': refused at the 65th level, at once (the old reader: 15 s, 1.9 GB).
hostile_mdevctl_generated_test(hostile_mdevctl_deep_nesting_open deep-open 2
  "hostile_mdevctl_deep_nesting_open.json:1:65: arrays and objects nested deeper than 64 levels" 10
  run --mdevctl)
hostile_mdevctl_generated_test(hostile_mdevctl_deep_nesting_closed deep-closed 2
  "hostile_mdevctl_deep_nesting_closed.json:1:65: arrays and objects nested deeper than 64 levels" 10
  explain --mdevctl)
# 20,000 devices are read and every one is started (the last one too), within the time limit.
hostile_mdevctl_generated_test(hostile_mdevctl_20000_devices_are_read devices-20000 0
  "# mdevctl start 00004e1f-0000-4000-8000-000000004e1f \\(manual, 3 attrs\\)\necho 00004e1f-[^\n]*/create\n= 0\n.*echo -n 31 > [^\n]*/00004e1f-0000-4000-8000-000000004e1f/assign_control_domain\n= 0\n"
  ${hostile_mdevctl_large_timeout} run --mdevctl)
# One device with 100,000 attributes.
hostile_mdevctl_generated_test(hostile_mdevctl_100000_attributes_are_read attrs-100000 0
  "assign_domain\n= 0\n" ${hostile_mdevctl_large_timeout}
  run --mdev 11111111-1111-1111-1111-111111111111 --mdevctl)

# Duplicate keys are errors at the second occurrence (nlohmann kept the last: a second "attrs"
# silently emptied the device).
apcb_cli_test(hostile_mdevctl_duplicate_attrs_key 2
  "duplicate-attrs.json:5:3: duplicate key \"attrs\" \\(first at line 4, column 3\\)"
  explain --mdevctl ${hostile_mdevctl}/duplicate-attrs.json --mdev 11111111-1111-1111-1111-111111111111)
apcb_cli_test(hostile_mdevctl_duplicate_parent 2
  "duplicate-parent.json:5:5: duplicate key \"matrix\" \\(first at line 3, column 5\\)"
  run --mdevctl ${hostile_mdevctl}/duplicate-parent.json)
apcb_cli_test(hostile_mdevctl_duplicate_key_in_one_attr 2
  "duplicate-attr-key.json:2:37: duplicate key \"assign_adapter\" \\(first at line 2, column 14\\)"
  run --mdevctl ${hostile_mdevctl}/duplicate-attr-key.json --mdev 11111111-1111-1111-1111-111111111111)

# A real s390 host's --dumpjson lists its vfio_ccw devices too: skipped with a note per parent,
# the matrix device started.
apcb_cli_test(hostile_mdevctl_vfio_ccw_devices_are_skipped 0
  "s390-dumpjson-with-vfio-ccw.json: note: skipped 1 device of parent '0.0.0313': not vfio_ap \\(apcb reads the devices of parent 'matrix'\\)\n[^\n]*s390-dumpjson-with-vfio-ccw.json: note: skipped 2 devices of parent '0.0.0314': not vfio_ap.*# mdevctl start 11111111-1111-1111-1111-111111111111 \\(auto, 3 attrs\\)"
  run --mdevctl ${hostile_mdevctl_fixtures}/s390-dumpjson-with-vfio-ccw.json)
apcb_cli_test(hostile_mdevctl_vfio_ccw_devices_explain 0
  "note: skipped 1 device of parent '0.0.0313'.*mdevctl start 11111111-1111-1111-1111-111111111111: started"
  explain --mdevctl ${hostile_mdevctl_fixtures}/s390-dumpjson-with-vfio-ccw.json)

# Bytes from the file reach messages escaped: an invalid UTF-8 byte, a terminal escape sequence
# in a parent's name.
apcb_cli_test(hostile_mdevctl_invalid_utf8_is_escaped 2
  "invalid-utf8-key.json:2:22: invalid JSON: byte \\\\xff is not valid UTF-8 here"
  run --mdevctl ${hostile_mdevctl}/invalid-utf8-key.json --mdev 11111111-1111-1111-1111-111111111111)
apcb_cli_test(hostile_mdevctl_escape_sequence_is_escaped 0
  "note: skipped 1 device of parent '\\\\x1b\\]0;pwned\\\\x07': not vfio_ap"
  run --mdevctl ${hostile_mdevctl}/escape-sequence-parent.json)

# Standard input.
function(hostile_mdevctl_stdin_test name expected_exit regex input)
  add_test(NAME ${name} COMMAND bash -c "\"$0\" \"$@\" <\"${input}\" 2>&1; echo \"exit=$?\"" $<TARGET_FILE:apcb> ${ARGN})
  set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}.*exit=${expected_exit}\n$")
endfunction()
hostile_mdevctl_stdin_test(hostile_mdevctl_reads_stdin 0
  "<stdin>: note: skipped 1 device of parent '0.0.0313'.*# mdevctl start 11111111-1111-1111-1111-111111111111"
  ${hostile_mdevctl_fixtures}/s390-dumpjson-with-vfio-ccw.json run --mdevctl -)
hostile_mdevctl_stdin_test(hostile_mdevctl_stdin_error_names_stdin 2
  "<stdin>:5:3: duplicate key \"attrs\""
  ${hostile_mdevctl}/duplicate-attrs.json explain --mdevctl - --mdev 11111111-1111-1111-1111-111111111111)
hostile_mdevctl_stdin_test(hostile_mdevctl_stdin_single_config_needs_mdev 2
  "<stdin>:1:1: a single config does not name its UUID"
  ${hostile_mdevctl_fixtures}/11111111-1111-1111-1111-111111111111 run --mdevctl -)
hostile_mdevctl_stdin_test(hostile_mdevctl_stdin_single_config_with_mdev 0
  "echo 11111111-1111-1111-1111-111111111111 > [^\n]*/create\n= 0\n"
  ${hostile_mdevctl_fixtures}/11111111-1111-1111-1111-111111111111 run --mdevctl - --mdev 11111111-1111-1111-1111-111111111111)

# Not a file.
apcb_cli_test(hostile_mdevctl_directory 2 "mdevctl: cannot read the mdevctl config: Is a directory"
  run --mdevctl ${hostile_mdevctl})
apcb_cli_test(hostile_mdevctl_missing_file_says_why 2
  "absent.json: cannot open the mdevctl config: No such file or directory"
  run --mdevctl ${hostile_mdevctl}/absent.json)

# A runaway pipe is cut off at the reader's limit (256 MiB) rather than read until memory ends.
# About 0.5 GB and a few seconds: not in the sanitizer builds.
if(NOT (APCB_FUZZ OR APCB_TSAN OR APCB_COVERAGE))
  add_test(NAME hostile_mdevctl_runaway_stdin_is_cut_off COMMAND bash -c
    "head -c 300000000 /dev/zero | \"$0\" run --mdevctl - 2>&1; echo \"exit=$?\"" $<TARGET_FILE:apcb>)
  set_tests_properties(hostile_mdevctl_runaway_stdin_is_cut_off PROPERTIES
    PASS_REGULAR_EXPRESSION "<stdin>: larger than 268435456 bytes: not an mdevctl config\n.*exit=2\n$" TIMEOUT 60)
endif()
