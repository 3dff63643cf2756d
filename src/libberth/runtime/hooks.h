/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>

#include "base/error.h"
#include "oci/runtime-spec.h"

/* Runs hooks in order, each with the state JSON on stdin and its timeout; the first failure stops. */
int hooks_run(const struct oci_hook *hooks, size_t n, const char *kind, json_t *state, struct berth_error **err);
/* The same from the "hooks" JSON saved in the state (poststart, poststop). */
int hooks_run_json(json_t *hooks, const char *kind, json_t *state, struct berth_error **err);
