/* SPDX-License-Identifier: Apache-2.0 */
/* network/ipam: CIDR arithmetic, the locked allocation file, choosing subnets. Unprivileged. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "network/ipam.h"
#include "tap.h"

static char tmpdir[] = "/tmp/berth-test-ipam-XXXXXX";
static int file_no;

/* A fresh allocation file per test. */
static char *new_path(void)
{
        return xasprintf("%s/net%d.ipam.json", tmpdir, ++file_no);
}

static uint32_t ip(const char *s)
{
        uint32_t v = 0;

        if (ipam_parse_ip(s, &v, NULL) < 0)
                abort();
        return v;
}

static struct ipam_subnet cidr(const char *s)
{
        struct ipam_subnet sub = {0};

        if (ipam_parse_cidr(s, &sub, NULL) < 0)
                abort();
        return sub;
}

TEST(test_parse_format)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *f = NULL;
        struct ipam_subnet s;
        char buf[INET_ADDRSTRLEN];

        ASSERT_OK(ipam_parse_cidr("10.66.0.0/16", &s, &err));
        ASSERT_EQ(s.net, 0x0a420000);
        ASSERT_EQ(s.prefix, 16);
        f = ipam_format_cidr(&s);
        ASSERT_STREQ(f, "10.66.0.0/16");
        ASSERT_STREQ(ipam_format_ip(ipam_gateway(&s), buf), "10.66.0.1");
        ASSERT_STREQ(ipam_format_ip(ipam_broadcast(&s), buf), "10.66.255.255");
        ASSERT_EQ(ipam_parse_cidr("10.66.0.1/16", &s, &err), -EINVAL);
        ASSERT_STREQ(err->msg, "invalid subnet 10.66.0.1/16: it should be 10.66.0.0/16");
        ASSERT_EQ(ipam_parse_cidr("10.66.0.0/33", &s, NULL), -EINVAL);
        ASSERT_EQ(ipam_parse_cidr("10.66.0.0", &s, NULL), -EINVAL);
        ASSERT_EQ(ipam_parse_cidr("10.66.0.0/", &s, NULL), -EINVAL);
        ASSERT_EQ(ipam_parse_cidr("10.66.0/16", &s, NULL), -EINVAL);
        ASSERT_EQ(ipam_parse_ip("300.1.1.1", &s.net, NULL), -EINVAL);
        ASSERT_OK(ipam_parse_cidr("0.0.0.0/0", &s, NULL));
        ASSERT_EQ(s.prefix, 0);
        ASSERT_TRUE(ipam_subnet_contains(&s, ip("192.168.1.1")));
}

TEST(test_overlap)
{
        struct ipam_subnet a = cidr("10.66.0.0/16"), b = cidr("10.66.5.0/24"), c = cidr("10.67.0.0/16");
        struct ipam_subnet d = cidr("10.0.0.0/8"), e = cidr("172.17.0.0/16");

        ASSERT_TRUE(ipam_subnets_overlap(&a, &b));
        ASSERT_TRUE(ipam_subnets_overlap(&b, &a));
        ASSERT_TRUE(!ipam_subnets_overlap(&a, &c));
        ASSERT_TRUE(ipam_subnets_overlap(&d, &c));
        ASSERT_TRUE(!ipam_subnets_overlap(&d, &e));
        ASSERT_TRUE(ipam_subnets_overlap(&a, &a));
        {
                _cleanup_error_ struct berth_error *err = NULL;
                struct ipam_subnet taken[] = {c, e};

                ASSERT_OK(ipam_check_overlap(&a, taken, 2, &err));
                ASSERT_EQ(ipam_check_overlap(&d, taken, 2, &err), -EEXIST);
                ASSERT_STREQ(err->msg, "Pool overlaps with other one on this address space");
        }
}

TEST(test_order_and_exhaustion)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *path = new_path();
        struct ipam_subnet s = cidr("192.0.2.0/29");
        char buf[INET_ADDRSTRLEN];
        uint32_t got;

        /* .0 network, .1 gateway, .7 broadcast: .2 to .6 in order. */
        for (int i = 2; i <= 6; i++) {
                ASSERT_OK(ipam_allocate(path, &s, 0, 0, "c", &got, &err));
                ASSERT_EQ(got, s.net + (uint32_t)i);
        }
        ASSERT_EQ(ipam_allocate(path, &s, 0, 0, "c", &got, &err), -ENOSPC);
        ASSERT_STREQ(err->msg, "no available IPv4 addresses on this network's address pools");
        ASSERT_EQ(ipam_count(path, NULL), 5);
        ASSERT_STREQ(ipam_format_ip(got, buf), "192.0.2.6");
}

TEST(test_slash30_release_reuse)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *path = new_path();
        struct ipam_subnet s = cidr("10.66.9.4/30");
        uint32_t got = 0, again = 0;

        ASSERT_OK(ipam_allocate(path, &s, 0, 0, "a", &got, &err));
        ASSERT_EQ(got, ip("10.66.9.6"));
        ASSERT_EQ(ipam_allocate(path, &s, 0, 0, "b", &again, &err), -ENOSPC);
        berth_error_freep(&err);
        ASSERT_OK(ipam_release(path, got, &err));
        ASSERT_OK(ipam_release(path, got, &err)); /* twice is fine */
        ASSERT_EQ(ipam_count(path, NULL), 0);
        ASSERT_OK(ipam_allocate(path, &s, 0, 0, "b", &again, &err));
        ASSERT_EQ(again, got);
}

TEST(test_requested)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *path = new_path();
        struct ipam_subnet s = cidr("10.66.0.0/24");
        uint32_t got = 0;

        ASSERT_OK(ipam_allocate(path, &s, 0, ip("10.66.0.50"), "a", &got, &err));
        ASSERT_EQ(got, ip("10.66.0.50"));
        got = 0;
        ASSERT_EQ(ipam_allocate(path, &s, 0, ip("10.66.0.50"), "b", &got, &err), -EADDRINUSE);
        ASSERT_STREQ(err->msg, "Address already in use");
        ASSERT_EQ(got, 0); /* untouched on failure */
        berth_error_freep(&err);
        ASSERT_EQ(ipam_allocate(path, &s, 0, ip("10.66.0.1"), "b", &got, &err), -EADDRINUSE);
        berth_error_freep(&err);
        ASSERT_EQ(ipam_allocate(path, &s, 0, ip("10.67.0.5"), "b", &got, &err), -EINVAL);
        ASSERT_STREQ(err->msg, "no configured subnet contains the IP address 10.67.0.5");
        berth_error_freep(&err);
        ASSERT_EQ(ipam_allocate(path, &s, 0, ip("10.66.0.255"), "b", &got, &err), -EINVAL);
        berth_error_freep(&err);
        ASSERT_EQ(ipam_allocate(path, &s, ip("10.67.0.1"), 0, "b", &got, &err), -EINVAL);
        ASSERT_STREQ(err->msg, "no matching subnet for gateway 10.67.0.1");
        berth_error_freep(&err);
        /* Automatic allocation skips the requested one and a custom gateway. */
        ASSERT_OK(ipam_allocate(path, &s, ip("10.66.0.2"), 0, "c", &got, &err));
        ASSERT_EQ(got, ip("10.66.0.1"));
        ASSERT_OK(ipam_allocate(path, &s, ip("10.66.0.2"), 0, "c", &got, &err));
        ASSERT_EQ(got, ip("10.66.0.3"));
}

TEST(test_persistence_and_owner)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *path = new_path();
        _cleanup_free_ char *content = NULL;
        struct ipam_subnet s = cidr("10.66.0.0/16"), other = cidr("10.77.0.0/16");
        uint32_t a, b, c, found = 0;

        ASSERT_OK(ipam_allocate(path, &s, 0, 0, "one", &a, &err));
        ASSERT_OK(ipam_allocate(path, &s, 0, 0, "two", &b, &err));
        ASSERT_OK(ipam_allocate(path, &s, 0, 0, "two", &c, &err));
        /* Every call reopens the file: what we see here was read back from disk. */
        ASSERT_OK(read_file_at(AT_FDCWD, path, 1 << 20, &content, NULL, &err));
        ASSERT_TRUE(strstr(content, "\"10.66.0.2\":\"one\"") != NULL);
        ASSERT_TRUE(strstr(content, "\"Subnet\":\"10.66.0.0/16\"") != NULL);
        ASSERT_EQ(ipam_find_owner(path, "two", &found, &err), 1);
        ASSERT_TRUE(found == b || found == c);
        ASSERT_EQ(ipam_find_owner(path, "nobody", &found, &err), 0);
        ASSERT_EQ(ipam_release_owner(path, "two", &err), 2);
        ASSERT_EQ(ipam_count(path, &err), 1);
        ASSERT_EQ(ipam_allocate(path, &other, 0, 0, "x", &a, &err), -EINVAL);
        ASSERT_TRUE(strstr(err->msg, "holds subnet 10.66.0.0/16, not 10.77.0.0/16") != NULL);
        berth_error_freep(&err);
        /* Emptied, the file takes the new subnet. */
        ASSERT_EQ(ipam_release_owner(path, "one", &err), 1);
        ASSERT_OK(ipam_allocate(path, &other, 0, 0, "x", &a, &err));
        ASSERT_EQ(ipam_count(path, &err), 1);
        ASSERT_EQ(ipam_count("/nonexistent/x.json", &err), 0);
        ASSERT_EQ(ipam_release_owner("/nonexistent/x.json", "x", &err), 0);
}

TEST(test_parallel)
{
        _cleanup_free_ char *path = new_path();
        struct ipam_subnet s = cidr("10.66.0.0/16");
        int fds[2];
        uint32_t got[8];
        pid_t pids[8];

        ASSERT_OK(pipe2(fds, O_CLOEXEC));
        for (int i = 0; i < 8; i++) {
                pids[i] = fork();
                ASSERT_TRUE(pids[i] >= 0);
                if (pids[i] == 0) {
                        uint32_t v = 0;
                        /* Several rounds each, so the lock really is contended. */
                        for (int k = 0; k < 20; k++) {
                                if (ipam_allocate(path, &s, 0, 0, "p", &v, NULL) < 0 ||
                                    (k < 19 && ipam_release(path, v, NULL) < 0))
                                        _exit(1);
                        }
                        _exit(write(fds[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
                }
        }
        close(fds[1]);
        for (int i = 0; i < 8; i++) {
                int status;
                ASSERT_EQ(waitpid(pids[i], &status, 0), pids[i]);
                ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        for (int i = 0; i < 8; i++)
                ASSERT_EQ(read(fds[0], &got[i], sizeof(got[i])), sizeof(got[i]));
        close(fds[0]);
        for (int i = 0; i < 8; i++)
                for (int j = i + 1; j < 8; j++)
                        ASSERT_TRUE(got[i] != got[j]);
        ASSERT_EQ(ipam_count(path, NULL), 8);
}

TEST(test_pick_subnet)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ struct ipam_subnet *routes = NULL;
        struct ipam_subnet pool = cidr("10.64.0.0/14"), got;
        struct ipam_subnet taken[] = {cidr("10.64.0.0/16"), cidr("10.65.3.0/24")};
        size_t n = 0;

        ASSERT_OK(ipam_pick_subnet(&pool, 16, taken, 2, &got, &err));
        ASSERT_EQ(got.net, ip("10.66.0.0"));
        ASSERT_EQ(got.prefix, 16);
        ASSERT_OK(ipam_pick_subnet(&pool, 24, taken, 2, &got, &err));
        ASSERT_EQ(got.net, ip("10.65.0.0"));
        taken[0] = cidr("10.64.0.0/14");
        ASSERT_EQ(ipam_pick_subnet(&pool, 24, taken, 1, &got, &err), -ENOSPC);
        berth_error_freep(&err);
        ASSERT_EQ(ipam_pick_subnet(&pool, 8, taken, 0, &got, &err), -EINVAL);
        berth_error_freep(&err);
        /* The host's routes: every one parsed is a real prefix, and none is a default route. */
        ASSERT_OK(ipam_host_routes(&routes, &n, &err));
        for (size_t i = 0; i < n; i++)
                ASSERT_TRUE(routes[i].prefix > 0 && (routes[i].net & ~ipam_netmask(routes[i].prefix)) == 0);
        /* Picking with the host's routes: the result overlaps none of them nor `taken`. */
        pool = cidr("10.0.0.0/8");
        taken[0] = cidr("10.66.0.0/16");
        ASSERT_OK(ipam_pick_subnet_host(&pool, 16, taken, 1, &got, &err));
        ASSERT_TRUE(ipam_subnets_overlap(&pool, &got) && !ipam_subnets_overlap(&got, &taken[0]));
        ASSERT_OK(ipam_check_overlap(&got, routes, n, &err));
}

int main(void)
{
        if (!mkdtemp(tmpdir))
                return 1;
        RUN(test_parse_format);
        RUN(test_overlap);
        RUN(test_order_and_exhaustion);
        RUN(test_slash30_release_reuse);
        RUN(test_requested);
        RUN(test_persistence_and_owner);
        RUN(test_parallel);
        RUN(test_pick_subnet);
        (void)rm_rf_at(AT_FDCWD, tmpdir, NULL);
        TAP_DONE();
}
