# The local part of the ClusterFuzzLite integration (.clusterfuzzlite/, README "ClusterFuzzLite"):
# the build script in an OSS-Fuzz-like environment, and the errors a caller gets when that
# environment is incomplete.
set(cflite_build ${PROJECT_SOURCE_DIR}/.clusterfuzzlite/build.sh)

# apcb_cflite_usage_test(NAME REGEX VAR=VALUE...): runs .clusterfuzzlite/build.sh with only
# PATH, HOME and the given variables set; passes when it exits 2 (before any build) and its
# output matches REGEX.
function(apcb_cflite_usage_test name regex)
  add_test(NAME ${name} COMMAND bash -c "env -i PATH=\"$PATH\" HOME=\"$HOME\" \"$@\" 2>&1; echo \"exit=$?\""
           run ${ARGN})
  set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}.*exit=2\n$")
endfunction()
set(cflite_env CXX=clang++ CXXFLAGS=-fsanitize=fuzzer-no-link LIB_FUZZING_ENGINE=-fsanitize=fuzzer)
apcb_cflite_usage_test(cflite_build_missing_out_is_usage_error "fuzz/build.sh: OUT is not set"
  CXX=clang++ CXXFLAGS= LIB_FUZZING_ENGINE=-fsanitize=fuzzer ${cflite_build})
apcb_cflite_usage_test(cflite_build_out_not_a_directory_is_usage_error
  "fuzz/build.sh: OUT=[^\n]*CMakeLists.txt is not a directory"
  ${cflite_env} OUT=${CMAKE_CURRENT_SOURCE_DIR}/CMakeLists.txt ${cflite_build})
apcb_cflite_usage_test(cflite_build_missing_cxx_is_usage_error "fuzz/build.sh: CXX is not set"
  CXXFLAGS= LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=${CMAKE_CURRENT_BINARY_DIR}/cflite-unused
  ${cflite_build})
apcb_cflite_usage_test(cflite_build_missing_lib_fuzzing_engine_is_usage_error
  "fuzz/build.sh: LIB_FUZZING_ENGINE is not set"
  CXX=clang++ CXXFLAGS= OUT=${CMAKE_CURRENT_BINARY_DIR}/cflite-unused ${cflite_build})
# The script copied away from a checkout, as the Dockerfile copies it to $SRC/build.sh, with no
# $SRC/apcb beside it: it says where it looked.
add_test(NAME cflite_build_without_a_checkout_is_usage_error COMMAND bash -c [=[
  rm -rf cflite-alone && mkdir -p cflite-alone/src && cp "$0" cflite-alone/src/build.sh || exit 3
  env -i PATH="$PATH" HOME="$HOME" SRC="$PWD/cflite-alone/src" CXX=clang++ CXXFLAGS= LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$PWD/cflite-alone/out" bash -eu cflite-alone/src/build.sh 2>&1
  echo "exit=$?"]=] ${cflite_build})
set_tests_properties(cflite_build_without_a_checkout_is_usage_error PROPERTIES PASS_REGULAR_EXPRESSION
  "no fuzz/build.sh beside this script nor in \\$SRC/apcb \\(SRC=[^\n]*cflite-alone/src\\).*exit=2\n$")

# The whole build as the builder runs it, then every harness in $OUT with its dictionary and
# seed corpus zip, each running its seeds (tests/cflite/build-in-oss-fuzz-env.sh). Fuzz preset
# only: it needs clang and libFuzzer. A full build of the harnesses with ASan (about 5 minutes
# on two cores cold; its fixed scratch folder lets ccache serve a rerun from any checkout).
if(APCB_FUZZ)
  add_test(NAME cflite_build_script_in_oss_fuzz_env
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cflite/build-in-oss-fuzz-env.sh ${PROJECT_SOURCE_DIR}
                   /tmp/apcb-cflite-build)
  set_tests_properties(cflite_build_script_in_oss_fuzz_env PROPERTIES LABELS "fuzz" TIMEOUT 1800
                       PASS_REGULAR_EXPRESSION "cflite build: [1-9][0-9]* harnesses ok \\(address\\)\n")
endif()
