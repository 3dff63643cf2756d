/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Streaming sha256 for content addressing: "sha256:<64 lowercase hex>" is
 * the only digest form berth writes or accepts (the OCI image spec allows
 * others; Docker and every registry use sha256).
 */
#include <stdbool.h>
#include <stddef.h>

#define DIGEST_PREFIX "sha256:"
#define DIGEST_HEX_LEN 64
#define DIGEST_STRING_MAX (sizeof(DIGEST_PREFIX) - 1 + DIGEST_HEX_LEN + 1) /* 72 with the NUL */

struct digest_ctx {
        void *md; /* EVP_MD_CTX *, kept opaque so users need no OpenSSL headers */
};

/* Aborts on out-of-memory like xmalloc; an EVP failure is a broken libcrypto (BUG). */
void digest_init(struct digest_ctx *d);
void digest_update(struct digest_ctx *d, const void *buf, size_t len);
/* Writes "sha256:<hex>" into out (DIGEST_STRING_MAX bytes) and releases the context. */
void digest_final(struct digest_ctx *d, char out[static DIGEST_STRING_MAX]);
/* Releases a context without producing a digest (error paths); NULL-safe and idempotent. */
void digest_release(struct digest_ctx *d);
/* One-shot helper. */
void digest_buffer(const void *buf, size_t len, char out[static DIGEST_STRING_MAX]);

/* True for exactly "sha256:" followed by 64 lowercase hex digits. */
bool digest_valid(const char *s);
