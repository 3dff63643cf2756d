/* SPDX-License-Identifier: Apache-2.0 */
#include "network/ipam.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/xalloc.h"

/* A /16 with every address taken is about 3 MiB of JSON. */
#define IPAM_FILE_MAX (16u << 20)

int ipam_parse_ip(const char *s, uint32_t *ret, struct berth_error **err)
{
        struct in_addr a;

        if (!s || inet_pton(AF_INET, s, &a) != 1)
                return berth_err_msg(err, EINVAL, "invalid IP address `%s`", s ? s : "");
        *ret = ntohl(a.s_addr);
        return 0;
}

uint32_t ipam_netmask(unsigned prefix)
{
        return prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

static int ipam_parse_prefix(const char *s, unsigned *ret)
{
        char *end;
        unsigned long v;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > 32)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

int ipam_parse_cidr(const char *s, struct ipam_subnet *ret, struct berth_error **err)
{
        _cleanup_free_ char *copy = xstrdup(s);
        _cleanup_free_ char *want = NULL;
        char *slash = strchr(copy, '/');
        struct ipam_subnet sub;
        uint32_t ip = 0;

        if (!slash || ipam_parse_prefix(slash + 1, &sub.prefix) < 0)
                return berth_err_msg(err, EINVAL, "invalid CIDR address: %s", s);
        *slash = '\0';
        if (ipam_parse_ip(copy, &ip, NULL) < 0)
                return berth_err_msg(err, EINVAL, "invalid CIDR address: %s", s);
        sub.net = ip & ipam_netmask(sub.prefix);
        if (sub.net != ip) {
                want = ipam_format_cidr(&sub);
                return berth_err_msg(err, EINVAL, "invalid subnet %s: it should be %s", s, want);
        }
        *ret = sub;
        return 0;
}

char *ipam_format_ip(uint32_t ip, char *buf)
{
        struct in_addr a = ipam_in_addr(ip);

        inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
        return buf;
}

char *ipam_format_cidr(const struct ipam_subnet *s)
{
        char buf[INET_ADDRSTRLEN];

        return xasprintf("%s/%u", ipam_format_ip(s->net, buf), s->prefix);
}

uint32_t ipam_broadcast(const struct ipam_subnet *s)
{
        return s->net | ~ipam_netmask(s->prefix);
}

uint32_t ipam_gateway(const struct ipam_subnet *s)
{
        return s->net + 1;
}

bool ipam_subnet_contains(const struct ipam_subnet *s, uint32_t ip)
{
        return (ip & ipam_netmask(s->prefix)) == s->net;
}

/* Two prefixes overlap iff the shorter one contains the other's network. */
bool ipam_subnets_overlap(const struct ipam_subnet *a, const struct ipam_subnet *b)
{
        unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;

        return (a->net & ipam_netmask(p)) == (b->net & ipam_netmask(p));
}

int ipam_check_overlap(const struct ipam_subnet *s, const struct ipam_subnet *taken, size_t n_taken,
                       struct berth_error **err)
{
        for (size_t i = 0; i < n_taken; i++)
                if (ipam_subnets_overlap(s, &taken[i]))
                        return berth_err_msg(err, EEXIST,
                                             "Pool overlaps with other one on this address space");
        return 0;
}

/* --- the allocation file ------------------------------------------------- */

static int ipam_lock(const char *path, int *ret_fd, struct berth_error **err)
{
        _cleanup_free_ char *lock = xasprintf("%s.lock", path);
        _cleanup_close_ int fd = -EBADF;

        fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return berth_err(err, errno, "open `%s`", lock);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return berth_err(err, errno, "lock `%s`", lock);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/*
 * Loads the file, or an empty document if it does not exist yet. An empty file is empty too: the
 * file is written without fsync (ipam_write), so a power loss may leave one, and no container runs
 * after a power loss.
 */
static int ipam_load(const char *path, json_t **ret, struct berth_error **err)
{
        _cleanup_error_ struct berth_error *e = NULL;
        json_t *j = NULL;
        struct stat st;
        int r;

        r = json_load_path(path, IPAM_FILE_MAX, &j, &e);
        if (r == -ENOENT || (r < 0 && stat(path, &st) == 0 && st.st_size == 0)) {
                j = json_object();
        } else if (r < 0) {
                if (err)
                        *err = TAKE_PTR(e);
                return r;
        }
        if (!json_is_object(j)) {
                json_decref(j);
                return berth_err_msg(err, EBADMSG, "`%s`: not a JSON object", path);
        }
        if (!json_is_object(json_object_get(j, "Allocated")))
                json_object_set_new(j, "Allocated", json_object());
        *ret = j;
        return 0;
}

/*
 * Atomic (temp file, rename) but not fsynced: the allocations are those of running containers,
 * meaningless after a reboot, and an fsync costs 0.5-10 ms of every `berth run` on a disk.
 */
static int ipam_write(const char *path, json_t *j, struct berth_error **err)
{
        _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);

        if (!text)
                return berth_err_msg(err, ENOMEM, "`%s`: serialise", path);
        return write_file_volatile_at(AT_FDCWD, path, text, strlen(text), 0600, err);
}

/*
 * A file holding addresses of one subnet is never used for another. An empty one takes the new subnet:
 * a network re-created with another, or the host's default bridge (shared by every store) given another
 * by a store whose containers are the only ones on it.
 */
static int ipam_bind_subnet(json_t *j, const char *path, const struct ipam_subnet *subnet, uint32_t gateway,
                            struct berth_error **err)
{
        _cleanup_free_ char *want = ipam_format_cidr(subnet);
        const char *have = json_string_value(json_object_get(j, "Subnet"));
        char gw[INET_ADDRSTRLEN];

        if (have && !streq(have, want) && json_object_size(json_object_get(j, "Allocated")))
                return berth_err_msg(err, EINVAL, "`%s` holds subnet %s, not %s", path, have, want);
        json_object_set_new(j, "Subnet", json_string(want));
        json_object_set_new(j, "Gateway", json_string(ipam_format_ip(gateway, gw)));
        return 0;
}

static bool ipam_is_taken(json_t *alloc, uint32_t ip)
{
        char buf[INET_ADDRSTRLEN];

        return json_object_get(alloc, ipam_format_ip(ip, buf)) != NULL;
}

static int ipam_check_requested(json_t *alloc, const struct ipam_subnet *s, uint32_t gateway, uint32_t ip,
                                struct berth_error **err)
{
        char buf[INET_ADDRSTRLEN];

        ipam_format_ip(ip, buf);
        if (!ipam_subnet_contains(s, ip))
                return berth_err_msg(err, EINVAL, "no configured subnet contains the IP address %s", buf);
        if (s->prefix < 31 && (ip == s->net || ip == ipam_broadcast(s)))
                return berth_err_msg(err, EINVAL, "%s is the network or broadcast address of the subnet",
                                     buf);
        if (ip == gateway || ipam_is_taken(alloc, ip))
                return berth_err_msg(err, EADDRINUSE, "Address already in use");
        return 0;
}

/* The lowest address that is neither reserved nor taken. */
static int ipam_next_free(json_t *alloc, const struct ipam_subnet *s, uint32_t gateway, uint32_t *ret,
                          struct berth_error **err)
{
        uint32_t first = s->net, last = ipam_broadcast(s);

        if (s->prefix < 31) {
                first++;
                last--;
        }
        for (uint64_t ip = first; ip <= last; ip++) {
                if ((uint32_t)ip == gateway || ipam_is_taken(alloc, (uint32_t)ip))
                        continue;
                *ret = (uint32_t)ip;
                return 0;
        }
        return berth_err_msg(err, ENOSPC, "no available IPv4 addresses on this network's address pools");
}

int ipam_allocate(const char *path, const struct ipam_subnet *subnet, uint32_t gateway, uint32_t requested,
                  const char *owner, uint32_t *ret_ip, struct berth_error **err)
{
        _cleanup_close_ int lock = -EBADF;
        _cleanup_json_ json_t *j = NULL;
        char buf[INET_ADDRSTRLEN];
        json_t *alloc;
        uint32_t ip = requested;
        int r;

        if (gateway == 0)
                gateway = ipam_gateway(subnet);
        if (!ipam_subnet_contains(subnet, gateway))
                return berth_err_msg(err, EINVAL, "no matching subnet for gateway %s",
                                     ipam_format_ip(gateway, buf));
        r = ipam_lock(path, &lock, err);
        if (r >= 0)
                r = ipam_load(path, &j, err);
        if (r >= 0)
                r = ipam_bind_subnet(j, path, subnet, gateway, err);
        if (r < 0)
                return r;
        alloc = json_object_get(j, "Allocated");
        if (requested)
                r = ipam_check_requested(alloc, subnet, gateway, requested, err);
        else
                r = ipam_next_free(alloc, subnet, gateway, &ip, err);
        if (r < 0)
                return r;
        json_object_set_new(alloc, ipam_format_ip(ip, buf), json_string(owner ? owner : ""));
        r = ipam_write(path, j, err);
        if (r < 0)
                return r;
        *ret_ip = ip;
        return 0;
}

/* Runs `fn` on the locked, loaded document; writes it back if fn returns > 0 changes. */
static int ipam_update(const char *path, int (*fn)(json_t *alloc, const void *arg), const void *arg,
                       struct berth_error **err)
{
        _cleanup_close_ int lock = -EBADF;
        _cleanup_json_ json_t *j = NULL;
        int r, n;

        if (access(path, F_OK) < 0 && errno == ENOENT)
                return 0;
        r = ipam_lock(path, &lock, err);
        if (r >= 0)
                r = ipam_load(path, &j, err);
        if (r < 0)
                return r;
        n = fn(json_object_get(j, "Allocated"), arg);
        if (n > 0) {
                r = ipam_write(path, j, err);
                if (r < 0)
                        return r;
        }
        return n;
}

static int ipam_del_ip(json_t *alloc, const void *arg)
{
        char buf[INET_ADDRSTRLEN];

        return json_object_del(alloc, ipam_format_ip(*(const uint32_t *)arg, buf)) == 0 ? 1 : 0;
}

static int ipam_del_owner(json_t *alloc, const void *arg)
{
        const char *key;
        json_t *v, *tmp;
        int n = 0;

        json_object_foreach_safe(alloc, tmp, key, v)
        {
                if (json_is_string(v) && streq(json_string_value(v), (const char *)arg)) {
                        json_object_del(alloc, key);
                        n++;
                }
        }
        return n;
}

static int ipam_count_all(json_t *alloc, const void *arg)
{
        (void)arg;
        return (int)json_object_size(alloc);
}

int ipam_release(const char *path, uint32_t ip, struct berth_error **err)
{
        int r = ipam_update(path, ipam_del_ip, &ip, err);

        return r < 0 ? r : 0;
}

int ipam_release_owner(const char *path, const char *owner, struct berth_error **err)
{
        return ipam_update(path, ipam_del_owner, owner, err);
}

int ipam_count(const char *path, struct berth_error **err)
{
        _cleanup_close_ int lock = -EBADF;
        _cleanup_json_ json_t *j = NULL;
        int r;

        if (access(path, F_OK) < 0 && errno == ENOENT)
                return 0;
        r = ipam_lock(path, &lock, err);
        if (r >= 0)
                r = ipam_load(path, &j, err);
        if (r < 0)
                return r;
        return ipam_count_all(json_object_get(j, "Allocated"), NULL);
}

int ipam_find_owner(const char *path, const char *owner, uint32_t *ret_ip, struct berth_error **err)
{
        _cleanup_close_ int lock = -EBADF;
        _cleanup_json_ json_t *j = NULL;
        const char *key;
        json_t *v;
        int r;

        if (access(path, F_OK) < 0 && errno == ENOENT)
                return 0;
        r = ipam_lock(path, &lock, err);
        if (r >= 0)
                r = ipam_load(path, &j, err);
        if (r < 0)
                return r;
        json_object_foreach (json_object_get(j, "Allocated"), key, v) {
                if (json_is_string(v) && streq(json_string_value(v), owner))
                        return ipam_parse_ip(key, ret_ip, err) < 0 ? -EBADMSG : 1;
        }
        return 0;
}

/* --- choosing a subnet for a new network ---------------------------------- */

/* One line of /proc/net/route: destination and mask are hex in network byte order. */
static bool ipam_route_line(const char *line, struct ipam_subnet *ret)
{
        char ifname[64];
        unsigned dst, gw, flags, refcnt, use, metric, mask;

        if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifname, &dst, &gw, &flags, &refcnt, &use, &metric,
                   &mask) != 8)
                return false;
        mask = ntohl(mask);
        if (mask == 0)
                return false; /* a default route overlaps everything: not a conflict */
        ret->prefix = (unsigned)__builtin_popcount(mask);
        ret->net = ntohl(dst) & ipam_netmask(ret->prefix);
        return true;
}

int ipam_host_routes(struct ipam_subnet **ret, size_t *ret_n, struct berth_error **err)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
        _cleanup_free_ struct ipam_subnet *v = NULL;
        char line[512];
        size_t n = 0;

        if (!f)
                return berth_err(err, errno, "open `/proc/net/route`");
        if (!fgets(line, sizeof(line), f)) /* the header */
                line[0] = '\0';
        while (fgets(line, sizeof(line), f)) {
                struct ipam_subnet s;

                if (!ipam_route_line(line, &s))
                        continue;
                v = xrealloc(v, (n + 1) * sizeof(*v));
                v[n++] = s;
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

int ipam_pick_subnet(const struct ipam_subnet *pool, unsigned prefix, const struct ipam_subnet *taken,
                     size_t n_taken, struct ipam_subnet *ret, struct berth_error **err)
{
        uint64_t step, end;

        if (prefix < pool->prefix || prefix > 30)
                return berth_err_msg(err, EINVAL, "cannot split a /%u pool into /%u subnets", pool->prefix,
                                     prefix);
        step = 1ull << (32 - prefix);
        end = (uint64_t)ipam_broadcast(pool) + 1;
        for (uint64_t net = pool->net; net < end; net += step) {
                struct ipam_subnet cand = {.net = (uint32_t)net, .prefix = prefix};
                bool busy = false;

                for (size_t i = 0; i < n_taken && !busy; i++)
                        busy = ipam_subnets_overlap(&cand, &taken[i]);
                if (!busy) {
                        *ret = cand;
                        return 0;
                }
        }
        return berth_err_msg(err, ENOSPC,
                             "could not find an available, non-overlapping IPv4 address pool "
                             "among the defaults to assign to the network");
}

int ipam_pick_subnet_host(const struct ipam_subnet *pool, unsigned prefix, const struct ipam_subnet *taken,
                          size_t n_taken, struct ipam_subnet *ret, struct berth_error **err)
{
        _cleanup_free_ struct ipam_subnet *all = NULL;
        size_t n = 0;
        int r = ipam_host_routes(&all, &n, err);

        if (r < 0)
                return r;
        all = xrealloc(all, (n + n_taken + 1) * sizeof(*all));
        if (n_taken)
                memcpy(all + n, taken, n_taken * sizeof(*all));
        return ipam_pick_subnet(pool, prefix, all, n + n_taken, ret, err);
}
