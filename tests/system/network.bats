#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Containers on networks, with real traffic: the default bridge, published
# ports (-p, -P, udp, 127.0.0.1 and every address), ports already taken, user
# networks with name resolution, internal networks, connect/disconnect of a
# running container, and teardown that leaves no interface, rule, address or
# namespace behind. All traffic stays on this host: loopback, and the bridges
# and namespaces berth creates.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
        berth_busybox_tar www_page
}

# The page busybox httpd serves, and a udp echo server (busybox has none), baked into the image.
www_page() {
        mkdir -p "$1/www"
        echo served-page >"$1/www/index.html"
        [ ! -x "$TEST_INIT" ] || cp "$TEST_INIT" "$1/bin/test-init"
}

setup() {
        berth_store_setup # berth_setup gives the networks' resolvers a loopback upstream
        command -v nft >/dev/null || berth_skip "nft not installed"
        b import -c 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]' -c 'EXPOSE 80' -c 'EXPOSE 81/udp' \
                "$BATS_FILE_TMPDIR/busybox.tar" web:latest >/dev/null
}

teardown() {
        [ ! -f "$TEST_TMP/outside.pid" ] || kill "$(cat "$TEST_TMP/outside.pid")" 2>/dev/null || true
        if [ -f "$TEST_TMP/forward-policy-changed" ]; then
                iptables -P FORWARD ACCEPT || true
        fi
        if [ -f "$TEST_TMP/dk/dockerd.pid" ]; then
                kill "$(cat "$TEST_TMP/dk/dockerd.pid")" 2>/dev/null || true
                for _ in $(seq 100); do kill -0 "$(cat "$TEST_TMP/dk/dockerd.pid")" 2>/dev/null || break; sleep 0.1; done
        fi
        berth_store_teardown
}

# free_port: a tcp port nobody listens on (the kernel's pick, released at once).
free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# fetch URL: the body, retried while the server comes up (bounded).
fetch() {
        local i
        for i in $(seq 50); do
                curl -fsS --max-time 2 "$1" 2>/dev/null && return 0
                sleep 0.1
        done
        return 1
}

@test "bridge: eth0 with an address of the default network, a default route, and the host's gateway" {
        run -0 b run --rm busybox sh -c 'ip -4 -o addr show eth0; ip route'
        [[ "$output" == *"inet 10.66."* ]]
        [[ "$output" == *"default via 10.66.0.1 dev eth0"* ]]
        run -0 b network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' bridge
        [ "$output" = 10.66.0.0/16 ]
}

@test "bridge: inspect shows the endpoint while running, /etc/hosts names the container's address" {
        b run -d --name c1 busybox sleep 100 >/dev/null
        run -0 b inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.IPAddress}} {{.HostConfig.NetworkMode}}' c1
        local ip=${output%% *}
        [[ "$ip" == 10.66.* ]]
        [ "$output" = "$ip $ip bridge" ]
        run -0 b exec c1 cat /etc/hosts
        [[ "$output" == *"$ip"* ]]
        b stop -t 0 c1 >/dev/null
        run -0 b inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}|{{.NetworkSettings.SandboxKey}}' c1
        [ "$output" = "|" ]
}

@test "bridge: two containers reach each other by address" {
        b run -d --name web web >/dev/null
        local ip
        ip=$(b inspect -f '{{.NetworkSettings.IPAddress}}' web)
        run -0 b run --rm busybox sh -c "for i in \$(seq 50); do wget -qO- http://$ip/ && exit 0; sleep 0.1; done; exit 1"
        [[ "$output" == *served-page* ]]
}

@test "-p 127.0.0.1:H:80: the page is served to the host; port and ps show the binding" {
        local port
        port=$(free_port)
        b run -d --name web -p "127.0.0.1:$port:80" web >/dev/null
        run -0 fetch "http://127.0.0.1:$port/"
        [[ "$output" == *served-page* ]]
        run -0 b port web
        [ "$output" = "80/tcp -> 127.0.0.1:$port" ]
        run -0 b port web 80
        [ "$output" = "127.0.0.1:$port" ]
        run -0 b ps --format '{{.Ports}}'
        [ "$output" = "127.0.0.1:$port->80/tcp, 81/udp" ]
}

@test "-p H:80 on every address: reached on 127.0.0.1 and on the bridge's gateway address" {
        local port
        port=$(free_port)
        b run -d --name web -p "$port:80" web >/dev/null
        run -0 fetch "http://127.0.0.1:$port/"
        [[ "$output" == *served-page* ]]
        run -0 fetch "http://10.66.0.1:$port/"
        [[ "$output" == *served-page* ]]
        # and from another container, through the host's address (hairpin)
        run -0 b run --rm busybox wget -qO- "http://10.66.0.1:$port/"
        [[ "$output" == *served-page* ]]
}

@test "-p udp: a datagram to the host port reaches the container, the answer comes back" {
        local port
        port=$(free_port)
        b run -d --name udp1 -p "127.0.0.1:$port:81/udp" busybox /bin/test-init udp-echo 81 >/dev/null
        run -0 python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
for _ in range(50):
    s.sendto(b"ping-udp", ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recv(100).decode())
        sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
PY
        [ "$output" = echo:ping-udp ]
}

@test "-P publishes every exposed port on a free host port, shown by port" {
        b run -d --name web -P web >/dev/null
        run -0 b port web 80
        local hp=${output##*:}
        [ "$hp" -gt 0 ]
        run -0 fetch "http://127.0.0.1:$hp/"
        [[ "$output" == *served-page* ]]
        run -0 b port web 81/udp
        [[ "$output" == 0.0.0.0:* ]]
}

@test "a host port taken by another container or by a host process is refused before start, exit 125" {
        local port
        port=$(free_port)
        b run -d --name web -p "127.0.0.1:$port:80" web >/dev/null
        run -125 b run -d --name second -p "127.0.0.1:$port:80" busybox sleep 10
        [[ "$output" == *"Bind for 127.0.0.1:$port failed: port is already allocated"* ]]
        # nothing of the refused container stays plugged in
        [ "$(b inspect -f '{{.State.Status}}' second)" = created ]
        [ -z "$(b inspect -f '{{.NetworkSettings.SandboxKey}}' second)" ]
        # a host process
        port=$(free_port)
        python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(30)" 3>&- &
        local py=$!
        for _ in $(seq 50); do ss -ltn | grep -q ":$port " && break; sleep 0.1; done
        run -125 b run --rm -p "127.0.0.1:$port:80" busybox true
        kill "$py"
        [[ "$output" == *"port is already allocated"* ]]
}

@test "malformed -p and unknown networks: Docker's words, exit 125" {
        run -125 b run --rm -p 99999:80 busybox true
        [[ "$output" == *"invalid hostPort: 99999"* ]]
        run -125 b run --rm -p 80/foo busybox true
        [[ "$output" == *"invalid proto: foo"* ]]
        run -125 b run --rm --network nope busybox true
        [[ "$output" == *"network nope not found"* ]]
        run -125 b run --rm --ip 10.66.0.50 busybox true
        [[ "$output" == *"user specified IP address is supported on user defined networks only"* ]]
}

@test "stop releases the port at once: the next container takes it" {
        local port
        port=$(free_port)
        b run -d --name first -p "127.0.0.1:$port:80" web >/dev/null
        run -0 fetch "http://127.0.0.1:$port/"
        b stop -t 1 first >/dev/null
        b run -d --name b2 -p "127.0.0.1:$port:80" busybox httpd -f -p 80 -h / >/dev/null
        run -0 b port b2 80
        [ "$output" = "127.0.0.1:$port" ]
}

@test "user network: containers resolve each other by name and alias, started in either order" {
        b network create --subnet 10.250.7.0/24 appnet >/dev/null
        b run -d --name web --network appnet --network-alias www web >/dev/null
        run -0 b run --rm --network appnet busybox sh -c \
                'for i in $(seq 50); do wget -qO- http://web/ && wget -qO- http://www/ && exit 0; sleep 0.1; done; exit 1'
        [[ "$output" == *served-page* ]]
        # a container started later is found too, from the first one
        b run -d --name late --network appnet web >/dev/null
        run -0 b exec web sh -c 'for i in $(seq 50); do wget -qO- http://late/ && exit 0; sleep 0.1; done; exit 1'
        [[ "$output" == *served-page* ]]
        run -0 b inspect -f '{{.NetworkSettings.Networks.appnet.IPAddress}}' web
        [[ "$output" == 10.250.7.* ]]
        # what the container's /etc/resolv.conf is bind-mounted from
        run -0 cat "$(b inspect -f '{{.ResolvConfPath}}' web)"
        [[ "$output" == *"nameserver 10.250.7.1"* ]]
}

@test "user network: --ip is honoured, a taken --ip is refused" {
        b network create --subnet 10.250.8.0/24 ipnet >/dev/null
        b run -d --name fixed --network ipnet --ip 10.250.8.77 busybox sleep 100 >/dev/null
        run -0 b exec fixed ip -4 -o addr show eth0
        [[ "$output" == *"10.250.8.77/24"* ]]
        run -125 b run --rm --network ipnet --ip 10.250.8.77 busybox true
        [[ "$output" == *"Address already in use"* ]]
}

@test "internal network: reaches its own containers, nothing beyond its bridge" {
        b network create --internal --subnet 10.250.9.0/24 inner >/dev/null
        b run -d --name web web >/dev/null
        local ip
        ip=$(b inspect -f '{{.NetworkSettings.IPAddress}}' web)
        b run -d --name iweb --network inner web >/dev/null
        run -0 b run --rm --network inner busybox sh -c \
                'for i in $(seq 50); do wget -qO- http://iweb/ && exit 0; sleep 0.1; done; exit 1'
        [[ "$output" == *served-page* ]]
        # busybox wget -T segfaults: the time limit is timeout's, whose kill needs a PID 1 that is not
        # wget itself (PID 1 ignores SIGTERM): --init
        run b run --rm --init --network inner busybox timeout 3 wget -qO- "http://$ip/"
        [ "$status" -ne 0 ] && [ "$status" -ne 139 ]
        [[ "$output" != *served-page* ]]
        # while a container of a non-internal network gets through to the same address
        b network create --subnet 10.250.12.0/24 outer >/dev/null
        run -0 b run --rm --init --network outer busybox timeout 5 wget -qO- "http://$ip/"
        [[ "$output" == *served-page* ]]
        # no outbound route at all, as Docker's internal networks
        run -0 b run --rm --network inner busybox ip route
        [[ "$output" != *default* ]]
        [[ "$output" == *"10.250.9.0/24 dev eth0"* ]]
}

@test "network connect and disconnect of a running container" {
        b network create --subnet 10.250.10.0/24 side >/dev/null
        b run -d --name c1 busybox sleep 100 >/dev/null
        b network connect side c1
        run -0 b exec c1 ip -4 -o addr show
        [[ "$output" == *"10.250.10."* ]]
        run -0 b inspect -f '{{.NetworkSettings.Networks.side.IPAddress}}' c1
        [[ "$output" == 10.250.10.* ]]
        b network disconnect side c1
        run -0 b exec c1 ip -4 -o addr show
        [[ "$output" != *"10.250.10."* ]]
        run -1 b network disconnect side c1
        [[ "$output" == *"is not connected to network side"* ]]
}

@test "a network in use cannot be removed; a container whose network was removed does not start" {
        b network create --subnet 10.250.11.0/24 gone >/dev/null
        b run -d --name c1 --network gone busybox sleep 100 >/dev/null
        run -1 b network rm gone
        [[ "$output" == *"has active endpoints"* ]]
        b rm -f c1 >/dev/null
        b create --name c2 --network gone busybox true >/dev/null
        b network rm gone >/dev/null
        run b start c2
        [ "$status" -ne 0 ]
        [[ "$output" == *"network gone not found"* ]]
}

@test "coexistence with dockerd: its FORWARD policy DROP does not cut berth's containers off" {
        command -v dockerd >/dev/null && command -v iptables >/dev/null || berth_skip "dockerd or iptables missing"
        local dk=$TEST_TMP/dk
        mkdir -p "$dk"
        # dockerd with its iptables rules (DOCKER-USER...) but no docker0 of its own
        dockerd --data-root "$dk/data" --exec-root "$dk/exec" --pidfile "$dk/pid" -H "unix://$dk/sock" \
                --bridge=none </dev/null >"$dk/log" 2>&1 &
        echo $! >"$dk/dockerd.pid"
        for _ in $(seq 300); do nft list chain ip filter DOCKER-USER >/dev/null 2>&1 && break; sleep 0.1; done
        nft list chain ip filter DOCKER-USER >/dev/null || berth_skip "dockerd made no DOCKER-USER chain"
        # What dockerd does on a host where it had to turn forwarding on itself.
        touch "$TEST_TMP/forward-policy-changed"
        iptables -P FORWARD DROP
        b network create --subnet 10.250.13.0/24 withdocker >/dev/null
        b run -d --name web --network withdocker web >/dev/null
        run -0 b run --rm --network withdocker busybox sh -c \
                'for i in $(seq 50); do wget -qO- http://web/ && exit 0; sleep 0.1; done; exit 1'
        [[ "$output" == *served-page* ]]
        run -0 nft list chain ip filter DOCKER-USER
        [[ "$output" == *"berth br-"* ]]
        # the default bridge as well
        b run -d --name web2 web >/dev/null
        local ip
        ip=$(b inspect -f '{{.NetworkSettings.IPAddress}}' web2)
        run -0 b run --rm busybox sh -c "for i in \$(seq 50); do wget -qO- http://$ip/ && exit 0; sleep 0.1; done; exit 1"
        [[ "$output" == *served-page* ]]
}

@test "--network container:NAME shares the other container's network; a stopped one cannot be joined" {
        b run -d --name web web >/dev/null
        local ip
        ip=$(b inspect -f '{{.NetworkSettings.IPAddress}}' web)
        run -0 b run --rm --network container:web busybox sh -c \
                'ip -4 -o addr show eth0; for i in $(seq 50); do wget -qO- http://127.0.0.1/ && exit 0; sleep 0.1; done; exit 1'
        [[ "$output" == *"$ip/"* ]]
        [[ "$output" == *served-page* ]]
        b create --name stopped busybox true >/dev/null
        run -125 b run --rm --network container:stopped busybox true
        [[ "$output" == *"cannot join network of a non running container"* ]]
}

@test "user network: names the network does not know go to the host's resolvers" {
        local dns=$BERTH_BUILD/src/berth-dns/berth-dns
        [ -x "$dns" ] || berth_skip "berth-dns not built"
        # The "host's resolver": another berth-dns on 127.0.0.2 that knows one outside name.
        echo "10.250.99.99 outside.test" >"$TEST_TMP/outside.names"
        echo "nameserver 127.0.0.1" >"$TEST_TMP/none.conf"
        "$dns" --listen 127.0.0.2 --names "$TEST_TMP/outside.names" --lock "$TEST_TMP/outside.lock" \
                --upstream-conf "$TEST_TMP/none.conf" </dev/null >/dev/null 2>&1 3>&- &
        echo $! >"$TEST_TMP/outside.pid"
        echo "nameserver 127.0.0.2" >"$TEST_TMP/upstream.conf"
        b network create --subnet 10.250.14.0/24 resolving >/dev/null
        b run -d --name web --network resolving web >/dev/null
        run b run --rm --network resolving busybox sh -c \
                'for i in $(seq 30); do nslookup outside.test && exit 0; sleep 0.1; done; exit 1'
        kill "$(cat "$TEST_TMP/outside.pid")" 2>/dev/null || true
        [ "$status" -eq 0 ]
        [[ "$output" == *"10.250.99.99"* ]]
}

@test "-p with a range of 100 ports: each one published and held, all released by rm" {
        local base
        base=$(python3 -c 'import random; print(random.randrange(20000, 29000, 100))')
        b run -d --name range -p "127.0.0.1:$base-$((base + 99)):8000-8099" busybox sleep 100 >/dev/null
        run -0 b port range
        [ "${#lines[@]}" -eq 100 ]
        [[ "$output" == *"8099/tcp -> 127.0.0.1:$((base + 99))"* ]]
        run -125 b run --rm -p "127.0.0.1:$((base + 50)):80" busybox true
        b rm -f range >/dev/null
        b run --rm -p "127.0.0.1:$((base + 50)):80" busybox true
}

@test "--mac-address is eth0's; network create -o and --attachable are recorded" {
        run -0 b run --rm --mac-address 92:d0:c6:0a:29:33 busybox cat /sys/class/net/eth0/address
        [ "$output" = 92:d0:c6:0a:29:33 ]
        b network create -o com.example.opt=1 --attachable --subnet 10.250.15.0/24 withopts >/dev/null
        run -0 b network inspect -f '{{index .Options "com.example.opt"}} {{.Attachable}}' withopts
        [ "$output" = "1 true" ]
}

@test "--network by id prefix, with --ip: the record names the network" {
        local id
        id=$(b network create --subnet 10.250.16.0/24 byid)
        b run -d --name c1 --network "${id:0:12}" --ip 10.250.16.9 busybox sleep 100 >/dev/null
        run -0 b inspect -f '{{.HostConfig.NetworkMode}} {{.NetworkSettings.Networks.byid.IPAddress}}' c1
        [ "$output" = "byid 10.250.16.9" ]
}
