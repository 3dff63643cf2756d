/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What network-store.c and endpoint.c share (not part of the public contract, network.h). */
#include "base/error.h"
#include "store/store.h"

/* flock(LOCK_EX) on $root/networks/.lock: create, remove, attach and detach of any network. */
int network_lock(struct store *s, int *ret_fd, struct berth_error **err);
void network_unlock(int fd);

/* $root/networks/<name>.ipam.json (absolute: ipam.c takes paths). */
char *network_ipam_path(struct store *s, const char *name);
/* $runroot/networks/<name>: the names file and the endpoints' host interfaces. */
char *network_run_dir(struct store *s, const char *name);
/* Does the record of `name` (still) exist? */
bool network_record_exists(struct store *s, const char *name);

/*
 * For the public functions: callers may pass err NULL, but the codes must stay exact inside
 * (berth_err_prefix() on a NULL error returns -EINVAL, which would hide an ENODEV or ENOENT we
 * tolerate), so a local error object stands in.
 */
#define NETWORK_LOCAL_ERR(err)                                                                              \
        _cleanup_error_ struct berth_error *_local_err_ = NULL;                                             \
        if (!(err))                                                                                         \
        (err) = &_local_err_
