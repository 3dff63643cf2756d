/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources (config.json, or `berth-runtime update --resources`) ->
 * cgroup_resources_parse(). Parsing only: no cgroup is touched.
 */
#include "fuzz.h"

#include "base/cleanup.h"
#include "base/json-util.h"
#include "runtime/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_json_ json_t *j = fuzz_json_load(data, size, true);
        _cleanup_error_ struct berth_error *err = NULL;
        struct cgroup_resources *r = NULL;

        if (!j)
                return 0;
        if (cgroup_resources_parse(j, &r, &err) >= 0)
                cgroup_resources_free(r);
        return 0;
}
