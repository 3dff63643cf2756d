/* SPDX-License-Identifier: Apache-2.0 */
/* berth-unpack LAYER DIR: layer_apply() alone, for bench/unpack.sh. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "store/layer-apply.h"

int main(int argc, char **argv)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_close_ int in = -EBADF, dir = -EBADF;
        struct layer_apply_result res;

        if (argc != 3) {
                fprintf(stderr, "usage: %s LAYER DIR\n", argv[0]);
                return 2;
        }
        in = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (in < 0) {
                perror(argv[1]);
                return 1;
        }
        (void)mkdir(argv[2], 0755);
        dir = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
                perror(argv[2]);
                return 1;
        }
        if (layer_apply(dir, in, 0, &res, &err) < 0) {
                fprintf(stderr, "berth-unpack: %s\n", err->msg);
                return 1;
        }
        printf("diff-id %s\ncompressed %s\nsizes %llu -> %llu, %llu file bytes\n", res.diff_id,
               res.compressed_digest, (unsigned long long)res.compressed_size,
               (unsigned long long)res.uncompressed_size, (unsigned long long)res.unpacked_bytes);
        return 0;
}
