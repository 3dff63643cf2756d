/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer unpack and create against the real filesystem (root: owners, device
 * nodes, trusted.* xattrs). Layers are built here with libarchive's writer so
 * hostile entries can be expressed exactly.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "store/digest.h"
#include "store/layer-apply.h"
#include "tap.h"

/* Test paths are short; truncation cannot happen and would only fail a test. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

enum { F_NONE, F_GZIP, F_ZSTD };

struct ent {
        const char *name;
        mode_t type;
        mode_t perm;
        const char *data;     /* regular file content */
        const char *link;     /* symlink target */
        const char *hardlink; /* hardlink target */
        unsigned maj, min;
        uid_t uid;
        gid_t gid;
        time_t mtime;
        const char *xname, *xval;
        size_t xlen; /* 0: strlen(xval) */
};

static char base[64]; /* per-run scratch dir: base/outside is the sentinel tree */

static int make_layer(int filter, const struct ent *ents, size_t n)
{
        int fd = memfd_create("layer", MFD_CLOEXEC);
        struct archive *a = archive_write_new();

        archive_write_set_format_pax_restricted(a);
        if (filter == F_GZIP)
                archive_write_add_filter_gzip(a);
        else if (filter == F_ZSTD)
                archive_write_add_filter_zstd(a);
        archive_write_open_fd(a, fd);
        for (size_t i = 0; i < n; i++) {
                const struct ent *x = &ents[i];
                struct archive_entry *e = archive_entry_new();
                size_t len = x->data ? strlen(x->data) : 0;

                archive_entry_set_pathname(e, x->name);
                archive_entry_set_filetype(e, x->type ? x->type : AE_IFREG);
                archive_entry_set_perm(e, x->perm ? x->perm : 0644);
                archive_entry_set_uid(e, x->uid);
                archive_entry_set_gid(e, x->gid);
                archive_entry_set_mtime(e, x->mtime ? x->mtime : 1000000000, 0);
                if (x->link)
                        archive_entry_set_symlink(e, x->link);
                if (x->hardlink)
                        archive_entry_set_hardlink(e, x->hardlink);
                if (x->type == AE_IFCHR || x->type == AE_IFBLK) {
                        archive_entry_set_rdevmajor(e, x->maj);
                        archive_entry_set_rdevminor(e, x->min);
                }
                if (x->xname)
                        archive_entry_xattr_add_entry(e, x->xname, x->xval, x->xlen ? x->xlen : strlen(x->xval));
                archive_entry_set_size(e, x->hardlink ? 0 : (la_int64_t)len);
                if (archive_write_header(a, e) != ARCHIVE_OK)
                        printf("# write header %s: %s\n", x->name, archive_error_string(a));
                if (len && !x->hardlink)
                        archive_write_data(a, x->data, len);
                archive_entry_free(e);
        }
        archive_write_close(a);
        archive_write_free(a);
        lseek(fd, 0, SEEK_SET);
        return fd;
}

static char *fd_digest(int fd)
{
        char buf[65536], out[DIGEST_STRING_MAX];
        struct digest_ctx d;
        ssize_t n;

        lseek(fd, 0, SEEK_SET);
        digest_init(&d);
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                digest_update(&d, buf, (size_t)n);
        digest_final(&d, out);
        lseek(fd, 0, SEEK_SET);
        return xstrdup(out);
}

static int new_dir(const char *name, char *path)
{
        snprintf(path, PATH_MAX, "%s/%s", base, name);
        rm_rf_at(AT_FDCWD, path, NULL);
        mkdir(path, 0755);
        return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int apply(const char *dir, int layer, unsigned flags, struct layer_apply_result *res, char **msg)
{
        char path[PATH_MAX];
        _cleanup_close_ int fd = new_dir(dir, path);
        _cleanup_error_ struct berth_error *err = NULL;
        int r = layer_apply(fd, layer, flags, res, &err);

        if (r < 0) {
                printf("# layer_apply: %s\n", err->msg);
                if (msg)
                        *msg = xstrdup(err->msg);
        }
        return r;
}

/* A line per entry (sorted): everything layer_apply must preserve. */
static void describe(int dfd, const char *prefix, FILE *out)
{
        int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fdopendir(fd);
        struct dirent **list = NULL;
        int n = scandirat(dfd, ".", &list, NULL, alphasort);

        for (int i = 0; i < n; i++) {
                const char *name = list[i]->d_name;
                char rel[PATH_MAX], proc[PATH_MAX], xl[4096], link[PATH_MAX] = "";
                struct stat st;
                ssize_t xn;

                if (streq(name, ".") || streq(name, "..")) {
                        free(list[i]);
                        continue;
                }
                snprintf(rel, sizeof(rel), "%s%s", prefix, name);
                snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
                fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
                fprintf(out, "%s mode=%o uid=%u gid=%u rdev=%u:%u mtime=%ld nlink=%lu", rel, st.st_mode,
                        st.st_uid, st.st_gid, major(st.st_rdev), minor(st.st_rdev), (long)st.st_mtim.tv_sec,
                        (unsigned long)st.st_nlink);
                if (S_ISLNK(st.st_mode)) {
                        ssize_t l = readlinkat(dfd, name, link, sizeof(link) - 1);
                        link[l > 0 ? l : 0] = '\0';
                        fprintf(out, " -> %s", link);
                }
                xn = llistxattr(proc, xl, sizeof(xl));
                for (char *p = xl; xn > 0 && p < xl + xn; p += strlen(p) + 1) {
                        char v[256] = "";
                        lgetxattr(proc, p, v, sizeof(v) - 1);
                        fprintf(out, " %s=%s", p, v);
                }
                if (S_ISREG(st.st_mode)) {
                        int f = openat(dfd, name, O_RDONLY | O_CLOEXEC);
                        _cleanup_free_ char *dg = fd_digest(f);
                        close(f);
                        fprintf(out, " %s", dg);
                }
                fputc('\n', out);
                if (S_ISDIR(st.st_mode)) {
                        int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        strcat(rel, "/");
                        describe(sub, rel, out);
                        close(sub);
                }
                free(list[i]);
        }
        free(list);
        closedir(d);
}

static char *describe_dir(const char *dir)
{
        char path[PATH_MAX], *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        int fd;

        snprintf(path, sizeof(path), "%s/%s", base, dir);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        describe(fd, "", f);
        close(fd);
        fclose(f);
        return buf;
}

static bool exists_at(const char *dir, const char *rel, struct stat *st)
{
        char path[PATH_MAX];
        struct stat tmp;

        snprintf(path, sizeof(path), "%s/%s/%s", base, dir, rel);
        return lstat(path, st ? st : &tmp) == 0;
}

static char *read_at(const char *dir, const char *rel)
{
        char path[PATH_MAX], *buf = NULL;
        size_t len;

        snprintf(path, sizeof(path), "%s/%s/%s", base, dir, rel);
        if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len, NULL) < 0)
                return NULL;
        return buf;
}

TEST(test_digest)
{
        char out[DIGEST_STRING_MAX];

        digest_buffer("abc", 3, out);
        ASSERT_STREQ(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        ASSERT_TRUE(digest_valid(out));
        ASSERT_TRUE(!digest_valid("sha256:BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        ASSERT_TRUE(!digest_valid("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"));
        ASSERT_TRUE(!digest_valid("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0"));
        ASSERT_TRUE(!digest_valid("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        ASSERT_TRUE(!digest_valid(NULL));
        ASSERT_TRUE(!digest_valid(""));
}

static const struct ent rich[] = {
        { .name = "./", .type = AE_IFDIR, .perm = 0755, .mtime = 1500000000 },
        { .name = "etc", .type = AE_IFDIR, .perm = 0755, .mtime = 1600000000 },
        { .name = "etc/passwd", .data = "root:x:0:0::/root:/bin/sh\n", .perm = 0644, .mtime = 1600000001 },
        { .name = "etc/shadow", .data = "secret\n", .perm = 0640, .uid = 1234, .gid = 42 },
        { .name = "bin/su", .data = "ELF", .perm = 04755, .uid = 0, .gid = 0 },
        { .name = "bin/ping", .data = "ELF2", .perm = 0755, .xname = "security.capability",
          .xval = "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", .xlen = 20 },
        { .name = "home/u/file", .data = "data", .uid = 1234, .gid = 1234, .xname = "user.foo", .xval = "bar" },
        { .name = "home/u", .type = AE_IFDIR, .perm = 0700, .uid = 1234, .gid = 1234, .mtime = 1234567890 },
        { .name = "link", .type = AE_IFLNK, .link = "/etc/passwd", .perm = 0777, .uid = 5 },
        { .name = "dangling", .type = AE_IFLNK, .link = "../../nowhere", .perm = 0777 },
        { .name = "etc/passwd-hl", .hardlink = "etc/passwd" },
        { .name = "dev/null", .type = AE_IFCHR, .maj = 1, .min = 3, .perm = 0666 },
        { .name = "dev/sda", .type = AE_IFBLK, .maj = 8, .min = 0, .perm = 0660, .gid = 6 },
        { .name = "run/fifo", .type = AE_IFIFO, .perm = 0620 },
        { .name = "/abs/file", .data = "leading slash stripped" },
        { .name = "big", .data = "replaced below" },
        { .name = "big", .data = "the later entry wins" },
};

TEST(test_apply_rich)
{
        _cleanup_close_ int layer = make_layer(F_GZIP, rich, ARRAY_SIZE(rich));
        _cleanup_free_ char *cdigest = fd_digest(layer), *c = NULL;
        struct layer_apply_result res;
        struct stat st, st2;
        char v[PATH_MAX] = "";

        ASSERT_OK(apply("rich", layer, 0, &res, NULL));
        ASSERT_STREQ(res.compressed_digest, cdigest);
        ASSERT_TRUE(digest_valid(res.diff_id));
        ASSERT_TRUE(!streq(res.diff_id, res.compressed_digest));
        ASSERT_EQ(res.compressed_size, lseek(layer, 0, SEEK_END));
        ASSERT_TRUE(res.uncompressed_size > res.compressed_size);

        c = read_at("rich", "etc/passwd");
        ASSERT_STREQ(c, "root:x:0:0::/root:/bin/sh\n");
        ASSERT_TRUE(exists_at("rich", "etc/shadow", &st));
        ASSERT_EQ(st.st_mode, S_IFREG | 0640);
        ASSERT_EQ(st.st_uid, 1234);
        ASSERT_EQ(st.st_gid, 42);
        ASSERT_TRUE(exists_at("rich", "bin/su", &st));
        ASSERT_EQ(st.st_mode, S_IFREG | 04755);
        ASSERT_TRUE(exists_at("rich", "etc/passwd", &st));
        ASSERT_EQ(st.st_mtim.tv_sec, 1600000001);
        ASSERT_EQ(st.st_nlink, 2);
        ASSERT_TRUE(exists_at("rich", "etc/passwd-hl", &st2));
        ASSERT_EQ(st.st_ino, st2.st_ino);
        ASSERT_TRUE(exists_at("rich", "etc", &st));
        ASSERT_EQ(st.st_mtim.tv_sec, 1600000000); /* set after its children */
        ASSERT_TRUE(exists_at("rich", "home/u", &st));
        ASSERT_EQ(st.st_mode, S_IFDIR | 0700);
        ASSERT_EQ(st.st_uid, 1234);
        ASSERT_EQ(st.st_mtim.tv_sec, 1234567890);
        ASSERT_TRUE(exists_at("rich", "", &st));
        ASSERT_EQ(st.st_mtim.tv_sec, 1500000000);
        ASSERT_TRUE(exists_at("rich", "bin", &st)); /* implied parent */
        ASSERT_EQ(st.st_mode, S_IFDIR | 0755);
        ASSERT_TRUE(exists_at("rich", "link", &st));
        ASSERT_TRUE(S_ISLNK(st.st_mode));
        ASSERT_EQ(st.st_uid, 5);
        ASSERT_TRUE(exists_at("rich", "dev/null", &st));
        ASSERT_TRUE(S_ISCHR(st.st_mode));
        ASSERT_EQ(st.st_rdev, makedev(1, 3));
        ASSERT_EQ(st.st_mode & 07777, 0666);
        ASSERT_TRUE(exists_at("rich", "dev/sda", &st));
        ASSERT_TRUE(S_ISBLK(st.st_mode));
        ASSERT_EQ(st.st_gid, 6);
        ASSERT_TRUE(exists_at("rich", "run/fifo", &st));
        ASSERT_TRUE(S_ISFIFO(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0620);
        free(c);
        c = read_at("rich", "abs/file");
        ASSERT_STREQ(c, "leading slash stripped");
        free(c);
        c = read_at("rich", "big");
        ASSERT_STREQ(c, "the later entry wins");
        snprintf(v, sizeof(v), "%s/rich/home/u/file", base);
        ASSERT_EQ(getxattr(v, "user.foo", v, sizeof(v)), 3);
        ASSERT_TRUE(memcmp(v, "bar", 3) == 0);
        snprintf(v, sizeof(v), "%s/rich/bin/ping", base);
        ASSERT_EQ(getxattr(v, "security.capability", NULL, 0), 20);
}

/*
 * Parents the tar does not list (abs, bin, dev...) are made at extraction with the time of the moment: three
 * extractions may straddle a second. Every time the fixture sets is before 2020: later ones read "now".
 */
static void mask_extraction_times(char *desc)
{
        for (char *p = desc; (p = strstr(p, "mtime=")); p += 6)
                if (strtoll(p + 6, NULL, 10) >= 1577836800)
                        for (char *q = p + 6; *q >= '0' && *q <= '9'; q++)
                                *q = 'N';
}

TEST(test_compressions_same_diff_id)
{
        _cleanup_close_ int plain = make_layer(F_NONE, rich, ARRAY_SIZE(rich));
        _cleanup_close_ int gz = make_layer(F_GZIP, rich, ARRAY_SIZE(rich));
        _cleanup_close_ int zst = make_layer(F_ZSTD, rich, ARRAY_SIZE(rich));
        _cleanup_free_ char *plain_digest = fd_digest(plain), *t1 = NULL, *t2 = NULL, *t3 = NULL;
        struct layer_apply_result r1, r2, r3;

        ASSERT_OK(apply("plain", plain, 0, &r1, NULL));
        ASSERT_OK(apply("gz", gz, 0, &r2, NULL));
        ASSERT_OK(apply("zst", zst, 0, &r3, NULL));
        ASSERT_STREQ(r1.diff_id, plain_digest);
        ASSERT_STREQ(r1.compressed_digest, plain_digest);
        ASSERT_STREQ(r2.diff_id, plain_digest);
        ASSERT_STREQ(r3.diff_id, plain_digest);
        ASSERT_EQ(r2.uncompressed_size, r1.compressed_size);
        ASSERT_EQ(r3.uncompressed_size, r1.compressed_size);
        t1 = describe_dir("plain");
        t2 = describe_dir("gz");
        t3 = describe_dir("zst");
        mask_extraction_times(t1);
        mask_extraction_times(t2);
        mask_extraction_times(t3);
        ASSERT_STREQ(t2, t1);
        ASSERT_STREQ(t3, t1);
}

/* pigz and concatenated streams produce several gzip members: all of them are the layer. */
TEST(test_gzip_members)
{
        _cleanup_close_ int plain = make_layer(F_NONE, rich, ARRAY_SIZE(rich));
        _cleanup_free_ char *plain_digest = fd_digest(plain);
        _cleanup_close_ int gz = memfd_create("multi", MFD_CLOEXEC);
        static uint8_t tar[1 << 16], out[1 << 17];
        ssize_t len = read(plain, tar, sizeof(tar));
        struct layer_apply_result res;
        size_t half = (size_t)len / 3;

        ASSERT_TRUE(len > 0 && len < (ssize_t)sizeof(tar));
        for (int part = 0; part < 2; part++) {
                z_stream z = {};
                deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
                z.next_in = tar + (part ? half : 0);
                z.avail_in = (uInt)(part ? (size_t)len - half : half);
                z.next_out = out;
                z.avail_out = sizeof(out);
                ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
                ASSERT_EQ(write(gz, out, sizeof(out) - z.avail_out), (ssize_t)(sizeof(out) - z.avail_out));
                deflateEnd(&z);
        }
        lseek(gz, 0, SEEK_SET);
        ASSERT_OK(apply("multi", gz, 0, &res, NULL));
        ASSERT_STREQ(res.diff_id, plain_digest);
}

static const struct ent whiteouts[] = {
        { .name = "keep", .data = "x" },
        { .name = ".wh.gone", .perm = 0 },
        { .name = "d/.wh..wh..opq", .perm = 0 },
        { .name = "d/new", .data = "y" },
        { .name = "e/sub/.wh.old", .perm = 0 },
        { .name = ".wh..wh.plnk/123", .data = "aufs" },
};

TEST(test_whiteouts)
{
        _cleanup_close_ int layer = make_layer(F_GZIP, whiteouts, ARRAY_SIZE(whiteouts));
        char path[PATH_MAX], v[8] = "";
        struct stat st;

        ASSERT_OK(apply("wh", layer, 0, NULL, NULL));
        ASSERT_TRUE(exists_at("wh", "gone", &st));
        ASSERT_TRUE(S_ISCHR(st.st_mode));
        ASSERT_EQ(st.st_rdev, makedev(0, 0));
        ASSERT_TRUE(!exists_at("wh", ".wh.gone", NULL));
        ASSERT_TRUE(exists_at("wh", "e/sub/old", &st));
        ASSERT_TRUE(S_ISCHR(st.st_mode));
        ASSERT_TRUE(!exists_at("wh", "d/.wh..wh..opq", NULL));
        ASSERT_TRUE(!exists_at("wh", ".wh..wh.plnk", NULL));
        snprintf(path, sizeof(path), "%s/wh/d", base);
        ASSERT_EQ(lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v)), 1);
        ASSERT_EQ(v[0], 'y');
        ASSERT_TRUE(exists_at("wh", "d/new", NULL));

        lseek(layer, 0, SEEK_SET);
        ASSERT_OK(apply("wh-raw", layer, LAYER_APPLY_NO_WHITEOUT_CONVERSION, NULL, NULL));
        ASSERT_TRUE(exists_at("wh-raw", ".wh.gone", &st));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_TRUE(exists_at("wh-raw", "d/.wh..wh..opq", NULL));
        ASSERT_TRUE(!exists_at("wh-raw", "gone", NULL));
        snprintf(path, sizeof(path), "%s/wh-raw/d", base);
        ASSERT_TRUE(lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v)) < 0);
}

/* Replacement inside one layer dir: a directory by a file, a file by a directory, a whiteout over a file. */
TEST(test_replace)
{
        static const struct ent ents[] = {
                { .name = "a/b/c", .data = "1" },
                { .name = "a", .data = "file now" },
                { .name = "f", .data = "2" },
                { .name = "f/g", .data = "3" }, /* f is a file: not a directory, refused */
        };
        static const struct ent ents2[] = {
                { .name = "a/b/c", .data = "1" },
                { .name = "a", .data = "file now" },
                { .name = "f", .data = "2" },
                { .name = "f", .type = AE_IFDIR },
                { .name = "f/g", .data = "3" },
                { .name = "w", .data = "4" },
                { .name = ".wh.w" },
        };
        _cleanup_close_ int l1 = make_layer(F_NONE, ents, ARRAY_SIZE(ents));
        _cleanup_close_ int l2 = make_layer(F_NONE, ents2, ARRAY_SIZE(ents2));
        _cleanup_free_ char *msg = NULL, *c = NULL;
        struct stat st;

        ASSERT_TRUE(apply("repl1", l1, 0, NULL, &msg) == -ENOTDIR);
        ASSERT_TRUE(strstr(msg, "layer entry `f/g`") != NULL);
        ASSERT_OK(apply("repl2", l2, 0, NULL, NULL));
        c = read_at("repl2", "a");
        ASSERT_STREQ(c, "file now");
        free(c);
        c = read_at("repl2", "f/g");
        ASSERT_STREQ(c, "3");
        ASSERT_TRUE(exists_at("repl2", "w", &st));
        ASSERT_TRUE(S_ISCHR(st.st_mode));
}

static int diff_to(const char *dir, unsigned flags, char id[72])
{
        char path[PATH_MAX];
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_error_ struct berth_error *err = NULL;
        int out = memfd_create("diff", MFD_CLOEXEC);

        snprintf(path, sizeof(path), "%s/%s", base, dir);
        dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (layer_diff_create(dfd, out, flags, id, &err) < 0) {
                printf("# layer_diff_create: %s\n", err->msg);
                close(out);
                return -1;
        }
        lseek(out, 0, SEEK_SET);
        return out;
}

TEST(test_round_trip)
{
        _cleanup_close_ int layer = make_layer(F_ZSTD, rich, ARRAY_SIZE(rich));
        _cleanup_close_ int wh = make_layer(F_NONE, whiteouts, ARRAY_SIZE(whiteouts));
        _cleanup_close_ int d1 = -EBADF, d2 = -EBADF, d3 = -EBADF;
        _cleanup_free_ char *t1 = NULL, *t2 = NULL, *t3 = NULL, *plain_digest = NULL;
        char id1[72], id2[72], id3[72], path[PATH_MAX];
        struct layer_apply_result res;

        ASSERT_OK(apply("rt-src", layer, 0, NULL, NULL));
        /* Merge the whiteout layer in too, so whiteouts and opaque dirs go round. */
        snprintf(path, sizeof(path), "%s/rt-src", base);
        {
                _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_error_ struct berth_error *err = NULL;
                ASSERT_OK(layer_apply(fd, wh, 0, NULL, &err));
        }
        d1 = diff_to("rt-src", 0, id1);
        ASSERT_OK(d1);
        plain_digest = fd_digest(d1);
        ASSERT_STREQ(id1, plain_digest);
        ASSERT_OK(apply("rt-dst", d1, 0, &res, NULL));
        ASSERT_STREQ(res.diff_id, id1);
        t1 = describe_dir("rt-src");
        t2 = describe_dir("rt-dst");
        ASSERT_STREQ(t2, t1);
        d2 = diff_to("rt-dst", 0, id2);
        ASSERT_OK(d2);
        ASSERT_STREQ(id2, id1); /* reproducible */
        d3 = diff_to("rt-dst", LAYER_DIFF_GZIP, id3);
        ASSERT_OK(d3);
        ASSERT_STREQ(id3, id1);
        ASSERT_OK(apply("rt-gz", d3, 0, &res, NULL));
        ASSERT_STREQ(res.diff_id, id1);
        t3 = describe_dir("rt-gz");
        ASSERT_STREQ(t3, t1);
}

/* The sentinel tree must be exactly as created, and nothing may appear at the absolute escape path. */
static char *outside_state(void)
{
        return describe_dir("outside");
}

static void setup_outside(void)
{
        char path[PATH_MAX];
        _cleanup_close_ int fd = new_dir("outside", path);
        _cleanup_close_ int f = openat(fd, "sentinel", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        (void)!write(f, "untouched", 9);
}

static int hostile(const char *name, const struct ent *ents, size_t n, char **msg)
{
        _cleanup_close_ int layer = make_layer(F_GZIP, ents, n);
        char dir[64];

        snprintf(dir, sizeof(dir), "hostile-%s", name);
        return apply(dir, layer, 0, NULL, msg);
}

TEST(test_hostile)
{
        _cleanup_free_ char *before = NULL, *after = NULL, *msg = NULL, *abs_escape = NULL;
        _cleanup_free_ char *outside_abs = NULL, *outside_file = NULL;
        struct stat passwd_before, passwd_after, st;
        int r;

        setup_outside();
        before = outside_state();
        stat("/etc/passwd", &passwd_before);
        abs_escape = xasprintf("/tmp/escape-%d/pwned", getpid());
        outside_abs = xasprintf("%s/outside", base);
        outside_file = xasprintf("%s/outside/sentinel", base);
        {
                /* Absolute names are contained: stripped of "/", they land inside the target. */
                const struct ent e[] = { { .name = abs_escape, .data = "pwned" } };
                ASSERT_OK(hostile("abs", e, 1, NULL));
                ASSERT_TRUE(lstat(abs_escape, &st) < 0);
                ASSERT_TRUE(exists_at("hostile-abs", abs_escape + 1, NULL));
        }
        {
                const struct ent e[] = { { .name = "../../escape", .data = "pwned" } };
                ASSERT_EQ(hostile("dotdot", e, 1, &msg), -EINVAL);
                ASSERT_TRUE(strstr(msg, "layer entry `../../escape`") != NULL);
                free(TAKE_PTR(msg));
        }
        {
                const struct ent e[] = { { .name = "a/../../../escape", .data = "pwned" } };
                ASSERT_EQ(hostile("dotdot2", e, 1, NULL), -EINVAL);
        }
        {
                const struct ent e[] = { { .name = "evil", .type = AE_IFLNK, .link = outside_abs },
                                         { .name = "evil/pwned", .data = "pwned" } };
                ASSERT_EQ(hostile("symlink-abs", e, 2, &msg), -ELOOP);
                ASSERT_TRUE(strstr(msg, "layer entry `evil/pwned` goes through a symlink") != NULL);
                free(TAKE_PTR(msg));
        }
        {
                const struct ent e[] = { { .name = "evil", .type = AE_IFLNK, .link = "../../../" },
                                         { .name = "evil/x", .data = "pwned" } };
                ASSERT_EQ(hostile("symlink-rel", e, 2, NULL), -ELOOP);
        }
        {
                /* A directory replaced by a symlink in the same layer, then written through. */
                const struct ent e[] = { { .name = "d", .type = AE_IFDIR },
                                         { .name = "d/x", .data = "fine" },
                                         { .name = "d", .type = AE_IFLNK, .link = outside_abs },
                                         { .name = "d/sentinel", .data = "pwned" } };
                ASSERT_EQ(hostile("symlink-swap", e, 4, NULL), -ELOOP);
        }
        {
                const struct ent e[] = { { .name = "hl", .hardlink = "/etc/passwd" } };
                r = hostile("hardlink-abs", e, 1, NULL);
                ASSERT_EQ(r, -ENOENT); /* resolved inside the target, where there is no etc/passwd */
        }
        {
                const struct ent e[] = { { .name = "hl", .hardlink = "../../outside/sentinel" } };
                ASSERT_EQ(hostile("hardlink-dotdot", e, 1, NULL), -EINVAL);
        }
        {
                const struct ent e[] = { { .name = "s", .type = AE_IFLNK, .link = "/etc" },
                                         { .name = "hl", .hardlink = "s/passwd" } };
                ASSERT_EQ(hostile("hardlink-symlink", e, 2, NULL), -ELOOP);
        }
        {
                const struct ent e[] = { { .name = "s", .type = AE_IFLNK, .link = outside_file },
                                         { .name = "hl", .hardlink = "s" },
                                         { .name = "hl", .data = "overwrite through the link?" } };
                /* Linking a symlink links the symlink itself; the later file replaces it, not its target. */
                ASSERT_OK(hostile("hardlink-to-symlink", e, 3, NULL));
        }
        {
                const struct ent e[] = { { .name = ".wh..", .perm = 0 } };
                ASSERT_EQ(hostile("whiteout-dotdot", e, 1, NULL), -EINVAL);
        }
        stat("/etc/passwd", &passwd_after);
        ASSERT_EQ(passwd_after.st_nlink, passwd_before.st_nlink);
        ASSERT_EQ(passwd_after.st_mtim.tv_sec, passwd_before.st_mtim.tv_sec);
        after = outside_state();
        ASSERT_STREQ(after, before);
        ASSERT_TRUE(lstat(abs_escape, &st) < 0);
}

TEST(test_corrupt)
{
        _cleanup_close_ int gz = make_layer(F_GZIP, rich, ARRAY_SIZE(rich));
        _cleanup_close_ int zst = make_layer(F_ZSTD, rich, ARRAY_SIZE(rich));
        _cleanup_close_ int plain = make_layer(F_NONE, rich, ARRAY_SIZE(rich));
        _cleanup_close_ int garbage = memfd_create("garbage", MFD_CLOEXEC);
        _cleanup_close_ int badgz = memfd_create("badgz", MFD_CLOEXEC);
        _cleanup_free_ char *msg = NULL;
        off_t len;

        len = lseek(gz, 0, SEEK_END);
        ASSERT_OK(ftruncate(gz, len / 2));
        lseek(gz, 0, SEEK_SET);
        ASSERT_EQ(apply("trunc-gz", gz, 0, NULL, &msg), -EBADMSG);
        ASSERT_TRUE(strstr(msg, "corrupt layer") != NULL);
        free(TAKE_PTR(msg));

        len = lseek(zst, 0, SEEK_END);
        ASSERT_OK(ftruncate(zst, len - 5));
        lseek(zst, 0, SEEK_SET);
        ASSERT_EQ(apply("trunc-zst", zst, 0, NULL, NULL), -EBADMSG);

        len = lseek(plain, 0, SEEK_END);
        ASSERT_OK(ftruncate(plain, 1000));
        lseek(plain, 0, SEEK_SET);
        ASSERT_EQ(apply("trunc-plain", plain, 0, NULL, NULL), -EBADMSG);

        for (int i = 0; i < 5000; i++) {
                uint32_t x = (uint32_t)i * 2654435761U;
                (void)!write(garbage, &x, sizeof(x));
        }
        lseek(garbage, 0, SEEK_SET);
        ASSERT_EQ(apply("garbage", garbage, 0, NULL, &msg), -EBADMSG);
        free(TAKE_PTR(msg));

        /* A valid gzip header, then garbage. */
        (void)!write(badgz, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbagegarbagegarbage", 31);
        lseek(badgz, 0, SEEK_SET);
        ASSERT_EQ(apply("badgz", badgz, 0, NULL, &msg), -EBADMSG);
}

/* Big enough for the reader thread (> 4 MiB, a regular file): same digests, errors still surface. */
TEST(test_pipelined)
{
        enum { N = 40 };
        struct ent ents[N + 2] = {};
        static char blobs[N][1 << 20];
        char names[N][32];
        uint32_t x = 1;

        /* Different random content per file, so zstd's window cannot fold them together. */
        for (int i = 0; i < N; i++) {
                for (size_t j = 0; j < (1 << 20) - 1; j++) {
                        x = x * 1103515245 + 12345;
                        blobs[i][j] = (char)('a' + (x >> 16) % 26);
                }
                snprintf(names[i], sizeof(names[i]), "d%d/file%d", i % 7, i);
                ents[i] = (struct ent){ .name = names[i], .data = blobs[i], .perm = 0644 };
        }
        for (int f = F_NONE; f <= F_ZSTD; f++) {
                _cleanup_close_ int plain = make_layer(F_NONE, ents, N);
                _cleanup_close_ int layer = make_layer(f, ents, N);
                _cleanup_free_ char *plain_digest = fd_digest(plain), *c = NULL;
                struct layer_apply_result res;
                struct stat st;

                ASSERT_OK(apply("pipe", layer, 0, &res, NULL));
                ASSERT_STREQ(res.diff_id, plain_digest);
                ASSERT_EQ(res.unpacked_bytes, (uint64_t)N * ((1 << 20) - 1));
                ASSERT_TRUE(exists_at("pipe", "d5/file33", &st));
                ASSERT_EQ(st.st_size, (1 << 20) - 1);
                c = read_at("pipe", "d3/file10");
                ASSERT_TRUE(c && memcmp(c, blobs[10], (1 << 20) - 1) == 0);
        }
        /* An entry error half way: the reader thread is stopped and joined. */
        ents[N / 2] = (struct ent){ .name = "../escape", .data = "x" };
        for (int f = F_NONE; f <= F_ZSTD; f++) {
                _cleanup_close_ int layer = make_layer(f, ents, N);
                ASSERT_EQ(apply("pipe-bad", layer, 0, NULL, NULL), -EINVAL);
        }
        /* Truncated and corrupted in the middle. */
        ents[N / 2] = ents[0];
        for (int f = F_GZIP; f <= F_ZSTD; f++) {
                _cleanup_close_ int layer = make_layer(f, ents, N);
                off_t len = lseek(layer, 0, SEEK_END);
                ASSERT_TRUE(len > (4 << 20) + 4096);
                ASSERT_OK(ftruncate(layer, len - len / 8));
                lseek(layer, 0, SEEK_SET);
                ASSERT_EQ(apply("pipe-trunc", layer, 0, NULL, NULL), -EBADMSG);
                ASSERT_EQ(pwrite(layer, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, len / 2), 8);
                lseek(layer, 0, SEEK_SET);
                ASSERT_EQ(apply("pipe-corrupt", layer, 0, NULL, NULL), -EBADMSG);
        }
}

TEST(test_empty_layer)
{
        _cleanup_close_ int empty = make_layer(F_GZIP, NULL, 0);
        struct layer_apply_result res;

        ASSERT_OK(apply("empty", empty, 0, &res, NULL));
        ASSERT_EQ(res.uncompressed_size, 1024);
}

int main(void)
{
        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root");
        snprintf(base, sizeof(base), "/tmp/test-layer-apply-XXXXXX");
        if (!mkdtemp(base))
                TAP_SKIP_ALL("mkdtemp");
        RUN(test_digest);
        RUN(test_apply_rich);
        RUN(test_compressions_same_diff_id);
        RUN(test_gzip_members);
        RUN(test_whiteouts);
        RUN(test_replace);
        RUN(test_round_trip);
        RUN(test_hostile);
        RUN(test_corrupt);
        RUN(test_pipelined);
        RUN(test_empty_layer);
        rm_rf_at(AT_FDCWD, base, NULL);
        TAP_DONE();
}
