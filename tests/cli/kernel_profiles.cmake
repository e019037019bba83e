# Kernel profiles on every verb (docs/kernel-versions.md): included by tests/CMakeLists.txt.
set(apcb_kernel_cli_dir ${CMAKE_CURRENT_SOURCE_DIR}/cli/kernel)

# Every verb takes every profile name; a trace generated for a profile declares it (`# kernel: V`)
# and checks against that profile without --kernel.
add_test(NAME cli_kernel_every_verb_takes_every_profile COMMAND bash -c [[
  set -e
  apcb=$0; out=$1; mkdir -p "$out"
  for v in 6.0 6.1 6.6 6.8 6.9 6.10 6.12 6.15 6.19 latest; do
    "$apcb" gen --kernel $v --seed 5 --ops 150 > "$out/gen-$v.trace"
    if [ $v = latest ]; then ! grep -q '^# kernel:' "$out/gen-$v.trace"; else grep -qx "# kernel: $v" "$out/gen-$v.trace"; fi
    "$apcb" check "$out/gen-$v.trace" > /dev/null
    "$apcb" check --kernel $v "$out/gen-$v.trace" > /dev/null
    "$apcb" run --kernel $v "$out/gen-$v.trace" | "$apcb" check - > /dev/null
    "$apcb" explain --kernel $v "$out/gen-$v.trace" > /dev/null
    # shrink of the recorded answers follows the trace's declaration: nothing diverges.
    "$apcb" shrink "$out/gen-$v.trace" 2>&1 | grep -q 'conforms to the reference: nothing to shrink'
    "$apcb" prove --kernel $v --list > /dev/null
  done
  # verify --kernel V checks the one trace that declares V and lists the others as skipped.
  for v in 6.0 6.1 6.6 6.8 6.9 6.10 6.12 6.15 6.19 latest; do
    "$apcb" verify --kernel $v --skip proofs --skip property --skip fuzz --traces "$out" --out "$out/verify" > "$out/verify-$v.txt" 2>/dev/null
    [ "$(grep -c '^conformance/model .* holds' "$out/verify-$v.txt")" = 1 ]
    grep -q "^conformance/model  *gen-$v.trace .* holds" "$out/verify-$v.txt"
    [ "$(grep -c '^conformance .* skipped .*records kernel' "$out/verify-$v.txt")" = 9 ]
  done
  echo every-profile-ok]] $<TARGET_FILE:apcb> ${CMAKE_CURRENT_BINARY_DIR}/kernel-profiles)
set_tests_properties(cli_kernel_every_verb_takes_every_profile PROPERTIES PASS_REGULAR_EXPRESSION "every-profile-ok")

# The profiles differ where docs/kernel-versions.md says: a 6.0 trace diverges from latest.
add_test(NAME cli_kernel_gen_6_0_trace_differs_from_latest COMMAND bash -c
  "\"$0\" gen --kernel 6.0 --seed 3 --ops 200 | \"$0\" check --kernel latest - 2>&1; echo exit=$?" $<TARGET_FILE:apcb>)
set_tests_properties(cli_kernel_gen_6_0_trace_differs_from_latest PROPERTIES PASS_REGULAR_EXPRESSION "divergence at step.*exit=1\n$")

# The declaration is read strictly: a misspelt version is never silently latest.
apcb_cli_test(cli_kernel_declaration_names_an_unknown_version 2
  "bad-version.trace:3:11: '6.2' is not a kernel version apcb has a profile for \\(6.0, 6.1,"
  check ${apcb_kernel_cli_dir}/bad-version.trace)
apcb_cli_test(cli_kernel_declaration_is_one_word 2
  "two-words.trace:2:3: expected '# kernel: VERSION'"
  run ${apcb_kernel_cli_dir}/two-words.trace)
foreach(verb run check gen explain shrink prove verify)
  apcb_cli_test(cli_kernel_${verb}_refuses_an_unknown_version 2
    "--kernel: '6.2' is not a kernel version apcb follows \\(6.0, 6.1, 6.6, 6.8, 6.9, 6.10, 6.12, 6.15, 6.19, latest\\)"
    ${verb} --kernel 6.2)
endforeach()

# `run --kernel V` writes the profile it followed; --kernel latest drops a declaration.
add_test(NAME cli_kernel_run_declares_the_profile_it_followed COMMAND bash -c
  "\"$0\" gen --kernel 6.0 --seed 3 --ops 5 | \"$0\" run --kernel 6.8 - | grep '^# kernel:'; \"$0\" gen --kernel 6.0 --seed 3 --ops 5 | \"$0\" run --kernel latest - | grep -c '^# kernel:'"
  $<TARGET_FILE:apcb>)
set_tests_properties(cli_kernel_run_declares_the_profile_it_followed PROPERTIES PASS_REGULAR_EXPRESSION "^# kernel: 6.8\n0\n$")

# verify --kernel 6.0: the property layer finds a 6.0 bug: since the PQAP hook became the
# profile flag failed_attach_keeps_hook, the first one seed 1 reaches (step 93) is an open
# failing with EPERM that moves the guest's hook to the failing mdev (P6: a failed operation
# changed the state). Before the flag it was 6.0's control-domain removal (P1), and before the
# guest's PQAP(AQIC) joined the draws the emptied shadow mask (P4). The ledger (latest) is refused.
apcb_cli_test(cli_verify_kernel_6_0_property_layer_finds_a_historical_bug 1
  "property +random sequences on the model following kernel 6.0.*fails.*vfio open [0-9a-f-]+ guest=[0-9]+\\): P6: a failed operation changed the state.*verdict: FAILS"
  verify --kernel 6.0 --skip proofs --skip fuzz --sequences 30 --out ${CMAKE_CURRENT_BINARY_DIR}/verify-6.0)
apcb_cli_test(cli_verify_kernel_6_12_property_layer_holds 0
  "property +random sequences on the model following kernel 6.12.*holds.*verdict: HOLDS"
  verify --kernel 6.12 --skip proofs --skip fuzz --sequences 100 --out ${CMAKE_CURRENT_BINARY_DIR}/verify-6.12)
apcb_cli_test(cli_verify_kernel_refuses_the_latest_ledger 2
  "the assurance ledger records the latest semantics"
  verify --kernel 6.1 --ledger ${PROJECT_SOURCE_DIR}/.ci/assurance-ledger.json)
