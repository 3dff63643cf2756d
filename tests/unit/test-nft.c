/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network/nft.c against the real kernel, but only inside network namespaces
 * this test creates: the test process leaves the host's namespace first
 * (unshare(CLONE_NEWNET)) and skips if it cannot, so the host's nftables are
 * never read or written. The DNAT test adds a second namespace (a forked
 * "container") joined by a veth pair; all traffic stays between the two.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "base/cleanup.h"
#include "network/nft.h"
#include "tap.h"

#define CID "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define CID2 "beef"

static int count(const char *hay, const char *needle)
{
        int n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* The ruleset text, or "" when there is no table; caller frees. */
static char *listing(void)
{
        _cleanup_error_ struct berth_error *err = NULL;
        char *text = NULL;

        if (nft_list(&text, &err) < 0)
                return strdup("");
        return text;
}

static const struct nft_network net = {.name = "testnet", .bridge = "br-test", .subnet = "10.99.0.0/24"};
static const struct nft_port port = {.container_id = CID,
                                     .host_port = 8080,
                                     .container_ip = "10.99.0.2",
                                     .container_port = 8000,
                                     .proto = PORT_PROTO_TCP};

TEST(test_base)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *text = NULL;

        ASSERT_OK(nft_ensure_base(&err));
        ASSERT_OK(nft_ensure_base(&err));
        text = listing();
        ASSERT_TRUE(strstr(text, "table ip berth"));
        ASSERT_TRUE(strstr(text, "type nat hook prerouting priority dstnat"));
        ASSERT_TRUE(strstr(text, "type nat hook output priority -100"));
        ASSERT_TRUE(strstr(text, "type nat hook postrouting priority srcnat"));
        ASSERT_TRUE(strstr(text, "type filter hook forward priority filter"));
        ASSERT_EQ(count(text, "fib daddr type local jump published"), 2); /* not doubled by the 2nd call */
        ASSERT_EQ(count(text, "ct state established,related accept"), 1);
}

/* Runs nft commands directly (in this test's namespace), as an outside hand would. */
static int raw_nft(const char *cmds)
{
        struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);
        int r;

        nft_ctx_buffer_error(c);
        r = nft_run_cmd_from_buffer(c, cmds);
        nft_ctx_free(c);
        return r == 0 ? 0 : -1;
}

TEST(test_base_repair)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *text = NULL;

        /* Someone flushed a base chain: the next change puts the jump back. */
        ASSERT_OK(raw_nft("flush chain ip berth prerouting"));
        ASSERT_OK(nft_network_add(&net, &err));
        text = listing();
        ASSERT_EQ(count(text, "fib daddr type local jump published-ports"), 2);
        ASSERT_OK(nft_network_remove(net.name, &err));
}

TEST(test_network)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *text = NULL, *after = NULL;
        struct nft_network internal = {
            .name = "inner", .bridge = "br-inner", .subnet = "10.98.0.0/24", .internal = true};

        ASSERT_OK(nft_network_add(&net, &err));
        ASSERT_OK(nft_network_add(&net, &err));
        ASSERT_OK(nft_network_add(&internal, &err));
        text = listing();
        ASSERT_EQ(count(text, "ip saddr 10.99.0.0/24 oifname != \"br-test\" masquerade"), 1);
        ASSERT_EQ(count(text, "iifname \"br-test\" accept"), 1);
        ASSERT_EQ(count(text, "iifname \"br-test\" ip daddr 127.0.0.0/8 drop"), 1);
        /* Internal: no masquerade out, forwarding to other interfaces dropped. */
        ASSERT_EQ(count(text, "ip saddr 10.98.0.0/24 oifname != \"br-inner\" masquerade"), 0);
        ASSERT_EQ(count(text, "iifname \"br-inner\" oifname != \"br-inner\" drop"), 1);

        ASSERT_OK(nft_network_remove("inner", &err));
        ASSERT_OK(nft_network_remove("inner", &err)); /* absent: fine */
        after = listing();
        ASSERT_EQ(count(after, "br-inner"), 0);
        ASSERT_EQ(count(after, "br-test"), count(text, "br-test"));

        /* Bad input never reaches the ruleset text. */
        struct nft_network evil = net;
        evil.bridge = "x\" accept; flush ruleset; \"";
        ASSERT_EQ(nft_network_add(&evil, &err), -EINVAL);
        err = berth_error_free(err);
        evil = net;
        evil.subnet = "10.0.0.0/33";
        ASSERT_EQ(nft_network_add(&evil, &err), -EINVAL);
}

TEST(test_ports)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *text = NULL, *after = NULL;
        struct nft_port udp = port, other = port;

        udp.proto = PORT_PROTO_UDP;
        udp.host_ip = "127.0.0.1";
        other.container_id = CID2;
        other.host_port = 9090;
        other.container_ip = "10.99.0.3";

        ASSERT_OK(nft_port_add(&port, &err));
        ASSERT_OK(nft_port_add(&port, &err)); /* twice: one rule */
        ASSERT_OK(nft_port_add(&udp, &err));
        ASSERT_OK(nft_port_add(&other, &err));
        text = listing();
        ASSERT_EQ(count(text, "tcp dport 8080 dnat to 10.99.0.2:8000"), 1);
        ASSERT_EQ(count(text, "ip daddr 127.0.0.1 udp dport 8080 dnat to 10.99.0.2:8000"), 1);
        ASSERT_EQ(count(text, "tcp dport 9090 dnat to 10.99.0.3:8000"), 1);
        ASSERT_EQ(count(text, "comment \"ctr=" CID " "), 2);

        ASSERT_OK(nft_ports_remove(CID, &err));
        ASSERT_OK(nft_ports_remove(CID, &err)); /* absent: fine */
        after = listing();
        ASSERT_EQ(count(after, CID), 0);
        ASSERT_EQ(count(after, "dport 8080"), 0);
        ASSERT_EQ(count(after, "tcp dport 9090 dnat to 10.99.0.3:8000"),
                  1); /* the other container's stays */
        ASSERT_OK(nft_ports_remove(CID2, &err));

        /* A batch, with a repeat inside it: one transaction, no duplicate. */
        struct nft_port batch[3] = {port, port, port};
        batch[2].host_port = 8081;
        ASSERT_OK(nft_ports_add(batch, 3, &err));
        free(after);
        after = listing();
        ASSERT_EQ(count(after, "tcp dport 8080 dnat to 10.99.0.2:8000"), 1);
        ASSERT_EQ(count(after, "tcp dport 8081 dnat to 10.99.0.2:8000"), 1);
        ASSERT_OK(nft_ports_remove(CID, &err));

        struct nft_port bad = port;
        bad.container_id = "abc\" drop";
        ASSERT_EQ(nft_port_add(&bad, &err), -EINVAL);
}

/* Runs argv (ip, nsenter) and waits; 0 if it exited 0. */
static int spawn(char *const argv[])
{
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -1;
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (null >= 0)
                        dup2(null, STDOUT_FILENO);
                execvp(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#define SH(...) spawn((char *const[]){__VA_ARGS__, NULL})

/*
 * The container reaches its own published port through the host's address
 * (hairpin). Only the hairpin masquerade makes the handshake complete: without
 * it the reply would go straight back, from an address the client never
 * called. Returns 0 if accepted with the gateway as the peer.
 */
static int hairpin(int listen_fd)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(8080)}, peer;
        socklen_t len = sizeof(peer);
        int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), s;

        inet_pton(AF_INET, "10.99.0.1", &sa.sin_addr);
        if (c < 0 || (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS))
                return -1;
        s = accept(listen_fd, (struct sockaddr *)&peer, &len); /* alarm() bounds the wait */
        if (s < 0)
                return -1;
        close(s);
        close(c);
        return peer.sin_addr.s_addr == htonl(0x0a630001) ? 0 : -1; /* 10.99.0.1 */
}

/* One datagram back to its sender: "<what it said> from <its address>". */
static int udp_echo(int fd)
{
        struct sockaddr_in peer;
        socklen_t len = sizeof(peer);
        char buf[64], out[128];
        ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &len);

        if (n <= 0)
                return -1;
        buf[n] = '\0';
        snprintf(out, sizeof(out), "%s from %s", buf, inet_ntoa(peer.sin_addr));
        return sendto(fd, out, strlen(out), 0, (struct sockaddr *)&peer, len) > 0 ? 0 : -1;
}

/*
 * The "container": its own namespace, an echo-ish server on :8000 for three
 * connections, then a hairpin connection of its own; exit 0 if all went well.
 */
static void container_main(int ready_fd)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(8000)};
        int one = 1, fd, c, ufd;
        char buf[64];

        alarm(20);
        if (unshare(CLONE_NEWNET) < 0)
                _exit(1);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0 ||
            bind(ufd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                _exit(2);
        if (write(ready_fd, "r", 1) != 1)
                _exit(3);
        for (int i = 0; i < 3; i++) {
                struct sockaddr_in peer;
                socklen_t len = sizeof(peer);
                ssize_t n;

                c = accept(fd, (struct sockaddr *)&peer, &len);
                if (c < 0)
                        _exit(4);
                n = read(c, buf, sizeof(buf) - 1);
                if (n <= 0)
                        _exit(5);
                /* Reply with what we got and who we saw (the masqueraded source). */
                buf[n] = '\0';
                dprintf(c, "%s from %s", buf, inet_ntoa(peer.sin_addr));
                close(c);
        }
        if (hairpin(fd) < 0)
                _exit(6);
        _exit(udp_echo(ufd) == 0 ? 0 : 7);
}

/* Connects to ip:port from this (the "host") namespace, sends msg, returns the reply. */
static int timeout_s = 5; /* a connection expected to be dropped waits this long */

static int exchange(const char *ip, uint16_t p, const char *msg, char *reply, size_t size)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(p)};
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct timeval tv = {.tv_sec = timeout_s};
        ssize_t n, total = 0;

        inet_pton(AF_INET, ip, &sa.sin_addr);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        if (write(fd, msg, strlen(msg)) < 0)
                return -errno;
        while ((n = read(fd, reply + total, size - 1 - (size_t)total)) > 0)
                total += n;
        reply[total] = '\0';
        return 0;
}

/* One datagram to ip:port and its answer. */
static int udp_exchange(const char *ip, uint16_t p, const char *msg, char *reply, size_t size)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(p)};
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct timeval tv = {.tv_sec = 5};
        ssize_t n;

        inet_pton(AF_INET, ip, &sa.sin_addr);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(fd, msg, strlen(msg)) < 0)
                return -errno;
        n = read(fd, reply, size - 1);
        if (n < 0)
                return -errno;
        reply[n] = '\0';
        return 0;
}

static int write_sysctl(const char *path, const char *value)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

        return fd >= 0 && write(fd, value, strlen(value)) > 0 ? 0 : -1;
}

static int veth_setup(pid_t ctr)
{
        char pid[16];

        snprintf(pid, sizeof(pid), "%d", ctr);
        if (SH("ip", "link", "add", "br-test", "type", "veth", "peer", "name", "eth0", "netns", pid) < 0 ||
            SH("ip", "addr", "add", "10.99.0.1/24", "dev", "br-test") < 0 ||
            SH("ip", "link", "set", "br-test", "up") < 0)
                return -1;
        if (SH("nsenter", "-t", pid, "-n", "ip", "addr", "add", "10.99.0.2/24", "dev", "eth0") < 0 ||
            SH("nsenter", "-t", pid, "-n", "ip", "link", "set", "eth0", "up") < 0 ||
            SH("nsenter", "-t", pid, "-n", "ip", "link", "set", "lo", "up") < 0 ||
            SH("nsenter", "-t", pid, "-n", "ip", "route", "add", "default", "via", "10.99.0.1") < 0)
                return -1;
        /* 127.0.0.1 -> container needs route_localnet on the bridge (nft.h). */
        return write_sysctl("/proc/sys/net/ipv4/conf/br-test/route_localnet", "1");
}

/*
 * Another namespace routed through the test's "host" one: reaches the port
 * through prerouting. Tries once per byte on go_fd, answering the reply or
 * "FAIL" on result_fd.
 */
static void client_main(int ready_fd, int go_fd, int result_fd)
{
        char reply[128], c;

        alarm(30);
        timeout_s = 1;
        if (unshare(CLONE_NEWNET) < 0 || write(ready_fd, "r", 1) != 1)
                _exit(1);
        while (read(go_fd, &c, 1) == 1) {
                if (exchange("10.98.0.1", 8080, "outside", reply, sizeof(reply)) < 0)
                        strcpy(reply, "FAIL");
                if (write(result_fd, reply, strlen(reply)) <= 0)
                        _exit(3);
        }
        _exit(0);
}

static int client_setup(pid_t cli)
{
        char pid[16];

        snprintf(pid, sizeof(pid), "%d", cli);
        if (SH("ip", "link", "add", "cli0", "type", "veth", "peer", "name", "eth0", "netns", pid) < 0 ||
            SH("ip", "addr", "add", "10.98.0.1/24", "dev", "cli0") < 0 ||
            SH("ip", "link", "set", "cli0", "up") < 0)
                return -1;
        if (SH("nsenter", "-t", pid, "-n", "ip", "addr", "add", "10.98.0.2/24", "dev", "eth0") < 0 ||
            SH("nsenter", "-t", pid, "-n", "ip", "link", "set", "eth0", "up") < 0 ||
            SH("nsenter", "-t", pid, "-n", "ip", "route", "add", "default", "via", "10.98.0.1") < 0)
                return -1;
        return write_sysctl("/proc/sys/net/ipv4/ip_forward", "1"); /* this test namespace's only */
}

static int client_try(int go, int res, char *buf, size_t size)
{
        ssize_t n;

        if (write(go, "g", 1) != 1)
                return -1;
        n = read(res, buf, size - 1);
        buf[n > 0 ? n : 0] = '\0';
        return n > 0 ? 0 : -1;
}

/*
 * Forks a client namespace on its own link (cli0, 10.98.0.0/24) that
 * connects to 10.98.0.1:8080: first while cli0 is an internal network (the
 * reply into blocked), then as a plain one (into reply).
 */
static int from_other_namespace(char *blocked, char *reply, size_t size)
{
        _cleanup_error_ struct berth_error *err = NULL;
        const struct nft_network inner = {
            .name = "cli", .bridge = "cli0", .subnet = "10.98.0.0/24", .internal = true};
        _cleanup_child_ pid_t cli = 0;
        int ready[2], go[2], res[2], status, r = -1;
        char c;

        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
                return -1;
        cli = fork();
        if (cli < 0)
                return -1;
        if (cli == 0) {
                close(go[1]); /* or its loop would never see the end */
                client_main(ready[1], go[0], res[1]);
        }
        close(ready[1]);
        close(go[0]);
        close(res[1]);
        if (read(ready[0], &c, 1) == 1 && client_setup(cli) == 0 && nft_network_add(&inner, &err) == 0 &&
            client_try(go[1], res[0], blocked, size) == 0 && nft_network_remove("cli", &err) == 0 &&
            client_try(go[1], res[0], reply, size) == 0)
                r = 0;
        close(ready[0]);
        close(go[1]); /* the client's loop ends */
        close(res[0]);
        if (waitpid(cli, &status, 0) != cli)
                return -1;
        cli = 0;
        return r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

TEST(test_dnat_traffic)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_child_ pid_t ctr = 0;
        _cleanup_close_ int rd = -EBADF, wr = -EBADF;
        struct nft_port udp = port;
        int pipefd[2], status;
        char reply[128], blocked[128], c;

        udp.host_ip = "127.0.0.1";
        udp.host_port = 8081;
        udp.proto = PORT_PROTO_UDP;
        ASSERT_OK(pipe2(pipefd, O_CLOEXEC));
        rd = pipefd[0];
        wr = pipefd[1];
        ctr = fork();
        ASSERT_TRUE(ctr >= 0);
        if (ctr == 0)
                container_main(wr);
        ASSERT_EQ(read(rd, &c, 1), 1);
        ASSERT_OK(veth_setup(ctr));
        ASSERT_OK(nft_network_add(&net, &err));
        ASSERT_OK(nft_port_add(&port, &err));

        /* Through the output chain: to 127.0.0.1 (masqueraded to the bridge address) ... */
        ASSERT_OK(exchange("127.0.0.1", 8080, "hello", reply, sizeof(reply)));
        ASSERT_STREQ(reply, "hello from 10.99.0.1");
        /* ... and to the host's own address on the bridge. */
        ASSERT_OK(exchange("10.99.0.1", 8080, "again", reply, sizeof(reply)));
        ASSERT_STREQ(reply, "again from 10.99.0.1");
        /* From a third namespace, routed: prerouting DNAT, forwarded, not masqueraded. */
        ASSERT_OK(from_other_namespace(blocked, reply, sizeof(reply)));
        ASSERT_STREQ(blocked, "FAIL"); /* an internal network's container cannot get out */
        ASSERT_STREQ(reply, "outside from 10.98.0.2");
        /* udp, on 127.0.0.1 only (the container handles it after its hairpin check). */
        ASSERT_OK(nft_port_add(&udp, &err));
        ASSERT_OK(udp_exchange("127.0.0.1", 8081, "ping", reply, sizeof(reply)));
        ASSERT_STREQ(reply, "ping from 10.99.0.1");
        ASSERT_EQ(waitpid(ctr, &status, 0), ctr);
        ctr = 0;
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        /* Without the mapping nobody answers on 8080. */
        ASSERT_OK(nft_ports_remove(CID, &err));
        ASSERT_TRUE(exchange("127.0.0.1", 8080, "x", reply, sizeof(reply)) < 0);
}

TEST(test_table_delete)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *text = NULL;

        ASSERT_OK(nft_table_delete(&err));
        ASSERT_OK(nft_table_delete(&err));
        ASSERT_EQ(nft_list(&text, &err), -ENOENT);
        ASSERT_TRUE(strstr(err->msg, "nftables: "));
        ASSERT_TRUE(!strchr(err->msg, '\n'));
        err = berth_error_free(err);
        /* Removing from an absent table is fine too. */
        ASSERT_OK(nft_ports_remove(CID, &err));
        ASSERT_OK(nft_network_remove("testnet", &err));
}

static ino_t netns_inode(void)
{
        struct stat st;

        return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

int main(void)
{
        ino_t host = netns_inode();

        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root");
        /* Leave the host's network namespace before any nft call, or do nothing at all. */
        if (unshare(CLONE_NEWNET) < 0 || host == 0 || netns_inode() == host)
                TAP_SKIP_ALL("cannot create a network namespace");
        SH("ip", "link", "set", "lo", "up");

        RUN(test_base);
        RUN(test_base_repair);
        RUN(test_network);
        RUN(test_ports);
        RUN(test_dnat_traffic);
        RUN(test_table_delete);
        TAP_DONE();
}
