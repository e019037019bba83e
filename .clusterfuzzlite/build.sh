#!/bin/bash -eu
# ClusterFuzzLite's build script (the builder runs it as $SRC/build.sh in $SRC/apcb, with CC,
# CXX, CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE, OUT, SRC and WORK set). apcb's OSS-Fuzz build is
# fuzz/build.sh: this only finds and runs it, so there is one build script to keep right.
#
# It runs the fuzz/build.sh of the checkout it lives in (a local run:
#   CC=clang CXX=clang++ CFLAGS=... CXXFLAGS=... LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#     OUT=/tmp/out .clusterfuzzlite/build.sh
# ), else the one of $SRC/apcb (the image, where this file is copied to $SRC/build.sh).
# tests/cflite/build-in-oss-fuzz-env.sh runs it the way the builder does.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for script in "$here/../fuzz/build.sh" "${SRC:-/src}/apcb/fuzz/build.sh"; do
  if [[ -f "$script" ]]; then
    exec bash -eu "$script" "$@"
  fi
done
echo ".clusterfuzzlite/build.sh: no fuzz/build.sh beside this script nor in \$SRC/apcb (SRC=${SRC:-unset}):" \
     "run it from an apcb checkout, or set SRC to the directory holding apcb/" >&2
exit 2
