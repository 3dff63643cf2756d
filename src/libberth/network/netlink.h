/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * rtnetlink over libmnl: links, bridges, veth pairs, IPv4 addresses and
 * routes, with no `ip` subprocess (docs/design/network.md).
 *
 * A `struct netlink` is one NETLINK_ROUTE socket. A socket acts on the network
 * namespace it was created in, whatever namespace its user later joins, so
 * netlink_open_netns() gives a handle on a container's namespace without
 * moving the caller. Each request waits for the kernel's ACK; errors name the
 * object: "create bridge `berth0`: File exists".
 *
 * Links are named by interface name (resolved in the handle's namespace).
 * Not thread-safe: one handle per thread.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

struct mnl_socket;

struct netlink {
        struct mnl_socket *sock;
        unsigned portid;
        unsigned seq;
        char ext_msg[160]; /* the kernel's extended-ACK message of the last request, if any */
};

#define NETLINK_INIT                                                                                        \
        {                                                                                                   \
                .sock = NULL                                                                                \
        }

/* A socket in the caller's network namespace. CLOEXEC. */
int netlink_open(struct netlink *nl, struct berth_error **err);
/*
 * A socket in the network namespace `netns_fd` refers to (an fd on
 * /proc/PID/ns/net or a bind mount of it). The calling thread enters that
 * namespace for the socket() call only and comes back (needs CAP_SYS_ADMIN).
 */
int netlink_open_netns(struct netlink *nl, int netns_fd, struct berth_error **err);
/* NULL-safe and idempotent. */
void netlink_close(struct netlink *nl);

/* The ifindex of `name`: > 0, or -ENODEV "link `name`: No such device". */
int netlink_link_index(struct netlink *nl, const char *name, struct berth_error **err);

/* The names of all links of the handle's namespace (a NULL-terminated strv, never NULL on success). */
int netlink_link_names(struct netlink *nl, char ***ret, struct berth_error **err);
/* Docker's MAC for an address: 02:42 then the four bytes of the IPv4 address. */
void netlink_mac_from_ipv4(struct in_addr ip, uint8_t ret[6]);

/* Creates a bridge, already up; mtu 0 keeps the kernel's default. -EEXIST if the name is taken. */
int netlink_bridge_create(struct netlink *nl, const char *name, unsigned mtu, struct berth_error **err);
/*
 * Creates a veth pair: `host_name` in the handle's namespace and `peer_name`
 * created directly in the namespace `peer_netns_fd` (-1: the handle's own), so
 * the peer can be called eth0 at once. Both ends are down; mtu 0 = default.
 */
int netlink_veth_create(struct netlink *nl, const char *host_name, const char *peer_name, int peer_netns_fd,
                        unsigned mtu, struct berth_error **err);
/* Moves a link to the namespace `netns_fd`, renaming it there if new_name is not NULL. */
int netlink_link_set_netns(struct netlink *nl, const char *name, int netns_fd, const char *new_name,
                           struct berth_error **err);
int netlink_link_set_up(struct netlink *nl, const char *name, bool up, struct berth_error **err);
int netlink_link_set_mac(struct netlink *nl, const char *name, const uint8_t mac[6],
                         struct berth_error **err);
int netlink_link_set_mtu(struct netlink *nl, const char *name, unsigned mtu, struct berth_error **err);
/* Attaches `name` to the bridge `master` (IFLA_MASTER); master NULL detaches. */
int netlink_link_set_master(struct netlink *nl, const char *name, const char *master,
                            struct berth_error **err);
/* Deletes a link (for a veth, both ends go). -ENODEV if it does not exist. */
int netlink_link_delete(struct netlink *nl, const char *name, struct berth_error **err);

/* Adds addr/prefix to a link, with the subnet's broadcast address. -EEXIST if already there. */
int netlink_addr_add(struct netlink *nl, const char *name, struct in_addr addr, unsigned prefix,
                     struct berth_error **err);
int netlink_addr_del(struct netlink *nl, const char *name, struct in_addr addr, unsigned prefix,
                     struct berth_error **err);
/* Adds the default route via `gateway` (main table) in the handle's namespace. */
int netlink_route_add_default(struct netlink *nl, struct in_addr gateway, struct berth_error **err);

/*
 * Sets net.ipv4.ip_forward to 1 in the CALLER's network namespace (a
 * per-namespace sysctl; not the handle's) unless it is already 1.
 * Returns 1 if it changed it, 0 if it was already on.
 */
int netlink_enable_ip_forward(struct berth_error **err);
