/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network/netlink against the real kernel (root). Everything happens in two
 * network namespaces this test makes: ns1, where the forked test process
 * lives after unshare(CLONE_NEWNET), and ns2, made by a second child with
 * unshare and reached through its fd. The host's namespace is never touched;
 * no packet leaves these two namespaces.
 *
 *   ns1: bridge br-test 10.66.0.1/24 + 10.99.0.1/24, port veth-t0
 *   ns2: eth0 10.66.0.2/24 (peer of veth-t0), lo, default route via 10.66.0.1
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "network/ipam.h"
#include "network/netlink.h"
#include "tap.h"

static int ns1_fd = -EBADF, ns2_fd = -EBADF;
static struct netlink nl1 = NETLINK_INIT, nl2 = NETLINK_INIT;

static bool starts_with(const char *s, const char *prefix)
{
        return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static struct in_addr addr(const char *s)
{
        struct in_addr a = {0};

        inet_pton(AF_INET, s, &a);
        return a;
}

/* A socket that lives in the namespace nsfd (sockets keep their namespace), made from ns1. */
static int socket_in(int nsfd, int type)
{
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int s;

        if (self < 0 || setns(nsfd, CLONE_NEWNET) < 0)
                return -errno;
        s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
        if (setns(self, CLONE_NEWNET) < 0)
                abort(); /* never go on in the wrong namespace */
        return s;
}

static int bind_to(int s, const char *ip, int port)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = addr(ip)};

        return bind(s, (struct sockaddr *)&sa, sizeof(sa));
}

/* Sends `msg` to ip:port until something arrives on `rx` (ARP and bridge ports take a moment). */
static ssize_t udp_exchange(int tx, const char *ip, int port, int rx, char *buf, size_t len,
                            struct sockaddr_in *from)
{
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = addr(ip)};
        socklen_t fl = sizeof(*from);

        for (int i = 0; i < 50; i++) {
                struct pollfd p = {.fd = rx, .events = POLLIN};
                if (sendto(tx, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                        return -errno;
                if (poll(&p, 1, 100) == 1)
                        return recvfrom(rx, buf, len, 0, (struct sockaddr *)from, &fl);
        }
        return -ETIMEDOUT;
}

static unsigned link_flags(int nsfd, const char *name)
{
        _cleanup_close_ int s = socket_in(nsfd, SOCK_DGRAM);
        struct ifreq ifr = {0};

        strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
        if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return 0;
        return (unsigned)ifr.ifr_flags;
}

TEST(test_open_and_index)
{
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_OK(netlink_open(&nl1, &err));
        ASSERT_OK(netlink_open_netns(&nl2, ns2_fd, &err));
        ASSERT_EQ(netlink_link_index(&nl1, "lo", &err), 1);
        ASSERT_EQ(netlink_link_index(&nl2, "lo", &err), 1);
        ASSERT_EQ(netlink_link_index(&nl1, "nope0", &err), -ENODEV);
        ASSERT_STREQ(err->msg, "link `nope0`: No such device");
        berth_error_freep(&err);
        ASSERT_EQ(netlink_link_index(&nl1, "a-name-far-too-long", &err), -EINVAL);
}

TEST(test_bridge)
{
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_OK(netlink_bridge_create(&nl1, "br-test", 1400, &err));
        ASSERT_EQ(netlink_bridge_create(&nl1, "br-test", 0, &err), -EEXIST);
        ASSERT_TRUE(starts_with(err->msg, "create bridge `br-test`: File exists"));
        berth_error_freep(&err);
        ASSERT_TRUE(link_flags(ns1_fd, "br-test") & IFF_UP); /* created up */
        ASSERT_TRUE(link_flags(ns2_fd, "br-test") == 0);     /* not in ns2 */
        ASSERT_OK(netlink_addr_add(&nl1, "br-test", addr("10.66.0.1"), 24, &err));
        ASSERT_OK(netlink_addr_add(&nl1, "br-test", addr("10.99.0.1"), 24, &err));
        ASSERT_EQ(netlink_addr_add(&nl1, "br-test", addr("10.66.0.1"), 24, &err), -EEXIST);
        /* Older kernels say no more; newer ones add "(ipv4: Address already assigned)". */
        ASSERT_TRUE(starts_with(err->msg, "add address 10.66.0.1/24 to `br-test`: File exists"));
        berth_error_freep(&err);
        ASSERT_EQ(netlink_addr_add(&nl1, "nope0", addr("10.66.0.1"), 24, &err), -ENODEV);
        ASSERT_STREQ(err->msg, "add address: link `nope0`: No such device");
}

/* ipam reads the routes of its own namespace: in ns1 that is exactly what test_bridge added. */
TEST(test_ipam_avoids_routes)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct ipam_subnet pool = {.net = 0x0a420000, .prefix = 16}, got;
        struct ipam_subnet taken = {.net = 0x0a420100, .prefix = 24};

        ASSERT_OK(ipam_pick_subnet_host(&pool, 24, &taken, 1, &got, &err));
        ASSERT_EQ(got.net, 0x0a420200); /* 10.66.0/24 is br-test's route, 10.66.1/24 is taken */
        ASSERT_EQ(got.prefix, 24);
}

TEST(test_veth)
{
        _cleanup_error_ struct berth_error *err = NULL;
        static const uint8_t mac[6] = {0x02, 0x42, 0x0a, 0x42, 0x00, 0x02};
        _cleanup_close_ int s = -EBADF;
        struct ifreq ifr = {.ifr_name = "eth0"};

        ASSERT_OK(netlink_veth_create(&nl1, "veth-t0", "eth0", ns2_fd, 0, &err));
        ASSERT_TRUE(netlink_link_index(&nl1, "veth-t0", NULL) > 0);
        ASSERT_EQ(netlink_link_index(&nl1, "eth0", NULL), -ENODEV); /* born in ns2 */
        ASSERT_TRUE(netlink_link_index(&nl2, "eth0", &err) > 1);
        ASSERT_OK(netlink_link_set_master(&nl1, "veth-t0", "br-test", &err));
        ASSERT_OK(netlink_link_set_up(&nl1, "veth-t0", true, &err));
        ASSERT_OK(netlink_link_set_mac(&nl2, "eth0", mac, &err));
        ASSERT_OK(netlink_addr_add(&nl2, "eth0", addr("10.66.0.2"), 24, &err));
        ASSERT_OK(netlink_link_set_up(&nl2, "eth0", true, &err));
        ASSERT_OK(netlink_link_set_up(&nl2, "lo", true, &err));
        ASSERT_OK(netlink_route_add_default(&nl2, addr("10.66.0.1"), &err));
        ASSERT_TRUE(link_flags(ns2_fd, "eth0") & IFF_UP);
        /* The MAC, read back through an ioctl in ns2. */
        s = socket_in(ns2_fd, SOCK_DGRAM);
        ASSERT_TRUE(s >= 0 && ioctl(s, SIOCGIFHWADDR, &ifr) == 0);
        ASSERT_TRUE(memcmp(ifr.ifr_hwaddr.sa_data, mac, 6) == 0);
}

TEST(test_udp_through_bridge)
{
        _cleanup_close_ int c1 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        _cleanup_close_ int s2 = socket_in(ns2_fd, SOCK_DGRAM);
        struct sockaddr_in from;
        char buf[16] = "";

        ASSERT_TRUE(c1 >= 0 && s2 >= 0);
        ASSERT_OK(bind_to(s2, "0.0.0.0", 5555));
        ASSERT_EQ(udp_exchange(c1, "10.66.0.2", 5555, s2, buf, sizeof(buf), &from), 4);
        ASSERT_TRUE(memcmp(buf, "ping", 4) == 0);
        ASSERT_EQ(from.sin_addr.s_addr, addr("10.66.0.1").s_addr);
}

/* 10.99.0.1 is not on ns2's link: only the default route through the gateway reaches it. */
TEST(test_udp_via_default_route)
{
        _cleanup_close_ int s1 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        _cleanup_close_ int c2 = socket_in(ns2_fd, SOCK_DGRAM);
        struct sockaddr_in from;
        char buf[16] = "";

        ASSERT_TRUE(s1 >= 0 && c2 >= 0);
        ASSERT_OK(bind_to(s1, "10.99.0.1", 6000));
        ASSERT_EQ(udp_exchange(c2, "10.99.0.1", 6000, s1, buf, sizeof(buf), &from), 4);
        ASSERT_EQ(from.sin_addr.s_addr, addr("10.66.0.2").s_addr);
}

TEST(test_tcp_exchange)
{
        _cleanup_close_ int l2 = socket_in(ns2_fd, SOCK_STREAM);
        _cleanup_close_ int c1 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        _cleanup_close_ int a2 = -EBADF;
        struct sockaddr_in to = {
            .sin_family = AF_INET, .sin_port = htons(7000), .sin_addr = addr("10.66.0.2")};
        char buf[8] = "";

        ASSERT_TRUE(l2 >= 0 && c1 >= 0);
        ASSERT_OK(bind_to(l2, "10.66.0.2", 7000));
        ASSERT_OK(listen(l2, 1));
        /* The kernel completes the handshake before accept(): one thread is enough. */
        ASSERT_OK(connect(c1, (struct sockaddr *)&to, sizeof(to)));
        a2 = accept4(l2, NULL, NULL, SOCK_CLOEXEC);
        ASSERT_TRUE(a2 >= 0);
        ASSERT_EQ(write(c1, "hello", 5), 5);
        ASSERT_EQ(read(a2, buf, sizeof(buf)), 5);
        ASSERT_EQ(write(a2, "HELLO", 5), 5);
        ASSERT_EQ(read(c1, buf, sizeof(buf)), 5);
        ASSERT_TRUE(memcmp(buf, "HELLO", 5) == 0);
}

TEST(test_move_to_netns)
{
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_OK(netlink_veth_create(&nl1, "veth-m0", "veth-m1", -1, 1300, &err));
        ASSERT_TRUE(netlink_link_index(&nl1, "veth-m1", &err) > 0);
        ASSERT_OK(netlink_link_set_netns(&nl1, "veth-m1", ns2_fd, "eth1", &err));
        ASSERT_EQ(netlink_link_index(&nl1, "veth-m1", NULL), -ENODEV);
        ASSERT_TRUE(netlink_link_index(&nl2, "eth1", &err) > 0);
        ASSERT_OK(netlink_link_set_mtu(&nl2, "eth1", 1280, &err));
        /* The kernel's extended ACK explains the EINVAL. */
        ASSERT_EQ(netlink_link_set_mtu(&nl2, "eth1", 70000, &err), -EINVAL);
        printf("# %s\n", err->msg);
        ASSERT_TRUE(starts_with(err->msg, "set MTU of `eth1`: Invalid argument ("));
        berth_error_freep(&err);
        ASSERT_EQ(netlink_link_set_master(&nl1, "veth-m0", "nope0", &err), -ENODEV);
        ASSERT_STREQ(err->msg, "attach `veth-m0` to bridge: link `nope0`: No such device");
}

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* What one container's plumbing costs (bench/net.sh's budget is 5 ms for all of it). */
static int plumb_one(int i, struct berth_error **err)
{
        struct netlink nl = NETLINK_INIT;
        char host[IFNAMSIZ];
        struct in_addr ip = addr("10.66.0.100");
        uint8_t mac[6];
        int r;

        snprintf(host, sizeof(host), "vb-%d", i);
        ip.s_addr = htonl(ntohl(ip.s_addr) + (uint32_t)i);
        netlink_mac_from_ipv4(ip, mac);
        r = netlink_veth_create(&nl1, host, "eth9", ns2_fd, 0, err);
        if (r >= 0)
                r = netlink_link_set_master(&nl1, host, "br-test", err);
        if (r >= 0)
                r = netlink_link_set_up(&nl1, host, true, err);
        if (r >= 0)
                r = netlink_open_netns(&nl, ns2_fd, err);
        if (r >= 0)
                r = netlink_link_set_mac(&nl, "eth9", mac, err);
        if (r >= 0)
                r = netlink_addr_add(&nl, "eth9", ip, 24, err);
        if (r >= 0)
                r = netlink_link_set_up(&nl, "eth9", true, err);
        netlink_close(&nl);
        return r;
}

TEST(test_setup_cost)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_strv_ char **names = NULL;
        double setup = 0, teardown = 0, t;
        uint8_t mac[6];
        const int n = 20;

        netlink_mac_from_ipv4(addr("10.66.0.2"), mac);
        ASSERT_TRUE(memcmp(mac, "\x02\x42\x0a\x42\x00\x02", 6) == 0);
        for (int i = 0; i < n; i++) {
                char host[IFNAMSIZ];
                snprintf(host, sizeof(host), "vb-%d", i);
                t = now_ms();
                ASSERT_OK(plumb_one(i, &err));
                setup += now_ms() - t;
                t = now_ms();
                ASSERT_OK(netlink_link_delete(&nl1, host, &err));
                teardown += now_ms() - t;
        }
        printf("# per container: setup %.2f ms, teardown %.2f ms\n", setup / n, teardown / n);
        /* Nothing leaked: ns2 holds exactly lo, eth0 and eth1. */
        ASSERT_OK(netlink_link_names(&nl2, &names, &err));
        ASSERT_EQ(strv_length(names), 3);
        ASSERT_TRUE(strv_contains(names, "lo") && strv_contains(names, "eth0") &&
                    strv_contains(names, "eth1"));
}

TEST(test_delete)
{
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_OK(netlink_link_set_up(&nl1, "veth-t0", false, &err));
        ASSERT_TRUE(!(link_flags(ns1_fd, "veth-t0") & IFF_UP));
        ASSERT_OK(netlink_addr_del(&nl1, "br-test", addr("10.99.0.1"), 24, &err));
        /* Deleting one end of a veth removes the other, in ns2. */
        ASSERT_OK(netlink_link_delete(&nl1, "veth-t0", &err));
        ASSERT_EQ(netlink_link_index(&nl1, "veth-t0", NULL), -ENODEV);
        ASSERT_EQ(netlink_link_index(&nl2, "eth0", NULL), -ENODEV);
        ASSERT_OK(netlink_link_delete(&nl2, "eth1", &err));
        ASSERT_EQ(netlink_link_index(&nl1, "veth-m0", NULL), -ENODEV);
        ASSERT_OK(netlink_link_delete(&nl1, "br-test", &err));
        ASSERT_EQ(netlink_link_index(&nl1, "br-test", NULL), -ENODEV);
        {
                _cleanup_strv_ char **names = NULL;
                ASSERT_OK(netlink_link_names(&nl1, &names, &err));
                ASSERT_EQ(strv_length(names), 1); /* ns1 is back to lo alone */
                ASSERT_STREQ(names[0], "lo");
                strv_freep(&names);
                ASSERT_OK(netlink_link_names(&nl2, &names, &err));
                ASSERT_EQ(strv_length(names), 1);
        }
        ASSERT_EQ(netlink_link_delete(&nl1, "br-test", &err), -ENODEV);
        ASSERT_STREQ(err->msg, "delete: link `br-test`: No such device");
}

TEST(test_ip_forward)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *v = NULL;

        /* ns1 is ours: its sysctl can be set freely. */
        ASSERT_OK(write_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", "0\n", 2, &err));
        ASSERT_EQ(netlink_enable_ip_forward(&err), 1);
        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", 16, &v, NULL, &err));
        ASSERT_STREQ(v, "1\n");
        ASSERT_EQ(netlink_enable_ip_forward(&err), 0);
}

static int run_all(void)
{
        RUN(test_open_and_index);
        RUN(test_bridge);
        RUN(test_ipam_avoids_routes);
        RUN(test_veth);
        RUN(test_udp_through_bridge);
        RUN(test_udp_via_default_route);
        RUN(test_tcp_exchange);
        RUN(test_move_to_netns);
        RUN(test_setup_cost);
        RUN(test_delete);
        RUN(test_ip_forward);
        netlink_close(&nl1);
        netlink_close(&nl2);
        netlink_close(&nl2); /* idempotent */
        TAP_DONE();
}

/* ns2: a child that unshares its network namespace and lives until `hold` closes. */
static pid_t make_ns2(int *ret_fd)
{
        int ready[2], hold[2];
        char c, path[64];
        pid_t pid;

        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(hold, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                close(ready[0]);
                close(hold[1]);
                c = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
                if (write(ready[1], &c, 1) != 1 || c != 'y')
                        _exit(1);
                _exit(read(hold[0], &c, 1) < 0);
        }
        close(ready[1]);
        close(hold[0]);
        if (pid < 0 || read(ready[0], &c, 1) != 1 || c != 'y')
                return -1;
        close(ready[0]);
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        *ret_fd = open(path, O_RDONLY | O_CLOEXEC);
        return *ret_fd < 0 ? -1 : pid; /* hold[1] stays open until we exit: the child then goes */
}

int main(void)
{
        int status;
        pid_t pid;

        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root");
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                pid_t ns2_pid;
                if (unshare(CLONE_NEWNET) < 0)
                        TAP_SKIP_ALL("cannot unshare a network namespace");
                ns1_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
                ns2_pid = make_ns2(&ns2_fd);
                if (ns2_pid < 0)
                        TAP_SKIP_ALL("cannot make a second network namespace");
                exit(run_all());
        }
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                return 1;
        return WEXITSTATUS(status);
}
