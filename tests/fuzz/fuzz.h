/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Shared by the fuzz targets. Each fuzz-<name>.c defines
 * LLVMFuzzerTestOneInput(); it is linked either with libFuzzer (scripts/fuzz.sh)
 * or with fuzz-main.c, which replays a corpus (the meson 'fuzz' suite).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The bytes as JSON, parsed the way libberth loads files (json_load_path():
 * duplicate keys rejected), so a fuzzer reaches the parser with exactly what
 * a hostile config.json can produce. `any` also accepts a bare scalar, for a
 * parser that receives one member of a document (linux.seccomp can be any
 * JSON value there). NULL when the bytes are not JSON.
 */
static inline json_t *fuzz_json_load(const uint8_t *data, size_t size, bool any)
{
        return json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | (any ? JSON_DECODE_ANY : 0),
                          NULL);
}
