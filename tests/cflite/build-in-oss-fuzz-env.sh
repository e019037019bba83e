#!/usr/bin/env bash
# The local part of the ClusterFuzzLite integration (.clusterfuzzlite/), run by ctest in the
# fuzz preset (cflite_build_script_in_oss_fuzz_env): builds the harnesses the way the
# OSS-Fuzz / ClusterFuzzLite builder does and checks what it leaves in $OUT.
#
#   tests/cflite/build-in-oss-fuzz-env.sh SOURCE_DIR SCRATCH_DIR [address|undefined]
#
# 1. Lays out SCRATCH_DIR like the builder image: src/apcb (a copy of the checkout's files,
#    tracked and untracked-not-ignored, as the Dockerfile's COPY with .dockerignore), src/build.sh
#    (a copy of .clusterfuzzlite/build.sh, as the Dockerfile copies it), out/, work/. The
#    builder's paths are fixed (/src/apcb, /out, /work), and the ctest passes a fixed
#    SCRATCH_DIR too: the compile commands are then the same from any checkout, so ccache
#    reuses the objects of an earlier run on the machine (a cold build of the harnesses takes
#    about 5 minutes on two cores). Runs on one SCRATCH_DIR are serialised (flock).
# 2. Runs `bash -eu $SRC/build.sh` in $SRC/apcb with the environment the builder's `compile`
#    sets for SANITIZER=address (the default) or undefined, FUZZING_ENGINE=libfuzzer: CC/CXX
#    clang, CFLAGS = the base image's flags + the sanitizer's (SANITIZER_FLAGS_<sanitizer> of
#    the Ubuntu 24.04 builder) + -fsanitize=fuzzer-no-link, CXXFLAGS = CFLAGS (+ -stdlib=libc++
#    when this clang can link with it, as the builder's clang does), LIB_FUZZING_ENGINE=
#    -fsanitize=fuzzer.
#    APCB_CCACHE=ON, which the builder does not set, lets a rerun reuse the earlier objects.
# 3. Checks, for every harness fuzz/fuzz_*.cpp: $OUT/<h> is an executable whose name the
#    builder accepts, built with the sanitizer and libFuzzer; $OUT/<h>.dict and
#    $OUT/<h>_seed_corpus.zip exist, the zip holds exactly fuzz/corpus/<h>; and the binary runs
#    its seed corpus (unpacked from the zip) with its dictionary, -runs=0, exit 0. The plugin
#    shipped for fuzz_sut ($OUT/apcb_sut_plugin.so) leaves libFuzzer's coverage hooks to the
#    executable: fuzz_sut must export every one it needs (a UBSan build did not).
# Prints one line per harness and "cflite build: N harnesses ok" at the end; exit 1 on any
# failure (each is named), 2 on bad arguments.
set -uo pipefail
if (($# != 2 && $# != 3)); then
  echo "usage: $0 SOURCE_DIR SCRATCH_DIR [address|undefined]" >&2
  exit 2
fi
sanitizer=${3:-address}
case $sanitizer in
  address)
    sanitizer_flags="-fsanitize=address -fsanitize-address-use-after-scope"
    runtime_symbol=__asan_init ;;
  undefined)
    checks=array-bounds,bool,builtin,enum,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr
    sanitizer_flags="-fsanitize=$checks,unsigned-integer-overflow -fno-sanitize-recover=$checks"
    runtime_symbol=__ubsan_handle ;;
  *)
    echo "$0: sanitizer '$sanitizer': not address or undefined" >&2
    exit 2 ;;
esac
source_dir=$(cd "$1" && pwd) || exit 2
scratch=$2
fail=0
failed() {
  echo "FAIL: $*"
  fail=1
}

mkdir -p "$scratch" || exit 2
scratch=$(cd "$scratch" && pwd)
# One run at a time in the fixed scratch folder: the script re-runs itself holding its lock.
[[ -n ${APCB_CFLITE_LOCKED:-} ]] || APCB_CFLITE_LOCKED=1 exec flock "$scratch.lock" bash "$0" "$@"
rm -rf "${scratch:?}"/* && mkdir -p "$scratch/src/apcb" "$scratch/out" "$scratch/work" "$scratch/seeds" || exit 2
if git -C "$source_dir" rev-parse --show-toplevel >/dev/null 2>&1; then
  (cd "$source_dir" && git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$scratch/src/apcb"
else
  (cd "$source_dir" && tar --exclude=./build --exclude=./out -cf - .) | tar -xf - -C "$scratch/src/apcb"
fi
[[ -f $scratch/src/apcb/fuzz/build.sh ]] || { echo "FAIL: cannot copy $source_dir to $scratch/src/apcb"; exit 1; }
cp "$source_dir/.clusterfuzzlite/build.sh" "$scratch/src/build.sh"

flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
flags+=" $sanitizer_flags -fsanitize=fuzzer-no-link"
cxxflags=$flags
# The builder leaves -fsanitize=function out of C code in UBSan builds.
[[ $sanitizer == undefined ]] && flags+=" -fno-sanitize=function"
if echo 'int main() { return 0; }' | clang++ -x c++ -stdlib=libc++ - -o "$scratch/libcxx-probe" 2>/dev/null; then
  cxxflags+=" -stdlib=libc++"
  echo "cflite build: clang++ links with libc++: CXXFLAGS has -stdlib=libc++ as in the builder"
else
  echo "cflite build: clang++ cannot link with libc++ here (libc++-dev missing): CXXFLAGS without -stdlib=libc++"
fi

t0=$SECONDS
(cd "$scratch/src/apcb" &&
  env CC=clang CXX=clang++ CCC=clang++ CFLAGS="$flags" CXXFLAGS="$cxxflags" \
    LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER="$sanitizer" FUZZING_ENGINE=libfuzzer \
    ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c++ SRC="$scratch/src" OUT="$scratch/out" \
    WORK="$scratch/work" APCB_CCACHE=ON CCACHE_BASEDIR="$scratch" CCACHE_NOHASHDIR=true \
    bash -eu "$scratch/src/build.sh" >"$scratch/build.log" 2>&1)
rc=$?
echo "cflite build: \$SRC/build.sh exit $rc in $((SECONDS - t0)) s (log: $scratch/build.log)"
if ((rc != 0)); then
  tail -n 30 "$scratch/build.log"
  echo "FAIL: \$SRC/build.sh exit $rc"
  exit 1
fi

n=0
for src in "$source_dir"/fuzz/fuzz_*.cpp; do
  h=$(basename "$src" .cpp)
  bin=$scratch/out/$h
  n=$((n + 1))
  [[ $h =~ ^[A-Za-z0-9_-]+$ ]] || failed "$h: the builder runs only targets named [A-Za-z0-9_-]+"
  if [[ ! -x $bin ]]; then
    failed "$h: no executable \$OUT/$h"
    continue
  fi
  grep -aq LLVMFuzzerTestOneInput "$bin" || failed "$h: \$OUT/$h has no LLVMFuzzerTestOneInput"
  grep -aq "$runtime_symbol" "$bin" || failed "$h: \$OUT/$h is not built with the $sanitizer sanitizer"
  grep -aq 'libFuzzer' "$bin" || failed "$h: \$OUT/$h does not link libFuzzer (LIB_FUZZING_ENGINE)"
  [[ -s $scratch/out/$h.dict ]] || failed "$h: no dictionary \$OUT/$h.dict"
  zip=$scratch/out/${h}_seed_corpus.zip
  if [[ ! -d $source_dir/fuzz/corpus/$h ]]; then
    failed "$h: no seed corpus fuzz/corpus/$h to ship"
    continue
  fi
  if [[ ! -f $zip ]]; then
    failed "$h: no seed corpus \$OUT/${h}_seed_corpus.zip"
    continue
  fi
  seeds=$scratch/seeds/$h
  python3 -m zipfile -e "$zip" "$seeds" || failed "$h: cannot unpack ${h}_seed_corpus.zip"
  # The corpus has symbolic links (to tests/traces, ...): zip stores what they point at.
  want=$(cd "$source_dir/fuzz/corpus/$h" && find -L . -type f | sort)
  got=$(cd "$seeds" && find . -type f | sort)
  [[ "$want" == "$got" ]] || failed "$h: ${h}_seed_corpus.zip does not hold exactly fuzz/corpus/$h"
  # As ClusterFuzzLite starts a target: from $OUT (fuzz_sut finds apcb_sut_plugin.so there).
  log=$scratch/run-$h.log
  (cd "$scratch/out" && env -u APCB_SUT_PLUGIN ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=silence_unsigned_overflow=1:halt_on_error=1:print_stacktrace=1 \
    "./$h" -runs=0 -dict="$h.dict" "$seeds" >"$log" 2>&1)
  rc=$?
  inputs=$(find "$seeds" -type f | wc -l)
  if ((rc != 0)); then
    tail -n 20 "$log"
    failed "$h: exit $rc running its $inputs seeds (log: $log)"
  elif ! grep -q 'Dictionary: [1-9][0-9]* entries' "$log"; then
    failed "$h: libFuzzer loaded no entries from \$OUT/$h.dict (log: $log)"
  elif ! grep -q 'INITED' "$log"; then
    failed "$h: libFuzzer did not run the seed corpus (log: $log)"
  else
    echo "ok: $h: binary, $h.dict, ${h}_seed_corpus.zip ($inputs inputs, all run, exit 0)"
  fi
done
((n > 0)) || failed "no fuzz/fuzz_*.cpp harness in $source_dir"
plugin=$scratch/out/apcb_sut_plugin.so
if [[ -x $scratch/out/fuzz_sut ]]; then
  if [[ ! -f $plugin ]]; then
    failed "fuzz_sut: no \$OUT/apcb_sut_plugin.so beside it"
  else
    exported=$(nm -D --defined-only "$scratch/out/fuzz_sut" | awk '{print $NF}' | sort -u)
    for sym in $(nm -D --undefined-only "$plugin" | awk '{print $NF}' | grep -E '^__(sancov|sanitizer_cov)' | sort -u); do
      grep -qx "$sym" <<<"$exported" ||
        failed "fuzz_sut: apcb_sut_plugin.so needs $sym, which fuzz_sut does not export (link it -rdynamic)"
    done
  fi
fi
if ((fail)); then
  echo "cflite build: FAILED"
  exit 1
fi
echo "cflite build: $n harnesses ok ($sanitizer)"
