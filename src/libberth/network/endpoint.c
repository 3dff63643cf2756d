/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's endpoint on a bridge network (network.h): bridge, address, veth pair, names.
 *
 * Everything happens under the networks lock, with one netlink handle on the host side and one in
 * the container's namespace. Besides the files network.h lists, each endpoint leaves
 *   $runroot/networks/<name>/endpoints/<container id>   its host interface's name
 * so that detach deletes the right veth of a container on several networks, and
 *   $runroot/networks/<name>/bridge                      the bridge's ifindex once fully set up
 * so that the next attach, finding that bridge, skips its address, sysctls and nft rules (the nft
 * listing alone costs a millisecond); the runroot does not survive a reboot, the bridge neither.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "base/random-util.h"
#include "base/xalloc.h"
#include "network/ipam.h"
#include "network/netlink.h"
#include "network/network-internal.h"
#include "network/network.h"
#include "network/nft.h"
#include "network/resolver.h"

#define NAMES_MAX (16 << 20)

static bool is_default(const struct network *n)
{
        return streq(n->name, NETWORK_DEFAULT_NAME);
}

const char *network_resolver_address(const struct network *n)
{
        return n->bridge && !is_default(n) ? n->gateway : NULL;
}

/* Host side of ifname "ethN": "veth" + 11 hex for eth0, "vet" + N + hex up to 15 bytes otherwise. */
static int host_ifname(const char *id, const char *ifname, char ret[IFNAMSIZ], struct berth_error **err)
{
        const char *num = strncmp(ifname, "eth", 3) == 0 ? ifname + 3 : "";
        size_t len = strlen(num);

        if (len == 0 || len > 4 || strspn(num, "0123456789") != len || strlen(id) < 12)
                return berth_err_msg(err, EINVAL, "interface name `%s`: expected ethN", ifname);
        if (streq(num, "0"))
                snprintf(ret, IFNAMSIZ, "veth%.11s", id);
        else
                snprintf(ret, IFNAMSIZ, "vet%s%.*s", num, (int)(12 - len), id);
        return 0;
}

static int ignore(int r, int tolerated, struct berth_error **err)
{
        if (r == tolerated) {
                berth_error_freep(err);
                return 0;
        }
        return r;
}

static int write_run_file(const char *path, const char *text, struct berth_error **err)
{
        _cleanup_free_ char *dir = xstrdup(path);
        int r;

        *strrchr(dir, '/') = '\0';
        r = mkdir_p(dir, 0700, err);
        return r < 0 ? r : write_file_volatile_at(AT_FDCWD, path, text, strlen(text), 0600, err);
}

/* The bridge's ifindex as the marker file says it was fully set up, or 0. */
static int bridge_marker(const char *path)
{
        _cleanup_free_ char *text = NULL;

        if (read_file_at(AT_FDCWD, path, 64, &text, NULL, NULL) < 0)
                return 0;
        return atoi(text);
}

/* The bridge, up, with its gateway address, route_localnet, ip_forward and the network's nft rules. */
static int bridge_ensure(struct store *s, struct netlink *nl, const struct network *n,
                         struct berth_error **err)
{
        _cleanup_free_ char *run = network_run_dir(s, n->name), *marker = xasprintf("%s/bridge", run);
        _cleanup_free_ char *sysctl = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge);
        /* Rules are owned by the bridge, not the network's name: names are per store, bridges per host
         * (two stores' networks named "inner" removed each other's rules). */
        struct nft_network nft = {
            .name = n->bridge, .bridge = n->bridge, .subnet = n->subnet, .internal = n->internal};
        struct ipam_subnet sn;
        uint32_t gw;
        char idx[16];
        bool created;
        int r = netlink_bridge_create(nl, n->bridge, 0, err);

        if (r == -EEXIST) {
                berth_error_freep(err);
                r = netlink_link_index(nl, n->bridge, err);
                if (r > 0 && r == bridge_marker(marker))
                        return 0;
        }
        created = r == 0;
        if (r < 0)
                return r;
        r = ipam_parse_cidr(n->subnet, &sn, err);
        if (r >= 0)
                r = ipam_parse_ip(n->gateway, &gw, err);
        if (r >= 0)
                r = ignore(netlink_addr_add(nl, n->bridge, ipam_in_addr(gw), sn.prefix, err), -EEXIST, err);
        if (r >= 0)
                r = write_file_at(AT_FDCWD, sysctl, "1\n", 2, err);
        if (r >= 0)
                r = netlink_enable_ip_forward(err);
        if (r >= 0)
                r = nft_network_add(&nft, err);
        if (r >= 0)
                r = nft_docker_user_allow(&nft, err);
        if (r >= 0)
                r = netlink_link_set_up(nl, n->bridge, true, err);
        if (r >= 0)
                r = netlink_link_index(nl, n->bridge, err);
        if (r >= 0) {
                snprintf(idx, sizeof(idx), "%d\n", r);
                r = write_run_file(marker, idx, err);
        }
        if (r < 0 && created) /* a half-made bridge would pass for a ready one next time */
                (void)netlink_link_delete(nl, n->bridge, NULL);
        return r;
}

/* Inside the namespace: MAC, address, lo and ifname up, the default route. */
static int plumb_inside(int netns_fd, const struct network *n, const struct endpoint_request *req,
                        uint32_t ip, unsigned prefix, const uint8_t mac[6], struct berth_error **err)
{
        struct netlink nl = NETLINK_INIT;
        uint32_t gw = 0;
        int r = netlink_open_netns(&nl, netns_fd, err);

        if (r >= 0)
                r = netlink_link_set_mac(&nl, req->ifname, mac, err);
        if (r >= 0)
                r = netlink_addr_add(&nl, req->ifname, ipam_in_addr(ip), prefix, err);
        if (r >= 0)
                r = netlink_link_set_up(&nl, "lo", true, err);
        if (r >= 0)
                r = netlink_link_set_up(&nl, req->ifname, true, err);
        if (r >= 0 && req->default_route) {
                r = ipam_parse_ip(n->gateway, &gw, err);
                if (r >= 0)
                        r = netlink_route_add_default(&nl, ipam_in_addr(gw), err);
        }
        netlink_close(&nl);
        return r;
}

static int parse_mac(const char *s, uint8_t mac[6], struct berth_error **err)
{
        unsigned b[6];
        char end;

        if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6 ||
            strlen(s) != 17)
                return berth_err_msg(err, EINVAL, "invalid MAC address: %s", s);
        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t)b[i];
        return 0;
}

/*
 * The names file without the lines of container_id (last field: its first 12 hex), plus `line`;
 * removed once empty (the resolver exits then).
 */
static int names_update(const char *path, const char *container_id, const char *line,
                        struct berth_error **err)
{
        _cleanup_free_ char *text = NULL, *out = NULL;
        size_t len = 0, o = 0;
        char id12[13];
        int r = read_file_at(AT_FDCWD, path, NAMES_MAX, &text, &len, err);

        if (r == -ENOENT) {
                berth_error_freep(err);
                if (!line)
                        return 0;
        } else if (r < 0)
                return r;
        snprintf(id12, sizeof(id12), "%.12s", container_id);
        out = xmalloc(len + (line ? strlen(line) : 0) + 2);
        for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
                const char *last;
                size_t l;
                nl = strchr(p, '\n');
                l = nl ? (size_t)(nl - p) : strlen(p);
                last = memrchr(p, ' ', l);
                last = last ? last + 1 : p;
                if (l == 0 || ((size_t)(p + l - last) == 12 && strncmp(last, id12, 12) == 0))
                        continue;
                memcpy(out + o, p, l);
                o += l;
                out[o++] = '\n';
        }
        if (line) {
                strcpy(out + o, line);
                o += strlen(line);
        }
        out[o] = '\0';
        if (o == 0) {
                if (unlink(path) < 0 && errno != ENOENT)
                        return berth_err(err, errno, "remove `%s`", path);
                return 0;
        }
        return write_run_file(path, out, err);
}

static json_t *endpoint_json(const struct network *n, const struct endpoint_request *req, const char *ip,
                             unsigned prefix, const uint8_t mac[6])
{
        _cleanup_free_ char *epid = NULL;
        char macs[18], id12[13];
        json_t *aliases = json_null(), *dns = json_null();

        epid = random_id_new();
        snprintf(macs, sizeof(macs), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                 mac[5]);
        snprintf(id12, sizeof(id12), "%.12s", req->container_id);
        if (req->aliases && req->aliases[0]) {
                aliases = json_array();
                for (size_t i = 0; req->aliases[i]; i++)
                        json_array_append_new(aliases, json_string(req->aliases[i]));
        }
        if (!is_default(n)) {
                dns = json_array();
                if (req->container_name)
                        json_array_append_new(dns, json_string(req->container_name));
                for (size_t i = 0; req->aliases && req->aliases[i]; i++)
                        json_array_append_new(dns, json_string(req->aliases[i]));
                json_array_append_new(dns, json_string(id12));
        }
        return json_pack("{s:o,s:n,s:o,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:i,s:n,s:o}", "IPAMConfig",
                         req->ip ? json_pack("{s:s}", "IPv4Address", req->ip) : json_null(), "Links",
                         "Aliases", aliases, "MacAddress", macs, "NetworkID", n->id, "EndpointID", epid,
                         "Gateway", n->gateway, "IPAddress", ip, "IPPrefixLen", (int)prefix, "IPv6Gateway",
                         "", "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "DriverOpts", "DNSNames",
                         dns);
}

/* "IP NAME ALIAS... ID12\n" for the resolver. */
static char *names_line(const struct endpoint_request *req, const char *ip)
{
        char *line = xasprintf("%s", ip), *t;

        if (req->container_name) {
                t = xasprintf("%s %s", line, req->container_name);
                free(line);
                line = t;
        }
        for (size_t i = 0; req->aliases && req->aliases[i]; i++) {
                t = xasprintf("%s %s", line, req->aliases[i]);
                free(line);
                line = t;
        }
        t = xasprintf("%s %.12s\n", line, req->container_id);
        free(line);
        return t;
}

struct attach_state {
        struct netlink nl;
        int netns_fd;
        char host[IFNAMSIZ];
        bool veth_made;
        uint32_t ip;
        bool ip_taken;
        char *ipam_path;
};

/* The host side: bridge, address, veth pair (a stale one of the same name is replaced), bridge port. */
static int attach_host(struct store *s, const struct network *n, const struct endpoint_request *req,
                       struct attach_state *st, struct ipam_subnet *sn, struct berth_error **err)
{
        uint32_t gw, want = 0;
        int r;

        r = ipam_parse_cidr(n->subnet, sn, err);
        if (r >= 0)
                r = ipam_parse_ip(n->gateway, &gw, err);
        if (r >= 0 && req->ip)
                r = ipam_parse_ip(req->ip, &want, err);
        if (r >= 0)
                r = bridge_ensure(s, &st->nl, n, err);
        if (r >= 0)
                r = ipam_allocate(st->ipam_path, sn, gw, want, req->container_id, &st->ip, err);
        if (r < 0)
                return r;
        st->ip_taken = true;
        r = netlink_veth_create(&st->nl, st->host, req->ifname, st->netns_fd, 0, err);
        if (r == -EEXIST && netlink_link_index(&st->nl, st->host, NULL) > 0) {
                /* Left by a crash (the name is this container's own); the peer's name clashing is real. */
                berth_error_freep(err);
                (void)netlink_link_delete(&st->nl, st->host, NULL);
                r = netlink_veth_create(&st->nl, st->host, req->ifname, st->netns_fd, 0, err);
        }
        if (r < 0)
                return r;
        st->veth_made = true;
        r = netlink_link_set_master(&st->nl, st->host, n->bridge, err);
        return r < 0 ? r : netlink_link_set_up(&st->nl, st->host, true, err);
}

static int attach_locked(struct store *s, const struct network *n, const struct endpoint_request *req,
                         struct attach_state *st, json_t **ret, struct berth_error **err)
{
        _cleanup_free_ char *run = network_run_dir(s, n->name), *line = NULL;
        _cleanup_free_ char *names = xasprintf("%s/names", run);
        _cleanup_free_ char *epfile = xasprintf("%s/endpoints/%s", run, req->container_id);
        _cleanup_free_ char *host_line = xasprintf("%s\n", st->host);
        struct ipam_subnet sn;
        char ip[INET_ADDRSTRLEN];
        uint8_t mac[6];
        int r;

        if (!network_record_exists(s, n->name))
                return berth_err_msg(err, ENOENT, "network %s not found", n->name);
        r = mkdir_p(run, 0700, err); /* the IPAM file's */
        if (r < 0)
                return r;
        r = attach_host(s, n, req, st, &sn, err);
        if (r < 0)
                return r;
        ipam_format_ip(st->ip, ip);
        if (req->mac)
                r = parse_mac(req->mac, mac, err);
        else
                netlink_mac_from_ipv4(ipam_in_addr(st->ip), mac);
        if (r >= 0)
                r = plumb_inside(st->netns_fd, n, req, st->ip, sn.prefix, mac, err);
        if (r >= 0)
                r = write_run_file(epfile, host_line, err);
        if (r >= 0 && !is_default(n)) {
                line = names_line(req, ip);
                r = names_update(names, req->container_id, line, err);
                if (r >= 0)
                        r = resolver_ensure(s, n->name, n->gateway, err);
                if (r < 0)
                        (void)names_update(names, req->container_id, NULL, NULL);
        }
        if (r < 0) {
                (void)unlink(epfile);
                return r;
        }
        *ret = endpoint_json(n, req, ip, sn.prefix, mac);
        return 0;
}

int endpoint_attach(struct store *s, const struct network *n, const struct endpoint_request *req,
                    json_t **ret_endpoint, struct berth_error **err)
{
        struct attach_state st = {.nl = NETLINK_INIT, .netns_fd = -EBADF};
        int lock = -EBADF, r;
        NETWORK_LOCAL_ERR(err);

        if (!n->bridge)
                return berth_err_msg(err, EINVAL, "attach to network %s: not a bridge network", n->name);
        /* Docker's rules for the default bridge. */
        if (is_default(n) && req->aliases && req->aliases[0])
                return berth_err_msg(
                    err, EINVAL,
                    "network-scoped alias is supported only for containers in user defined networks");
        if (is_default(n) && req->ip)
                return berth_err_msg(err, EINVAL,
                                     "user specified IP address is supported on user defined networks only");
        r = host_ifname(req->container_id, req->ifname, st.host, err);
        if (r < 0)
                return berth_err_prefix(err, "attach to network %s", n->name);
        st.ipam_path = network_ipam_path(s, n->name);
        st.netns_fd = open(req->netns_path, O_RDONLY | O_CLOEXEC);
        if (st.netns_fd < 0)
                r = berth_err(err, errno, "open `%s`", req->netns_path);
        if (r >= 0)
                r = network_lock(s, &lock, err);
        if (r >= 0)
                r = netlink_open(&st.nl, err);
        if (r >= 0)
                r = attach_locked(s, n, req, &st, ret_endpoint, err);
        if (r < 0 && st.veth_made)
                (void)netlink_link_delete(&st.nl, st.host, NULL);
        if (r < 0 && st.ip_taken)
                (void)ipam_release(st.ipam_path, st.ip, NULL);
        network_unlock(lock);
        netlink_close(&st.nl);
        if (st.netns_fd >= 0)
                close(st.netns_fd);
        free(st.ipam_path);
        return r < 0 ? berth_err_prefix(err, "attach to network %s", n->name) : 0;
}

/* The bookkeeping half of a detach, under the lock: endpoint file, address, names. No netlink. */
static int release_locked(struct store *s, const struct network *n, const char *container_id,
                          struct berth_error **err)
{
        _cleanup_free_ char *run = network_run_dir(s, n->name), *ipam = network_ipam_path(s, n->name);
        _cleanup_free_ char *names = xasprintf("%s/names", run);
        _cleanup_free_ char *epfile = xasprintf("%s/endpoints/%s", run, container_id);
        int r = 0;

        if (unlink(epfile) < 0 && errno != ENOENT)
                r = berth_err(err, errno, "remove `%s`", epfile);
        if (r >= 0)
                r = ipam_release_owner(ipam, container_id, err);
        if (r >= 0)
                r = names_update(names, container_id, NULL, err);
        return r;
}

int endpoint_release(struct store *s, const struct network *n, const char *container_id,
                     struct berth_error **err)
{
        int lock = -EBADF, r;
        NETWORK_LOCAL_ERR(err);

        r = network_lock(s, &lock, err);
        if (r >= 0)
                r = release_locked(s, n, container_id, err);
        network_unlock(lock);
        return r < 0 ? berth_err_prefix(err, "detach from network %s", n->name) : 0;
}

int endpoint_detach(struct store *s, const struct network *n, const char *container_id,
                    const json_t *endpoint, struct berth_error **err)
{
        _cleanup_free_ char *run = network_run_dir(s, n->name), *host = NULL;
        _cleanup_free_ char *epfile = xasprintf("%s/endpoints/%s", run, container_id);
        _cleanup_free_ char *netns = netns_path(s, container_id);
        struct netlink nl = NETLINK_INIT;
        int lock = -EBADF, r;
        NETWORK_LOCAL_ERR(err);

        (void)endpoint; /* everything the container has on n is found by its id */
        r = network_lock(s, &lock, err);
        /* Without its namespace the pair is the kernel's to reap (network.h); with it, ours. */
        if (r >= 0 && netns_exists(netns) && read_file_at(AT_FDCWD, epfile, 64, &host, NULL, NULL) >= 0) {
                host[strcspn(host, "\n")] = '\0';
                r = netlink_open(&nl, err);
                /* ENODEV: gone with its namespace already. */
                if (r >= 0 && *host)
                        r = ignore(netlink_link_delete(&nl, host, err), -ENODEV, err);
                netlink_close(&nl);
        }
        if (r >= 0)
                r = release_locked(s, n, container_id, err);
        network_unlock(lock);
        return r < 0 ? berth_err_prefix(err, "detach from network %s", n->name) : 0;
}
