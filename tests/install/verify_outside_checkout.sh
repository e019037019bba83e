#!/bin/bash
# An installed apcb knows no source tree (issue 14; cli/data_paths.h): `cmake --install` this
# build into a scratch prefix under /tmp, then run the installed tool the way a user would,
# from a scratch folder, with an empty environment (env -i) and, where user namespaces allow,
# with the checkout and the build tree hidden under empty tmpfs mounts, so that a path of
# either is unreachable, not merely unused.
#
#   verify_outside_checkout.sh MODE CMAKE BUILD_DIR SOURCE_DIR
#
# MODE (one ctest each, tests/CMakeLists.txt):
#   outside    verify (every layer but the full-width proofs, which read no data) exits 0,
#              checks every trace and every corpus of the prefix, and names no path of the
#              checkout or build; `explain --help` cites a doc that exists under the prefix
#   relocated  the prefix moved after install, and run through a symlink: still finds its data
#   no-share   share/apcb and libexec/apcb removed: verify exits 2 naming each missing folder
#              and its option
#   override   --traces and --corpus point elsewhere: verify reads those, not the prefix's
# Prints "PASS <mode>" last when every check holds; "FAIL: why" and exit 1 otherwise.
set -u
mode=$1 cmake=$2
build=$(realpath "$3") source=$(realpath "$4")
scratch=$(mktemp -d /tmp/apcb-install-verify.XXXXXX) || exit 3
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

prefix=$scratch/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$scratch/install.log" 2>&1 ||
  { cat "$scratch/install.log"; fail "cmake --install"; }
mkdir -p "$scratch/run"

# run ARGS...: ARGS in $scratch/run under env -i, the checkout and build hidden when possible;
# output in $out (stdout and stderr), exit status in $rc.
hide=no
if unshare -rm true 2>/dev/null; then hide=yes; fi
run() {
  local script='cd "$0" || exit 3; exec "$@"'
  if [ $hide = yes ]; then
    # The build first: it may lie inside the checkout, which is hidden next.
    script='for d in "$1" "$2"; do if [ -d "$d" ]; then mount -t tmpfs none "$d" || exit 3; fi; done
            [ -z "$(ls -A "$2")" ] || exit 3  # the checkout is empty now
            shift 2; cd "$0" || exit 3; exec "$@"'
    out=$(env -i PATH=/usr/bin:/bin unshare -rm /bin/bash -c "$script" "$scratch/run" "$build" "$source" "$@" 2>&1)
  else
    out=$(env -i PATH=/usr/bin:/bin /bin/bash -c "$script" "$scratch/run" "$@" 2>&1)
  fi
  rc=$?
}
# No path of the checkout or the build in the output.
no_tree_paths() {
  if grep -qF "$source" <<<"$out" || grep -qF "$build" <<<"$out"; then
    grep -nF -e "$source" -e "$build" <<<"$out" | head -5
    fail "the output names a path of the checkout ($source) or the build ($build)"
  fi
}

traces=$(find "$source/tests/traces" -name '*.trace' | wc -l)
corpora=$(find -L "$source/fuzz/corpus" -mindepth 1 -maxdepth 1 -type d | wc -l)  # fuzz_sut links to fuzz_ops
small=(--sequences 20 --ops 30 --fuzz-seconds 1)

case $mode in
outside)
  run "$prefix/bin/apcb" verify --proof-width 8 "${small[@]}" --json "$scratch/run/verify.json"
  echo "$out" | tail -25
  [ $rc = 0 ] || fail "verify exits $rc, not 0"
  no_tree_paths
  if grep -qF -e "$source" -e "$build" "$scratch/run/verify.json"; then fail "verify.json names a tree path"; fi
  # Every trace of the repository, on both engines, read from the prefix: the ones that record
  # latest hold, the ones that declare another kernel profile (`# kernel: V`) are listed as
  # skipped (apcb verify --kernel V checks them).
  other=$(grep -l '^# kernel: ' $(find "$source/tests/traces" -name '*.trace') | wc -l)
  got=$(grep -c '^conformance  .* holds ' <<<"$out")
  [ "$got" = "$((traces - other))" ] || fail "$got conformance rows hold, not $((traces - other)) (one per trace of latest)"
  skipped=$(grep -c '^conformance  .* skipped .*records kernel' <<<"$out")
  [ "$skipped" = "$other" ] || fail "$skipped conformance rows skipped, not $other (one per trace of another kernel)"
  grep -qF "verify: [1/$traces] conformance $prefix/share/apcb/traces/" <<<"$out" ||
    fail "the traces were not read from $prefix/share/apcb/traces"
  # Every harness, from libexec/apcb, over its corpus from share/apcb/corpus.
  got=$(grep -cE '^fuzz +fuzz_[a-z_]+ +holds ' <<<"$out")
  [ "$got" = "$corpora" ] || fail "$got fuzz rows hold, not $corpora (one per corpus)"
  grep -q '"assurance_dir": "'"$prefix"'/share/apcb/assurance"' "$scratch/run/verify.json" ||
    fail "the assurance records are not looked for under the prefix"
  grep -qF "an installed apcb has no tests" <<<"$out" || fail "no hint for the missing records"
  # explain --help cites its doc under the prefix, and it is there.
  run "$prefix/bin/apcb" explain --help
  [ $rc = 0 ] || fail "explain --help exits $rc"
  no_tree_paths
  doc=$(grep -o "$prefix/[^ );]*explain.md" <<<"$out" | head -1)
  [ -n "$doc" ] || fail "explain --help cites no explain.md under $prefix: $out"
  [ -s "$doc" ] || fail "explain --help cites $doc, which is not installed"
  # verify --help shows the defaults it will use, under the prefix.
  run "$prefix/bin/apcb" verify --help
  grep -qF "$prefix/share/apcb/traces" <<<"$out" || fail "verify --help does not show the traces default"
  grep -qF "$prefix/libexec/apcb" <<<"$out" || fail "verify --help does not show the fuzz-bin default"
  no_tree_paths
  ;;
relocated)
  mv "$prefix" "$scratch/moved" || exit 3
  ln -s "$scratch/moved/bin/apcb" "$scratch/apcb-link"
  for exe in "$scratch/moved/bin/apcb" "$scratch/apcb-link"; do
    run "$exe" verify --skip proofs --skip property --json "$scratch/run/verify.json"
    [ $rc = 0 ] || { echo "$out" | tail; fail "$exe: verify exits $rc after the prefix moved"; }
    no_tree_paths
    grep -qF "$prefix/" <<<"$out" && fail "$exe: the output names the old prefix"
    grep -qF "conformance $scratch/moved/share/apcb/traces/" <<<"$out" ||
      fail "$exe: the traces were not read from the moved prefix"
  done
  ;;
no-share)
  rm -rf "$prefix/share/apcb" "$prefix/libexec/apcb"
  run "$prefix/bin/apcb" verify --skip proofs --skip property
  echo "$out"
  [ $rc = 2 ] || fail "verify exits $rc without its data, not 2"
  for missing in "$prefix/share/apcb/traces: no such folder (--traces DIR" \
                 "$prefix/share/apcb/corpus: no such folder (--corpus DIR" \
                 "$prefix/libexec/apcb: no such folder (--fuzz-bin DIR"; do
    grep -qF "$missing" <<<"$out" || fail "the error does not name '$missing'"
  done
  no_tree_paths
  # With the layers that need it left out, what remains runs.
  run "$prefix/bin/apcb" verify --skip proofs --skip fuzz --skip conformance --sequences 5 --ops 10
  [ $rc = 0 ] || fail "verify of the property layer alone exits $rc without share/apcb"
  ;;
override)
  mkdir -p "$scratch/run/mine/sub" "$scratch/run/corpus/fuzz_trace"
  cp "$source/tests/traces/three-guests.trace" "$scratch/run/mine/sub/" || exit 3
  cp "$source/tests/traces/three-guests.trace" "$scratch/run/corpus/fuzz_trace/seed" || exit 3
  run "$prefix/bin/apcb" verify --skip proofs --skip property --traces mine --corpus corpus
  echo "$out" | tail
  [ $rc = 0 ] || fail "verify --traces mine --corpus corpus exits $rc"
  got=$(grep -c '^conformance' <<<"$out")
  [ "$got" = 2 ] || fail "$got conformance rows, not 2 (one trace, two engines)"
  grep -qE '^conformance +sub/three-guests.trace +holds' <<<"$out" || fail "mine/sub/three-guests.trace was not checked"
  got=$(grep -c '^fuzz  ' <<<"$out")
  [ "$got" = 1 ] || fail "$got fuzz rows, not 1 (the one corpus given)"
  grep -qE '^fuzz +fuzz_trace +holds +[0-9.]+ +1 inputs' <<<"$out" || fail "the given corpus was not replayed"
  no_tree_paths
  # An override that does not exist is bad input, named.
  run "$prefix/bin/apcb" verify --skip proofs --skip property --skip fuzz --traces no-such-folder
  [ $rc = 2 ] || fail "verify --traces no-such-folder exits $rc, not 2"
  grep -qF "no-such-folder: no such folder (--traces DIR" <<<"$out" || fail "the error does not name --traces: $out"
  ;;
*)
  echo "unknown mode $mode"; exit 3 ;;
esac
echo "trees hidden: $hide"
echo "PASS $mode"
