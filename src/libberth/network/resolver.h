/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Name resolution on user networks: one small resolver process per network
 * (src/berth-dns), alive only while the network has containers.
 *
 * It listens on the network's gateway address, port 53, udp and tcp, in the
 * host's network namespace, answers A queries for the names listed in
 * $runroot/networks/<name>/names (lines "IP NAME [NAME...]", written by
 * endpoint.c under the networks lock, re-read when the file changes), and
 * forwards every other query to the host's resolvers (the nameservers of the
 * host's /etc/resolv.conf, loopback ones included: it runs on the host). It
 * exits by itself once the names file is empty or gone.
 */
#include "base/error.h"
#include "store/store.h"

/* $runroot/networks/<name>/names (caller frees). */
char *resolver_names_path(struct store *s, const char *network_name);

/*
 * Makes sure the resolver of network_name runs and listens on address (an IPv4 address of
 * this host, the network's gateway). Starts it detached (its own session, stdio on
 * /dev/null) when none runs; returns once it is listening, so a container started right
 * after can resolve at once. Idempotent and safe against concurrent callers (a lock file
 * held by the running resolver).
 */
int resolver_ensure(struct store *s, const char *network_name, const char *address, struct berth_error **err);

/* Stops the network's resolver if one runs (network rm). */
int resolver_stop(struct store *s, const char *network_name, struct berth_error **err);
