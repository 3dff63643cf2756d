/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's networks (container-net.h): the namespace, the endpoints and
 * the published ports, set up under the container's lock before its runtime
 * starts, torn down when it stops for good.
 *
 * The namespace is made by berth, bind-mounted at $runroot/netns/<id>, and
 * joined by path through config.json: it outlives the container's init, so a
 * restart by the supervisor finds its network as it left it, and it is ready
 * before any process of the container runs (no window without a network).
 *
 * Published host ports are held: for each one a socket bound to it (never
 * listening) is kept open by the supervisor while the container lives. The
 * traffic goes through the DNAT rules, never through those sockets; they make
 * the port taken for any other process or container, which is what Docker's
 * proxy gives, without its process per port.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "container/container-net-internal.h"
#include "container/container-net.h"
#include "network/network.h"
#include "network/nft.h"

json_t *container_net_settings(struct container *c)
{
        json_t *ns = json_object_get(c->record, "NetworkSettings");

        if (!json_is_object(ns)) {
                ns = json_object();
                json_object_set_new(c->record, "NetworkSettings", ns);
        }
        return ns;
}

static json_t *net_networks(struct container *c)
{
        json_t *ns = container_net_settings(c), *nets = json_object_get(ns, "Networks");

        if (!json_is_object(nets)) {
                nets = json_object();
                json_object_set_new(ns, "Networks", nets);
        }
        return nets;
}

static const char *mode_of(const json_t *host_config)
{
        const char *m = json_string_value(json_object_get(host_config, "NetworkMode"));

        return m && *m ? m : "none";
}

static bool mode_wants_namespace(const char *m)
{
        return !streq(m, "none") && !streq(m, "host") && strncmp(m, "container:", 10) != 0;
}

const char *container_net_mode(const struct container *c)
{
        return mode_of(json_object_get(c->record, "HostConfig"));
}

bool container_net_wants_namespace(const struct container *c)
{
        return mode_wants_namespace(container_net_mode(c));
}

int container_net_check_request(struct store *s, json_t *host_config, struct berth_error **err)
{
        _cleanup_network_ struct network *n = NULL;
        /* A copy: NetworkMode is replaced below, and with it the string mode_of() pointed into. */
        _cleanup_free_ char *mode = xstrdup(mode_of(host_config));
        json_t *epc = json_object_get(json_object_get(host_config, "NetworkingConfig"), "EndpointsConfig"),
               *ep;
        int r = 0;

        if (!mode_wants_namespace(mode)) /* none, host, container:ID: Docker checks the container at start */
                return 0;
        r = network_load(s, mode, &n, err);
        if (r < 0)
                return r;
        ep = json_object_get(epc, mode);
        if (!streq(n->name, mode)) { /* an id or a prefix of one: the record speaks of names */
                json_object_set_new(host_config, "NetworkMode", json_string(n->name));
                if (ep) {
                        json_object_set(epc, n->name, ep);
                        json_object_del(epc, mode);
                }
        }
        if (!n->bridge)
                return 0;
        if (streq(n->name, NETWORK_DEFAULT_NAME) && json_object_get(ep, "IPAMConfig"))
                return berth_err_msg(err, EINVAL,
                                     "user specified IP address is supported on user defined "
                                     "networks only");
        if (streq(n->name, NETWORK_DEFAULT_NAME) && json_object_get(ep, "Aliases"))
                return berth_err_msg(err, EINVAL,
                                     "network-scoped alias is supported only for containers in "
                                     "user defined networks");
        return 0;
}

int container_net_join_path(struct store *s, const struct container *c, char **ret, struct berth_error **err)
{
        const char *mode = container_net_mode(c);
        _cleanup_container_ struct container *other = NULL;
        json_t *st;
        int r;

        *ret = NULL;
        if (container_net_wants_namespace(c)) {
                const char *key = json_string_value(
                    json_object_get(json_object_get(c->record, "NetworkSettings"), "SandboxKey"));
                *ret = xstrdup(key ? key : "");
                return 0;
        }
        if (strncmp(mode, "container:", 10) != 0)
                return 0;
        r = container_load(s, mode + 10, &other, err);
        if (r < 0)
                return r;
        st = json_object_get(other->record, "State");
        if (container_status(other) != CONTAINER_RUNNING ||
            json_integer_value(json_object_get(st, "Pid")) <= 0)
                return berth_err_msg(err, EINVAL, "cannot join network of a non running container: %s",
                                     other->id);
        /* The other's init: its namespace is the one its network (any mode) lives in. */
        *ret = xasprintf("/proc/%lld/ns/net", (long long)json_integer_value(json_object_get(st, "Pid")));
        return 0;
}

/* The endpoint fields that only mean something while the container runs. */
static void endpoint_clear(json_t *ep)
{
        static const char *const strs[] = {"EndpointID",  "Gateway",           "IPAddress",
                                           "IPv6Gateway", "GlobalIPv6Address", "NetworkID"};

        for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
                json_object_set_new(ep, strs[i], json_string(""));
        json_object_set_new(ep, "IPPrefixLen", json_integer(0));
        json_object_set_new(ep, "GlobalIPv6PrefixLen", json_integer(0));
        json_object_set_new(ep, "MacAddress", json_string(""));
        json_object_set_new(ep, "DNSNames", json_null());
}

/* Docker's top-level copies of the default bridge's endpoint (and "" otherwise). */
static void legacy_fields(struct container *c)
{
        json_t *ns = container_net_settings(c), *ep = json_object_get(net_networks(c), NETWORK_DEFAULT_NAME);
        static const char *const strs[] = {"EndpointID", "Gateway",     "GlobalIPv6Address",
                                           "IPAddress",  "IPv6Gateway", "MacAddress"};

        for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
                json_t *v = json_object_get(ep, strs[i]);
                json_object_set_new(ns, strs[i], json_string(json_string_value(v) ?: ""));
        }
        json_object_set_new(ns, "IPPrefixLen",
                            json_integer(json_integer_value(json_object_get(ep, "IPPrefixLen"))));
        json_object_set_new(ns, "GlobalIPv6PrefixLen", json_integer(0));
}

void container_net_record_init(json_t *record, json_t *endpoints_config)
{
        struct container tmp = {.record = record};
        const char *mode = container_net_mode(&tmp), *k;
        json_t *nets, *ns, *v;

        ns = json_pack("{s:s,s:s,s:s,s:{},s:b,s:s,s:i,s:n,s:n}", "Bridge", "", "SandboxID", "", "SandboxKey",
                       "", "Ports", "HairpinMode", 0, "LinkLocalIPv6Address", "", "LinkLocalIPv6PrefixLen",
                       0, "SecondaryIPAddresses", "SecondaryIPv6Addresses");
        json_object_set_new(record, "NetworkSettings", ns);
        nets = net_networks(&tmp);
        if (!streq(mode, "none") && strncmp(mode, "container:", 10) != 0)
                json_object_set_new(nets, mode, json_object());
        json_object_foreach (endpoints_config, k, v)
                if (json_is_object(v))
                        json_object_set(nets, k, v);
        json_object_foreach (nets, k, v) {
                json_t *def = json_pack("{s:n,s:n,s:n,s:s,s:n,s:i}", "IPAMConfig", "Links", "Aliases",
                                        "MacAddress", "", "DriverOpts", "GwPriority", 0);
                json_object_update_missing(v, def);
                json_decref(def);
                endpoint_clear(v);
        }
        if (streq(mode, "none"))
                json_object_set_new(nets, "none",
                                    json_pack("{s:n,s:n,s:n,s:s,s:n,s:i}", "IPAMConfig", "Links", "Aliases",
                                              "MacAddress", "", "DriverOpts", "GwPriority", 0));
        legacy_fields(&tmp);
}

/* The networks to plug in, the NetworkMode one first (it gives eth0 and the default route). */
static char **networks_in_order(struct container *c)
{
        const char *mode = container_net_mode(c), *k;
        char **list = NULL;
        json_t *v;

        if (!container_net_wants_namespace(c))
                return NULL;
        /* NetworkMode stays what it was after a disconnect from it (Docker): only what is in Networks
         * counts. */
        if (json_object_get(net_networks(c), mode))
                list = strv_push(list, mode);
        json_object_foreach (net_networks(c), k, v)
                if (!streq(k, mode))
                        list = strv_push(list, k);
        return list;
}

/* ---- setup and teardown ---- */

static int attach_one(struct store *s, struct container *c, const char *name, unsigned idx,
                      const char *netns, struct berth_error **err)
{
        _cleanup_network_ struct network *n = NULL;
        _cleanup_strv_ char **aliases = NULL;
        json_t *nets = net_networks(c), *cfg = json_object_get(nets, name), *ep = NULL, *v;
        json_t *mac = json_object_get(json_object_get(c->record, "Config"), "MacAddress");
        char ifname[16];
        size_t i;
        int r;

        r = network_load(s, name, &n, err);
        if (r < 0)
                return r;
        if (!n->bridge)
                return berth_err_msg(
                    err, EINVAL,
                    "container cannot be disconnected from host network or connected to host "
                    "network");
        json_array_foreach (json_object_get(cfg, "Aliases"), i, v)
                if (json_is_string(v))
                        aliases = strv_push(aliases, json_string_value(v));
        snprintf(ifname, sizeof(ifname), "eth%u", idx);
        const struct endpoint_request req = {
            .container_id = c->id,
            .container_name = c->name,
            .netns_path = netns,
            .ifname = ifname,
            .ip = json_string_value(json_object_get(json_object_get(cfg, "IPAMConfig"), "IPv4Address")),
            /* --mac-address: Config.MacAddress, for the first network (Docker's older place for it). */
            .mac = idx == 0 && json_string_length(mac) ? json_string_value(mac) : NULL,
            .aliases = (const char *const *)aliases,
            /* An internal network gives no default route, as Docker's: nothing out is even tried. */
            .default_route = idx == 0 && !n->internal,
        };
        r = endpoint_attach(s, n, &req, &ep, err);
        if (r < 0)
                return r;
        /* What the user asked for (IPAMConfig, Aliases) stays; the rest is the endpoint's. */
        if (json_is_object(cfg)) {
                json_object_del(ep, "IPAMConfig");
                json_object_del(ep, "Aliases");
                json_object_update(cfg, ep);
                json_decref(ep);
        } else {
                json_object_set_new(nets, name, ep);
        }
        return 0;
}

int container_net_setup(struct store *s, struct container *c, struct container_net_fds *fds,
                        struct berth_error **err)
{
        _cleanup_strv_ char **order = networks_in_order(c);
        _cleanup_free_ char *netns = NULL;
        json_t *first;
        unsigned idx = 0;
        int r;

        *fds = (struct container_net_fds){0};
        if (!order)
                return 0;             /* none, host, container:ID, or disconnected from everything */
        container_net_teardown(s, c); /* the leftovers of a crash, if any */
        netns = netns_path(s, c->id);
        r = netns_create(netns, err);
        if (r < 0)
                return r;
        json_object_set_new(container_net_settings(c), "SandboxKey", json_string(netns));
        json_object_set_new(container_net_settings(c), "SandboxID", json_string(c->id));
        for (char **n = order; *n && r >= 0; n++)
                r = attach_one(s, c, *n, idx++, netns, err);
        first = json_object_get(net_networks(c), order[0]);
        if (r >= 0)
                r = container_ports_publish(c, json_string_value(json_object_get(first, "IPAddress")), fds,
                                            err);
        legacy_fields(c);
        if (r < 0) {
                container_net_fds_close(fds);
                container_net_teardown(s, c);
        }
        return r;
}

bool container_net_has_ports(struct container *c)
{
        json_t *ports = json_object_get(container_net_settings(c), "Ports"), *v;
        const char *k;

        json_object_foreach (ports, k, v)
                if (json_array_size(v) > 0)
                        return true;
        return false;
}

void container_net_teardown_local(struct store *s, struct container *c)
{
        _cleanup_free_ char *netns = netns_path(s, c->id);
        const char *k;
        json_t *ep;

        /* The namespace first: its veths then go with it, in the kernel's time, not the caller's. */
        (void)netns_remove(netns, NULL);
        json_object_foreach (net_networks(c), k, ep) {
                _cleanup_network_ struct network *n = NULL;
                if (json_string_length(json_object_get(ep, "EndpointID")) && network_load(s, k, &n, NULL) == 0)
                        (void)endpoint_release(s, n, c->id, NULL);
                endpoint_clear(ep);
        }
        json_object_set_new(container_net_settings(c), "SandboxKey", json_string(""));
        json_object_set_new(container_net_settings(c), "SandboxID", json_string(""));
        json_object_set_new(container_net_settings(c), "Ports", json_object());
        legacy_fields(c);
}

void container_net_teardown(struct store *s, struct container *c)
{
        if (container_net_has_ports(c))
                (void)nft_ports_remove(c->id, NULL);
        container_net_teardown_local(s, c);
}

void container_net_fds_close(struct container_net_fds *fds)
{
        for (size_t i = 0; i < fds->n; i++)
                close(fds->fds[i]);
        free(fds->fds);
        *fds = (struct container_net_fds){0};
}

const char *container_net_dns_server(const struct container *c)
{
        const char *mode = container_net_mode(c);
        json_t *ep = json_object_get(
            json_object_get(json_object_get(c->record, "NetworkSettings"), "Networks"), mode);

        /* Docker: name resolution on user networks only, never on the default bridge. */
        if (!container_net_wants_namespace(c) || streq(mode, NETWORK_DEFAULT_NAME))
                return NULL;
        return json_string_length(json_object_get(ep, "Gateway"))
                   ? json_string_value(json_object_get(ep, "Gateway"))
                   : NULL;
}

/* ---- connect, disconnect ---- */

static int connect_locked(struct store *s, struct container *c, const struct network *n, const char *ip,
                          const char *const *aliases, struct berth_error **err)
{
        json_t *nets = net_networks(c), *cfg, *al = json_array();
        const char *netns = json_string_value(json_object_get(container_net_settings(c), "SandboxKey"));
        int r = 0;

        if (!container_net_wants_namespace(c) || json_object_get(nets, n->name)) {
                json_decref(al);
                return json_object_get(nets, n->name)
                           ? berth_err_msg(err, EEXIST, "endpoint with name %s already exists in network %s",
                                           c->name, n->name)
                           : berth_err_msg(err, EINVAL,
                                           "container sharing network namespace with another container or "
                                           "host cannot be connected to any other network");
        }
        for (size_t i = 0; aliases && aliases[i]; i++)
                json_array_append_new(al, json_string(aliases[i]));
        cfg = json_pack("{s:o,s:n,s:o,s:s,s:n,s:i}", "IPAMConfig",
                        ip && *ip ? json_pack("{s:s}", "IPv4Address", ip) : json_null(), "Links", "Aliases",
                        json_array_size(al) ? al : (json_decref(al), json_null()), "MacAddress", "",
                        "DriverOpts", "GwPriority", 0);
        endpoint_clear(cfg);
        json_object_set_new(nets, n->name, cfg);
        if (container_status_is_live(container_status(c)) && netns && *netns) {
                /* The first free ethN: a name taken in the namespace fails with EEXIST, try the next. */
                unsigned idx = (unsigned)json_object_size(nets) - 1;
                for (unsigned tries = 0; tries < 16; tries++, idx++) {
                        berth_error_free(err ? TAKE_PTR(*err) : NULL);
                        r = attach_one(s, c, n->name, idx, netns, err);
                        if (r != -EEXIST)
                                break;
                }
                if (r < 0) {
                        json_object_del(nets, n->name);
                        return r;
                }
        }
        return container_save(s, c, err);
}

int container_network_connect(struct store *s, struct container *c, const char *network, const char *ip,
                              const char *const *aliases, struct berth_error **err)
{
        _cleanup_network_ struct network *n = NULL;
        int lock = -1, r;

        r = network_load(s, network, &n, err);
        if (r < 0)
                return r;
        if (!n->bridge)
                return berth_err_msg(
                    err, EINVAL,
                    "container cannot be disconnected from host network or connected to host "
                    "network");
        r = container_lock(s, c->id, &lock, err);
        if (r < 0)
                return r;
        r = container_reload(s, c, err);
        if (r >= 0)
                r = connect_locked(s, c, n, ip, aliases, err);
        container_unlock(lock);
        return r;
}

int container_network_disconnect(struct store *s, struct container *c, const char *network, bool force,
                                 struct berth_error **err)
{
        _cleanup_network_ struct network *n = NULL;
        const char *name = network;
        json_t *ep;
        int lock = -1, r;

        r = network_load(s, network, &n, err);
        if (r < 0 && !force)
                return r;
        if (n)
                name = n->name;
        r = container_lock(s, c->id, &lock, err);
        if (r < 0)
                return r;
        r = container_reload(s, c, err);
        if (r < 0)
                goto out;
        ep = json_object_get(net_networks(c), name);
        if (!ep) {
                r = berth_err_msg(err, ENOENT, "container %s is not connected to network %s", c->id,
                                  network);
                goto out;
        }
        if (n && n->bridge && json_string_length(json_object_get(ep, "EndpointID")))
                (void)endpoint_detach(s, n, c->id, ep, NULL);
        json_object_del(net_networks(c), name);
        legacy_fields(c);
        r = container_save(s, c, err);
out:
        container_unlock(lock);
        return r;
}

int container_net_cleanup(struct store *s, const char *id, struct berth_error **err)
{
        _cleanup_container_ struct container *c = NULL;
        int lock = -1, r;

        r = container_load(s, id, &c, err);
        if (r == -ENOENT) {
                _cleanup_free_ char *netns = netns_path(s, id);
                berth_error_free(err ? TAKE_PTR(*err) : NULL);
                (void)nft_ports_remove(id, NULL);
                return netns_remove(netns, err);
        }
        if (r < 0)
                return r;
        r = container_lock(s, c->id, &lock, err);
        if (r < 0)
                return r;
        r = container_reload(s, c, err);
        if (r >= 0) {
                container_net_teardown(s, c);
                /* --rm: the record goes right after; its fsync'd save would only slow `run --rm` down. */
                if (!json_is_true(json_object_get(json_object_get(c->record, "HostConfig"), "AutoRemove")))
                        r = container_save(s, c, err);
        }
        container_unlock(lock);
        return r;
}

void container_net_release(struct store *s, const char *id, json_t *record)
{
        struct container c = {.record = record};
        const char *key =
            json_string_value(json_object_get(json_object_get(record, "NetworkSettings"), "SandboxKey"));

        snprintf(c.id, sizeof(c.id), "%s", id);
        if (key && *key) /* not released yet: the supervisor died before it could */
                container_net_teardown(s, &c);
}
