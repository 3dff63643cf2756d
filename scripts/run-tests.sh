#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as README.md and .ci/run call it:
#   1. build (build/), run every meson suite (unit, priv, fuzz corpus replay);
#   2. the same unit/priv/fuzz suites under AddressSanitizer + UBSan (build-asan/);
#   3. the bats system tests (tests/system/*.bats) against the real binaries, as root.
# Prints one line per suite and ends with exactly one line "N passed, N failed, N skipped";
# exits non-zero if anything failed. BERTH_TEST_STRICT=1 turns skips into failures.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
BUILD=${BERTH_BUILD:-build}
ASAN_BUILD=${BERTH_ASAN_BUILD:-build-asan}
LOGS=$(mktemp -d /tmp/berth-tests.XXXXXX)
pass=0 fail=0 skip=0

say() { printf '%s\n' "$*"; }

# count_tap FILE LABEL: add a TAP stream's results to the totals.
count_tap() {
        local f=$1 label=$2 p f2 s
        p=$(grep -cE '^ok [0-9]+' "$f" | head -1)
        s=$(grep -cE '^ok [0-9]+.*# ?(skip|SKIP)' "$f" | head -1)
        f2=$(grep -cE '^not ok [0-9]+' "$f" | head -1)
        p=$((p - s))
        pass=$((pass + p)) fail=$((fail + f2)) skip=$((skip + s))
        say "$label: $p passed, $f2 failed, $s skipped"
}

# meson_suites BUILD LABEL: run every suite, count TAP subtests from testlog.json.
meson_suites() {
        local dir=$1 label=$2 out=$LOGS/$2.tap
        meson test -C "$dir" --print-errorlogs --num-processes 2 >"$LOGS/$label.log" 2>&1
        local rc=$?
        # Every test is TAP: its subtests are in the log's stdout; a crashed test has "not ok" added.
        python3 - "$dir/meson-logs/testlog.json" >"$out" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    subs = [l for l in (t.get("stdout") or "").splitlines() if l.startswith(("ok ", "not ok "))]
    for l in subs:
        n += 1
        verdict, rest = ("ok", l[3:]) if l.startswith("ok ") else ("not ok", l[7:])
        print("%s %d %s: %s" % (verdict, n, t["name"], rest.split(" ", 1)[-1]))
    if t["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and not any(l.startswith("not ok") for l in subs):
        n += 1
        print("not ok %d %s: exited with %s" % (n, t["name"], t["result"]))
    if t["result"] == "SKIP" and not subs:
        n += 1
        print("ok %d %s # skip" % (n, t["name"]))
PY
        count_tap "$out" "$label"
        [ "$rc" -eq 0 ] || grep -E '^not ok' "$out" | head -20
}

say "== build"
if [ ! -d "$BUILD" ]; then meson setup "$BUILD" >"$LOGS/setup.log" 2>&1 || { cat "$LOGS/setup.log"; say "0 passed, 1 failed"; exit 1; }; fi
if ! ninja -C "$BUILD" >"$LOGS/build.log" 2>&1; then
        tail -40 "$LOGS/build.log"
        say "0 passed, 1 failed"
        exit 1
fi

say "== unit, priv and fuzz-replay suites"
meson_suites "$BUILD" meson

say "== the same under ASan + UBSan"
if [ ! -d "$ASAN_BUILD" ]; then
        meson setup "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false >"$LOGS/asan-setup.log" 2>&1
fi
if ninja -C "$ASAN_BUILD" >"$LOGS/asan-build.log" 2>&1; then
        ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
                meson_suites "$ASAN_BUILD" asan
else
        tail -40 "$LOGS/asan-build.log"
        fail=$((fail + 1))
        say "asan: build failed"
fi

say "== system tests (bats)"
export BERTH_BUILD="$top/$BUILD"
# A hung container must not hang the run: bats kills a test after this long.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}
if [ -x "$BUILD/tests/helpers/berth-test-init" ]; then
        scripts/mk-busybox-rootfs.sh "${BERTH_TEST_CACHE:-/var/tmp/berth-tests}/busybox-rootfs" \
                "$BUILD/tests/helpers/berth-test-init" || say "system: cannot make the busybox rootfs"
fi
timeout "${BERTH_SYSTEM_TIMEOUT:-1200}" bats --tap tests/system >"$LOGS/system.tap" 2>&1
count_tap "$LOGS/system.tap" system
grep -E -A6 '^not ok' "$LOGS/system.tap" | head -80
if grep -qE '^ok [0-9]+.*# ?(skip|SKIP)' "$LOGS/system.tap"; then
        say "system: skipped:"
        grep -E '^ok [0-9]+.*# ?(skip|SKIP)' "$LOGS/system.tap" | sed 's/^ok [0-9]* /  /' | head -40
fi

if [ "${BERTH_TEST_STRICT:-0}" = 1 ] && [ "$skip" -gt 0 ]; then
        say "strict mode: $skip skipped tests count as failures"
        fail=$((fail + skip))
fi
say "logs: $LOGS"
say "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
