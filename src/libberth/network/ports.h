/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Published ports: Docker's -p / --expose / -P syntax and the host-side
 * checks made before a container starts (docs/design/network.md).
 *
 * -p is parsed exactly as Docker's client does (go-connections' ParsePortSpec):
 *   [IP:][HOSTPORT:]CPORT[/PROTO]   HOSTPORT and CPORT may be ranges A-B,
 *   IP may be IPv6 in brackets ([::1]:8080:80) or bare (::1:8080:80);
 *   PROTO tcp, udp or sctp in any case; and the long form
 *   target=80,published=8080,protocol=udp (no IP in that form, as Docker).
 * One spec yields one mapping per container port. A host range paired with a
 * single container port (8000-8010:80) is kept as a range: the host port is
 * picked from it when the container starts (port_allocate()). Host port 0 or
 * none means "any free port". Error messages are Docker's, word for word.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

enum port_proto {
        PORT_PROTO_TCP,
        PORT_PROTO_UDP,
        PORT_PROTO_SCTP,
        _PORT_PROTO_MAX,
        _PORT_PROTO_INVALID = -EINVAL,
};

struct port_mapping {
        char host_ip[48];       /* "" = every address; IPv6 without brackets */
        uint16_t host_port;     /* first host port; 0 = pick a free one */
        uint16_t host_port_end; /* == host_port unless a range to pick from */
        uint16_t container_port;
        enum port_proto proto;
};

struct port_list {
        struct port_mapping *items;
        size_t n;
};

/* "tcp", "udp", "sctp"; NULL for anything else. */
const char *port_proto_to_string(enum port_proto p);
/* Lower-case names only; _PORT_PROTO_INVALID otherwise. */
enum port_proto port_proto_from_string(const char *s);

/* Appends the mappings of one -p spec to *list. EINVAL with Docker's message. */
int port_parse_spec(const char *spec, struct port_list *list, struct berth_error **err);

/* One exposed port range (--expose, EXPOSE): "80", "80/udp", "8000-8010/tcp". */
struct port_expose {
        uint16_t start, end;
        enum port_proto proto;
};

/* Parses one --expose value with Docker's messages ("invalid range format for --expose: ..."). */
int port_parse_expose(const char *spec, struct port_expose *ret, struct berth_error **err);

/*
 * -P: appends one mapping per port of every exposed range, on every address,
 * host port 0 (pick at start). Duplicates of a mapping already in *list
 * (same container port and proto) are skipped, as Docker merges -p with -P.
 */
void port_publish_all(const struct port_expose *exposed, size_t n, struct port_list *list);

void port_list_release(struct port_list *list);

/*
 * Is host_ip:port free for proto? Binds a throw-away socket (SO_REUSEADDR
 * off) and releases it. EADDRINUSE with Docker's message
 * "Bind for 0.0.0.0:8080 failed: port is already allocated" (the CLI exits
 * 125 on it); other bind errors (e.g. EADDRNOTAVAIL for an IP this host does
 * not have) as berth_err. host_ip "" means 0.0.0.0.
 */
int port_check_free(const char *host_ip, uint16_t port, enum port_proto proto, struct berth_error **err);

/*
 * Resolves m->host_port for a container start: a fixed port is checked with
 * port_check_free(); 0 picks a free ephemeral port (the kernel's choice,
 * from ip_local_port_range); a range picks the first free port in it
 * (EADDRINUSE "Bind for 0.0.0.0:8000-8010 failed: port is already allocated"
 * when none is).
 * Writes the chosen port to *ret_port. The port is not held: the caller
 * installs its rules right away (the check is a best-effort guard, as in
 * Docker without its userland proxy).
 */
int port_allocate(const struct port_mapping *m, uint16_t *ret_port, struct berth_error **err);

/* "0.0.0.0:8080->80/tcp" style text into buf (for port / ps). */
void port_mapping_format(const struct port_mapping *m, char *buf, size_t size);
