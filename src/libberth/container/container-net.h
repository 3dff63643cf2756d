/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A container's networks: what `run`/`start` plug in, what stop/rm unplug, and
 * `network connect/disconnect` (docs/design/network.md).
 *
 * The record keeps Docker's shape: HostConfig.NetworkMode (the first network),
 * NetworkSettings.Networks{NAME: EndpointSettings} (filled with addresses while
 * the container runs, kept with empty addresses while it is stopped, as
 * Docker), NetworkSettings.Ports, and the legacy top-level IPAddress/Gateway/
 * MacAddress/IPPrefixLen of the default bridge.
 */
#include <stdbool.h>

#include "base/error.h"
#include "container/container.h"
#include "store/store.h"

/*
 * Connects c to network (name or id). A running container gets a new interface at once
 * (eth1, eth2...); a created or stopped one is recorded and plugged in at its next start.
 * ip (--ip) and aliases (--alias, NULL-terminated) may be NULL.
 * Errors as Docker: ENOENT "network X not found"; EEXIST "endpoint with name NAME already
 * exists in network X"; EINVAL "container cannot be disconnected from host network or
 * connected to host network" for host/none mode. Takes the container's lock.
 */
int container_network_connect(struct store *s, struct container *c, const char *network, const char *ip,
                              const char *const *aliases, struct berth_error **err);

/*
 * The reverse; force also when the network is gone. ENOENT "container NAME is not connected
 * to network X" (Docker: "container ID is not connected to network X"). Takes the lock.
 */
int container_network_disconnect(struct store *s, struct container *c, const char *network, bool force,
                                 struct berth_error **err);

/*
 * What `berth container cleanup ID` does (the supervisor runs it when its container stops for
 * good; rm and stale-state repair do the same in-process): the container's published ports, its
 * endpoints and its network namespace are released and NetworkSettings saved. Takes the lock.
 * A record already gone still gets its rules and namespace removed (by id).
 */
int container_net_cleanup(struct store *s, const char *id, struct berth_error **err);

/* store->container_net_release (store.h): what container_delete calls when a network is still held. */
void container_net_release(struct store *s, const char *id, json_t *record);
