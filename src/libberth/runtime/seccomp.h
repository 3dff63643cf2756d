/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * linux.seccomp compiled with libseccomp into a BPF program in the parent
 * (validated and built before fork), and loaded in the container's init just
 * before execve with nothing but the seccomp() syscall.
 */
#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"

struct berth_seccomp;

int berth_seccomp_compile(json_t *seccomp, struct berth_seccomp **ret, struct berth_error **err);
/* Loads the filter; flags from the spec (SECCOMP_FILTER_FLAG_*) are honoured. */
int berth_seccomp_load(const struct berth_seccomp *s, struct berth_error **err);
struct berth_seccomp *berth_seccomp_free(struct berth_seccomp *s);
/*
 * A compiled filter as bytes (struct sock_filter[]) and its flags, for a
 * cache; berth_seccomp_from_bpf() takes them back (EINVAL for a length that
 * is no whole program). Added for container/oci-config-security.c's cache.
 */
int berth_seccomp_export(const struct berth_seccomp *s, void **ret_buf, size_t *ret_len, unsigned *ret_flags);
int berth_seccomp_from_bpf(const void *buf, size_t len, unsigned flags, struct berth_seccomp **ret,
                           struct berth_error **err);
/* Names of the actions, archs and flags we support (runtime `features`). */
json_t *berth_seccomp_features(void);
