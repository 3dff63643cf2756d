/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The container layer's own use of container-net.c (supervisor.c, record.c, etc-files.c, oci-config.c). */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "container/container.h"
#include "store/store.h"

/* Each published port costs a held socket (an fd) in the supervisor: a bound on them. */
#define CONTAINER_PORTS_MAX 512

/* The sockets holding the published host ports: the supervisor keeps them open while the container lives. */
struct container_net_fds {
        int *fds;
        size_t n;
};
void container_net_fds_close(struct container_net_fds *fds);

/*
 * At create: the network of NetworkMode exists (its name replaces an id given), and --ip/--network-alias
 * are only asked of user networks. Docker's messages: "network X not found", "user specified IP address
 * is supported on user defined networks only", "network-scoped alias is supported only for containers in
 * user defined networks".
 */
int container_net_check_request(struct store *s, json_t *host_config, struct berth_error **err);

/* record.NetworkSettings, made if missing. */
json_t *container_net_settings(struct container *c);

/*
 * container-ports.c: the published ports of c (HostConfig.PortBindings, and the exposed ones with
 * PublishAllPorts) picked, held (their sockets appended to *fds) and DNATed to container_ip;
 * NetworkSettings.Ports records them. On failure the caller tears down (rules by container id).
 */
int container_ports_publish(struct container *c, const char *container_ip, struct container_net_fds *fds,
                            struct berth_error **err);

/* HostConfig.NetworkMode, "none" when unset. */
const char *container_net_mode(const struct container *c);
/* Does the container get a network namespace berth makes (bridge or user network)? */
bool container_net_wants_namespace(const struct container *c);

/*
 * NetworkSettings of a new record, Docker's shape: Networks{NetworkMode: {}, plus the
 * endpoints_config entries (NetworkingConfig.EndpointsConfig: IPAMConfig, Aliases)}.
 */
void container_net_record_init(json_t *record, json_t *endpoints_config);

/*
 * At start, under the container's lock, before config.json is written: the namespace
 * (netns_path), one endpoint per network, the published ports (held: their sockets in *fds),
 * NetworkSettings filled in (the caller saves the record). On failure nothing is left.
 */
int container_net_setup(struct store *s, struct container *c, struct container_net_fds *fds,
                        struct berth_error **err);

/* The reverse, idempotent and best effort; updates NetworkSettings (the caller saves). */
void container_net_teardown(struct store *s, struct container *c);
/* Did the container publish ports (NetworkSettings.Ports)? Their rules need nftables to go. */
bool container_net_has_ports(struct container *c);
/*
 * The teardown without the port rules, without nftables or netlink: the namespace (its veths go with
 * it), the addresses and names. All of it when no port was published; the supervisor does it itself.
 */
void container_net_teardown_local(struct store *s, struct container *c);

/*
 * The network namespace config.json joins: its SandboxKey (bridge, user networks), the init's of the
 * container named by "container:X" (which must run: Docker's "cannot join network of a non running
 * container: ID"), or NULL (none: a new one; host: none at all). Caller frees.
 */
int container_net_join_path(struct store *s, const struct container *c, char **ret,
                            struct berth_error **err);

/* The nameserver for the container's resolv.conf (its user network's resolver), or NULL. */
const char *container_net_dns_server(const struct container *c);
