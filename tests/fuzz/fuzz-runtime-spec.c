/* SPDX-License-Identifier: Apache-2.0 */
/* config.json -> oci_spec_parse(): a hostile bundle must only ever get an error back. */
#include "fuzz.h"

#include "base/cleanup.h"
#include "base/json-util.h"
#include "oci/runtime-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_json_ json_t *j = fuzz_json_load(data, size, false);
        _cleanup_error_ struct berth_error *err = NULL;
        struct oci_spec *s = NULL;

        if (!j)
                return 0;
        if (oci_spec_parse(j, &s, &err) >= 0)
                oci_spec_free(s);
        return 0;
}
