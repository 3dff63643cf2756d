# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# What the benches share: the median of N runs of a command and its printing.
# The caller sets work (a scratch dir), n (runs) and skip (" name name " not to run).

# median_ms NAME CMD...: warm up once, then the median wall time of N runs of CMD, in ms.
median_ms() {
        local name=$1 t0 t1
        shift
        "$@" >/dev/null 2>"$work/$name.err" </dev/null || {
                echo "$name failed: $(head -c 300 "$work/$name.err")" >&2
                return 1
        }
        if command -v hyperfine >/dev/null; then
                hyperfine -N --runs "$n" --export-json "$work/$name.json" "${*@Q}" >/dev/null 2>&1 || return 1
                jq '.results[0].median * 1000' "$work/$name.json"
                return
        fi
        : >"$work/$name.times"
        for _ in $(seq "$n"); do
                t0=$(date +%s%N)
                "$@" >/dev/null 2>&1 </dev/null || return 1
                t1=$(date +%s%N)
                echo $(((t1 - t0) / 1000)) >>"$work/$name.times"
        done
        sort -n "$work/$name.times" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)] / 1000}'
}

declare -A med
measure() {
        local name=$1
        shift
        if [[ "$skip" == *" $name "* ]]; then
                printf '%-14s (skipped: BENCH_SKIP)\n' "$name"
                return
        fi
        if med[$name]=$(median_ms "$name" "$@"); then
                printf '%-14s median %9.2f ms\n' "$name" "${med[$name]}"
        else
                unset "med[$name]"
                printf '%-14s FAILED\n' "$name"
        fi
}
