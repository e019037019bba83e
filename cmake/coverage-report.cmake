# Coverage report for a coverage build (APCB_COVERAGE=ON), run as a script:
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DLLVM_PROFDATA=... -DLLVM_COV=... -P coverage-report.cmake
# Merges <build>/profraw/*.profraw (written by `ctest --preset coverage`), then prints a summary
# for every test executable ctest knows about and writes an HTML report to <build>/coverage-html.
foreach(v BUILD_DIR SOURCE_DIR LLVM_PROFDATA LLVM_COV)
  if(NOT ${v})
    message(FATAL_ERROR "coverage-report: ${v} is not set")
  endif()
endforeach()

file(GLOB raw "${BUILD_DIR}/profraw/*.profraw")
if(NOT raw)
  message(FATAL_ERROR "coverage-report: no ${BUILD_DIR}/profraw/*.profraw; run `ctest --preset coverage` first")
endif()
set(profdata "${BUILD_DIR}/coverage.profdata")
execute_process(COMMAND ${LLVM_PROFDATA} merge -sparse ${raw} -o ${profdata} COMMAND_ERROR_IS_FATAL ANY)

# The binaries: every test command ctest would run.
execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --show-only=json-v1 WORKING_DIRECTORY ${BUILD_DIR}
                OUTPUT_VARIABLE json COMMAND_ERROR_IS_FATAL ANY)
string(JSON ntests LENGTH "${json}" tests)
set(bins "")
if(ntests GREATER 0)
  math(EXPR last "${ntests} - 1")
  foreach(i RANGE ${last})
    string(JSON exe ERROR_VARIABLE err GET "${json}" tests ${i} command 0)
    if(NOT err AND EXISTS "${exe}" AND NOT IS_DIRECTORY "${exe}")
      list(APPEND bins "${exe}")
    endif()
  endforeach()
endif()
list(REMOVE_DUPLICATES bins)
if(NOT bins)
  message(FATAL_ERROR "coverage-report: ctest lists no test executables")
endif()
list(POP_FRONT bins first)
set(objects "")
foreach(b IN LISTS bins)
  list(APPEND objects -object ${b})
endforeach()

# Report on the project's own sources (model/, impl/, ... ), not tests or system headers.
set(ignore "-ignore-filename-regex=(^/usr/|/tests/|/fuzz/|/bench/|/build/)")
execute_process(COMMAND ${LLVM_COV} report ${first} ${objects} -instr-profile=${profdata} ${ignore}
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${LLVM_COV} show ${first} ${objects} -instr-profile=${profdata} ${ignore}
                        -format=html -output-dir=${BUILD_DIR}/coverage-html
                COMMAND_ERROR_IS_FATAL ANY)
message(STATUS "HTML report: ${BUILD_DIR}/coverage-html/index.html")
