/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `import`: a rootfs tarball becomes a one-layer image, as `docker import`
 * makes it; plus the helpers save and load share (blob writer, manifest
 * builder, decompressing reader).
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/time-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "store/archive.h"
#include "store/image-import.h"
#include "store/image-index.h"
#include "store/layer-store.h"
#include "store/reference.h"

#define IO_BUF_SIZE (1U << 20)

int archive_raw_reader(int fd, struct archive **ret, struct berth_error **err)
{
        struct archive *a = archive_read_new();

        if (!a)
                oom();
        /* Only the built-in decoders: archive_read_support_filter_all() may fork external programs. */
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_lzma(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_none(a);
        archive_read_support_format_raw(a);
        archive_read_support_format_empty(a);
        if (archive_read_open_fd(a, fd, IO_BUF_SIZE) != ARCHIVE_OK) {
                int r = berth_err_msg(err, EBADMSG, "invalid input: %s", archive_error_string(a));
                archive_read_free(a);
                return r;
        }
        *ret = a;
        return 0;
}

json_t *archive_manifest_build(const char *config_digest, uint64_t config_size,
                               const struct image_layer_desc *layers, size_t n_layers)
{
        json_t *descs = json_array();

        for (size_t i = 0; i < n_layers; i++)
                json_array_append_new(descs,
                                      json_pack("{s:s,s:s,s:I}", "mediaType", layers[i].media_type, "digest",
                                                layers[i].digest, "size", (json_int_t)layers[i].size));
        return json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:o}", "schemaVersion", 2, "mediaType",
                         MEDIA_OCI_MANIFEST, "config", "mediaType", MEDIA_OCI_CONFIG, "digest",
                         config_digest, "size", (json_int_t)config_size, "layers", descs);
}

int archive_layer_media_type(struct store *s, const char *digest, const char **ret, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        unsigned char magic[4] = {};
        int r = blob_open(s, digest, &fd, err);

        if (r < 0)
                return r;
        if (read_all(fd, magic, sizeof(magic)) < 0)
                return berth_err(err, errno, "read blob %s", digest);
        if (magic[0] == 0x1f && magic[1] == 0x8b)
                *ret = MEDIA_OCI_LAYER_GZIP;
        else if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
                *ret = MEDIA_OCI_LAYER_ZSTD;
        else
                *ret = MEDIA_OCI_LAYER;
        return 0;
}

/* ---- --change lines (Dockerfile syntax) ---- */

static const char *skip_space(const char *p)
{
        while (*p && isspace((unsigned char)*p))
                p++;
        return p;
}

static char *trim_dup(const char *p)
{
        size_t n;

        p = skip_space(p);
        n = strlen(p);
        while (n > 0 && isspace((unsigned char)p[n - 1]))
                n--;
        return strndup(p, n) ?: (oom(), NULL);
}

/* Shell-like words: '...' literal, "..." with \ escapes, \ outside quotes escapes the next char. */
static int split_words(const char *p, char ***ret, struct berth_error **err)
{
        _cleanup_strv_ char **words = NULL;

        for (p = skip_space(p); *p; p = skip_space(p)) {
                _cleanup_free_ char *w = xmalloc(strlen(p) + 1);
                size_t n = 0;
                while (*p && !isspace((unsigned char)*p)) {
                        char q = *p;
                        if (q == '\'' || q == '"') {
                                for (p++; *p && *p != q; p++) {
                                        if (q == '"' && *p == '\\' && p[1])
                                                p++;
                                        w[n++] = *p;
                                }
                                if (!*p)
                                        return berth_err_msg(err, EINVAL,
                                                             "unexpected end of statement while looking for "
                                                             "matching %s",
                                                             q == '"' ? "double-quote" : "single-quote");
                                p++;
                                continue;
                        }
                        if (q == '\\' && p[1])
                                p++;
                        w[n++] = *p++;
                }
                w[n] = '\0';
                words = strv_push(words, w);
        }
        *ret = TAKE_PTR(words);
        return 0;
}

/* JSON array of strings (exec form) or NULL. */
static json_t *parse_json_array(const char *rest)
{
        json_t *j, *v;
        size_t i;

        if (*rest != '[')
                return NULL;
        j = json_loads(rest, JSON_DECODE_ANY, NULL);
        if (!json_is_array(j))
                goto bad;
        json_array_foreach (j, i, v)
                if (!json_is_string(v))
                        goto bad;
        return j;
bad:
        json_decref(j);
        return NULL;
}

static json_t *exec_or_shell(const char *rest)
{
        json_t *j = parse_json_array(rest);

        return j ? j : json_pack("[s,s,s]", "/bin/sh", "-c", rest);
}

/* ENV/LABEL: "k=v k2=v2" (quotes honoured) or the legacy "k value with spaces" (first word has no "="). */
static int parse_key_values(const char *cmd, const char *rest, json_t *out, struct berth_error **err)
{
        _cleanup_strv_ char **words = NULL;
        int r;

        if (!*rest)
                return berth_err_msg(err, EINVAL, "%s requires at least one argument", cmd);
        r = split_words(rest, &words, err);
        if (r < 0)
                return r;
        if (!strchr(words[0], '=')) {
                _cleanup_free_ char *val = trim_dup(rest + strcspn(rest, " \t"));
                if (!*val)
                        return berth_err_msg(err, EINVAL, "%s must have two arguments", cmd);
                json_object_set_new(out, words[0], json_string(val));
                return 0;
        }
        for (size_t i = 0; words[i]; i++) {
                char *eq = strchr(words[i], '=');
                if (!eq || eq == words[i])
                        return berth_err_msg(err, EINVAL,
                                             "Syntax error - can't find = in \"%s\". Must be of the form: "
                                             "name=value",
                                             words[i]);
                *eq = '\0';
                json_object_set_new(out, words[i], json_string(eq + 1));
        }
        return 0;
}

static int change_env(json_t *config, const char *rest, struct berth_error **err)
{
        _cleanup_json_ json_t *kv = json_object();
        json_t *env = json_object_get(config, "Env"), *v;
        const char *key;
        int r = parse_key_values("ENV", rest, kv, err);

        if (r < 0)
                return r;
        if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(config, "Env", env);
        }
        json_object_foreach (kv, key, v) {
                _cleanup_free_ char *entry = xasprintf("%s=%s", key, json_string_value(v));
                bool replaced = false;
                size_t i, klen = strlen(key);
                json_t *old;
                json_array_foreach (env, i, old) {
                        const char *o = json_string_value(old);
                        if (o && strncmp(o, key, klen) == 0 && o[klen] == '=') {
                                json_array_set_new(env, i, json_string(entry));
                                replaced = true;
                                break;
                        }
                }
                if (!replaced)
                        json_array_append_new(env, json_string(entry));
        }
        return 0;
}

static int change_label(json_t *config, const char *rest, struct berth_error **err)
{
        json_t *labels = json_object_get(config, "Labels");

        if (!json_is_object(labels)) {
                labels = json_object();
                json_object_set_new(config, "Labels", labels);
        }
        return parse_key_values("LABEL", rest, labels, err);
}

static int parse_port(const char *s, unsigned long *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > 65535 || !isdigit((unsigned char)*s))
                return -EINVAL;
        *ret = v;
        return 0;
}

/* "80", "80/udp", "8000-8002/tcp" -> ExposedPorts {"80/tcp":{}, ...} (ranges expanded, as Docker's nat
 * does). */
static int expose_one(json_t *ports, const char *spec, struct berth_error **err)
{
        _cleanup_free_ char *port = xstrdup(spec);
        char *slash = strchr(port, '/'), *dash;
        const char *proto = "tcp";
        unsigned long lo, hi;

        if (slash) {
                *slash = '\0';
                proto = slash + 1;
                for (char *c = slash + 1; *c; c++)
                        *c = (char)tolower((unsigned char)*c);
                if (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp"))
                        return berth_err_msg(err, EINVAL, "invalid proto: %s", proto);
        }
        dash = strchr(port, '-');
        if (dash)
                *dash = '\0';
        if (parse_port(port, &lo) < 0 || (dash && parse_port(dash + 1, &hi) < 0))
                return berth_err_msg(err, EINVAL, "invalid containerPort: %s", spec);
        if (!dash)
                hi = lo;
        if (hi < lo)
                return berth_err_msg(err, EINVAL, "invalid range specified for container: %s", spec);
        for (unsigned long p = lo; p <= hi; p++) {
                _cleanup_free_ char *key = xasprintf("%lu/%s", p, proto);
                json_object_set_new(ports, key, json_object());
        }
        return 0;
}

static int change_expose(json_t *config, const char *rest, struct berth_error **err)
{
        _cleanup_strv_ char **words = NULL;
        json_t *ports = json_object_get(config, "ExposedPorts");
        int r = split_words(rest, &words, err);

        if (r < 0)
                return r;
        if (!words || !words[0])
                return berth_err_msg(err, EINVAL, "EXPOSE requires at least one argument");
        if (!json_is_object(ports)) {
                ports = json_object();
                json_object_set_new(config, "ExposedPorts", ports);
        }
        for (size_t i = 0; words[i]; i++)
                if ((r = expose_one(ports, words[i], err)) < 0)
                        return r;
        return 0;
}

static int change_volume(json_t *config, const char *rest, struct berth_error **err)
{
        _cleanup_json_ json_t *arr = parse_json_array(rest);
        _cleanup_strv_ char **words = NULL;
        json_t *vols = json_object_get(config, "Volumes"), *v;
        size_t i;
        int r;

        if (!arr) {
                r = split_words(rest, &words, err);
                if (r < 0)
                        return r;
                arr = json_array();
                for (i = 0; words && words[i]; i++)
                        json_array_append_new(arr, json_string(words[i]));
        }
        if (json_array_size(arr) == 0)
                return berth_err_msg(err, EINVAL, "VOLUME requires at least one argument");
        if (!json_is_object(vols)) {
                vols = json_object();
                json_object_set_new(config, "Volumes", vols);
        }
        json_array_foreach (arr, i, v) {
                _cleanup_free_ char *path = trim_dup(json_string_value(v));
                if (!*path)
                        return berth_err_msg(err, EINVAL, "VOLUME specified can not be an empty string");
                json_object_set_new(vols, path, json_object());
        }
        return 0;
}

/* WORKDIR: a relative path is taken from the current one, as in a Dockerfile. */
static int change_workdir(json_t *config, const char *rest, struct berth_error **err)
{
        const char *cur = json_string_value(json_object_get(config, "WorkingDir"));
        _cleanup_free_ char *dir = NULL;

        if (!*rest)
                return berth_err_msg(err, EINVAL, "WORKDIR requires exactly one argument");
        if (rest[0] == '/')
                dir = xstrdup(rest);
        else
                dir = xasprintf("%s/%s", cur && *cur ? cur : "", rest);
        /* Collapse "//" and a trailing "/" (filepath.Clean's visible effects on such paths). */
        for (char *a = dir, *b = dir;; b++) {
                if (*b == '/' && b[1] == '/')
                        continue;
                *a++ = *b;
                if (!*b)
                        break;
        }
        if (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
                dir[strlen(dir) - 1] = '\0';
        json_object_set_new(config, "WorkingDir", json_string(dir));
        return 0;
}

static int change_single(json_t *config, const char *key, const char *cmd, const char *rest,
                         struct berth_error **err)
{
        if (!*rest)
                return berth_err_msg(err, EINVAL, "%s requires exactly one argument", cmd);
        json_object_set_new(config, key, json_string(rest));
        return 0;
}

static int change_onbuild(json_t *config, const char *rest, struct berth_error **err)
{
        json_t *ob = json_object_get(config, "OnBuild");
        size_t n = strcspn(rest, " \t");

        if (!*rest)
                return berth_err_msg(err, EINVAL, "ONBUILD requires at least one argument");
        if (strncasecmp(rest, "ONBUILD", n) == 0 && n == 7)
                return berth_err_msg(err, EINVAL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if ((n == 4 && strncasecmp(rest, "FROM", 4) == 0) ||
            (n == 10 && strncasecmp(rest, "MAINTAINER", 10) == 0))
                return berth_err_msg(err, EINVAL, "%.*s isn't allowed as an ONBUILD trigger", (int)n, rest);
        if (!json_is_array(ob)) {
                ob = json_array();
                json_object_set_new(config, "OnBuild", ob);
        }
        json_array_append_new(ob, json_string(rest));
        return 0;
}

int image_config_apply_change(json_t *config, const char *line, struct berth_error **err)
{
        const char *p = skip_space(line), *end = p;
        _cleanup_free_ char *cmd = NULL, *rest = NULL;

        while (*end && !isspace((unsigned char)*end))
                end++;
        cmd = strndup(p, (size_t)(end - p));
        if (!cmd)
                oom();
        for (char *c = cmd; *c; c++)
                *c = (char)tolower((unsigned char)*c);
        rest = trim_dup(end);
        if (streq(cmd, "cmd") || streq(cmd, "entrypoint")) {
                json_object_set_new(config, streq(cmd, "cmd") ? "Cmd" : "Entrypoint", exec_or_shell(rest));
                return 0;
        }
        if (streq(cmd, "env"))
                return change_env(config, rest, err);
        if (streq(cmd, "label"))
                return change_label(config, rest, err);
        if (streq(cmd, "expose"))
                return change_expose(config, rest, err);
        if (streq(cmd, "volume"))
                return change_volume(config, rest, err);
        if (streq(cmd, "workdir"))
                return change_workdir(config, rest, err);
        if (streq(cmd, "user"))
                return change_single(config, "User", "USER", rest, err);
        if (streq(cmd, "stopsignal"))
                return change_single(config, "StopSignal", "STOPSIGNAL", rest, err);
        if (streq(cmd, "onbuild"))
                return change_onbuild(config, rest, err);
        return berth_err_msg(err, EINVAL, "%s is not a valid change command", cmd);
}

/* ---- import ---- */

const char *archive_host_arch(void)
{
        static const struct {
                const char *machine, *goarch;
        } map[] = {
            {"x86_64", "amd64"},    {"aarch64", "arm64"}, {"armv7l", "arm"},
            {"armv6l", "arm"},      {"i686", "386"},      {"i386", "386"},
            {"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"},
        };
        static struct utsname u;

        if (uname(&u) < 0)
                return "amd64";
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (streq(u.machine, map[i].machine))
                        return map[i].goarch;
        return u.machine;
}

/* Decompresses whatever came in into an uncompressed-tar blob; its digest is the layer's diff ID. */
static int import_layer_blob(struct store *s, int fd, char digest[static DIGEST_STRING_MAX],
                             uint64_t *ret_size, struct berth_error **err)
{
        _cleanup_free_ char *buf = xmalloc(IO_BUF_SIZE);
        struct blob_writer w = {.fd = -EBADF};
        struct archive_entry *e;
        struct archive *a = NULL;
        int r;

        r = archive_raw_reader(fd, &a, err);
        if (r < 0)
                return r;
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) {
                r = berth_err_msg(err, EBADMSG, "invalid input: empty tarball");
                goto out;
        }
        if (r < ARCHIVE_WARN) {
                r = berth_err_msg(err, EBADMSG, "invalid input: %s", archive_error_string(a));
                goto out;
        }
        r = blob_writer_open(s, &w, err);
        for (la_ssize_t n; r == 0;) {
                n = archive_read_data(a, buf, IO_BUF_SIZE);
                if (n < 0)
                        r = berth_err_msg(err, EBADMSG, "invalid input: %s", archive_error_string(a));
                else if (n == 0)
                        break;
                else
                        r = blob_writer_write(&w, buf, (size_t)n, err);
        }
        if (r == 0 && w.size == 0)
                r = berth_err_msg(err, EBADMSG, "invalid input: empty tarball");
        if (r == 0)
                r = blob_writer_commit(&w, NULL, digest, ret_size, err);
out:
        blob_writer_release(&w);
        archive_read_free(a);
        return r;
}

static json_t *import_config(const struct image_import_options *o, json_t *container_config)
{
        _cleanup_free_ char *now = time_now_rfc3339(), *comment = NULL;

        comment = o->message && *o->message ? xstrdup(o->message)
                                            : xasprintf("Imported from %s", o->source ? o->source : "-");
        return json_pack("{s:s,s:s,s:O,s:s,s:[{s:s,s:s}],s:s}", "architecture", archive_host_arch(),
                         "comment", comment, "config", container_config, "created", now, "history",
                         "created", now, "comment", comment, "os", "linux");
}

static int import_run(struct store *s, int fd, const struct image_import_options *o,
                      json_t *container_config, struct image **ret, struct berth_error **err)
{
        _cleanup_json_ json_t *config = NULL;
        struct image_layer_desc layer = {.media_type = MEDIA_OCI_LAYER};
        char chain[DIGEST_STRING_MAX];
        int r;

        r = import_layer_blob(s, fd, layer.digest, &layer.size, err);
        if (r < 0)
                return berth_err_prefix(err, "import");
        memcpy(layer.diff_id, layer.digest, DIGEST_STRING_MAX);
        r = layer_store_ensure(s, NULL, layer.digest, layer.diff_id, chain, NULL, err);
        if (r < 0)
                return berth_err_prefix(err, "import");
        config = import_config(o, container_config);
        return image_create(s, config, &layer, 1, o->ref, ret, err);
}

int image_import(struct store *s, int fd, const struct image_import_options *o, struct image **ret,
                 struct berth_error **err)
{
        _cleanup_json_ json_t *container_config = json_object();
        int guard = -EBADF, r;

        /* Everything the user typed is checked before a byte of input is read. */
        for (size_t i = 0; o->changes && o->changes[i]; i++)
                if ((r = image_config_apply_change(container_config, o->changes[i], err)) < 0)
                        return r;
        if (o->ref) {
                _cleanup_image_ref_ struct image_ref *ref = NULL;
                if ((r = image_ref_parse(o->ref, IMAGE_REF_DEFAULT_TAG, &ref, err)) < 0)
                        return r;
        }
        /* Held shared until the image is registered, so a concurrent gc cannot take our new blobs. */
        r = store_gc_guard(s, &guard, err);
        if (r < 0)
                return r;
        r = import_run(s, fd, o, container_config, ret, err);
        close(guard);
        if (r < 0) {
                /* The blob of a tarball that did not unpack is garbage now. */
                _cleanup_error_ struct berth_error *gc_err = NULL;
                (void)store_gc(s, &gc_err);
        }
        return r;
}
