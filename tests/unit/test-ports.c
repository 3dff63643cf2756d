/* SPDX-License-Identifier: Apache-2.0 */
/* network/ports.c: Docker's -p/--expose syntax and messages, host port checks on 127.0.0.1. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "network/ports.h"
#include "tap.h"

/* Parses spec into a fresh list; the first mapping formatted into out. */
static int parse1(const char *spec, struct port_list *l, char *out, size_t size)
{
        _cleanup_error_ struct berth_error *err = NULL;
        int r;

        *l = (struct port_list){0};
        r = port_parse_spec(spec, l, &err);
        if (r < 0) {
                snprintf(out, size, "%s", err->msg);
                return r;
        }
        port_mapping_format(&l->items[0], out, size);
        return (int)l->n;
}

static int check(const char *spec, int n, const char *first)
{
        struct port_list l;
        char buf[200];
        int r = parse1(spec, &l, buf, sizeof(buf));

        port_list_release(&l);
        if (r != n || strcmp(buf, first) != 0) {
                printf("# %s: got %d `%s`, expected %d `%s`\n", spec, r, buf, n, first);
                return -1;
        }
        return 0;
}

TEST(test_forms)
{
        ASSERT_OK(check("80", 1, "0.0.0.0:0->80/tcp"));
        ASSERT_OK(check("8080:80", 1, "0.0.0.0:8080->80/tcp"));
        ASSERT_OK(check("8080:80/udp", 1, "0.0.0.0:8080->80/udp"));
        ASSERT_OK(check("8080:80/", 1, "0.0.0.0:8080->80/tcp"));
        ASSERT_OK(check("8080:80/sctp", 1, "0.0.0.0:8080->80/sctp"));
        ASSERT_OK(check("127.0.0.1:8080:80", 1, "127.0.0.1:8080->80/tcp"));
        ASSERT_OK(check("127.0.0.1::80", 1, "127.0.0.1:0->80/tcp"));
        ASSERT_OK(check("::80", 1, "0.0.0.0:0->80/tcp"));
        ASSERT_OK(check(":80", 1, "0.0.0.0:0->80/tcp"));
        ASSERT_OK(check("0:80", 1, "0.0.0.0:0->80/tcp"));
        ASSERT_OK(check("[::1]:8080:80", 1, "[::1]:8080->80/tcp"));
        ASSERT_OK(check("::1:8080:80/udp", 1, "[::1]:8080->80/udp"));
        ASSERT_OK(check("[::1]::80", 1, "[::1]:0->80/tcp"));
        ASSERT_OK(check("1.2.3.4:8080:80/udp", 1, "1.2.3.4:8080->80/udp"));
        /* Docker's quirks: only the first two range parts and the first protocol count. */
        ASSERT_OK(check("1-2-3:80", 1, "0.0.0.0:1-2->80/tcp"));
        ASSERT_OK(check("80/tcp/udp", 1, "0.0.0.0:0->80/tcp"));
        ASSERT_OK(check("8080:80/UDP", 1, "0.0.0.0:8080->80/udp"));
        /* The long form. */
        ASSERT_OK(check("target=80,published=8080", 1, "0.0.0.0:8080->80/tcp"));
        ASSERT_OK(check("target=80,published=8080,protocol=udp,mode=host", 1, "0.0.0.0:8080->80/udp"));
        ASSERT_OK(check("target=80", 1, "0.0.0.0:0->80/tcp"));
}

TEST(test_ranges)
{
        struct port_list l;
        char buf[200];

        ASSERT_EQ(parse1("8000-8010:80-90", &l, buf, sizeof(buf)), 11);
        ASSERT_EQ(l.items[0].host_port, 8000);
        ASSERT_EQ(l.items[0].container_port, 80);
        ASSERT_EQ(l.items[10].host_port, 8010);
        ASSERT_EQ(l.items[10].host_port_end, 8010);
        ASSERT_EQ(l.items[10].container_port, 90);
        port_list_release(&l);

        /* A host range for one container port: allocate from it at start. */
        ASSERT_EQ(parse1("8000-8001:80", &l, buf, sizeof(buf)), 1);
        ASSERT_STREQ(buf, "0.0.0.0:8000-8001->80/tcp");
        port_list_release(&l);
        ASSERT_EQ(parse1("8000-8001:80-80", &l, buf, sizeof(buf)), 1);
        port_list_release(&l);

        /* A container range without host ports: each gets a random one. */
        ASSERT_EQ(parse1("80-82/udp", &l, buf, sizeof(buf)), 3);
        ASSERT_EQ(l.items[2].container_port, 82);
        ASSERT_EQ(l.items[2].host_port, 0);
        ASSERT_EQ(l.items[2].proto, PORT_PROTO_UDP);
        port_list_release(&l);
}

TEST(test_bad_specs)
{
        /* Each message is what `docker run -p SPEC` prints (docker 28, checked by hand). */
        ASSERT_OK(check("99999:80", -EINVAL, "invalid hostPort: 99999"));
        ASSERT_OK(check("65536:80", -EINVAL, "invalid hostPort: 65536"));
        ASSERT_OK(check("80:99999", -EINVAL, "invalid containerPort: 99999"));
        ASSERT_OK(check("abc", -EINVAL, "invalid containerPort: abc"));
        ASSERT_OK(check(" 80", -EINVAL, "invalid containerPort:  80"));
        ASSERT_OK(check("80-", -EINVAL, "invalid containerPort: 80-"));
        ASSERT_OK(check("-80", -EINVAL, "invalid containerPort: -80"));
        ASSERT_OK(check("90-80", -EINVAL, "invalid containerPort: 90-80"));
        ASSERT_OK(check("1.2.3.4:80:80:80", -EINVAL, "invalid IP address: 1.2.3.4:80"));
        ASSERT_OK(check("1.2.3:80:80", -EINVAL, "invalid IP address: 1.2.3"));
        ASSERT_OK(check("x:8080:80", -EINVAL, "invalid IP address: x"));
        ASSERT_OK(check("8080:80:", -EINVAL, "invalid IP address: 8080"));
        ASSERT_OK(check("1.2.3.4:80", -EINVAL, "invalid hostPort: 1.2.3.4"));
        ASSERT_OK(check("abc:80", -EINVAL, "invalid hostPort: abc"));
        ASSERT_OK(check("a-b:80", -EINVAL, "invalid hostPort: a-b"));
        ASSERT_OK(check("-5:80", -EINVAL, "invalid hostPort: -5"));
        ASSERT_OK(check("80-70:80", -EINVAL, "invalid hostPort: 80-70"));
        ASSERT_OK(check("8000-8010:80-85", -EINVAL,
                        "invalid ranges specified for container and host Ports: 80-85 and 8000-8010"));
        ASSERT_OK(check("8000:80-81", -EINVAL,
                        "invalid ranges specified for container and host Ports: 80-81 and 8000"));
        ASSERT_OK(check("8080:80/foo", -EINVAL, "invalid proto: foo"));
        ASSERT_OK(check("", -EINVAL, "no port specified: <empty>"));
        ASSERT_OK(check("8080:", -EINVAL, "no port specified: 8080:<empty>"));
        ASSERT_OK(check("1.2.3.4::", -EINVAL, "no port specified: 1.2.3.4::<empty>"));
        ASSERT_OK(check("target=abc", -EINVAL, "invalid containerPort: abc"));
        ASSERT_OK(check("published=8080", -EINVAL, "no port specified: 8080:/tcp<empty>"));
        ASSERT_OK(
            check("target=80,x", -EINVAL, "invalid publish opts format (should be name=value but got 'x')"));
        ASSERT_OK(check("target=80,=5", -EINVAL,
                        "invalid publish opts format (should be name=value but got '=5')"));
}

static int expose_msg(const char *spec, char *buf, size_t size)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct port_expose e;
        int r = port_parse_expose(spec, &e, &err);

        snprintf(buf, size, "%s", r < 0 ? err->msg : "");
        return r;
}

TEST(test_expose)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct port_expose e[2];
        struct port_list l = {0};
        char buf[200];

        ASSERT_OK(port_parse_expose("80", &e[0], &err));
        ASSERT_OK(port_parse_expose("5000-5002/udp", &e[1], &err));
        ASSERT_EQ(e[1].start, 5000);
        ASSERT_EQ(e[1].end, 5002);
        ASSERT_EQ(e[1].proto, PORT_PROTO_UDP);

        ASSERT_EQ(expose_msg("abc", buf, sizeof(buf)), -EINVAL);
        ASSERT_STREQ(buf,
                     "invalid range format for --expose: abc, error: strconv.ParseUint: parsing \"abc\": "
                     "invalid syntax");
        ASSERT_EQ(expose_msg("80-70", buf, sizeof(buf)), -EINVAL);
        ASSERT_STREQ(buf,
                     "invalid range format for --expose: 80-70, error: invalid range specified for port: "
                     "80-70");
        ASSERT_EQ(expose_msg("70000", buf, sizeof(buf)), -EINVAL);
        ASSERT_STREQ(buf, "invalid range format for --expose: 70000, error: strconv.ParseUint: parsing "
                          "\"70000\": value out of range");
        ASSERT_EQ(expose_msg("8080:80", buf, sizeof(buf)), -EINVAL);
        ASSERT_STREQ(buf, "invalid port format for --expose: 8080:80");

        /* -P merges with -p: a container port already published keeps its -p mapping. */
        ASSERT_OK(port_parse_spec("8080:80", &l, &err));
        port_publish_all(e, 2, &l);
        ASSERT_EQ(l.n, 4);
        ASSERT_EQ(l.items[0].host_port, 8080);
        ASSERT_EQ(l.items[3].container_port, 5002);
        ASSERT_EQ(l.items[3].host_port, 0);
        port_list_release(&l);
}

/* A socket of our own on 127.0.0.1:port (0 = any); returns the fd and the port. */
static int hold_port(int type, uint16_t *port)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(*port)};
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0)
                return -1;
        if (type == SOCK_STREAM && listen(fd, 1) < 0)
                return -1;
        getsockname(fd, (struct sockaddr *)&sa, &len);
        *port = ntohs(sa.sin_port);
        return fd;
}

TEST(test_port_in_use)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_close_ int tcp = -EBADF, udp = -EBADF;
        uint16_t port = 0, uport = 0;
        char want[100];

        tcp = hold_port(SOCK_STREAM, &port);
        ASSERT_TRUE(tcp >= 0);
        ASSERT_EQ(port_check_free("127.0.0.1", port, PORT_PROTO_TCP, &err), -EADDRINUSE);
        snprintf(want, sizeof(want), "Bind for 127.0.0.1:%u failed: port is already allocated", port);
        ASSERT_STREQ(err->msg, want);
        err = berth_error_free(err);

        /* 0.0.0.0 conflicts with a socket on any one address. */
        ASSERT_EQ(port_check_free("", port, PORT_PROTO_TCP, &err), -EADDRINUSE);
        snprintf(want, sizeof(want), "Bind for 0.0.0.0:%u failed: port is already allocated", port);
        ASSERT_STREQ(err->msg, want);
        err = berth_error_free(err);

        close(TAKE_FD(tcp));
        ASSERT_OK(port_check_free("127.0.0.1", port, PORT_PROTO_TCP, &err));

        udp = hold_port(SOCK_DGRAM, &uport);
        ASSERT_TRUE(udp >= 0);
        ASSERT_EQ(port_check_free("127.0.0.1", uport, PORT_PROTO_UDP, &err), -EADDRINUSE);
        err = berth_error_free(err);
        ASSERT_OK(port_check_free("127.0.0.1", uport, PORT_PROTO_TCP, &err)); /* udp does not block tcp */
}

TEST(test_allocate)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_close_ int tcp = -EBADF;
        struct port_mapping m = {.host_ip = "127.0.0.1", .proto = PORT_PROTO_TCP};
        uint16_t port = 0, got = 0;
        char want[100];

        /* 0: a free ephemeral port, and really free. */
        ASSERT_OK(port_allocate(&m, &got, &err));
        ASSERT_TRUE(got > 0);
        ASSERT_OK(port_check_free("127.0.0.1", got, PORT_PROTO_TCP, &err));

        /* A range whose first port is taken yields the next one. */
        tcp = hold_port(SOCK_STREAM, &port);
        ASSERT_TRUE(tcp >= 0);
        if (port == 65535)
                return; /* no room for a range after it; the kernel rarely picks this */
        m.host_port = port;
        m.host_port_end = (uint16_t)(port + 1);
        ASSERT_OK(port_allocate(&m, &got, &err));
        ASSERT_EQ(got, port + 1);

        /* A fixed port in use: Docker's message. */
        m.host_port_end = port;
        ASSERT_EQ(port_allocate(&m, &got, &err), -EADDRINUSE);
        snprintf(want, sizeof(want), "Bind for 127.0.0.1:%u failed: port is already allocated", port);
        ASSERT_STREQ(err->msg, want);
        err = berth_error_free(err);

        /* An address this host does not have is an error, not "free". */
        ASSERT_TRUE(port_check_free("192.0.2.1", 80, PORT_PROTO_TCP, &err) < 0);
}

int main(void)
{
        RUN(test_forms);
        RUN(test_ranges);
        RUN(test_bad_specs);
        RUN(test_expose);
        RUN(test_port_in_use);
        RUN(test_allocate);
        TAP_DONE();
}
