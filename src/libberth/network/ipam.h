/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * IPv4 address management for berth's networks (docs/design/network.md).
 *
 * Addresses are uint32_t in HOST byte order (arithmetic is the common case);
 * ipam_in_addr() converts for netlink and the socket API.
 *
 * A network's allocations live in one JSON file whose path the caller chooses
 * ($root/networks/<name>.ipam.json). Every call that reads or changes it takes
 * an exclusive flock on "<path>.lock" and rewrites the file atomically, so
 * parallel berth processes never hand out the same address. No state is kept
 * in memory between calls.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* berth's default bridge subnet: clear of docker (172.17/16) and podman (10.88/16). */
#define IPAM_DEFAULT_SUBNET "10.66.0.0/16"

struct ipam_subnet {
        uint32_t net;    /* network address, host order, host bits zero */
        unsigned prefix; /* 0..32 */
};

static inline struct in_addr ipam_in_addr(uint32_t ip)
{
        return (struct in_addr){.s_addr = htonl(ip)};
}

/* "a.b.c.d" to host order. EINVAL "invalid IP address `x`". */
int ipam_parse_ip(const char *s, uint32_t *ret, struct berth_error **err);
/* "a.b.c.d/n"; host bits set are refused as Docker does ("it should be 10.66.0.0/16"). */
int ipam_parse_cidr(const char *s, struct ipam_subnet *ret, struct berth_error **err);
/* buf must hold INET_ADDRSTRLEN bytes; returns buf. */
char *ipam_format_ip(uint32_t ip, char *buf);
/* "a.b.c.d/n", malloc'ed (xasprintf). */
char *ipam_format_cidr(const struct ipam_subnet *s);

uint32_t ipam_netmask(unsigned prefix);
uint32_t ipam_broadcast(const struct ipam_subnet *s);
/* The first host address: net + 1. */
uint32_t ipam_gateway(const struct ipam_subnet *s);
bool ipam_subnet_contains(const struct ipam_subnet *s, uint32_t ip);
bool ipam_subnets_overlap(const struct ipam_subnet *a, const struct ipam_subnet *b);
/* 0, or -EEXIST with Docker's "Pool overlaps with other one on this address space" if s overlaps one of
 * taken. */
int ipam_check_overlap(const struct ipam_subnet *s, const struct ipam_subnet *taken, size_t n_taken,
                       struct berth_error **err);

/*
 * Allocates one address of `subnet` for `owner` (a container ID) in the file
 * at `path` (created if missing). Reserved: the network address, the broadcast
 * address and `gateway` (0 means ipam_gateway(subnet)). `requested` 0 picks the
 * lowest free address; otherwise that address or an error:
 *   -EADDRINUSE "Address already in use"  (taken, or the gateway)
 *   -EINVAL     "no configured subnet contains the IP address X" / network or broadcast address
 *   -ENOSPC     "no available IPv4 addresses on this network's address pools"
 *   -EINVAL     "no matching subnet for gateway X" (a gateway outside the subnet)
 * The file records its subnet; opening it with another subnet is -EINVAL.
 */
int ipam_allocate(const char *path, const struct ipam_subnet *subnet, uint32_t gateway, uint32_t requested,
                  const char *owner, uint32_t *ret_ip, struct berth_error **err);
/* Releases one address. An address not allocated is a no-op (returns 0), so teardown can retry. */
int ipam_release(const char *path, uint32_t ip, struct berth_error **err);
/* Releases every address held by `owner`; returns how many. A missing file is 0. */
int ipam_release_owner(const char *path, const char *owner, struct berth_error **err);
/* The address held by `owner` (the first if several): 1 and *ret_ip, or 0 if none. */
int ipam_find_owner(const char *path, const char *owner, uint32_t *ret_ip, struct berth_error **err);
/* How many addresses are allocated (for inspect and tests). A missing file is 0. */
int ipam_count(const char *path, struct berth_error **err);

/*
 * The IPv4 routes of the current network namespace (from /proc/net/route),
 * without default routes, so that a new subnet avoids what the host reaches.
 * *ret is malloc'ed.
 */
int ipam_host_routes(struct ipam_subnet **ret, size_t *ret_n, struct berth_error **err);
/*
 * The first subnet of length `prefix` inside `pool` (in address order) that
 * overlaps none of `taken` (berth's other networks plus ipam_host_routes()).
 * -EINVAL if prefix is shorter than the pool's or longer than 30. -ENOSPC "could not find an available,
 * non-overlapping IPv4 address pool" (Docker's words) when the pool is full.
 */
int ipam_pick_subnet(const struct ipam_subnet *pool, unsigned prefix, const struct ipam_subnet *taken,
                     size_t n_taken, struct ipam_subnet *ret, struct berth_error **err);
/* ipam_pick_subnet() that also avoids every route of the caller's network namespace (ipam_host_routes()). */
int ipam_pick_subnet_host(const struct ipam_subnet *pool, unsigned prefix, const struct ipam_subnet *taken,
                          size_t n_taken, struct ipam_subnet *ret, struct berth_error **err);
