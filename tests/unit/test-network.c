/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network records, named namespaces and endpoints against the real kernel (root).
 *
 * The test process first moves into a network namespace and a mount namespace
 * of its own (unshare), so the bridges, veths, nft rules and nsfs mounts it
 * makes never touch the host's; the store is a temporary directory. Packets
 * only travel between the namespaces this test creates.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "network/ipam.h"
#include "network/netlink.h"
#include "network/network-internal.h"
#include "network/network.h"
#include "network/nft.h"
#include "store/store.h"
#include "tap.h"

#define ID_A "a0a0a0a0a0a1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "b0b0b0b0b0b1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "c0c0c0c0c0c1cccccccccccccccccccccccccccccccccccccccccccccccccccc"

static char tmp[] = "/var/tmp/test-network-XXXXXX";
static struct store *st;
static struct netlink nl = NETLINK_INIT;
static char *ns_a, *ns_b, *ns_c;

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct in_addr addr(const char *s)
{
        struct in_addr a = {0};

        inet_pton(AF_INET, s, &a);
        return a;
}

static bool link_exists(const char *name)
{
        return netlink_link_index(&nl, name, NULL) > 0;
}

/* A socket (or an open file) made inside the namespace at path; sockets keep their namespace. */
static int in_netns(const char *path, int (*fn)(void *), void *arg)
{
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        int r;

        if (self < 0 || fd < 0 || setns(fd, CLONE_NEWNET) < 0)
                return -errno;
        r = fn(arg);
        if (setns(self, CLONE_NEWNET) < 0)
                abort(); /* never go on in the wrong namespace */
        return r;
}

static int make_udp(void *arg)
{
        (void)arg;
        return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

static int make_tcp(void *arg)
{
        (void)arg;
        return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int open_route(void *arg)
{
        (void)arg;
        return open("/proc/self/net/route", O_RDONLY | O_CLOEXEC);
}

static int link_names(const char *path, char ***ret)
{
        struct netlink h = NETLINK_INIT;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        int r = fd < 0 ? -errno : netlink_open_netns(&h, fd, NULL);

        if (r >= 0)
                r = netlink_link_names(&h, ret, NULL);
        netlink_close(&h);
        return r;
}

static int bind_to(int s, const char *ip, int port)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = addr(ip)};

        return bind(s, (struct sockaddr *)&sa, sizeof(sa));
}

static char *read_text(const char *path)
{
        char *text = NULL;

        if (read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, NULL) < 0)
                return NULL;
        return text;
}

static const char *jstr(json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key));
}

TEST(test_default_bridge)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_network_ struct network *n = NULL, *again = NULL, *byid = NULL;
        json_t *cfg;
        char prefix[8];

        ASSERT_OK(network_load(st, "bridge", &n, &err));
        ASSERT_STREQ(n->name, "bridge");
        ASSERT_STREQ(n->driver, "bridge");
        ASSERT_STREQ(n->bridge, "berth0");
        ASSERT_STREQ(n->subnet, "10.166.0.0/16"); /* BERTH_BRIDGE_SUBNET */
        ASSERT_STREQ(n->gateway, "10.166.0.1");
        ASSERT_EQ(strlen(n->id), 64);
        ASSERT_EQ(strspn(n->id, "0123456789abcdef"), 64);
        ASSERT_STREQ(jstr(n->record, "Scope"), "local");
        ASSERT_TRUE(json_is_true(json_object_get(n->record, "EnableIPv4")));
        ASSERT_TRUE(json_is_false(json_object_get(n->record, "EnableIPv6")));
        ASSERT_STREQ(jstr(json_object_get(n->record, "Options"), "com.docker.network.bridge.name"),
                     "berth0");
        ASSERT_STREQ(jstr(json_object_get(n->record, "ConfigFrom"), "Network"), "");
        ASSERT_TRUE(json_is_object(json_object_get(n->record, "Labels")));
        ASSERT_TRUE(strstr(jstr(n->record, "Created"), "Z") != NULL);
        cfg = json_array_get(json_object_get(json_object_get(n->record, "IPAM"), "Config"), 0);
        ASSERT_STREQ(jstr(cfg, "Subnet"), "10.166.0.0/16");
        ASSERT_STREQ(jstr(cfg, "Gateway"), "10.166.0.1");
        ASSERT_TRUE(network_resolver_address(n) == NULL);
        /* Written once: the id is stable. */
        ASSERT_OK(network_load(st, "bridge", &again, &err));
        ASSERT_STREQ(again->id, n->id);
        snprintf(prefix, sizeof(prefix), "%.6s", n->id);
        ASSERT_OK(network_load(st, prefix, &byid, NULL));
        ASSERT_STREQ(byid->name, "bridge");
        ASSERT_TRUE(network_is_builtin_special("host") && network_is_builtin_special("none"));
        ASSERT_TRUE(!network_is_builtin_special("bridge"));
}

TEST(test_create)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_network_ struct network *n1 = NULL, *n2 = NULL, *n3 = NULL, *loaded = NULL;
        _cleanup_json_ json_t *labels = json_pack("{s:s}", "team", "blue");
        struct network_create_options o = {.name = "net1", .labels = labels};

        ASSERT_OK(network_create(st, &o, &n1, &err));
        ASSERT_STREQ(n1->subnet, "10.67.0.0/16"); /* the pool's first block */
        ASSERT_STREQ(n1->gateway, "10.67.0.1");
        ASSERT_EQ(strlen(n1->bridge), 15);
        ASSERT_TRUE(strncmp(n1->bridge, "br-", 3) == 0 && strncmp(n1->bridge + 3, n1->id, 12) == 0);
        ASSERT_STREQ(network_resolver_address(n1), "10.67.0.1");
        ASSERT_STREQ(jstr(json_object_get(n1->record, "Labels"), "team"), "blue");
        ASSERT_TRUE(json_object_size(json_object_get(n1->record, "Options")) == 0);
        ASSERT_OK(network_load(st, "net1", &loaded, &err));
        ASSERT_STREQ(loaded->id, n1->id);

        o = (struct network_create_options){
            .name = "net2", .subnet = "10.99.0.0/24", .gateway = "10.99.0.254", .internal = true};
        ASSERT_OK(network_create(st, &o, &n2, &err));
        ASSERT_STREQ(n2->gateway, "10.99.0.254");
        ASSERT_TRUE(n2->internal);
        /* The next automatic one skips net1's block. */
        o = (struct network_create_options){.name = "net3"};
        ASSERT_OK(network_create(st, &o, &n3, &err));
        ASSERT_STREQ(n3->subnet, "10.68.0.0/16");

        o = (struct network_create_options){.name = "net4", .subnet = "10.99.0.0/16"};
        ASSERT_EQ(network_create(st, &o, NULL, &err), -EEXIST);
        ASSERT_STREQ(err->msg, "Pool overlaps with other one on this address space");
        berth_error_freep(&err);
        o = (struct network_create_options){.name = "net4", .subnet = "10.166.5.0/24"}; /* the bridge's */
        ASSERT_EQ(network_create(st, &o, NULL, &err), -EEXIST);
        berth_error_freep(&err);
        o = (struct network_create_options){.name = "net1", .subnet = "10.98.0.0/24"};
        ASSERT_EQ(network_create(st, &o, NULL, &err), -EEXIST);
        ASSERT_STREQ(err->msg, "network with name net1 already exists");
        berth_error_freep(&err);
        o = (struct network_create_options){.name = "host"};
        ASSERT_EQ(network_create(st, &o, NULL, &err), -EEXIST);
        ASSERT_STREQ(err->msg, "network with name host already exists");
        berth_error_freep(&err);
        o = (struct network_create_options){.name = "net4", .subnet = "10.98.0.0/24", .gateway = "10.9.9.9"};
        ASSERT_EQ(network_create(st, &o, NULL, &err), -EINVAL);
        ASSERT_STREQ(err->msg, "no matching subnet for gateway 10.9.9.9");
        berth_error_freep(&err);
        o = (struct network_create_options){.name = "net4", .driver = "foo"};
        ASSERT_EQ(network_create(st, &o, NULL, &err), -EINVAL);
        ASSERT_STREQ(err->msg, "plugin \"foo\" not found");
        berth_error_freep(&err);
        o = (struct network_create_options){.name = "bad/name"};
        ASSERT_EQ(network_create(st, &o, NULL, &err), -EINVAL);
        berth_error_freep(&err);
        /* Nothing of the refused ones was written. */
        ASSERT_EQ(network_load(st, "net4", &loaded, &err), -ENOENT);
        ASSERT_STREQ(err->msg, "network net4 not found");
        ASSERT_OK(network_remove(st, n3, &err));
}

TEST(test_list)
{
        _cleanup_error_ struct berth_error *err = NULL;
        static const char *const want[] = {"bridge", "host", "net1", "net2", "none"};
        struct network **list = NULL;
        size_t n = 0;

        ASSERT_OK(network_list(st, &list, &n, &err));
        ASSERT_EQ(n, ARRAY_SIZE(want));
        for (size_t i = 0; i < n && i < ARRAY_SIZE(want); i++)
                ASSERT_STREQ(list[i]->name, want[i]);
        ASSERT_STREQ(list[1]->driver, "host");
        ASSERT_STREQ(list[4]->driver, "null");
        ASSERT_TRUE(list[1]->bridge == NULL && list[1]->subnet == NULL);
        ASSERT_EQ(json_array_size(json_object_get(json_object_get(list[4]->record, "IPAM"), "Config")), 0);
        ASSERT_TRUE(json_is_null(json_object_get(json_object_get(list[4]->record, "IPAM"), "Options")));
        network_list_free(list, n);
}

TEST(test_builtin_refused)
{
        _cleanup_error_ struct berth_error *err = NULL;
        static const char *const names[] = {"bridge", "host", "none"};

        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                _cleanup_network_ struct network *n = NULL;
                _cleanup_free_ char *want =
                    xasprintf("%s is a pre-defined network and cannot be removed", names[i]);
                ASSERT_OK(network_load(st, names[i], &n, &err));
                ASSERT_EQ(network_remove(st, n, &err), -EPERM);
                ASSERT_STREQ(err->msg, want);
                berth_error_freep(&err);
        }
}

TEST(test_netns)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *path = netns_path(st, "test"), *want = xasprintf("%s/run/netns/test", tmp);
        struct stat a, b;
        struct statfs sf;
        int fd;

        ASSERT_STREQ(path, want);
        ASSERT_OK(netns_create(path, &err));
        ASSERT_TRUE(statfs(path, &sf) == 0 && (unsigned long)sf.f_type == 0x6e736673); /* NSFS_MAGIC */
        ASSERT_TRUE(stat(path, &a) == 0 && stat("/proc/self/ns/net", &b) == 0);
        ASSERT_TRUE(a.st_ino != b.st_ino); /* a new one, and we are not in it */
        ASSERT_EQ(netns_create(path, &err), -EEXIST);
        berth_error_freep(&err);
        ASSERT_OK(netns_remove(path, &err));
        ASSERT_TRUE(access(path, F_OK) < 0 && errno == ENOENT);
        ASSERT_OK(netns_remove(path, &err)); /* absent: fine */
        /* An empty file left by a crash is replaced. */
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
        ASSERT_TRUE(fd >= 0);
        close(fd);
        ASSERT_OK(netns_create(path, &err));
        ASSERT_TRUE(statfs(path, &sf) == 0 && (unsigned long)sf.f_type == 0x6e736673);
        ASSERT_OK(netns_remove(path, &err));
}

static int attach(const char *network, const char *id, const char *name, const char *ns, const char *ifname,
                  const char *ip, const char *mac, const char *const *aliases, bool route, json_t **ret,
                  struct berth_error **err)
{
        _cleanup_network_ struct network *n = NULL;
        struct endpoint_request req = {.container_id = id,
                                       .container_name = name,
                                       .netns_path = ns,
                                       .ifname = ifname,
                                       .ip = ip,
                                       .mac = mac,
                                       .aliases = aliases,
                                       .default_route = route};
        int r = network_load(st, network, &n, err);

        return r < 0 ? r : endpoint_attach(st, n, &req, ret, err);
}

static int detach(const char *network, const char *id, struct berth_error **err)
{
        _cleanup_network_ struct network *n = NULL;
        int r = network_load(st, network, &n, err);

        return r < 0 ? r : endpoint_detach(st, n, id, NULL, err);
}

TEST(test_attach)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_json_ json_t *ea = NULL, *eb = NULL;
        _cleanup_network_ struct network *n1 = NULL;
        _cleanup_free_ char *names = NULL, *lines = NULL, *rl = NULL;
        _cleanup_strv_ char **in_a = NULL;
        static const char *const aliases[] = {"a1", NULL};
        double t0, t1, t2;

        ASSERT_OK(netns_create(ns_a, &err));
        ASSERT_OK(netns_create(ns_b, &err));
        t0 = now_ms();
        ASSERT_OK(attach("net1", ID_A, "alpha", ns_a, "eth0", NULL, NULL, aliases, true, &ea, &err));
        t1 = now_ms();
        ASSERT_OK(attach("net1", ID_B, "beta", ns_b, "eth0", NULL, NULL, NULL, true, &eb, &err));
        t2 = now_ms();
        printf("# attach: first on a network (bridge, nft, resolver) %.2f ms, next %.2f ms\n", t1 - t0,
               t2 - t1);

        ASSERT_OK(network_load(st, "net1", &n1, &err));
        ASSERT_STREQ(jstr(ea, "IPAddress"), "10.67.0.2");
        ASSERT_STREQ(jstr(eb, "IPAddress"), "10.67.0.3");
        ASSERT_STREQ(jstr(ea, "Gateway"), "10.67.0.1");
        ASSERT_EQ(json_integer_value(json_object_get(ea, "IPPrefixLen")), 16);
        ASSERT_STREQ(jstr(ea, "MacAddress"), "02:42:0a:43:00:02");
        ASSERT_STREQ(jstr(ea, "NetworkID"), n1->id);
        ASSERT_EQ(strlen(jstr(ea, "EndpointID")), 64);
        ASSERT_TRUE(json_is_null(json_object_get(ea, "IPAMConfig")));
        ASSERT_TRUE(json_is_null(json_object_get(ea, "Links")));
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(ea, "Aliases"), 0)), "a1");
        ASSERT_EQ(json_array_size(json_object_get(ea, "DNSNames")), 3);
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(ea, "DNSNames"), 2)), "a0a0a0a0a0a1");
        ASSERT_STREQ(jstr(ea, "IPv6Gateway"), "");

        /* The kernel objects: bridge up with route_localnet, host ends, eth0 inside. */
        ASSERT_TRUE(link_exists(n1->bridge));
        ASSERT_TRUE(link_exists("vetha0a0a0a0a0a") && link_exists("vethb0b0b0b0b0b"));
        ASSERT_TRUE(!link_exists("eth0"));
        {
                _cleanup_free_ char *p = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", n1->bridge);
                _cleanup_free_ char *v = read_text(p);
                ASSERT_STREQ(v, "1\n");
        }
        ASSERT_OK(link_names(ns_a, &in_a));
        ASSERT_TRUE(strv_length(in_a) == 2 && strv_contains(in_a, "lo") && strv_contains(in_a, "eth0"));
        {
                _cleanup_close_ int fd = in_netns(ns_a, open_route, NULL);
                char buf[4096] = "";
                ASSERT_TRUE(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0);
                /* Destination 0, gateway 10.67.0.1 (little-endian hex in /proc/net/route). */
                ASSERT_TRUE(strstr(buf, "eth0\t00000000\t0100430A") != NULL);
        }
        /* The names the resolver serves. */
        names = xasprintf("%s/run/networks/net1/names", tmp);
        lines = read_text(names);
        ASSERT_STREQ(lines, "10.67.0.2 alpha a1 a0a0a0a0a0a1\n10.67.0.3 beta b0b0b0b0b0b1\n");
}

/* TCP from A to B over the bridge; UDP from A to an address of the host's reached by A's default route. */
TEST(test_traffic)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_close_ int l = in_netns(ns_b, make_tcp, NULL), c = in_netns(ns_a, make_tcp, NULL);
        _cleanup_close_ int a = -EBADF, us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        _cleanup_close_ int uc = in_netns(ns_a, make_udp, NULL);
        struct sockaddr_in to = {
            .sin_family = AF_INET, .sin_port = htons(7000), .sin_addr = addr("10.67.0.3")};
        struct sockaddr_in uto = {
            .sin_family = AF_INET, .sin_port = htons(6000), .sin_addr = addr("10.250.0.1")};
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        char buf[8] = "";
        ssize_t n = -1;

        ASSERT_TRUE(l >= 0 && c >= 0 && us >= 0 && uc >= 0);
        ASSERT_OK(bind_to(l, "10.67.0.3", 7000));
        ASSERT_OK(listen(l, 1));
        /* The kernel completes the handshake before accept(): one thread is enough. */
        ASSERT_OK(connect(c, (struct sockaddr *)&to, sizeof(to)));
        a = accept4(l, (struct sockaddr *)&from, &fl, SOCK_CLOEXEC);
        ASSERT_TRUE(a >= 0);
        ASSERT_EQ(from.sin_addr.s_addr, addr("10.67.0.2").s_addr);
        ASSERT_EQ(write(c, "hello", 5), 5);
        ASSERT_EQ(read(a, buf, sizeof(buf)), 5);
        ASSERT_EQ(write(a, "HELLO", 5), 5);
        ASSERT_EQ(read(c, buf, sizeof(buf)), 5);
        ASSERT_TRUE(memcmp(buf, "HELLO", 5) == 0);

        /* 10.250.0.1 is on the test namespace's lo: only A's default route leads there. */
        ASSERT_OK(netlink_addr_add(&nl, "lo", addr("10.250.0.1"), 32, &err));
        ASSERT_OK(bind_to(us, "10.250.0.1", 6000));
        for (int i = 0; i < 50 && n < 0; i++) {
                struct pollfd p = {.fd = us, .events = POLLIN};
                ASSERT_EQ(sendto(uc, "ping", 4, 0, (struct sockaddr *)&uto, sizeof(uto)), 4);
                if (poll(&p, 1, 100) == 1)
                        n = recvfrom(us, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        }
        ASSERT_EQ(n, 4);
        ASSERT_EQ(from.sin_addr.s_addr, addr("10.67.0.2").s_addr);
}

TEST(test_default_bridge_endpoint)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_json_ json_t *e = NULL;
        _cleanup_free_ char *names = xasprintf("%s/run/networks/bridge/names", tmp);
        _cleanup_strv_ char **in_a = NULL;
        static const char *const aliases[] = {"x", NULL};

        /* A second network for A: eth1, no default route, no names (Docker resolves none there). */
        ASSERT_OK(attach("bridge", ID_A, "alpha", ns_a, "eth1", NULL, NULL, NULL, false, &e, &err));
        ASSERT_STREQ(jstr(e, "IPAddress"), "10.166.0.2");
        ASSERT_TRUE(json_is_null(json_object_get(e, "DNSNames")));
        ASSERT_TRUE(json_is_null(json_object_get(e, "Aliases")));
        ASSERT_TRUE(link_exists("berth0") && link_exists("vet1a0a0a0a0a0a"));
        ASSERT_TRUE(access(names, F_OK) < 0 && errno == ENOENT);
        ASSERT_OK(link_names(ns_a, &in_a));
        ASSERT_TRUE(strv_length(in_a) == 3 && strv_contains(in_a, "eth1"));
        /* Docker's refusals on the default bridge. */
        ASSERT_EQ(attach("bridge", ID_B, "beta", ns_b, "eth1", "10.166.0.9", NULL, NULL, false, &e, &err),
                  -EINVAL);
        ASSERT_STREQ(err->msg, "user specified IP address is supported on user defined networks only");
        berth_error_freep(&err);
        ASSERT_EQ(attach("bridge", ID_B, "beta", ns_b, "eth1", NULL, NULL, aliases, false, &e, &err),
                  -EINVAL);
        ASSERT_STREQ(err->msg,
                     "network-scoped alias is supported only for containers in user defined networks");
}

static int ipam_count_of(const char *name)
{
        _cleanup_free_ char *p = network_ipam_path(st, name);

        return ipam_count(p, NULL);
}

TEST(test_attach_failure)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_json_ json_t *e = NULL;
        _cleanup_strv_ char **in_c = NULL;

        ASSERT_OK(netns_create(ns_c, &err));
        /* Refused by IPAM, before any veth. */
        ASSERT_EQ(attach("net1", ID_C, "gamma", ns_c, "eth0", "10.1.1.1", NULL, NULL, true, &e, &err),
                  -EINVAL);
        ASSERT_STREQ(err->msg,
                     "attach to network net1: no configured subnet contains the IP address 10.1.1.1");
        berth_error_freep(&err);
        /* Refused after the veth and the address were made: both undone. */
        ASSERT_EQ(attach("net1", ID_C, "gamma", ns_c, "eth0", "10.67.9.9", "zz", NULL, true, &e, &err),
                  -EINVAL);
        ASSERT_STREQ(err->msg, "attach to network net1: invalid MAC address: zz");
        berth_error_freep(&err);
        ASSERT_TRUE(!link_exists("vethc0c0c0c0c0c"));
        ASSERT_EQ(ipam_count_of("net1"), 2);
        ASSERT_OK(link_names(ns_c, &in_c));
        ASSERT_EQ(strv_length(in_c), 1); /* lo alone */
        /* --ip and --mac-address honoured. */
        ASSERT_OK(attach("net1", ID_C, "gamma", ns_c, "eth0", "10.67.9.9", "02:00:00:00:00:99", NULL, true,
                         &e, &err));
        ASSERT_STREQ(jstr(e, "IPAddress"), "10.67.9.9");
        ASSERT_STREQ(jstr(e, "MacAddress"), "02:00:00:00:00:99");
        ASSERT_STREQ(jstr(json_object_get(e, "IPAMConfig"), "IPv4Address"), "10.67.9.9");
        ASSERT_OK(detach("net1", ID_C, &err));
}

TEST(test_remove_in_use)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_network_ struct network *n = NULL;
        _cleanup_strv_ char **eps = NULL;
        _cleanup_free_ char *want = NULL;

        ASSERT_OK(network_load(st, "net1", &n, &err));
        ASSERT_OK(network_endpoints(st, n, &eps, &err));
        ASSERT_EQ(strv_length(eps), 2);
        ASSERT_STREQ(eps[0], ID_A);
        ASSERT_STREQ(eps[1], ID_B);
        want = xasprintf("error while removing network: network net1 id %s has active endpoints", n->id);
        ASSERT_EQ(network_remove(st, n, &err), -EBUSY);
        ASSERT_STREQ(err->msg, want);
        ASSERT_TRUE(link_exists(n->bridge));
}

TEST(test_detach)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_json_ json_t *e = NULL, *e2 = NULL;
        _cleanup_free_ char *names = xasprintf("%s/run/networks/net1/names", tmp), *lines = NULL;

        ASSERT_OK(detach("net1", ID_B, &err));
        ASSERT_TRUE(!link_exists("vethb0b0b0b0b0b"));
        ASSERT_EQ(ipam_count_of("net1"), 1);
        lines = read_text(names);
        ASSERT_STREQ(lines, "10.67.0.2 alpha a1 a0a0a0a0a0a1\n");
        ASSERT_OK(detach("net1", ID_B, &err)); /* idempotent */
        /* The lowest free address again. */
        ASSERT_OK(attach("net1", ID_C, "gamma", ns_c, "eth0", NULL, NULL, NULL, true, &e, &err));
        ASSERT_STREQ(jstr(e, "IPAddress"), "10.67.0.3");
        ASSERT_OK(detach("net1", ID_C, &err));
        ASSERT_OK(detach("net1", ID_A, &err));
        ASSERT_OK(detach("bridge", ID_A, &err));
        ASSERT_TRUE(!link_exists("vetha0a0a0a0a0a") && !link_exists("vet1a0a0a0a0a0a"));
        ASSERT_EQ(ipam_count_of("net1"), 0);
        ASSERT_EQ(ipam_count_of("bridge"), 0);
        ASSERT_TRUE(access(names, F_OK) < 0 && errno == ENOENT); /* no names left */
        /* A namespace that died first: its veth went with it, detach still succeeds. */
        ASSERT_OK(attach("net1", ID_B, "beta", ns_b, "eth0", NULL, NULL, NULL, true, &e2, &err));
        ASSERT_OK(netns_remove(ns_b, &err));
        for (int i = 0; i < 200 && link_exists("vethb0b0b0b0b0b"); i++)
                usleep(10000); /* the namespace is freed asynchronously */
        /* Without an error object (the container layer's teardown): codes stay exact inside. */
        ASSERT_OK(detach("net1", ID_B, NULL));
        ASSERT_EQ(ipam_count_of("net1"), 0);
}

TEST(test_remove)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_network_ struct network *n = NULL, *gone = NULL;
        _cleanup_free_ char *rules = NULL, *ipam = xasprintf("%s/run/networks/net1/ipam.json", tmp);
        _cleanup_free_ char *run = xasprintf("%s/run/networks/net1", tmp), *owner = NULL;

        ASSERT_OK(network_load(st, "net1", &n, &err));
        owner = xasprintf("net=%s ", n->bridge); /* rules belong to the bridge (host-wide), not the name */
        ASSERT_OK(nft_list(&rules, &err));
        ASSERT_TRUE(strstr(rules, owner) != NULL);
        free(rules);
        rules = NULL;
        ASSERT_OK(network_remove(st, n, &err));
        ASSERT_TRUE(!link_exists(n->bridge));
        ASSERT_OK(nft_list(&rules, &err));
        ASSERT_TRUE(strstr(rules, owner) == NULL);
        ASSERT_TRUE(access(ipam, F_OK) < 0 && access(run, F_OK) < 0);
        ASSERT_EQ(network_load(st, "net1", &gone, &err), -ENOENT);
        berth_error_freep(&err);
        /* A network whose bridge never existed (never attached) goes as well. */
        ASSERT_OK(network_load(st, "net2", &gone, &err));
        ASSERT_OK(network_remove(st, gone, &err));
        ASSERT_OK(netns_remove(ns_a, &err));
        ASSERT_OK(netns_remove(ns_c, &err));
}

/*
 * Four processes attach to a network nobody used yet, at once: the lock serialises the bridge's
 * creation (made once, no EEXIST leaking out) and the addresses (four distinct ones).
 */
TEST(test_parallel_attach)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_network_ struct network *n = NULL;
        struct network_create_options o = {.name = "par", .subnet = "10.77.0.0/24"};
        pid_t pids[4];
        char ids[4][65];
        int status;

        ASSERT_OK(network_create(st, &o, &n, &err));
        fflush(stdout);
        for (int i = 0; i < 4; i++) {
                snprintf(ids[i], sizeof(ids[i]), "%d%063d", 7, i);
                pids[i] = fork();
                ASSERT_TRUE(pids[i] >= 0);
                if (pids[i] == 0) {
                        _cleanup_free_ char *ns = netns_path(st, ids[i]);
                        json_t *e = NULL;
                        if (netns_create(ns, NULL) < 0)
                                _exit(2);
                        _exit(attach("par", ids[i], "p", ns, "eth0", NULL, NULL, NULL, true, &e, NULL) < 0);
                }
        }
        for (int i = 0; i < 4; i++) {
                ASSERT_EQ(waitpid(pids[i], &status, 0), pids[i]);
                ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        ASSERT_EQ(ipam_count_of("par"), 4);
        for (int i = 0; i < 4; i++) {
                _cleanup_free_ char *ns = netns_path(st, ids[i]);
                ASSERT_OK(detach("par", ids[i], &err));
                ASSERT_OK(netns_remove(ns, &err));
        }
        ASSERT_EQ(ipam_count_of("par"), 0);
        ASSERT_OK(network_remove(st, n, &err));
}

static int setup(void)
{
        _cleanup_free_ char *root = NULL, *run = NULL, *conf = NULL;

        /* Our own network and mount namespaces, or nothing at all. */
        if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -1;
        if (!mkdtemp(tmp))
                return -1;
        root = xasprintf("%s/root", tmp);
        run = xasprintf("%s/run", tmp);
        conf = xasprintf("%s/resolv.conf", tmp);
        /* Host-wide state (the default bridge's addresses, /run/berth-net) must not be the host's. */
        if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
                return -1;
        if (store_open(root, run, &st, NULL) < 0 || netlink_open(&nl, NULL) < 0 ||
            netlink_link_set_up(&nl, "lo", true, NULL) < 0 ||
            write_file_atomic_at(AT_FDCWD, conf, "nameserver 127.0.0.53\n", 22, 0644, NULL) < 0)
                return -1;
        setenv("BERTH_BRIDGE_SUBNET", "10.166.0.0/16", 1);
        setenv("BERTH_DNS_RESOLV_CONF", conf, 1);
        ns_a = netns_path(st, ID_A);
        ns_b = netns_path(st, ID_B);
        ns_c = netns_path(st, ID_C);
        return 0;
}

int main(void)
{
        int r;

        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root");
        if (setup() < 0)
                TAP_SKIP_ALL("cannot make private network and mount namespaces");
        RUN(test_default_bridge);
        RUN(test_create);
        RUN(test_list);
        RUN(test_builtin_refused);
        RUN(test_netns);
        RUN(test_attach);
        RUN(test_traffic);
        RUN(test_default_bridge_endpoint);
        RUN(test_attach_failure);
        RUN(test_remove_in_use);
        RUN(test_detach);
        RUN(test_remove);
        RUN(test_parallel_attach);
        netlink_close(&nl);
        r = tap_failed;
        if (!r) {
                _cleanup_free_ char *nsdir = xasprintf("%s/run/netns", tmp);
                (void)umount2(nsdir, MNT_DETACH);
                (void)rm_rf_at(AT_FDCWD, tmp, NULL);
        }
        store_free(st);
        TAP_DONE();
}
