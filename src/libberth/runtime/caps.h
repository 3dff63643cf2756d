/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Applies the five capability sets of process.capabilities. Called in the
 * container's init after setuid (with PR_SET_KEEPCAPS) so that permitted and
 * effective survive the uid change, as the runtime-spec requires.
 */
#include "base/error.h"
#include "oci/runtime-spec.h"

/* Drops from the bounding set everything not in caps->bounding. Needs CAP_SETPCAP. */
int caps_apply_bounding(const struct oci_caps *caps, struct berth_error **err);
/* Sets inheritable/permitted/effective with capset() and raises the ambient set. */
int caps_apply(const struct oci_caps *caps, struct berth_error **err);
/* The highest capability number the kernel knows (/proc/sys/kernel/cap_last_cap). */
int caps_last_cap(void);
