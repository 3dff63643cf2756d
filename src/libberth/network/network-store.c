/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network records: $root/networks/<name>.json in the shape of Docker's `network inspect`
 * (network.h has the layout). The three pre-defined ones (bridge, host, none) are written on
 * first use, like any other record, so that their ids are stable.
 */
#include "network/network.h"

#include <dirent.h>
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
#include "base/strv.h"
#include "base/time-util.h"
#include "base/random-util.h"
#include "base/xalloc.h"
#include "network/ipam.h"
#include "network/netlink.h"
#include "network/network-internal.h"
#include "network/nft.h"
#include "network/resolver.h"

#define RECORD_MAX (1 << 20)
#define IPAM_MAX (16 << 20)

/* New user networks get the first free /16 of 10.67.0.0/16 .. 10.127.0.0/16 (10.64.0.0/10 minus
 * 10.64-66: 10.66/16 is the default bridge's), skipping berth's networks and the host's routes. */
#define POOL_NET 0x0a400000u /* 10.64.0.0/10 */
#define POOL_PREFIX 10
#define POOL_BLOCK 16

void network_free(struct network *n)
{
        if (!n)
                return;
        free(n->name);
        free(n->id);
        free(n->driver);
        free(n->bridge);
        free(n->subnet);
        free(n->gateway);
        json_decref(n->record);
        free(n);
}

void network_list_free(struct network **list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                network_free(list[i]);
        free(list);
}

bool network_is_builtin_special(const char *name)
{
        return streq(name, "host") || streq(name, "none");
}

static bool is_builtin(const char *name)
{
        return streq(name, NETWORK_DEFAULT_NAME) || network_is_builtin_special(name);
}

/* Docker's rule ([a-zA-Z0-9][a-zA-Z0-9_.-]*), which nft.c also relies on. */
static bool name_valid(const char *name)
{
        size_t n = strlen(name);

        if (n == 0 || n > 128 ||
            !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", name[0]))
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/*
 * The default bridge is one kernel object per host, shared by every store on it (--root, --runroot):
 * so are its addresses, or two stores would hand out 10.66.0.2 twice on one bridge. Its IPAM file is
 * the host's, /run/berth-net/berth0.ipam.json; a user network's bridge is its own (br-<id>), and its
 * file stays in the store's runroot.
 */
char *network_ipam_path(struct store *s, const char *name)
{
        if (streq(name, NETWORK_DEFAULT_NAME)) {
                (void)mkdir(NETWORK_HOST_STATE_DIR, 0700);
                return xasprintf("%s/%s.ipam.json", NETWORK_HOST_STATE_DIR, NETWORK_DEFAULT_BRIDGE);
        }
        return xasprintf("%s/networks/%s/ipam.json", s->runroot, name);
}

char *network_run_dir(struct store *s, const char *name)
{
        return xasprintf("%s/networks/%s", s->runroot, name);
}

bool network_record_exists(struct store *s, const char *name)
{
        _cleanup_free_ char *rel = xasprintf("networks/%s.json", name);

        return faccessat(s->root_fd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int networks_dir(struct store *s, struct berth_error **err)
{
        if (mkdirat(s->root_fd, "networks", 0700) < 0 && errno != EEXIST)
                return berth_err(err, errno, "mkdir `%s/networks`", s->root);
        return 0;
}

int network_lock(struct store *s, int *ret_fd, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r = networks_dir(s, err);

        if (r < 0)
                return r;
        fd = openat(s->root_fd, "networks/.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return berth_err(err, errno, "open `%s/networks/.lock`", s->root);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return berth_err(err, errno, "lock `%s/networks/.lock`", s->root);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

void network_unlock(int fd)
{
        if (fd >= 0)
                close(fd); /* releases the flock */
}

/* The record as struct network (the record is borrowed and referenced). */
static int network_from_record(json_t *rec, struct network **ret, struct berth_error **err)
{
        struct network *n = xmalloc(sizeof(*n));
        const char *name = NULL, *id = NULL, *driver = NULL, *subnet = NULL, *gw = NULL, *br = NULL;
        json_t *cfg = json_object_get(json_object_get(rec, "IPAM"), "Config");
        json_t *first = json_array_get(cfg, 0);

        name = json_string_value(json_object_get(rec, "Name"));
        id = json_string_value(json_object_get(rec, "Id"));
        driver = json_string_value(json_object_get(rec, "Driver"));
        if (!name || !id || !driver) {
                free(n);
                return berth_err_msg(err, EINVAL, "network record: Name, Id and Driver must be strings");
        }
        subnet = json_string_value(json_object_get(first, "Subnet"));
        gw = json_string_value(json_object_get(first, "Gateway"));
        br = json_string_value(
            json_object_get(json_object_get(rec, "Options"), "com.docker.network.bridge.name"));
        n->name = xstrdup(name);
        n->id = xstrdup(id);
        n->driver = xstrdup(driver);
        n->internal = json_is_true(json_object_get(rec, "Internal"));
        if (streq(driver, "bridge")) {
                if (!subnet || !gw) {
                        network_free(n);
                        return berth_err_msg(err, EINVAL, "network record %s: no IPAM subnet and gateway",
                                             name);
                }
                n->subnet = xstrdup(subnet);
                n->gateway = xstrdup(gw);
                n->bridge = br ? xstrdup(br) : xasprintf("br-%.12s", id);
        }
        n->record = json_incref(rec);
        *ret = n;
        return 0;
}

static int record_read(struct store *s, const char *name, struct network **ret, struct berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/networks/%s.json", s->root, name);
        _cleanup_json_ json_t *rec = NULL;
        int r = json_load_path(path, RECORD_MAX, &rec, err);

        if (r < 0)
                return r;
        r = network_from_record(rec, ret, err);
        if (r < 0)
                (void)berth_err_prefix(err, "%s", path); /* err may be NULL: keep r, not -EINVAL */
        return r;
}

/*
 * Writes a new record, never replacing one: temp file, fsync, renameat2(RENAME_NOREPLACE). Two
 * processes writing the same pre-defined network at once: one wins, the other reads its record.
 */
static int record_write_new(struct store *s, const char *name, json_t *rec, struct berth_error **err)
{
        _cleanup_free_ char *text = json_dumps(rec, JSON_COMPACT);
        _cleanup_free_ char *tmp = xasprintf("networks/.tmp-%s-%d", name, (int)getpid());
        _cleanup_free_ char *dst = xasprintf("networks/%s.json", name);
        _cleanup_close_ int fd = -EBADF;

        if (!text)
                return berth_err_msg(err, ENOMEM, "network %s: record", name);
        (void)unlinkat(s->root_fd, tmp, 0);
        fd = openat(s->root_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return berth_err(err, errno, "create `%s/%s`", s->root, tmp);
        if (write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
                int e = errno;
                (void)unlinkat(s->root_fd, tmp, 0);
                return berth_err(err, e, "write `%s/%s`", s->root, tmp);
        }
        if (renameat2(s->root_fd, tmp, s->root_fd, dst, RENAME_NOREPLACE) < 0) {
                int e = errno;
                (void)unlinkat(s->root_fd, tmp, 0);
                if (e == EEXIST)
                        return berth_err_msg(err, EEXIST, "network with name %s already exists", name);
                return berth_err(err, e, "rename to `%s/%s`", s->root, dst);
        }
        return 0;
}

/* Docker's record. subnet/gateway NULL for host and none (IPAM Config [], Options null there). */
static json_t *record_new(const char *name, const char *driver, const char *subnet, const char *gateway,
                          bool internal, json_t *labels, json_t *options)
{
        _cleanup_free_ char *id = random_id_new(), *created = time_now_rfc3339();
        json_t *config = json_array();

        if (subnet)
                json_array_append_new(config, json_pack("{s:s,s:s}", "Subnet", subnet, "Gateway", gateway));
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:{s:s,s:o,s:o},s:b,s:b,s:b,s:{s:s},s:b,s:o,s:o}",
                         "Name", name, "Id", id, "Created", created, "Scope", "local", "Driver", driver,
                         "EnableIPv6", 0, "EnableIPv4", 1, "IPAM", "Driver", "default", "Options",
                         subnet ? json_object() : json_null(), "Config", config, "Internal", internal,
                         "Attachable", 0, "Ingress", 0, "ConfigFrom", "Network", "", "ConfigOnly", 0,
                         "Options", options ? options : json_object(), "Labels",
                         labels ? json_deep_copy(labels) : json_object());
}

/* The default bridge's subnet: BERTH_BRIDGE_SUBNET when set (tests, clashes), else 10.66.0.0/16. */
static int default_bridge_record(json_t **ret, struct berth_error **err)
{
        const char *env = getenv("BERTH_BRIDGE_SUBNET");
        struct ipam_subnet sn;
        _cleanup_free_ char *cidr = NULL;
        char gw[INET_ADDRSTRLEN];
        int r = ipam_parse_cidr(env && *env ? env : NETWORK_DEFAULT_SUBNET, &sn, err);

        if (r < 0)
                return berth_err_prefix(err, "BERTH_BRIDGE_SUBNET");
        cidr = ipam_format_cidr(&sn);
        ipam_format_ip(ipam_gateway(&sn), gw);
        *ret = record_new(NETWORK_DEFAULT_NAME, "bridge", cidr, gw, false, NULL,
                          json_pack("{s:s}", "com.docker.network.bridge.name", NETWORK_DEFAULT_BRIDGE));
        return 0;
}

/* bridge, host or none: its record, written on first use. */
static int builtin_ensure(struct store *s, const char *name, struct berth_error **err)
{
        _cleanup_json_ json_t *rec = NULL;
        int r;

        if (network_record_exists(s, name))
                return 0;
        r = networks_dir(s, err);
        if (r < 0)
                return r;
        if (streq(name, NETWORK_DEFAULT_NAME))
                r = default_bridge_record(&rec, err);
        else
                rec = record_new(name, streq(name, "host") ? "host" : "null", NULL, NULL, false, NULL, NULL);
        if (r < 0)
                return r;
        r = record_write_new(s, name, rec, err);
        return r == -EEXIST ? 0 : r; /* someone else wrote it first */
}

static int builtins_ensure(struct store *s, struct berth_error **err)
{
        static const char *const names[] = {NETWORK_DEFAULT_NAME, "host", "none"};

        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                int r = builtin_ensure(s, names[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int cmp_network(const void *a, const void *b)
{
        return strcmp((*(struct network *const *)a)->name, (*(struct network *const *)b)->name);
}

/* Every record, sorted by name, without creating the pre-defined ones. */
static int list_records(struct store *s, struct network ***ret, size_t *ret_n, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct network **list = NULL;
        size_t n = 0;
        struct dirent *de;
        int fd = openat(s->root_fd, "networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 && errno != ENOENT)
                return berth_err(err, errno, "open `%s/networks`", s->root);
        if (fd >= 0 && !(d = fdopendir(fd))) {
                close(fd);
                return berth_err(err, errno, "open `%s/networks`", s->root);
        }
        while (d && (de = readdir(d))) {
                size_t len = strlen(de->d_name);
                _cleanup_free_ char *name = NULL;
                struct network *net = NULL;
                int r;

                if (de->d_name[0] == '.' || len <= 5 || !streq(de->d_name + len - 5, ".json"))
                        continue;
                name = strndup(de->d_name, len - 5);
                if (!name)
                        oom();
                r = record_read(s, name, &net, err);
                if (r == -ENOENT) /* removed meanwhile */
                        continue;
                if (r < 0) {
                        network_list_free(list, n);
                        return r;
                }
                list = xrealloc(list, (n + 1) * sizeof(*list));
                list[n++] = net;
        }
        qsort(list, n, sizeof(*list), cmp_network);
        *ret = list;
        *ret_n = n;
        return 0;
}

int network_list(struct store *s, struct network ***ret, size_t *ret_n, struct berth_error **err)
{
        int r;
        NETWORK_LOCAL_ERR(err);

        r = builtins_ensure(s, err);
        return r < 0 ? r : list_records(s, ret, ret_n, err);
}

/* Docker's order: full id, name, unique id prefix. */
int network_load(struct store *s, const char *name_or_id, struct network **ret, struct berth_error **err)
{
        struct network **list = NULL, *found = NULL, *prefixed = NULL;
        size_t n = 0, matches = 0, plen = strlen(name_or_id);
        int r;
        NETWORK_LOCAL_ERR(err);

        if (is_builtin(name_or_id)) {
                r = builtin_ensure(s, name_or_id, err);
                if (r < 0)
                        return r;
        }
        /* The common case (`run --network NAME`): one file. */
        if (name_valid(name_or_id) && plen != 64) {
                r = record_read(s, name_or_id, ret, err);
                if (r != -ENOENT)
                        return r;
                berth_error_freep(err);
        }
        r = network_list(s, &list, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && !found; i++)
                if (streq(list[i]->id, name_or_id))
                        found = list[i];
        for (size_t i = 0; i < n && !found; i++)
                if (streq(list[i]->name, name_or_id))
                        found = list[i];
        for (size_t i = 0; i < n && !found && plen > 0; i++)
                if (strncmp(list[i]->id, name_or_id, plen) == 0 && matches++ == 0)
                        prefixed = list[i];
        if (!found && matches == 1)
                found = prefixed;
        if (found)
                *ret = found;
        else if (matches > 1)
                r = berth_err_msg(err, ENOENT,
                                  "network %s is ambiguous (%zu matches found based on ID prefix)",
                                  name_or_id, matches);
        else
                r = berth_err_msg(err, ENOENT, "network %s not found", name_or_id);
        for (size_t i = 0; i < n; i++)
                if (list[i] != found)
                        network_free(list[i]);
        free(list);
        return r;
}

/* subnet: explicit, or the first free /16 of the pool; gateway explicit or the first address. */
static int create_subnet(struct store *s, const struct network_create_options *o, char **ret_subnet,
                         char **ret_gateway, struct berth_error **err)
{
        struct network **list = NULL;
        size_t n = 0, nt = 0;
        _cleanup_free_ struct ipam_subnet *taken = NULL;
        struct ipam_subnet sn, pool = {.net = POOL_NET, .prefix = POOL_PREFIX};
        uint32_t gw;
        char buf[INET_ADDRSTRLEN];
        int r = list_records(s, &list, &n, err);

        if (r < 0)
                return r;
        taken = xcalloc(n + 2, sizeof(*taken));
        for (size_t i = 0; i < n; i++)
                if (list[i]->subnet && ipam_parse_cidr(list[i]->subnet, &taken[nt], NULL) >= 0)
                        nt++;
        network_list_free(list, n);
        if (o->subnet) {
                r = ipam_parse_cidr(o->subnet, &sn, err);
                if (r >= 0)
                        r = ipam_check_overlap(&sn, taken, nt, err);
        } else {
                /* Not from 10.64-66 (10.66/16 is the default bridge's, whatever it is set to). */
                taken[nt++] = (struct ipam_subnet){.net = 0x0a400000u, .prefix = 15};
                taken[nt++] = (struct ipam_subnet){.net = 0x0a420000u, .prefix = 16};
                r = ipam_pick_subnet_host(&pool, POOL_BLOCK, taken, nt, &sn, err);
        }
        if (r < 0)
                return r;
        gw = ipam_gateway(&sn);
        if (o->gateway) {
                if (ipam_parse_ip(o->gateway, &gw, NULL) < 0 || !ipam_subnet_contains(&sn, gw) ||
                    gw == sn.net || gw == ipam_broadcast(&sn))
                        return berth_err_msg(err, EINVAL, "no matching subnet for gateway %s", o->gateway);
        }
        *ret_subnet = ipam_format_cidr(&sn);
        *ret_gateway = xstrdup(ipam_format_ip(gw, buf));
        return 0;
}

int network_create(struct store *s, const struct network_create_options *o, struct network **ret,
                   struct berth_error **err)
{
        _cleanup_free_ char *subnet = NULL, *gateway = NULL;
        _cleanup_json_ json_t *rec = NULL;
        int lock = -EBADF, r;
        NETWORK_LOCAL_ERR(err);

        if (o->driver && !streq(o->driver, "bridge"))
                return berth_err_msg(err, EINVAL, "plugin \"%s\" not found", o->driver);
        if (!o->name || !name_valid(o->name))
                return berth_err_msg(
                    err, EINVAL, "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                    o->name ? o->name : "");
        if (o->labels && !json_is_object(o->labels))
                return berth_err_msg(err, EINVAL, "network labels must be an object");
        if (is_builtin(o->name))
                return berth_err_msg(err, EEXIST, "network with name %s already exists", o->name);
        r = network_lock(s, &lock, err);
        if (r < 0)
                return r;
        if (network_record_exists(s, o->name))
                r = berth_err_msg(err, EEXIST, "network with name %s already exists", o->name);
        if (r >= 0)
                r = builtin_ensure(s, NETWORK_DEFAULT_NAME, err); /* its subnet is taken */
        if (r >= 0)
                r = create_subnet(s, o, &subnet, &gateway, err);
        if (r >= 0) {
                rec = record_new(o->name, "bridge", subnet, gateway, o->internal, o->labels,
                                 o->options ? json_deep_copy(o->options) : NULL);
                json_object_set_new(rec, "Attachable", json_boolean(o->attachable));
                r = record_write_new(s, o->name, rec, err);
        }
        network_unlock(lock);
        if (r < 0)
                return r;
        return ret ? network_from_record(rec, ret, err) : 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int network_endpoints(struct store *s, const struct network *n, char ***ret, struct berth_error **err)
{
        _cleanup_free_ char *path = network_ipam_path(s, n->name);
        _cleanup_json_ json_t *j = NULL;
        char **ids = xcalloc(1, sizeof(char *));
        const char *key;
        json_t *v;
        int r;
        NETWORK_LOCAL_ERR(err);

        r = json_load_path(path, IPAM_MAX, &j, err);
        if (r == -ENOENT) {
                berth_error_freep(err);
                *ret = ids;
                return 0;
        }
        if (r < 0) {
                free(ids);
                return r;
        }
        json_object_foreach (json_object_get(j, "Allocated"), key, v)
                if (json_is_string(v) && !strv_contains(ids, json_string_value(v)))
                        ids = strv_push(ids, json_string_value(v));
        qsort(ids, strv_length(ids), sizeof(char *), cmp_str);
        *ret = ids;
        return 0;
}

/* The kernel objects: the bridge (with its ports, if any were left) and the nft rules. */
static int remove_kernel(const struct network *n, struct berth_error **err)
{
        struct netlink nl = NETLINK_INIT;
        int r = netlink_open(&nl, err);

        if (r >= 0) {
                r = netlink_link_delete(&nl, n->bridge, err);
                if (r == -ENODEV) {
                        berth_error_freep(err);
                        r = 0;
                }
        }
        netlink_close(&nl);
        return r < 0 ? r : nft_network_remove(n->bridge, err); /* owned by the bridge: endpoint.c */
}

int network_remove(struct store *s, struct network *n, struct berth_error **err)
{
        _cleanup_free_ char *run = network_run_dir(s, n->name),
                            *rec = xasprintf("networks/%s.json", n->name);
        _cleanup_strv_ char **eps = NULL;
        int lock = -EBADF, r;
        NETWORK_LOCAL_ERR(err);

        if (is_builtin(n->name) || !n->bridge)
                return berth_err_msg(err, EPERM, "%s is a pre-defined network and cannot be removed",
                                     n->name);
        r = network_lock(s, &lock, err);
        if (r < 0)
                return r;
        r = network_endpoints(s, n, &eps, err);
        if (r < 0 || eps[0]) {
                network_unlock(lock);
                if (r < 0)
                        return r;
                return berth_err_msg(err, EBUSY,
                                     "error while removing network: network %s id %s has active endpoints",
                                     n->name, n->id);
        }
        r = remove_kernel(n, err);
        /* The run dir (IPAM, names, resolver's locks) and the record last: a failure can be retried. */
        if (r >= 0)
                r = resolver_stop(s, n->name, err);
        if (r >= 0)
                r = rm_rf_at(AT_FDCWD, run, err);
        if (r >= 0 && unlinkat(s->root_fd, rec, 0) < 0 && errno != ENOENT)
                r = berth_err(err, errno, "remove `%s/%s`", s->root, rec);
        network_unlock(lock);
        if (r < 0)
                (void)berth_err_prefix(err, "remove network %s", n->name); /* err may be NULL: keep r */
        return r < 0 ? r : 0;
}
