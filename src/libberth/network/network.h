/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Networks and the endpoints of containers on them (docs/design/network.md).
 *
 * A network is a record, $root/networks/<name>.json, in the shape of Docker's
 * `network inspect` (minus "Containers", which is computed from the IPAM file:
 * its owners are the containers with an endpoint). The default network
 * `bridge` (bridge interface berth0, 10.66.0.0/16 unless BERTH_BRIDGE_SUBNET
 * says otherwise) is created on first use; `host` and `none` are listed as
 * Docker lists them and cannot be removed. A user network's bridge is
 * "br-" + the first 12 hex digits of its id.
 *
 * Files under the store's root (they survive a reboot; the kernel objects
 * do not, and are recreated on the next attach):
 *   $root/networks/<name>.json         the record (written atomically)
 *   $root/networks/.lock               flock: create/remove/attach of any network
 * And under the runroot (the state of running containers, gone with a reboot as they are):
 *   $runroot/netns/<container id>      the container's network namespace (bind mount)
 *   $runroot/networks/<name>/ipam.json addresses in use, owner = container id (ipam.c)
 *   $runroot/networks/<name>/names     "IP NAME [ALIAS...]" per endpoint, for the resolver
 *
 * Every kernel change goes through netlink.c and nft.c: no subprocess.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "store/store.h"

#define NETWORK_DEFAULT_NAME "bridge"
#define NETWORK_DEFAULT_BRIDGE "berth0"
#define NETWORK_DEFAULT_SUBNET "10.66.0.0/16"
/* What every store on this host shares: the default bridge's addresses (network-store.c). */
#define NETWORK_HOST_STATE_DIR "/run/berth-net"

struct network {
        char *name;
        char *id;      /* 64 hex */
        char *driver;  /* "bridge", "host", "null" */
        char *bridge;  /* the bridge interface; NULL for host/none */
        char *subnet;  /* "10.66.0.0/16"; NULL for host/none */
        char *gateway; /* "10.66.0.1" */
        bool internal;
        json_t *record; /* the whole record, Docker's shape: Name, Id, Created, Scope, Driver, EnableIPv6,
                         * IPAM{Driver,Options,Config[{Subnet,Gateway}]}, Internal, Attachable, Ingress,
                         * ConfigFrom, ConfigOnly, Options, Labels */
};

void network_free(struct network *n);
static inline void network_freep(struct network **n)
{
        if (*n)
                network_free(*n);
}
#define _cleanup_network_ __attribute__((cleanup(network_freep)))

/* Is this the name of a network that is not a bridge (host, none)? */
bool network_is_builtin_special(const char *name);

/*
 * By name, full id or unique id prefix (as Docker). "bridge" is created (record only) on first
 * lookup. ENOENT "network NAME not found" (Docker's words; the CLI exits 1, `run` 125).
 */
int network_load(struct store *s, const char *name_or_id, struct network **ret, struct berth_error **err);

struct network_create_options {
        const char *name;
        const char *driver;  /* NULL or "bridge"; anything else: EINVAL "plugin \"X\" not found" */
        const char *subnet;  /* NULL: the next free /24... as Docker: a free block from 10.67.0.0/16 up */
        const char *gateway; /* NULL: the subnet's first address */
        bool internal;
        json_t *labels;      /* object or NULL (borrowed) */
        json_t *options;     /* -o: object or NULL (borrowed), recorded as Options */
        bool attachable;     /* recorded only: no swarm here */
};

/*
 * Writes the record. EEXIST "network with name NAME already exists"; an overlapping subnet
 * EEXIST "Pool overlaps with other one on this address space"; a gateway outside the
 * subnet EINVAL "no matching subnet for gateway X". No kernel object is created here.
 */
int network_create(struct store *s, const struct network_create_options *o, struct network **ret,
                   struct berth_error **err);

/* Every network, bridge/host/none included, by name. */
int network_list(struct store *s, struct network ***ret, size_t *ret_n, struct berth_error **err);
void network_list_free(struct network **list, size_t n);

/* The ids of the containers with an endpoint on it (IPAM owners), sorted; *ret NULL-terminated. */
int network_endpoints(struct store *s, const struct network *n, char ***ret, struct berth_error **err);

/*
 * Removes the record, the bridge, its nft rules and its IPAM file. EBUSY
 * "error while removing network: network NAME id ID has active endpoints" while a container
 * is attached; EPERM "NAME is a pre-defined network and cannot be removed" for bridge/host/none.
 */
int network_remove(struct store *s, struct network *n, struct berth_error **err);

/* ---- network namespaces ---- */

/* $runroot/netns/<id> */
char *netns_path(struct store *s, const char *container_id);
/* A new, empty network namespace (lo down) bind-mounted at path; EEXIST if path is one already. */
int netns_create(const char *path, struct berth_error **err);
/* Unmount and unlink; absent is fine. */
int netns_remove(const char *path, struct berth_error **err);
/* Is path a network namespace (an nsfs mount)? */
bool netns_exists(const char *path);

/* ---- endpoints ---- */

struct endpoint_request {
        const char *container_id;   /* 64 hex */
        const char *container_name; /* for the resolver's names, without '/' */
        const char *netns_path;     /* the namespace to plug into (netns_create'd) */
        const char *ifname;         /* "eth0" for the first network, "eth1"... */
        const char *ip;             /* --ip, or NULL */
        const char *mac;            /* --mac-address, or NULL: 02:42 + the IPv4 address */
        const char *const *aliases; /* --network-alias, NULL-terminated or NULL */
        bool default_route;         /* the first network gives the default route */
};

/*
 * Plugs the container into the network: makes sure the bridge exists and is up with the gateway
 * address (route_localnet=1 on it, ip_forward=1, the network's nft rules), allocates the address
 * (ipam), creates the veth pair (host side "veth" + 11 hex of the container id, or "vethN..." for a
 * second network), sets MAC, address, lo up, default route; adds the names to the network's names
 * file and, on a user network, makes sure its resolver runs. Returns Docker's EndpointSettings:
 * {"IPAMConfig": {"IPv4Address": ip} or null, "Links": null, "Aliases": [...] or null,
 *  "MacAddress", "NetworkID", "EndpointID", "Gateway", "IPAddress", "IPPrefixLen",
 *  "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DriverOpts": null,
 *  "DNSNames": [name, aliases..., id12] or null on the default bridge}.
 * On failure nothing is left behind (address released, veth deleted).
 */
int endpoint_attach(struct store *s, const struct network *n, const struct endpoint_request *req,
                    json_t **ret_endpoint, struct berth_error **err);

/*
 * The reverse: veth deleted if the container's namespace still exists (once it is gone, the kernel
 * reaps the pair with it, asynchronously: deleting it here would cost 10-25 ms of RCU waits on the
 * stop path), address released, names removed
 * (the resolver exits by itself when its network has no names left). Idempotent: whatever is
 * already gone is skipped; `endpoint` may be NULL (then everything the container owns on n).
 */
int endpoint_detach(struct store *s, const struct network *n, const char *container_id, const json_t *endpoint,
                    struct berth_error **err);

/*
 * endpoint_detach for a container whose namespace is gone: address released, names removed, no netlink
 * (the lean supervisor calls it, which does not load libmnl). Idempotent.
 */
int endpoint_release(struct store *s, const struct network *n, const char *container_id,
                     struct berth_error **err);

/* The resolver's address for containers on n (its gateway), or NULL when n has none (bridge). */
const char *network_resolver_address(const struct network *n);
