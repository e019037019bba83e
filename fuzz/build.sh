#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script: builds every apcb fuzz harness with the engine's
# compiler, flags and fuzzing engine, and puts each into $OUT with its seed corpus
# ($OUT/<harness>_seed_corpus.zip) and dictionary ($OUT/<harness>.dict).
#
# Inputs (set by the OSS-Fuzz / ClusterFuzzLite builder, or by hand to test locally):
#   CXX                 the C++ compiler (clang++)
#   CXXFLAGS            sanitizer and coverage flags, e.g. -fsanitize=address,fuzzer-no-link
#   LIB_FUZZING_ENGINE  link flags of the engine, e.g. -fsanitize=fuzzer
#   OUT                 where the harnesses go
#   SRC                 the directory holding the apcb checkout (default: this script's ../..)
#   WORK                optional scratch directory for the build tree (default: $OUT/../apcb-build)
#   APCB_CCACHE         optional: ON compiles through ccache when it is found (local and CI runs
#                       of the same build, e.g. the ctest cflite_build_script_in_oss_fuzz_env);
#                       the OSS-Fuzz / ClusterFuzzLite builder leaves it unset: OFF
# The image needs cmake, ninja, zip and the libraries apcb configures with (libz3-dev,
# librapidcheck-dev, libgtest-dev, ...: scripts/setup lists them, .clusterfuzzlite/Dockerfile
# installs them); only the harnesses are built, so the kernel plugins (which need Debian's
# linux-source tarballs) are not configured.
# A missing or empty CXX, LIB_FUZZING_ENGINE or OUT (CXXFLAGS may be empty but must be set) is
# a usage error: a message naming the variable, exit 2.
#
# Local test:
#   CXX=clang++ CXXFLAGS='-fsanitize=address,fuzzer-no-link' LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#     OUT=/tmp/out fuzz/build.sh
#
# fuzz_sut drives the plugin named by APCB_SUT_PLUGIN, or apcb_sut_plugin.so beside it: this
# script ships the reference implementation's plugin there when it exists, else the model's.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=${SRC:+$SRC/apcb}
if [[ -z "${SRC_DIR}" || ! -f "${SRC_DIR}/fuzz/build.sh" ]]; then SRC_DIR=$(dirname "$here"); fi
usage_error() {
  echo "fuzz/build.sh: $*" >&2
  echo "fuzz/build.sh: e.g. CXX=clang++ CXXFLAGS='-fsanitize=address,fuzzer-no-link' LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/build.sh" >&2
  exit 2
}
[[ -n "${CXX:-}" ]] || usage_error "CXX is not set: the C++ compiler (clang++)"
[[ -n "${CXXFLAGS+set}" ]] || usage_error "CXXFLAGS is not set: the sanitizer and coverage flags (may be empty)"
[[ -n "${LIB_FUZZING_ENGINE:-}" ]] || usage_error "LIB_FUZZING_ENGINE is not set: the engine's link flags (-fsanitize=fuzzer)"
[[ -n "${OUT:-}" ]] || usage_error "OUT is not set: the directory the harnesses go to"
[[ ! -e "$OUT" || -d "$OUT" ]] || usage_error "OUT=$OUT is not a directory"
mkdir -p "$OUT"
build=${WORK:-$(dirname "$OUT")/apcb-build}
mkdir -p "$build"

cmake -S "$SRC_DIR" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DAPCB_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DAPCB_CCACHE="${APCB_CCACHE:-OFF}" -DAPCB_WERROR=OFF -DAPCB_KERNEL_PLUGINS=OFF

# Every harness fuzz/CMakeLists.txt declares (the fuzz_*.cpp files with a target of that name).
harnesses=()
for src in "$SRC_DIR"/fuzz/fuzz_*.cpp; do
  h=$(basename "$src" .cpp)
  harnesses+=("$h")
done
plugins=()
for p in apcb_impl_sut apcb_model_sut; do
  if ninja -C "$build" -t targets all 2>/dev/null | grep -q "^$p:"; then plugins+=("$p"); fi
done
cmake --build "$build" --target "${harnesses[@]}" "${plugins[@]}" apcb_fuzz_dicts -j"$(nproc)"

for h in "${harnesses[@]}"; do
  cp "$build/fuzz/$h" "$OUT/$h"
  # Dictionaries are build outputs (fuzz_trace's is generated from the operation alphabet).
  [[ -f "$build/fuzz/dict/$h.dict" ]] && cp "$build/fuzz/dict/$h.dict" "$OUT/$h.dict"
  if [[ -d "$SRC_DIR/fuzz/corpus/$h" ]]; then
    rm -f "$OUT/${h}_seed_corpus.zip"
    (cd "$SRC_DIR/fuzz/corpus/$h" && zip -q -r "$OUT/${h}_seed_corpus.zip" .)
  fi
done
if (( ${#plugins[@]} > 0 )); then
  cp "$(find "$build/sut" -name "${plugins[0]}.so" | head -n1)" "$OUT/apcb_sut_plugin.so"
fi
echo "fuzz/build.sh: built ${harnesses[*]} into $OUT${plugins:+ (fuzz_sut plugin: ${plugins[0]})}"
