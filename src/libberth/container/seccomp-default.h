/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * berth's default seccomp profile (linux.seccomp JSON). Like Docker's, it
 * denies with EPERM what is not listed, allows the ordinary syscalls, and
 * opens the privileged ones (mount, namespaces, modules, clock, ...) only to
 * a container that holds the capability guarding them, so --cap-add
 * SYS_ADMIN works without also needing --security-opt seccomp=unconfined.
 */
#include <jansson.h>
#include <stdint.h>

/* caps: the container's bounding set (bit N = capability N). */
json_t *seccomp_default_profile(uint64_t caps);
