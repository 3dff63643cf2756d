#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs every fuzz target of tests/fuzz/ under libFuzzer with ASan and UBSan.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    (default: 60 s each, all targets)
#
# libberth is built by meson in build-fuzz/ (clang, -fsanitize=fuzzer-no-link
# plus b_sanitize=address,undefined), then each tests/fuzz/fuzz-TARGET.c is
# linked with libFuzzer instead of fuzz-main.c. Each target starts from its
# seed corpus tests/fuzz/corpus/TARGET/ (read only) and keeps what it finds
# in build-fuzz/corpus/TARGET/. A crash, leak, UB or timeout is saved as
# tests/fuzz/crashes/TARGET-<kind>-<sha1>; replay it with
# build-fuzz/fuzz-TARGET FILE. Extra libFuzzer flags come from $FUZZ_ARGS.
# Exits 1 if any target failed.
set -eu

cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
        for f in tests/fuzz/fuzz-*.c; do
                t=${f#tests/fuzz/fuzz-}
                [ "$t" = main.c ] || TARGETS+=("${t%.c}")
        done
fi
BUILD=build-fuzz
SAN=-fsanitize=fuzzer,address,undefined

if [ ! -d "$BUILD" ]; then
        # werror off: clang may warn where gcc does not; the CI gcc/clang jobs judge warnings.
        CC=clang meson setup "$BUILD" -Db_sanitize=address,undefined -Dwerror=false \
                -Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
                >/dev/null
fi
ninja -C "$BUILD" src/libberth/libberth.a >/dev/null

for t in "${TARGETS[@]}"; do
        # shellcheck disable=SC2046 # pkg-config prints several words on purpose
        clang -std=gnu17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined $SAN \
                -Isrc/libberth -Isrc -o "$BUILD/fuzz-$t" "tests/fuzz/fuzz-$t.c" "$BUILD/src/libberth/libberth.a" \
                $(pkg-config --cflags --libs jansson libseccomp libcap)
done

mkdir -p tests/fuzz/crashes
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=0
for t in "${TARGETS[@]}"; do
        mkdir -p "$BUILD/corpus/$t"
        echo "== fuzz-$t: ${SECONDS_PER_TARGET}s"
        # libseccomp's own leak (tests/fuzz/lsan.supp) only matches with slow unwinding: seccomp alone pays it.
        lsan=${LSAN_OPTIONS:-}
        [ "$t" = seccomp ] && lsan="suppressions=$PWD/tests/fuzz/lsan.supp:fast_unwind_on_malloc=0${lsan:+:$lsan}"
        # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
        if ! LSAN_OPTIONS=$lsan "$BUILD/fuzz-$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -print_final_stats=1 \
                -dict=tests/fuzz/json.dict -artifact_prefix="tests/fuzz/crashes/$t-" ${FUZZ_ARGS:-} \
                "$BUILD/corpus/$t" "tests/fuzz/corpus/$t" >"$BUILD/fuzz-$t.log" 2>&1; then
                failed=1
                echo "   FAILED: see $BUILD/fuzz-$t.log and tests/fuzz/crashes/"
                grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$BUILD/fuzz-$t.log" | head -5
        fi
        grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$BUILD/fuzz-$t.log" || true
done
exit $failed
