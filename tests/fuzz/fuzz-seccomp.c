/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp -> berth_seccomp_compile(). Compiling only: nothing is
 * loaded into the kernel, so any filter the input describes is harmless here.
 */
#include "fuzz.h"

#include "base/cleanup.h"
#include "base/json-util.h"
#include "runtime/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_json_ json_t *j = fuzz_json_load(data, size, true);
        _cleanup_error_ struct berth_error *err = NULL;
        struct berth_seccomp *s = NULL;

        if (!j)
                return 0;
        if (berth_seccomp_compile(j, &s, &err) >= 0)
                berth_seccomp_free(s);
        return 0;
}
