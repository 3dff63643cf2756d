/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Any string -> image_ref_parse(): a hostile reference (from a command line,
 * an archive's manifest.json or repositories file, an API body) must only
 * ever get an error back. A reference that parses must print a canonical
 * string that parses back to itself, and its familiar forms must print.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "base/cleanup.h"
#include "base/error.h"
#include "store/reference.h"

/* References are short; past this the parser is linear anyway and only slows the fuzzer down. */
#define FUZZ_REF_MAX 4096

static void check_round_trip(const struct image_ref *r)
{
        _cleanup_image_ref_ struct image_ref *again = NULL;
        _cleanup_free_ char *s = image_ref_string(r), *s2 = NULL;
        _cleanup_free_ char *fname = image_ref_familiar_name(r), *fstring = image_ref_familiar_string(r);
        _cleanup_free_ char *name = image_ref_name(r);

        if (!r->domain || !r->path || !*r->path || !s || !fname || !fstring || !name)
                abort();
        if (image_ref_parse(s, 0, &again, NULL) < 0)
                abort();
        s2 = image_ref_string(again);
        if (strcmp(s, s2) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_image_ref_ struct image_ref *r = NULL;
        _cleanup_free_ char *s = NULL;

        if (size > FUZZ_REF_MAX || memchr(data, '\0', size))
                return 0;
        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        if (image_ref_parse(s, size & 1 ? IMAGE_REF_DEFAULT_TAG : 0, &r, &err) >= 0)
                check_round_trip(r);
        else if (!err || !err->msg || r)
                abort();
        (void)image_id_like(s);
        return 0;
}
