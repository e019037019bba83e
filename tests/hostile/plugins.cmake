# Hostile-input suite, surface "plugins": implementations under test that misbehave, driven by
# `apcb check --sut` (cli/verb_check.cpp, sut/isolated.h). A plugin runs in a child process, so
# a crash, hang or exit of it is a finding (exit 1: the step, the signal or exit status, and a
# reproducer trace that reproduces it); an undefined status code is a plugin error and a run that
# compared nothing is not a pass (exit 2); load errors stay exit 2.
if(TARGET apcb AND TARGET apcb_sut AND TARGET apcb_model_sut)
  set(hostile_dir ${CMAKE_CURRENT_SOURCE_DIR}/plugins)
  set(hostile_trace ${PROJECT_SOURCE_DIR}/tests/traces/three-guests.trace)
  # Step 3 of three-guests.trace is line 9, `cat /sys/bus/ap/apmask` (a read with an output).
  set(step3 "three-guests.trace:9: ")
  set(step3_op "\n  cat /sys/bus/ap/apmask\n")

  # One library per misbehaviour (tests/hostile/plugins/hostile_plugin.cpp), misbehaving at step 3.
  foreach(mode IN ITEMS status42 cannot_comply segfault hang exit0 stdout_garbage create_null crash_in_destroy
                        unterminated_output unnamed_errno wrong_abi crash_in_create crash_in_load
                        scribble_fds)
    apcb_add_plugin(apcb_hostile_${mode} ${hostile_dir}/hostile_plugin.cpp LIBS apcb_model)
    target_compile_definitions(apcb_hostile_${mode} PRIVATE HOSTILE_MODE=${mode} HOSTILE_STEP=3)
    set(hostile_${mode} $<TARGET_FILE:apcb_hostile_${mode}>)
  endforeach()
  add_library(apcb_hostile_not_a_plugin MODULE ${hostile_dir}/not_a_plugin.c)
  set_target_properties(apcb_hostile_not_a_plugin PROPERTIES PREFIX "")

  # Plugin errors: exit 2.
  apcb_cli_test(hostile_plugin_undefined_status_is_plugin_error 2
    "${step3}plugin error: hostile status42 answered status code 42 at step 3 \\(apcb_sut.h defines 0, APCB_SUT_OK, and 1, APCB_SUT_CANNOT_COMPLY\\)${step3_op}2 steps compared, 0 skipped: cannot comply before it\n"
    check --sut ${hostile_status42} ${hostile_trace})
  apcb_cli_test(hostile_plugin_that_never_complies_compares_nothing 2
    "three-guests.trace: hostile cannot_comply: nothing was compared \\(0 steps compared, [1-9][0-9]* skipped: cannot comply\\): not a pass\n"
    check --sut ${hostile_cannot_comply} ${hostile_trace})
  apcb_cli_test(hostile_plugin_empty_trace_compares_nothing 2
    "empty.trace: apcb model \\(reference, through the C ABI\\): nothing was compared \\(0 steps compared, 0 skipped"
    check --sut $<TARGET_FILE:apcb_model_sut> ${hostile_dir}/empty.trace)
  apcb_cli_test(hostile_plugin_missing_symbol_is_bad_input 2 "not_a_plugin.so: does not export apcb_sut_get_plugin\n"
    check --sut $<TARGET_FILE:apcb_hostile_not_a_plugin> ${hostile_trace})
  apcb_cli_test(hostile_plugin_wrong_abi_is_bad_input 2 "wrong_abi.so: does not implement apcb_sut ABI version 1\n"
    check --sut ${hostile_wrong_abi} ${hostile_trace})
  apcb_cli_test(hostile_plugin_not_a_library_is_bad_input 2 "three-guests.trace: cannot load the plugin: .*invalid ELF header"
    check --sut ${hostile_trace} ${hostile_trace})

  # Findings of the implementation under test: exit 1, the step, the signal or exit status, and
  # a reproducer that reproduces. (finding-reproduces.sh asserts the reproducer.)
  set(reproduces ${hostile_dir}/finding-reproduces.sh $<TARGET_FILE:apcb>)
  set(model_sut $<TARGET_FILE:apcb_model_sut>)
  add_test(NAME hostile_plugin_segfault_is_a_finding COMMAND ${reproduces} ${hostile_segfault} ${model_sut}
           ${hostile_trace} ${CMAKE_CURRENT_BINARY_DIR}/plugin-segfault 3)
  # Under ASan (the fuzz preset) the sanitizer catches the plugin's SEGV, reports it and ends
  # the child: by SIGABRT with abort_on_error=1 (the fuzz test preset's ASAN_OPTIONS), else exit 1.
  # A libFuzzer build without sanitizers (scripts/mutate's) has the sanitizer runtime's SEGV
  # handler too, which reports as UndefinedBehaviorSanitizer and exits 1.
  if(APCB_FUZZ)
    set(segv_death "\n.*(AddressSanitizer|UndefinedBehaviorSanitizer): SEGV[^\n]*\n.*${step3}hostile segfault (crashed at step 3: signal 6 \\(SIGABRT\\)|exited at step 3: exit status 1)")
  else()
    set(segv_death "\n[^\n]*${step3}hostile segfault crashed at step 3: signal 11 \\(SIGSEGV\\)")
  endif()
  set_tests_properties(hostile_plugin_segfault_is_a_finding PROPERTIES PASS_REGULAR_EXPRESSION
    "first run \\(exit 1\\):${segv_death}${step3_op}reproducer: three-guests.step3.reproducer.trace \\(the trace up to and including step 3\\)\n2 steps compared, 0 skipped: cannot comply before it\n.*reproduces\n$")
  add_test(NAME hostile_plugin_hang_is_a_finding COMMAND ${reproduces} ${hostile_hang} ${model_sut}
           ${hostile_trace} ${CMAKE_CURRENT_BINARY_DIR}/plugin-hang 3 --step-timeout 1)
  set_tests_properties(hostile_plugin_hang_is_a_finding PROPERTIES TIMEOUT 60 PASS_REGULAR_EXPRESSION
    "first run \\(exit 1\\):\n[^\n]*${step3}hostile hang hung at step 3: no answer within 1 s \\(killed\\)${step3_op}reproducer: .*reproduces\n$")
  add_test(NAME hostile_plugin_exit0_is_a_finding COMMAND ${reproduces} ${hostile_exit0} ${model_sut}
           ${hostile_trace} ${CMAKE_CURRENT_BINARY_DIR}/plugin-exit0 3)
  set_tests_properties(hostile_plugin_exit0_is_a_finding PROPERTIES PASS_REGULAR_EXPRESSION
    "first run \\(exit 1\\):\n[^\n]*${step3}hostile exit0 exited at step 3: exit status 0${step3_op}reproducer: .*reproduces\n$")
  add_test(NAME hostile_plugin_protocol_break_is_a_finding COMMAND ${reproduces} ${hostile_scribble_fds} ${model_sut}
           ${hostile_trace} ${CMAKE_CURRENT_BINARY_DIR}/plugin-scribble 3)
  set_tests_properties(hostile_plugin_protocol_break_is_a_finding PROPERTIES PASS_REGULAR_EXPRESSION
    "first run \\(exit 1\\):\n[^\n]*${step3}hostile scribble_fds broke the protocol at step 3: unexpected answer 'scribbled by the plugin'${step3_op}reproducer: .*reproduces\n$")
  apcb_cli_test(hostile_plugin_crash_in_destroy_is_a_finding 1
    "three-guests.trace: hostile crash_in_destroy crashed after the last step, destroying the instance: signal 6 \\(SIGABRT\\)\nreproducer: [^\n]*plugin-destroy.trace \\(the trace up to and including step [0-9]+\\)\n[0-9]+ steps compared"
    check --sut ${hostile_crash_in_destroy} --reproducer ${CMAKE_CURRENT_BINARY_DIR}/plugin-destroy.trace ${hostile_trace})
  apcb_cli_test(hostile_plugin_crash_in_create_is_a_finding 1
    "three-guests.trace: [^\n]*crash_in_create.so crashed while creating the instance for the trace's host: signal 6 \\(SIGABRT\\)\nreproducer: [^\n]*plugin-create.trace \\(the trace up to its host init line\\)\n0 steps compared, 0 skipped: cannot comply before it\n"
    check --sut ${hostile_crash_in_create} --reproducer ${CMAKE_CURRENT_BINARY_DIR}/plugin-create.trace ${hostile_trace})
  apcb_cli_test(hostile_plugin_crash_in_load_is_a_finding 1
    "three-guests.trace: [^\n]*crash_in_load.so crashed while loading the plugin: signal 6 \\(SIGABRT\\)\nreproducer: [^\n]*plugin-load.trace \\(the trace up to its host init line\\)\n"
    check --sut ${hostile_crash_in_load} --reproducer ${CMAKE_CURRENT_BINARY_DIR}/plugin-load.trace ${hostile_trace})
  apcb_cli_test(hostile_plugin_create_null_fails 1
    "three-guests.trace: [^\n]*create_null.so: the plugin could not create an instance for the trace's host \\(create returned NULL\\)\n"
    check --sut ${hostile_create_null} ${hostile_trace})

  # Observations the trace format cannot write are divergences, never a lossy pass.
  apcb_cli_test(hostile_plugin_unterminated_output_diverges 1
    "${step3}hostile unterminated_output diverges at step 3${step3_op}implementation:\n\\(not expressible in the trace format: the output's last line has no newline\\)\n"
    check --sut ${hostile_unterminated_output} ${hostile_trace})
  apcb_cli_test(hostile_plugin_unnamed_errno_diverges 1
    "${step3}hostile unnamed_errno diverges at step 3${step3_op}implementation:\n\\(not expressible in the trace format: result 28 is not an errno the trace format names\\)\n"
    check --sut ${hostile_unnamed_errno} ${hostile_trace})

  # What the plugin writes to its standard output goes to standard error: apcb's report and
  # the protocol stay intact (the garbage imitates protocol answers).
  add_test(NAME hostile_plugin_stdout_garbage_stays_out_of_the_report COMMAND bash -c
           "out=$(\"$0\" check --sut \"$1\" \"$2\" 2>stderr-garbage.txt); rc=$?; printf '%s\\nexit=%s\\n' \"$out\" $rc; grep -c 'garbage from the plugin' stderr-garbage.txt"
           $<TARGET_FILE:apcb> ${hostile_stdout_garbage} ${hostile_trace})
  set_tests_properties(hostile_plugin_stdout_garbage_stays_out_of_the_report PROPERTIES PASS_REGULAR_EXPRESSION
    "^[^\n]*three-guests.trace: hostile stdout_garbage conforms \\([1-9][0-9]* steps compared, 0 skipped: cannot comply\\)\nexit=0\n[1-9][0-9]*\n$")

  # Options: the time limit must be a positive number of seconds; --reproducer must not be the
  # trace (which stays as it was) and must be writable before the run starts.
  apcb_cli_test(hostile_plugin_step_timeout_zero_is_usage 2 "--step-timeout: Value 0 not in range"
    check --sut ${model_sut} --step-timeout 0 ${hostile_trace})
  apcb_cli_test(hostile_plugin_step_timeout_not_a_number_is_usage 2 "--step-timeout"
    check --sut ${model_sut} --step-timeout soon ${hostile_trace})
  apcb_cli_test(hostile_plugin_step_timeout_needs_sut 2 "--step-timeout requires --sut"
    check --step-timeout 1 ${hostile_trace})
  add_test(NAME hostile_plugin_reproducer_onto_the_trace_is_refused COMMAND bash -c
           "cp \"$2\" own.trace && cp \"$2\" own.orig && \"$0\" check --sut \"$1\" --reproducer ./own.trace own.trace 2>&1; echo exit=$?; cmp own.trace own.orig && echo unchanged"
           $<TARGET_FILE:apcb> ${hostile_segfault} ${hostile_trace})
  set_tests_properties(hostile_plugin_reproducer_onto_the_trace_is_refused PROPERTIES PASS_REGULAR_EXPRESSION
    "^\\./own.trace: the reproducer would overwrite the trace being checked\nexit=2\nunchanged\n$")
  apcb_cli_test(hostile_plugin_unwritable_reproducer_is_refused_first 2
    "/nonexistent-dir/r.trace: cannot write: No such file or directory\n"
    check --sut ${hostile_segfault} --reproducer /nonexistent-dir/r.trace ${hostile_trace})
endif()

# A real kernel bug through the isolation: tests/kernel-bugs/stale-matrix-mdev-after-remove.trace
# reads a freed mdev (use after free) at step 9. Without a sanitizer the read goes unnoticed
# (the trace conforms); with glibc's MALLOC_PERTURB_ the freed memory is filled, the driver
# follows a garbage pointer and the plugin's process dies of SIGSEGV, which apcb reports as a
# finding with its reproducer (in process, apcb itself died: exit 139). Sanitizer builds check
# the same trace by AddressSanitizer's report (kernel_<v>_bug_stale_matrix_mdev).
# (Sanitizer builds replace glibc's allocator, so the test is for plain and coverage builds.)
if(TARGET apcb AND TARGET apcb_model_sut AND NOT APCB_FUZZ AND NOT APCB_TSAN)
  foreach(v IN ITEMS 6.1 6.12)
    string(REPLACE "." "_" v_ ${v})
    set(target apcb_kernel_${v_})
    if(TARGET ${target})
      set(name hostile_plugin_kernel_${v_}_use_after_free_is_a_finding)
      add_test(NAME ${name} COMMAND ${PROJECT_SOURCE_DIR}/tests/hostile/plugins/finding-reproduces.sh
               $<TARGET_FILE:apcb> $<TARGET_FILE:${target}> $<TARGET_FILE:apcb_model_sut>
               ${PROJECT_SOURCE_DIR}/tests/kernel-bugs/stale-matrix-mdev-after-remove.trace
               ${CMAKE_CURRENT_BINARY_DIR}/plugin-kernel-${v}-uaf 9 --kernel ${v})
      set_tests_properties(${name} PROPERTIES ENVIRONMENT MALLOC_PERTURB_=165 PASS_REGULAR_EXPRESSION
        "first run \\(exit 1\\):\n[^\n]*stale-matrix-mdev-after-remove.trace:32: apcb-kernel-${v} [^\n]* crashed at step 9: signal 11 \\(SIGSEGV\\)\n  echo 05.0004 > /sys/bus/ap/drivers/vfio_ap/unbind\n.*reproduces\n$")
    endif()
  endforeach()
endif()
