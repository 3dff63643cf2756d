/* SPDX-License-Identifier: Apache-2.0 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "tap.h"

static void hex_of(const char *s, size_t len, char hex[65])
{
        sha256_hex(s, len, hex);
}

/* FIPS 180-4 / NIST CAVS example vectors. */
TEST(known_vectors)
{
        char hex[65];

        hex_of("", 0, hex);
        ASSERT_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        hex_of("abc", 3, hex);
        ASSERT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
        ASSERT_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
               "mnopqrstnopqrstu",
               112, hex);
        ASSERT_STREQ(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(million_a_in_odd_chunks)
{
        struct sha256_ctx c;
        uint8_t md[SHA256_DIGEST_SIZE];
        char chunk[997];
        static const uint8_t want[SHA256_DIGEST_SIZE] = {
                0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
                0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
        };
        size_t left = 1000000;

        memset(chunk, 'a', sizeof(chunk));
        sha256_init(&c);
        while (left > 0) {
                size_t k = left < sizeof(chunk) ? left : sizeof(chunk);
                sha256_update(&c, chunk, k);
                left -= k;
        }
        sha256_final(&c, md);
        ASSERT_TRUE(memcmp(md, want, sizeof(want)) == 0);
}

/* Every length around the padding boundaries (55, 56, 63, 64, ...) agrees with OpenSSL. */
TEST(agrees_with_openssl_at_every_length)
{
        uint8_t data[300], ref[EVP_MAX_MD_SIZE], md[SHA256_DIGEST_SIZE];
        unsigned ref_len = 0;

        srand(42);
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)rand();
        for (size_t len = 0; len <= sizeof(data); len++) {
                struct sha256_ctx c;
                ASSERT_TRUE(EVP_Digest(data, len, ref, &ref_len, EVP_sha256(), NULL) == 1);
                sha256_init(&c);
                /* Split in two at a length-dependent point to exercise the buffering. */
                sha256_update(&c, data, len / 3);
                sha256_update(&c, data + len / 3, len - len / 3);
                sha256_final(&c, md);
                ASSERT_EQ(ref_len, SHA256_DIGEST_SIZE);
                ASSERT_TRUE(memcmp(md, ref, SHA256_DIGEST_SIZE) == 0);
        }
}

int main(void)
{
        RUN(known_vectors);
        RUN(million_a_in_odd_chunks);
        RUN(agrees_with_openssl_at_every_length);
        TAP_DONE();
}
