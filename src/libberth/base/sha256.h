/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * SHA-256 (FIPS 180-4), small and dependency-free. For short texts on paths
 * that must stay lean (the supervisor's seccomp cache check): linking
 * libcrypto costs the supervisor ~3 MiB of resident memory. Bulk hashing of
 * layers stays on OpenSSL (store/digest.c), which is much faster.
 */

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

struct sha256_ctx {
        uint32_t h[8];
        uint64_t len; /* bytes fed so far */
        uint8_t buf[64];
        size_t n; /* bytes pending in buf */
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);

/* The digest of data, as 64 lowercase hex digits and a NUL in hex. */
void sha256_hex(const void *data, size_t len, char hex[2 * SHA256_DIGEST_SIZE + 1]);
