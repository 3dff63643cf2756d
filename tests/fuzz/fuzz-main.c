/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The main() of the plain (non-libFuzzer) build of every fuzz target: it
 * replays each file of the corpus directories or files named on the command
 * line through LLVMFuzzerTestOneInput(), so the corpora run as ordinary meson
 * tests under every build, sanitizers included (systemd's fuzz-main pattern).
 * Directories are walked in sorted order so a failure is reproducible.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Seeds are small; a bigger file is a mistake in the corpus, not an input to skip silently. */
#define FUZZ_MAX_INPUT (4u << 20)

static int read_all(int fd, uint8_t **ret, size_t *ret_size)
{
        size_t size = 0, alloc = 4096;
        uint8_t *buf = malloc(alloc);

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n;

                if (size == alloc) {
                        uint8_t *nbuf;

                        if (alloc >= FUZZ_MAX_INPUT) {
                                free(buf);
                                return -EFBIG;
                        }
                        alloc *= 2;
                        nbuf = realloc(buf, alloc);
                        if (!nbuf) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = nbuf;
                }
                n = read(fd, buf + size, alloc - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;

                        free(buf);
                        return r;
                }
                if (n == 0)
                        break;
                size += (size_t)n;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

static int replay_file(int dir_fd, const char *name, const char *shown)
{
        uint8_t *buf = NULL, *exact;
        size_t size = 0;
        int fd, r;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                fprintf(stderr, "%s: %s\n", shown, strerror(errno));
                return -1;
        }
        r = read_all(fd, &buf, &size);
        close(fd);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", shown, strerror(-r));
                return -1;
        }
        /*
         * libFuzzer's contract exactly: a buffer of just `size` bytes, not
         * NUL-terminated, so that ASan sees a read past the end of the input.
         */
        exact = malloc(size);
        if (!exact && size > 0) {
                free(buf);
                fprintf(stderr, "%s: %s\n", shown, strerror(ENOMEM));
                return -1;
        }
        if (size > 0)
                memcpy(exact, buf, size);
        free(buf);
        printf("%s (%zu bytes)\n", shown, size);
        fflush(stdout);
        LLVMFuzzerTestOneInput(exact, size);
        free(exact);
        return 0;
}

static int filter_entry(const struct dirent *de)
{
        return de->d_name[0] != '.';
}

static int replay_dir(const char *path, unsigned *count)
{
        struct dirent **list;
        int dir_fd, n, failed = 0;

        dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        n = scandir(path, &list, filter_entry, alphasort);
        if (n < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                close(dir_fd);
                return -1;
        }
        for (int i = 0; i < n; i++) {
                char *shown;

                if (asprintf(&shown, "%s/%s", path, list[i]->d_name) < 0) {
                        failed = -1;
                } else {
                        if (replay_file(dir_fd, list[i]->d_name, shown) < 0)
                                failed = -1;
                        else
                                (*count)++;
                        free(shown);
                }
                free(list[i]);
        }
        free(list);
        close(dir_fd);
        return failed;
}

int main(int argc, char **argv)
{
        unsigned count = 0;
        int failed = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s CORPUS-DIR|FILE...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        failed = 1;
                } else if (S_ISDIR(st.st_mode)) {
                        if (replay_dir(argv[i], &count) < 0)
                                failed = 1;
                } else if (replay_file(AT_FDCWD, argv[i], argv[i]) < 0) {
                        failed = 1;
                } else {
                        count++;
                }
        }
        printf("%u inputs replayed\n", count);
        /* An empty corpus would make the test pass while testing nothing. */
        if (count == 0) {
                fprintf(stderr, "no input found\n");
                return 1;
        }
        return failed;
}
