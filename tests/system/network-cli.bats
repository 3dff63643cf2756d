#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `berth network` against docker's behaviour and output (compared with dockerd
# 20.10 and the docker 28 client): create/ls/inspect/rm/prune, formats, filters,
# Docker's messages and exit codes behind berth's single "berth: " prefix, and
# connect/disconnect of a running container. Each test has its own store.
#
# Subnets are explicit and inside 10.250.0.0/16 (BERTH_BRIDGE_SUBNET too), and
# network names carry the test's pid: bridges (br-<id>) and nft rules are the
# host's, shared with whatever else runs on this machine.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
        berth_busybox_tar
}

setup() {
        berth_setup
        [ -x "$BERTH" ] || berth_skip "berth not built at $BERTH"
        export BERTH_BRIDGE_SUBNET=10.250.0.0/24
        P=nc$BASHPID
        : >"$TEST_TMP/netids"
}

teardown() {
        local id
        [ -n "${TEST_TMP:-}" ] || return 0
        for id in $(b ps -aq --no-trunc 2>/dev/null); do b rm -f "$id" >/dev/null 2>&1 || true; done
        for id in $(b network ls -q --no-trunc --filter type=custom 2>/dev/null); do
                b network rm "$id" >/dev/null 2>&1 || true
        done
        # Last resort: a bridge of ours that rm could not take (the test failed half-way).
        while read -r id; do
                [ -n "$id" ] || continue
                if ip link show "br-${id:0:12}" >/dev/null 2>&1; then
                        ip link del "br-${id:0:12}" || true
                fi
        done <"$TEST_TMP/netids"
        berth_teardown
}

# mknet NAME ARGS...: create, remembering the id for teardown.
mknet() {
        local id
        id=$(b network create "$@") || return 1
        echo "$id" >>"$TEST_TMP/netids"
        echo "$id"
}

need_busybox() {
        [ -s "$BATS_FILE_TMPDIR/busybox.tar" ] || berth_skip "no /bin/busybox (busybox-static)"
        b import -c 'CMD ["sh"]' "$BATS_FILE_TMPDIR/busybox.tar" busybox:latest >/dev/null
}

@test "network --help lists docker's commands; each one has its --help" {
        run b network --help
        assert_status 0
        for c in connect create disconnect inspect ls prune rm; do
                assert_line_match "^  $c "
        done
        for c in connect create disconnect inspect ls prune rm; do
                run b network "$c" --help
                assert_status 0
                assert_line_match "^Usage:  berth network $c "
        done
        run b network create --help
        for f in --subnet --gateway --internal --label --driver --attachable --opt; do
                assert_line_match "$f"
        done
        run b network ls --help
        assert_line_match 'docker network ls|berth network ls, berth network list'
}

@test "network ls: the pre-defined networks in docker's table; create adds a row" {
        run b network ls
        assert_status 0
        [ "${lines[0]}" = "NETWORK ID     NAME      DRIVER    SCOPE" ] || fail "header: ${lines[0]}"
        [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ \ \ bridge\ \ \ \ bridge\ \ \ \ local$ ]] || fail "${lines[1]}"
        [[ "${lines[2]}" =~ ^[0-9a-f]{12}\ \ \ host\ \ \ \ \ \ host\ \ \ \ \ \ local$ ]] || fail "${lines[2]}"
        [[ "${lines[3]}" =~ ^[0-9a-f]{12}\ \ \ none\ \ \ \ \ \ null\ \ \ \ \ \ local$ ]] || fail "${lines[3]}"
        [ "${#lines[@]}" -eq 4 ] || fail "$output"
        # The ids are stable from one command to the next.
        run b network ls -q
        local before=$output
        run b network ls -q
        assert_output "$before"

        local id
        id=$(mknet --subnet 10.250.1.0/24 "${P}a")
        [[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "create printed: $id"
        run b network ls --format '{{.ID}} {{.Name}} {{.Driver}} {{.Scope}}' --filter type=custom
        assert_output "${id:0:12} ${P}a bridge local"
        run b network ls -q --no-trunc --filter "name=${P}a"
        assert_output "$id"
        # -q replaces the default table only: a custom format wins, as docker's.
        run b network ls -q --format '{{.Name}}' --filter "name=${P}a"
        assert_output "${P}a"
        # `network list` is the same command.
        run b network list -q --filter "name=${P}a"
        assert_output "${id:0:12}"
}

@test "network create: subnet, gateway, internal, labels; inspect shows docker's record" {
        local id
        id=$(mknet --subnet 10.250.2.0/24 --gateway 10.250.2.254 --internal --label a=b --label c \
                --attachable -o com.example.x=1 "${P}a")
        run b network inspect "${P}a"
        assert_status 0
        [ "${lines[0]}" = "[" ] || fail "$output"
        assert_line_match "^        \"Name\": \"${P}a\",\$"
        assert_line_match "^        \"Id\": \"$id\",\$"
        assert_line_match '^        "Created": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z",$'
        assert_line_match '^        "Scope": "local",$'
        assert_line_match '^        "Driver": "bridge",$'
        assert_line_match '^        "Containers": \{\},$'
        run b network inspect -f \
                '{{.Name}} {{.Driver}} {{.Internal}} {{json .IPAM.Config}} {{json .Labels}} {{json .Containers}}' \
                "$id"
        assert_output "${P}a bridge true [{\"Subnet\":\"10.250.2.0/24\",\"Gateway\":\"10.250.2.254\"}] \
{\"a\":\"b\",\"c\":\"\"} {}"
        # By id prefix too.
        run b network inspect -f '{{.Name}}' "${id:0:8}"
        assert_output "${P}a"
        # Docker's key order: ... ConfigOnly, Containers, Options, Labels.
        run b network inspect -f json "${P}a"
        assert_status 0
        [ "${#lines[@]}" -eq 1 ] || fail "json is one line: $output"
        [[ "$output" == '[{"Name":"'"${P}a"'","Id":"'"$id"'",'*'"ConfigOnly":false,"Containers":{},"Options":'* ]] ||
                fail "$output"
        run b network inspect -f '{{.Internal}} {{.Driver}}' "${P}a" bridge
        assert_output "$(printf 'true bridge\nfalse bridge')"
        # The default bridge's subnet is BERTH_BRIDGE_SUBNET's.
        run b network inspect -f '{{(index .IPAM.Config 0).Subnet}}' bridge
        assert_output 10.250.0.0/24
        # Without --subnet: the next free block.
        id=$(mknet "${P}b")
        run b network inspect -f '{{(index .IPAM.Config 0).Subnet}}' "${P}b"
        [[ "$output" =~ ^10\.[0-9]+\.0\.0/16$ ]] || fail "picked: $output"
}

@test "network create: Docker's refusals and exit codes" {
        mknet --subnet 10.250.3.0/24 "${P}a" >/dev/null
        run -1 b network create --subnet 10.250.4.0/24 "${P}a"
        assert_output "berth: network with name ${P}a already exists"
        run -1 b network create --subnet 10.250.3.128/25 "${P}b"
        assert_output "berth: Pool overlaps with other one on this address space"
        run -1 b network create --subnet 10.250.0.0/16 "${P}b"
        assert_output "berth: Pool overlaps with other one on this address space"
        run -1 b network create --subnet 10.250.5.0/24 --gateway 10.250.6.1 "${P}b"
        assert_output "berth: no matching subnet for gateway 10.250.6.1"
        run -1 b network create --gateway 10.250.6.1 "${P}b"
        assert_output "berth: every ip-range or gateway must have a corresponding subnet"
        run -1 b network create --subnet 10.250.5.0/24 --subnet 10.250.6.0/24 "${P}b"
        assert_output "berth: bridge driver doesn't support multiple subnets"
        run -1 b network create -d overlay "${P}b"
        assert_output 'berth: plugin "overlay" not found'
        run -1 b network create --subnet 10.250.5.0/24 bridge
        assert_output "berth: network with name bridge already exists"
        run -1 b network create
        assert_line_match "requires 1 argument"
        run -1 b network create a b
        assert_line_match "requires 1 argument"
        run -125 b network create --nosuchflag x
        # Nothing was left behind by the failures.
        run b network ls -q --filter type=custom
        [ "${#lines[@]}" -eq 1 ] || fail "$output"
}

@test "network ls: filters, --format fields, json" {
        local a c
        a=$(mknet --subnet 10.250.7.0/24 --label env=prod "${P}-alpha")
        mknet --subnet 10.250.8.0/24 --label env=dev --internal "${P}-beta" >/dev/null
        c=$(mknet --subnet 10.250.9.0/24 "x${P}-gamma")
        run b network ls --format '{{.Name}}' --filter "name=^${P}-"
        assert_output "$(printf '%s\n%s' "${P}-alpha" "${P}-beta")"
        # Values of one filter are alternatives, filters combine.
        run b network ls --format '{{.Name}}' --filter name=alpha --filter name=gamma
        assert_output "$(printf '%s\n%s' "${P}-alpha" "x${P}-gamma")"
        run b network ls --format '{{.Name}}' --filter name=a --filter label=env
        assert_output "$(printf '%s\n%s' "${P}-alpha" "${P}-beta")"
        run b network ls --format '{{.Name}}' --filter label=env=prod
        assert_output "${P}-alpha"
        run b network ls --format '{{.Name}}' --filter "id=${c:3:10}"
        assert_output "x${P}-gamma"
        run b network ls --format '{{.Name}}' --filter driver=null --filter driver=host
        assert_output "$(printf 'host\nnone')"
        run b network ls --format '{{.Name}}' --filter type=builtin
        assert_output "$(printf 'bridge\nhost\nnone')"
        # Docker's dangling: custom networks without containers.
        run b network ls --format '{{.Name}}' --filter dangling=true
        assert_output "$(printf '%s\n%s\n%s' "${P}-alpha" "${P}-beta" "x${P}-gamma")"
        run b network ls --format '{{.Name}}' --filter dangling=0
        assert_output "$(printf 'bridge\nhost\nnone')"
        run -1 b network ls --filter dangling=maybe
        assert_output "berth: invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or \"0\")"
        run -1 b network ls --filter bogus=1
        assert_output "berth: Invalid filter 'bogus'"
        run -1 b network ls --filter bogus
        assert_output "berth: bad format of filter (expected name=value)"

        run b network ls --filter "name=${P}-alpha" \
                --format '{{.ID}}|{{.Name}}|{{.Driver}}|{{.Scope}}|{{.Internal}}|{{.Labels}}|{{.CreatedAt}}'
        [[ "$output" =~ ^${a:0:12}\|${P}-alpha\|bridge\|local\|false\|env=prod\|[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:.]+\ \+0000\ UTC$ ]] ||
                fail "$output"
        run b network ls --filter "name=${P}-beta" --format '{{.Internal}}'
        assert_output true
        run b network ls --filter "name=${P}-alpha" --format 'table {{.Name}}\t{{.Labels}}'
        assert_output "$(printf '%-*sLABELS\n%s   env=prod' $((${#P} + 9)) NAME "${P}-alpha")"
        # --format json: docker's keys, sorted, strings.
        run b network ls --filter "name=${P}-alpha" --format json
        [[ "$output" =~ ^\{\"CreatedAt\":\"[^\"]+\",\"Driver\":\"bridge\",\"ID\":\"${a:0:12}\",\"IPv4\":\"true\",\"IPv6\":\"false\",\"Internal\":\"false\",\"Labels\":\"env=prod\",\"Name\":\"${P}-alpha\",\"Scope\":\"local\"\}$ ]] ||
                fail "$output"
        # An empty table keeps docker's header (tabwriter's minimum width).
        run b network ls --filter name=nothing-matches-this
        assert_output "NETWORK ID   NAME      DRIVER    SCOPE"
}

@test "network inspect: several, a missing one after the others, exit 1" {
        mknet --subnet 10.250.10.0/24 "${P}a" >/dev/null
        run -1 b network inspect "${P}a" nosuch
        assert_line_match "^        \"Name\": \"${P}a\",\$"
        [ "${lines[-1]}" = "berth: network nosuch not found" ] || fail "$output"
        run -1 b network inspect nosuch
        assert_line_match '^\[\]$'
        assert_line_match '^berth: network nosuch not found$'
        run -1 b network inspect -f '{{.Name}}' nosuch "${P}a"
        assert_output "$(printf '%s\nberth: network nosuch not found' "${P}a")"
        run -1 b network inspect
        assert_line_match "requires at least 1 argument"
}

@test "network rm: several; Docker's refusals; -f for a missing one" {
        mknet --subnet 10.250.11.0/24 "${P}a" >/dev/null
        mknet --subnet 10.250.12.0/24 "${P}b" >/dev/null
        local c
        c=$(mknet --subnet 10.250.13.0/24 "${P}c")
        run -1 b network rm "${P}a" nosuch "${P}b"
        assert_output "$(printf '%s\nberth: network nosuch not found\n%s' "${P}a" "${P}b")"
        run b network ls -q --filter type=custom
        [ "${#lines[@]}" -eq 1 ] || fail "$output"
        # By id prefix; the bridge of a network never used never existed, and none is left.
        run b network remove "${c:0:12}"
        assert_status 0
        assert_output "${c:0:12}"
        run ip link show "br-${c:0:12}"
        [ "$status" -ne 0 ] || fail "bridge left: $output"
        run b network rm -f nosuch
        assert_status 0
        assert_output ""
        for n in bridge host none; do
                run -1 b network rm "$n"
                assert_output "berth: $n is a pre-defined network and cannot be removed"
        done
        run b network ls -q
        [ "${#lines[@]}" -eq 3 ] || fail "$output"
        run -1 b network rm
        assert_line_match "requires at least 1 argument"
}

@test "network prune: prompt, -f, label and until filters; only custom networks" {
        mknet --subnet 10.250.14.0/24 --label keep=1 "${P}-keep" >/dev/null
        mknet --subnet 10.250.15.0/24 "${P}-b" >/dev/null
        mknet --subnet 10.250.16.0/24 "${P}-a" >/dev/null
        run b network prune <<<"n"
        assert_status 0
        assert_output "WARNING! This will remove all custom networks not used by at least one container.
Are you sure you want to continue? [y/N] "
        run b network ls -q --filter type=custom
        [ "${#lines[@]}" -eq 3 ] || fail "n pruned something: $output"
        # A time before everything was created removes nothing.
        run b network prune -f --filter until=2000-01-01T00:00:00Z
        assert_status 0
        assert_output ""
        run b network prune -f --filter label!=keep
        assert_status 0
        assert_output "$(printf 'Deleted Networks:\n%s\n%s\n' "${P}-a" "${P}-b")"
        run -1 b network prune -f --filter bogus=1
        assert_output "berth: Invalid filter 'bogus'"
        run b network prune --filter label=keep=1 <<<"y"
        assert_status 0
        assert_line_match "Deleted Networks:\$"
        assert_line_match "^${P}-keep\$"
        run b network ls --format '{{.Name}}'
        assert_output "$(printf 'bridge\nhost\nnone')"
        run b network prune -f
        assert_status 0
        assert_output ""
}

# ---- with containers: needs `run --network NAME` (the container side of issue 5)

@test "network in use: rm refused, prune skips it, inspect lists the container" {
        need_busybox
        local id cid
        id=$(mknet --subnet 10.250.20.0/24 "${P}a")
        run b run -d --name "${P}c" --network "${P}a" busybox sleep 1000
        assert_status 0
        cid=$output
        run -1 b network rm "${P}a"
        assert_output "berth: error while removing network: network ${P}a id $id has active endpoints"
        run b network prune -f
        assert_status 0
        assert_output ""
        run b network ls --format '{{.Name}}' --filter dangling=false --filter type=custom
        assert_output "${P}a"
        run b network inspect -f '{{json .Containers}}' "${P}a"
        assert_status 0
        [[ "$output" =~ ^\{\"$cid\":\{\"Name\":\"${P}c\",\"EndpointID\":\"[0-9a-f]{64}\",\"MacAddress\":\"02:42:0a:fa:14:02\",\"IPv4Address\":\"10.250.20.2/24\",\"IPv6Address\":\"\"\}\}$ ]] ||
                fail "$output"
        b rm -f "${P}c" >/dev/null
        run b network rm "${P}a"
        assert_status 0
        run ip link show "br-${id:0:12}"
        [ "$status" -ne 0 ] || fail "bridge left: $output"
}

@test "network connect/disconnect: a running container gets and loses an interface" {
        need_busybox
        mknet --subnet 10.250.21.0/24 "${P}a" >/dev/null
        mknet --subnet 10.250.22.0/24 "${P}b" >/dev/null
        run b run -d --name "${P}c" --network "${P}a" busybox sleep 1000
        assert_status 0
        run b network connect --ip 10.250.22.9 --alias web --alias www "${P}b" "${P}c"
        assert_status 0
        assert_output ""
        run b exec "${P}c" ip -o -4 addr show
        assert_status 0
        assert_line_match 'eth0 +inet 10\.250\.21\.2/24'
        assert_line_match 'eth1 +inet 10\.250\.22\.9/24'
        run b inspect -f '{{(index .NetworkSettings.Networks "'"${P}b"'").IPAddress}} {{json (index .NetworkSettings.Networks "'"${P}b"'").Aliases}}' "${P}c"
        assert_output '10.250.22.9 ["web","www"]'
        run b network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}' "${P}b"
        assert_output "${P}c 10.250.22.9/24"
        run -1 b network connect "${P}b" "${P}c"
        assert_line_match "already exists in network ${P}b"
        run -1 b network connect nosuch "${P}c"
        assert_output "berth: network nosuch not found"
        run -1 b network connect "${P}b" nosuch
        assert_output "berth: No such container: nosuch"
        run -1 b network connect "${P}b"
        assert_line_match "requires 2 arguments|requires exactly 2 arguments"

        run b network disconnect "${P}b" "${P}c"
        assert_status 0
        run b exec "${P}c" ip -o -4 addr show
        refute_line_match 'eth1'
        run b network inspect -f '{{json .Containers}}' "${P}b"
        assert_output '{}'
        run -1 b network disconnect "${P}b" "${P}c"
        assert_line_match "is not connected to network ${P}b"
        # The network is free again.
        run b network rm "${P}b"
        assert_status 0
}
