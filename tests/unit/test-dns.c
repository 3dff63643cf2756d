/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-dns: its packet code (random, truncated and looping messages never
 * crash it nor read past the end), then the real process in a network
 * namespace this test makes (unshare): queries over udp and tcp from this
 * test and from busybox's nslookup, forwarding to a fake upstream the test
 * runs on 127.0.0.2, names file reloads, exit once the names are gone, a
 * second instance refused, and resolver_ensure/resolver_stop. No packet
 * leaves that namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/fs-util.h"
#include "base/syscalls.h"
#include "base/xalloc.h"
#include "dns-packet.h"
#include "network/netlink.h"
#include "network/resolver.h"
#include "store/store.h"
#include "tap.h"

static char tmp[] = "/tmp/test-dns-XXXXXX";
static char names_path[64], lock_path[64], conf_path[64];
static pid_t upstream_pid = -1, dns_pid = -1;

/* A standard query for name/type, id 0x1234 + type, RD set. */
static size_t build_query(uint8_t *buf, const char *name, uint16_t type)
{
        size_t o = DNS_HEADER_SIZE;

        memset(buf, 0, DNS_HEADER_SIZE);
        buf[0] = 0x12;
        buf[1] = (uint8_t)(0x34 + type);
        buf[2] = 0x01; /* RD */
        buf[5] = 1;    /* QDCOUNT */
        while (*name) {
                size_t l = strcspn(name, ".");
                buf[o++] = (uint8_t)l;
                memcpy(buf + o, name, l);
                o += l;
                name += l + (name[l] == '.');
        }
        buf[o++] = 0;
        buf[o++] = (uint8_t)(type >> 8);
        buf[o++] = (uint8_t)type;
        buf[o++] = 0;
        buf[o++] = DNS_CLASS_IN;
        return o;
}

struct answer {
        int rcode, ancount;
        char first[DNS_NAME_MAX + 1]; /* the first answer's A address or PTR name */
};

static int parse_reply(const uint8_t *buf, size_t len, struct answer *a)
{
        char name[DNS_NAME_MAX + 1];
        size_t off = DNS_HEADER_SIZE;

        memset(a, 0, sizeof(*a));
        if (len < DNS_HEADER_SIZE || !(buf[2] & 0x80) || dns_read_name(buf, len, &off, name, NULL) < 0)
                return -EBADMSG;
        off += 4;
        a->rcode = buf[3] & 0xf;
        a->ancount = buf[6] << 8 | buf[7];
        if (a->ancount == 0)
                return 0;
        if (dns_read_name(buf, len, &off, name, NULL) < 0 || off + 10 > len)
                return -EBADMSG;
        if (buf[off + 1] == DNS_TYPE_A && off + 14 <= len)
                inet_ntop(AF_INET, buf + off + 10, a->first, sizeof(a->first));
        else if (buf[off + 1] == DNS_TYPE_PTR) {
                off += 10;
                if (dns_read_name(buf, len, &off, a->first, NULL) < 0)
                        return -EBADMSG;
        }
        return 0;
}

static int udp_ask(const char *server, const char *name, uint16_t type, struct answer *a)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        uint8_t q[512], r[4096];
        struct pollfd p = {.fd = fd, .events = POLLIN};
        size_t len = build_query(q, name, type);
        ssize_t n;

        inet_pton(AF_INET, server, &sa.sin_addr);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || send(fd, q, len, 0) < 0)
                return -errno;
        if (poll(&p, 1, 10000) <= 0)
                return -ETIMEDOUT;
        n = recv(fd, r, sizeof(r), 0);
        if (n < 0)
                return -errno;
        if (r[0] != q[0] || r[1] != q[1])
                return -EPROTO;
        return parse_reply(r, (size_t)n, a);
}

static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        size_t got = 0;

        while (got < len) {
                ssize_t n;
                if (poll(&p, 1, 10000) <= 0)
                        return -ETIMEDOUT;
                n = read(fd, buf + got, len - got);
                if (n <= 0)
                        return n < 0 ? -errno : -EPIPE;
                got += (size_t)n;
        }
        return (ssize_t)got;
}

/* Two queries pipelined on one connection (names[0] and names[1], type A); the two answers. */
static int tcp_ask2(const char *server, const char *const names[2], struct answer a[2])
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        uint8_t q[1024], r[65537];
        size_t o = 0;

        inet_pton(AF_INET, server, &sa.sin_addr);
        for (int i = 0; i < 2; i++) {
                size_t len = build_query(q + o + 2, names[i], DNS_TYPE_A);
                q[o] = (uint8_t)(len >> 8);
                q[o + 1] = (uint8_t)len;
                o += 2 + len;
        }
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write_all(fd, q, o) < 0)
                return -errno;
        for (int i = 0; i < 2; i++) {
                size_t len;
                if (read_full(fd, r, 2) < 0)
                        return -EPIPE;
                len = (size_t)(r[0] << 8 | r[1]);
                if (read_full(fd, r, len) < 0 || parse_reply(r, len, &a[i]) < 0)
                        return -EBADMSG;
        }
        return 0;
}

/* The fake upstream on 127.0.0.2:53 (udp and tcp): every name is 192.0.2.77. */
static void upstream_answer(const uint8_t *q, size_t len, uint8_t *out, size_t *out_len)
{
        struct in_addr a;
        struct dns_query dq;
        ssize_t n;

        *out_len = 0;
        inet_pton(AF_INET, "192.0.2.77", &a);
        if (dns_parse_query(q, len, &dq) == 0 && (n = dns_build_reply(q, &dq, 0, &a, 1, NULL, out, 512)) > 0)
                *out_len = (size_t)n;
}

static void __attribute__((noreturn)) upstream_main(int u, int t)
{
        for (;;) {
                struct pollfd p[2] = {{.fd = u, .events = POLLIN}, {.fd = t, .events = POLLIN}};
                uint8_t q[4096], out[600];
                struct sockaddr_storage from;
                socklen_t fl = sizeof(from);
                size_t ol;
                ssize_t n;

                if (poll(p, 2, -1) < 0)
                        _exit(1);
                if (p[0].revents && (n = recvfrom(u, q, sizeof(q), 0, (struct sockaddr *)&from, &fl)) > 0) {
                        upstream_answer(q, (size_t)n, out, &ol);
                        (void)sendto(u, out, ol, 0, (struct sockaddr *)&from, fl);
                }
                if (p[1].revents) {
                        int c = accept4(t, NULL, NULL, SOCK_CLOEXEC);
                        uint8_t hdr[2];
                        if (c >= 0 && read_full(c, hdr, 2) == 2 &&
                            read_full(c, q, (size_t)(hdr[0] << 8 | hdr[1])) > 0) {
                                upstream_answer(q, (size_t)(hdr[0] << 8 | hdr[1]), out + 2, &ol);
                                out[0] = (uint8_t)(ol >> 8);
                                out[1] = (uint8_t)ol;
                                (void)write_all(c, out, ol + 2);
                        }
                        if (c >= 0)
                                close(c);
                }
        }
}

static int start_upstream(void)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
        int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
            t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        inet_pton(AF_INET, "127.0.0.2", &sa.sin_addr);
        if (u < 0 || t < 0 || bind(u, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            bind(t, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(t, 8) < 0)
                return -errno;
        upstream_pid = fork();
        if (upstream_pid == 0)
                upstream_main(u, t);
        close(u);
        close(t);
        return upstream_pid < 0 ? -errno : 0;
}

/* berth-dns on listen, as our child; its ready line in ret_line. */
static pid_t spawn_dns(const char *listen_addr, char *ret_line, size_t size)
{
        const char *dns = getenv("BERTH_DNS");
        int pfd[2];
        pid_t pid;
        ssize_t n;

        if (!dns || pipe2(pfd, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                dup2(pfd[1], 3);
                execl(dns, dns, "--listen", listen_addr, "--names", names_path, "--lock", lock_path,
                      "--upstream-conf", conf_path, "--ready-fd", "3", (char *)NULL);
                _exit(127);
        }
        close(pfd[1]);
        n = pid > 0 ? read_full(pfd[0], (uint8_t *)ret_line, 1) : -1;
        if (n == 1) {
                struct pollfd p = {.fd = pfd[0], .events = POLLIN};
                size_t got = 1;
                while (got + 1 < size && poll(&p, 1, 10000) > 0 &&
                       (n = read(pfd[0], ret_line + got, 1)) == 1)
                        got++;
                ret_line[got] = '\0';
        } else {
                ret_line[0] = '\0';
        }
        close(pfd[0]);
        return pid;
}

static int write_names(const char *text)
{
        _cleanup_error_ struct berth_error *err = NULL;

        return write_file_atomic_at(AT_FDCWD, names_path, text, strlen(text), 0644, &err);
}

/* Waits (bounded) for our child pid to exit; its wait status, or -ETIMEDOUT. */
static int wait_exit(pid_t pid, int timeout_ms)
{
        _cleanup_close_ int pidfd = sys_pidfd_open(pid, 0);
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int status;

        if (pidfd < 0 || poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        if (waitpid(pid, &status, 0) != pid)
                return -errno;
        return status;
}

TEST(parse_query_and_answer)
{
        struct dns_names names = {0};
        static const char text[] = "# comment\n10.99.0.2 web Alias1\nbad line\n10.99.0.3 db # trailing\n"
                                   "300.1.1.1 nope\n10.99.0.4 web\n";
        uint8_t q[512], out[512];
        struct dns_query dq;
        struct answer a;
        ssize_t n;

        dns_names_parse(&names, text, strlen(text));
        ASSERT_EQ(names.n, 4);
        n = (ssize_t)build_query(q, "WEB.", DNS_TYPE_A);
        ASSERT_OK(dns_parse_query(q, (size_t)n, &dq));
        ASSERT_STREQ(dq.name, "WEB");
        n = dns_answer(&names, q, &dq, out, sizeof(out));
        ASSERT_TRUE(n > 0);
        ASSERT_OK(parse_reply(out, (size_t)n, &a));
        ASSERT_EQ(a.ancount, 2); /* both containers that are called web */
        ASSERT_STREQ(a.first, "10.99.0.2");

        n = (ssize_t)build_query(q, "alias1", DNS_TYPE_AAAA);
        ASSERT_OK(dns_parse_query(q, (size_t)n, &dq));
        n = dns_answer(&names, q, &dq, out, sizeof(out));
        ASSERT_OK(parse_reply(out, (size_t)n, &a));
        ASSERT_EQ(a.rcode, 0);
        ASSERT_EQ(a.ancount, 0);

        n = (ssize_t)build_query(q, "3.0.99.10.in-addr.arpa", DNS_TYPE_PTR);
        ASSERT_OK(dns_parse_query(q, (size_t)n, &dq));
        n = dns_answer(&names, q, &dq, out, sizeof(out));
        ASSERT_OK(parse_reply(out, (size_t)n, &a));
        ASSERT_STREQ(a.first, "db");

        /* Not ours: forwarded. */
        n = (ssize_t)build_query(q, "nope", DNS_TYPE_A);
        ASSERT_OK(dns_parse_query(q, (size_t)n, &dq));
        ASSERT_EQ(dns_answer(&names, q, &dq, out, sizeof(out)), 0);
        n = (ssize_t)build_query(q, "web", 15 /* MX */);
        ASSERT_OK(dns_parse_query(q, (size_t)n, &dq));
        ASSERT_EQ(dns_answer(&names, q, &dq, out, sizeof(out)), 0);
        n = (ssize_t)build_query(q, "web.example", DNS_TYPE_A);
        ASSERT_OK(dns_parse_query(q, (size_t)n, &dq));
        ASSERT_EQ(dns_answer(&names, q, &dq, out, sizeof(out)), 0);
        n = (ssize_t)build_query(q, "9.9.9.9.in-addr.arpa", DNS_TYPE_PTR);
        ASSERT_OK(dns_parse_query(q, (size_t)n, &dq));
        ASSERT_EQ(dns_answer(&names, q, &dq, out, sizeof(out)), 0);

        /* Too small for the records: TC set, what fits is kept. */
        n = (ssize_t)build_query(q, "web", DNS_TYPE_A);
        ASSERT_OK(dns_parse_query(q, (size_t)n, &dq));
        n = dns_answer(&names, q, &dq, out, dq.question_end + 16);
        ASSERT_OK(parse_reply(out, (size_t)n, &a));
        ASSERT_EQ(a.ancount, 1);
        ASSERT_TRUE(out[2] & 0x02);
        dns_names_clear(&names);
}

TEST(reverse_names)
{
        struct in_addr ip;

        ASSERT_OK(dns_parse_reverse("4.3.2.1.IN-ADDR.ARPA.", &ip));
        ASSERT_EQ(ntohl(ip.s_addr), 0x01020304);
        ASSERT_EQ(dns_parse_reverse("3.2.1.in-addr.arpa", &ip), -EINVAL);
        ASSERT_EQ(dns_parse_reverse("256.3.2.1.in-addr.arpa", &ip), -EINVAL);
        ASSERT_EQ(dns_parse_reverse("4.3.2.1.5.in-addr.arpa", &ip), -EINVAL);
        ASSERT_EQ(dns_parse_reverse("a.3.2.1.in-addr.arpa", &ip), -EINVAL);
        ASSERT_EQ(dns_parse_reverse("in-addr.arpa", &ip), -EINVAL);
}

TEST(malformed_messages)
{
        struct dns_names names = {0};
        static const char text[] = "10.99.0.2 web\n";
        uint8_t q[600], out[512], m[64];
        struct dns_query dq;
        size_t len = build_query(q, "web", DNS_TYPE_A);
        char name[DNS_NAME_MAX + 1];
        size_t off;

        dns_names_parse(&names, text, strlen(text));
        /* Every truncation fails cleanly. */
        for (size_t i = 0; i < len; i++)
                ASSERT_EQ(dns_parse_query(q, i, &dq), -EBADMSG);
        ASSERT_OK(dns_parse_query(q, len, &dq));
        /* A response, two questions, another opcode: not queries. */
        q[2] |= 0x80;
        ASSERT_EQ(dns_parse_query(q, len, &dq), -EBADMSG);
        q[2] = 0x01 | (2 << 3);
        ASSERT_EQ(dns_parse_query(q, len, &dq), -EBADMSG);
        q[2] = 0x01;
        q[5] = 2;
        ASSERT_EQ(dns_parse_query(q, len, &dq), -EBADMSG);

        /* Compression: a pointer to itself, forward, and two pointing at each other. */
        memset(m, 0, sizeof(m));
        m[12] = 0xc0, m[13] = 12;
        off = 12;
        ASSERT_EQ(dns_read_name(m, sizeof(m), &off, name, NULL), -EBADMSG);
        m[12] = 0xc0, m[13] = 20;
        off = 12;
        ASSERT_EQ(dns_read_name(m, sizeof(m), &off, name, NULL), -EBADMSG);
        m[12] = 1, m[13] = 'a', m[14] = 0xc0, m[15] = 16, m[16] = 0xc0, m[17] = 14;
        off = 12;
        ASSERT_EQ(dns_read_name(m, sizeof(m), &off, name, NULL), -EBADMSG);
        /* A backward pointer is fine: "b" + pointer to "a". */
        m[14] = 0, m[16] = 1, m[17] = 'b', m[18] = 0xc0, m[19] = 12;
        off = 16;
        ASSERT_OK(dns_read_name(m, sizeof(m), &off, name, NULL));
        ASSERT_STREQ(name, "b.a");
        ASSERT_EQ(off, 20);
        /* A name over 255 bytes. */
        memset(q, 0, sizeof(q));
        for (off = 12; off < 12 + 5 * 60; off += 60)
                q[off] = 59, memset(q + off + 1, 'x', 59);
        off = 12;
        ASSERT_EQ(dns_read_name(q, sizeof(q), &off, name, NULL), -EBADMSG);

        /* Random messages and random damage to a good one: no crash, no overread (ASan). */
        srand(1);
        for (int i = 0; i < 200000; i++) {
                size_t n = (size_t)rand() % 64;
                uint8_t *r = xmalloc(n ? n : 1);
                if (i % 2) {
                        size_t good = build_query(q, "web", DNS_TYPE_A);
                        n = n < good ? n : good;
                        memcpy(r, q, n);
                        r[rand() % (n ? n : 1)] ^= (uint8_t)rand();
                } else {
                        for (size_t j = 0; j < n; j++)
                                r[j] = (uint8_t)(rand() % 4 ? rand() : 0xc0);
                        if (n > 5)
                                r[2] = 0, r[3] = 0, r[4] = 0, r[5] = 1;
                }
                if (dns_parse_query(r, n, &dq) == 0) {
                        ASSERT_TRUE(dq.question_end <= n);
                        (void)dns_answer(&names, r, &dq, out, sizeof(out));
                }
                free(r);
        }
        dns_names_clear(&names);
}

/* From here on: inside our own network namespace. */
static int enter_netns(void)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct netlink nl = NETLINK_INIT;
        int r;

        if (unshare(CLONE_NEWNET) < 0)
                return -errno;
        r = netlink_open(&nl, &err);
        if (r >= 0)
                r = netlink_link_set_up(&nl, "lo", true, &err);
        netlink_close(&nl);
        return r;
}

TEST(serve_udp_tcp)
{
        const char *const pair[2] = {"Web", "external.example"};
        char line[256];
        struct answer a, b[2];

        ASSERT_OK(write_names("10.99.0.2 web alias1\n10.99.0.3 db\n"));
        dns_pid = spawn_dns("127.0.0.1", line, sizeof(line));
        ASSERT_TRUE(dns_pid > 0);
        ASSERT_STREQ(line, "OK\n");

        ASSERT_OK(udp_ask("127.0.0.1", "web", DNS_TYPE_A, &a));
        ASSERT_EQ(a.rcode, 0);
        ASSERT_EQ(a.ancount, 1);
        ASSERT_STREQ(a.first, "10.99.0.2");
        ASSERT_OK(udp_ask("127.0.0.1", "ALIAS1.", DNS_TYPE_A, &a));
        ASSERT_STREQ(a.first, "10.99.0.2");
        ASSERT_OK(udp_ask("127.0.0.1", "db", DNS_TYPE_AAAA, &a));
        ASSERT_EQ(a.rcode, 0);
        ASSERT_EQ(a.ancount, 0);
        ASSERT_OK(udp_ask("127.0.0.1", "2.0.99.10.in-addr.arpa", DNS_TYPE_PTR, &a));
        ASSERT_STREQ(a.first, "web");
        /* Not ours: the fake upstream's answer comes back. */
        ASSERT_OK(udp_ask("127.0.0.1", "external.example", DNS_TYPE_A, &a));
        ASSERT_EQ(a.rcode, 0);
        ASSERT_STREQ(a.first, "192.0.2.77");

        ASSERT_OK(tcp_ask2("127.0.0.1", pair, b));
        ASSERT_STREQ(b[0].first, "10.99.0.2");
        ASSERT_STREQ(b[1].first, "192.0.2.77");
}

TEST(garbage_does_not_stop_it)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
        _cleanup_close_ int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        _cleanup_close_ int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        uint8_t junk[300];
        struct answer a;

        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        srand(2);
        for (size_t i = 0; i < sizeof(junk); i++)
                junk[i] = (uint8_t)rand();
        for (size_t n = 0; n < sizeof(junk); n += 7)
                ASSERT_TRUE(sendto(u, junk, n, 0, (struct sockaddr *)&sa, sizeof(sa)) >= 0);
        /* A tcp client that sends half a message and stays: others are still served. */
        ASSERT_OK(connect(t, (struct sockaddr *)&sa, sizeof(sa)));
        ASSERT_TRUE(write(t, "\x00\x40\x12", 3) == 3);
        ASSERT_OK(udp_ask("127.0.0.1", "db", DNS_TYPE_A, &a));
        ASSERT_STREQ(a.first, "10.99.0.3");
        ASSERT_EQ(kill(dns_pid, 0), 0);
}

TEST(busybox_nslookup)
{
        int pfd[2], status;
        char out[4096] = "";
        pid_t pid;

        if (access("/bin/busybox", X_OK) < 0) {
                printf("# no /bin/busybox: skipped\n");
                return;
        }
        ASSERT_OK(pipe2(pfd, O_CLOEXEC));
        pid = fork();
        if (pid == 0) {
                dup2(pfd[1], 1);
                execl("/bin/busybox", "busybox", "nslookup", "alias1", "127.0.0.1", (char *)NULL);
                _exit(127);
        }
        close(pfd[1]);
        (void)read_full(pfd[0], (uint8_t *)out, sizeof(out) - 1); /* up to EOF */
        close(pfd[0]);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(strstr(out, "10.99.0.2") != NULL);
}

TEST(second_instance_refused)
{
        char line[256];
        pid_t pid = spawn_dns("127.0.0.1", line, sizeof(line));
        int status;

        ASSERT_TRUE(pid > 0);
        status = wait_exit(pid, 10000);
        ASSERT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1);
        ASSERT_TRUE(strncmp(line, "E11 another resolver holds", 26) == 0);
}

TEST(names_reloaded)
{
        struct answer a;
        int tries;

        ASSERT_OK(write_names("10.99.0.2 web\n10.99.0.9 newbie\n"));
        for (tries = 0; tries < 100; tries++) {
                ASSERT_OK(udp_ask("127.0.0.1", "newbie", DNS_TYPE_A, &a));
                if (streq(a.first, "10.99.0.9"))
                        break;
                (void)poll(NULL, 0, 50);
        }
        ASSERT_STREQ(a.first, "10.99.0.9");
        /* db is gone: now forwarded. */
        ASSERT_OK(udp_ask("127.0.0.1", "db", DNS_TYPE_A, &a));
        ASSERT_STREQ(a.first, "192.0.2.77");
}

TEST(exits_without_names)
{
        int status;

        ASSERT_OK(write_names("# nobody\n"));
        status = wait_exit(dns_pid, 20000);
        ASSERT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
        dns_pid = -1;
}

static pid_t lock_holder(const char *path)
{
        char buf[32] = "";
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0 || flock(fd, LOCK_SH | LOCK_NB) == 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
                return 0;
        return (pid_t)atoi(buf);
}

TEST(ensure_and_stop)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct store st = {.runroot = tmp};
        _cleanup_free_ char *names = resolver_names_path(&st, "net1");
        _cleanup_free_ char *lock = xasprintf("%s/networks/net1/dns.lock", tmp);
        _cleanup_free_ char *dir = xasprintf("%s/networks/net1", tmp);
        _cleanup_free_ char *want = xasprintf("%s/names", dir);
        struct answer a;
        pid_t pid;

        ASSERT_STREQ(names, want);
        ASSERT_OK(resolver_stop(&st, "net1", &err)); /* nothing runs: fine */
        ASSERT_OK(mkdir_p(dir, 0700, &err));
        ASSERT_OK(write_file_atomic_at(AT_FDCWD, names, "10.99.0.5 api\n", 14, 0644, &err));
        setenv("BERTH_DNS_RESOLV_CONF", conf_path, 1);
        ASSERT_OK(resolver_ensure(&st, "net1", "127.0.0.3", &err));
        pid = lock_holder(lock);
        ASSERT_TRUE(pid > 0);
        ASSERT_OK(udp_ask("127.0.0.3", "api", DNS_TYPE_A, &a));
        ASSERT_STREQ(a.first, "10.99.0.5");
        ASSERT_OK(udp_ask("127.0.0.3", "elsewhere", DNS_TYPE_A, &a));
        ASSERT_STREQ(a.first, "192.0.2.77");
        /* Idempotent: the same process. */
        ASSERT_OK(resolver_ensure(&st, "net1", "127.0.0.3", &err));
        ASSERT_EQ(lock_holder(lock), pid);
        ASSERT_OK(resolver_stop(&st, "net1", &err));
        ASSERT_EQ(lock_holder(lock), 0);

        /* An address of no interface here: the error comes back. */
        ASSERT_EQ(resolver_ensure(&st, "net1", "192.0.2.1", &err), -EADDRNOTAVAIL);
        printf("# %s\n", err->msg);
        ASSERT_TRUE(strstr(err->msg, "bind 192.0.2.1:53/udp") != NULL);
}

/* Four callers at once: all succeed, one resolver runs; it leaves by itself once the names are gone. */
TEST(ensure_concurrent_then_exit)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct store st = {.runroot = tmp};
        _cleanup_free_ char *names = resolver_names_path(&st, "net2");
        _cleanup_free_ char *lock = xasprintf("%s/networks/net2/dns.lock", tmp);
        pid_t kids[4], pid;
        int status, tries;
        struct answer a;

        _cleanup_free_ char *dir = xasprintf("%s/networks/net2", tmp);

        ASSERT_OK(mkdir_p(dir, 0700, &err));
        ASSERT_OK(write_file_atomic_at(AT_FDCWD, names, "10.99.0.6 solo\n", 15, 0644, &err));
        for (size_t i = 0; i < ARRAY_SIZE(kids); i++) {
                kids[i] = fork();
                if (kids[i] == 0) {
                        struct berth_error *e = NULL;
                        _exit(resolver_ensure(&st, "net2", "127.0.0.4", &e) < 0 ? 1 : 0);
                }
        }
        for (size_t i = 0; i < ARRAY_SIZE(kids); i++) {
                ASSERT_EQ(waitpid(kids[i], &status, 0), kids[i]);
                ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        pid = lock_holder(lock);
        ASSERT_TRUE(pid > 0);
        ASSERT_OK(udp_ask("127.0.0.4", "SOLO", DNS_TYPE_A, &a));
        ASSERT_STREQ(a.first, "10.99.0.6");

        ASSERT_OK(write_file_atomic_at(AT_FDCWD, names, "", 0, 0644, &err));
        for (tries = 0; tries < 400 && lock_holder(lock) != 0; tries++)
                (void)poll(NULL, 0, 50);
        ASSERT_EQ(lock_holder(lock), 0);
        ASSERT_OK(resolver_stop(&st, "net2", &err));
}

int main(void)
{
        RUN(parse_query_and_answer);
        RUN(reverse_names);
        RUN(malformed_messages);
        if (geteuid() != 0 || enter_netns() < 0) {
                printf("# not root or no network namespace: the process tests are skipped\n");
                TAP_DONE();
        }
        if (!mkdtemp(tmp))
                return 1;
        snprintf(names_path, sizeof(names_path), "%s/names", tmp);
        snprintf(lock_path, sizeof(lock_path), "%s/dns.lock", tmp);
        snprintf(conf_path, sizeof(conf_path), "%s/resolv.conf", tmp);
        {
                _cleanup_error_ struct berth_error *err = NULL;
                static const char rc[] = "search example.org\nnameserver 127.0.0.2\n";
                if (write_file_atomic_at(AT_FDCWD, conf_path, rc, strlen(rc), 0644, &err) < 0 ||
                    start_upstream() < 0)
                        return 1;
        }
        RUN(serve_udp_tcp);
        RUN(garbage_does_not_stop_it);
        RUN(busybox_nslookup);
        RUN(second_instance_refused);
        RUN(names_reloaded);
        RUN(exits_without_names);
        RUN(ensure_and_stop);
        RUN(ensure_concurrent_then_exit);
        if (dns_pid > 0)
                kill(dns_pid, SIGKILL), waitpid(dns_pid, NULL, 0);
        kill(upstream_pid, SIGKILL);
        waitpid(upstream_pid, NULL, 0);
        {
                _cleanup_error_ struct berth_error *err = NULL;
                (void)rm_rf_at(AT_FDCWD, tmp, &err);
        }
        TAP_DONE();
}
