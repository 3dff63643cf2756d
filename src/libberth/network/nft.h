/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * berth's nftables rules, through libnftables (no `nft` subprocess).
 *
 * Everything lives in berth's own table, `table ip berth`, so docker's,
 * podman's, ufw's and firewalld's tables are never touched and never touch
 * ours (docs/design/network.md, "nftables"). IPv4 only for now.
 *
 *   base chains (created, or repaired when incomplete, in the same transaction as a change):
 *     prerouting      nat hook prerouting, dstnat    fib daddr type local jump published-ports
 *     output          nat hook output, -100          fib daddr type local jump published-ports
 *     postrouting     nat hook postrouting, srcnat   jump outbound-nat
 *     forward         filter hook forward, filter    jump bridge-isolate;
 *                                                    ct state established,related accept;
 *                                                    jump bridge-forward
 *     raw-prerouting  filter hook prerouting, raw    jump localnet-guard
 *   regular chains (the rules added and removed below):
 *     published-ports  one dnat rule per published port, comment "ctr=<id> <mapping>"
 *     outbound-nat, bridge-isolate, bridge-forward, localnet-guard
 *                      a network's rules, comment "net=<name> <what>"; an internal
 *                      network's drops sit in bridge-isolate, ahead of every
 *                      network's accepts (which would otherwise let its traffic out)
 *
 * Every rule carries a comment naming its owner; removal lists the table
 * (JSON, with handles) and deletes exactly the rules whose comment names that
 * container or network, in one transaction. Adding first lists the same way
 * and skips rules whose comment is already there, so applying twice never
 * duplicates and removing something absent is a no-op.
 *
 * Not safe against a second berth process changing the same owner's rules at
 * the same moment (list-then-add): callers hold the network's lock.
 *
 * Published ports on 127.0.0.1 (locally generated traffic) are DNATed in the
 * output chain; for the kernel to route a packet with source 127.0.0.1 out of
 * the bridge, the bridge needs net.ipv4.conf.<bridge>.route_localnet=1 (set by
 * the bridge's creator). The network's rules then masquerade that source to
 * the bridge address, and localnet-guard drops packets arriving from the
 * bridge for 127.0.0.0/8, which route_localnet would otherwise let in.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "network/ports.h"

#define NFT_TABLE_FAMILY "ip"
#define NFT_TABLE_NAME "berth"

struct nft_network {
        const char *name;   /* the network's name, [a-zA-Z0-9][a-zA-Z0-9_.-]* */
        const char *bridge; /* its bridge interface, e.g. "berth0" */
        const char *subnet; /* IPv4 CIDR, e.g. "10.66.0.0/16" */
        bool internal;      /* no masquerade, no forwarding in or out of the bridge */
};

struct nft_port {
        const char *container_id; /* [a-zA-Z0-9]+, at most 64 */
        const char *host_ip;      /* IPv4, or NULL/"" for every local address */
        uint16_t host_port;       /* a resolved port (see port_allocate()), not 0 */
        const char *container_ip; /* IPv4 */
        uint16_t container_port;
        enum port_proto proto;
};

/* Creates the table and its chains if missing, and resets the base chains' rules. Idempotent. */
int nft_ensure_base(struct berth_error **err);

/*
 * A network's rules (the base is ensured in the same transaction):
 *   not internal: masquerade of the subnet leaving through any other interface,
 *                 forward accept in and out of the bridge;
 *   internal:     forward drop between the bridge and any other interface;
 *   both:         masquerade of hairpin (container -> published port -> container)
 *                 and of 127.0.0.0/8 sources leaving through the bridge; drop of
 *                 packets from the bridge to 127.0.0.0/8.
 * Idempotent per network name (an existing rule with the same comment is kept).
 */
int nft_network_add(const struct nft_network *net, struct berth_error **err);
/* Deletes every rule of that network; none is fine. */
int nft_network_remove(const char *name, struct berth_error **err);

/* One published port's DNAT (prerouting and output). Idempotent. */
int nft_port_add(const struct nft_port *p, struct berth_error **err);
/* Several at once, in one transaction (a -p range of 1000 ports is one call). Idempotent. */
int nft_ports_add(const struct nft_port *ports, size_t n, struct berth_error **err);
/* Deletes every published-port rule of that container; none is fine. */
int nft_ports_remove(const char *container_id, struct berth_error **err);

/*
 * While dockerd's iptables rules exist (`ip filter DOCKER-USER`, iptables-nft): accepts for the network's
 * bridge there, so that dockerd's FORWARD policy DROP does not drop berth's containers' traffic. Nothing
 * without that chain; idempotent (our rules carry the comment "berth <bridge> ...").
 */
int nft_docker_user_allow(const struct nft_network *n, struct berth_error **err);

/* `list table ip berth` as nft prints it (*ret NULL-free, caller frees); ENOENT without the table. */
int nft_list(char **ret, struct berth_error **err);
/* Deletes berth's whole table (uninstall, tests). Absent is fine. */
int nft_table_delete(struct berth_error **err);
