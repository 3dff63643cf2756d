/* SPDX-License-Identifier: Apache-2.0 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "base/xalloc.h"
#include "store/digest.h"

void digest_init(struct digest_ctx *d)
{
        EVP_MD_CTX *md = EVP_MD_CTX_new();

        if (!md)
                oom();
        if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
                abort(); /* sha256 is always there: a failure means a broken libcrypto */
        d->md = md;
}

void digest_update(struct digest_ctx *d, const void *buf, size_t len)
{
        if (len > 0 && EVP_DigestUpdate(d->md, buf, len) != 1)
                abort();
}

void digest_final(struct digest_ctx *d, char out[static DIGEST_STRING_MAX])
{
        static const char hex[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        char *p;

        if (EVP_DigestFinal_ex(d->md, md, &n) != 1 || n != DIGEST_HEX_LEN / 2)
                abort();
        memcpy(out, DIGEST_PREFIX, sizeof(DIGEST_PREFIX) - 1);
        p = out + sizeof(DIGEST_PREFIX) - 1;
        for (unsigned int i = 0; i < n; i++) {
                *p++ = hex[md[i] >> 4];
                *p++ = hex[md[i] & 0xf];
        }
        *p = '\0';
        digest_release(d);
}

void digest_release(struct digest_ctx *d)
{
        if (d && d->md) {
                EVP_MD_CTX_free(d->md);
                d->md = NULL;
        }
}

void digest_buffer(const void *buf, size_t len, char out[static DIGEST_STRING_MAX])
{
        struct digest_ctx d;

        digest_init(&d);
        digest_update(&d, buf, len);
        digest_final(&d, out);
}

bool digest_valid(const char *s)
{
        size_t plen = sizeof(DIGEST_PREFIX) - 1;

        if (!s || strncmp(s, DIGEST_PREFIX, plen) != 0)
                return false;
        s += plen;
        for (size_t i = 0; i < DIGEST_HEX_LEN; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return s[DIGEST_HEX_LEN] == '\0';
}
