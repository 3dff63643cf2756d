/* SPDX-License-Identifier: Apache-2.0 */
/* `berth-runtime exec --process FILE` -> oci_process_parse(). */
#include "fuzz.h"

#include "base/cleanup.h"
#include "base/json-util.h"
#include "oci/runtime-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_json_ json_t *j = fuzz_json_load(data, size, false);
        _cleanup_error_ struct berth_error *err = NULL;
        struct oci_process *p = NULL;

        if (!j)
                return 0;
        if (oci_process_parse(j, &p, &err) >= 0)
                oci_process_free(p);
        return 0;
}
