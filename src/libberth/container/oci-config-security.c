/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capabilities, seccomp and devices: Docker's defaults, what --cap-add,
 * --cap-drop, --privileged, --security-opt seccomp=... and --device change.
 *
 * The seccomp filter is compiled once per distinct profile and kept in
 * $root/cache/seccomp/<sha256 of the profile>.bpf; the config names it in the
 * io.berth.seccomp.bpf annotation ("PATH#sha256:HEX") and the runtime loads
 * it instead of compiling, after checking that the profile in the config
 * still hashes to HEX.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/sha256.h"
#include "base/xalloc.h"
#include "container/oci-config-internal.h"
#include "container/seccomp-default.h"
#include "oci/caps-table.h"
#include "oci/runtime-spec.h"
#include "runtime/seccomp.h"

#define SECCOMP_PROFILE_MAX (1u << 20)
#define SECCOMP_CACHE_MAGIC "BSF1"

int oci_config_cap_last(void)
{
        static int last = -1;
        _cleanup_free_ char *text = NULL;

        if (last < 0) {
                last = (int)ARRAY_SIZE(oci_cap_names) - 1;
                if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 32, &text, NULL, NULL) == 0 &&
                    atoi(text) > 0 && atoi(text) < last)
                        last = atoi(text);
        }
        return last;
}

/* What we hold ourselves: a container cannot get more (root here lacks CAP_SYS_RESOURCE). */
static uint64_t caps_own(void)
{
        _cleanup_free_ char *text = NULL;
        const char *p;

        if (read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &text, NULL, NULL) < 0 ||
            !(p = strstr(text, "CapPrm:")))
                return ~0ULL;
        return strtoull(p + 7, NULL, 16);
}

/* Every capability the kernel knows and we hold: --privileged and --cap-add ALL. */
static uint64_t caps_all(void)
{
        int last = oci_config_cap_last();
        return (last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1) & caps_own();
}

/* "NET_ADMIN", "cap_net_admin", "CAP_NET_ADMIN" alike; "ALL" is the caller's. */
static int cap_parse(const char *name, struct berth_error **err)
{
        _cleanup_free_ char *full = strncasecmp(name, "CAP_", 4) == 0 ? xstrdup(name) : xasprintf("CAP_%s", name);
        int c = oci_cap_from_name(full);

        if (c < 0)
                return berth_err_msg(err, EINVAL, "unknown capability: \"%s\"", full);
        return c;
}

static bool list_has_all(json_t *arr)
{
        json_t *v;
        size_t i;

        json_array_foreach (arr, i, v)
                if (json_string_value(v) && strcasecmp(json_string_value(v), "ALL") == 0)
                        return true;
        return false;
}

/* Docker's rule: default set (or none when CapDrop has ALL, or all with CapAdd ALL) + CapAdd - CapDrop. */
static int caps_compute(json_t *hc, uint64_t *ret, struct berth_error **err)
{
        json_t *add = json_object_get(hc, "CapAdd"), *drop = json_object_get(hc, "CapDrop"), *v;
        uint64_t caps = list_has_all(drop) ? 0 : oci_caps_default_set();
        size_t i;
        int c;

        if (list_has_all(add))
                caps = caps_all();
        json_array_foreach (add, i, v) {
                if (!json_string_value(v) || strcasecmp(json_string_value(v), "ALL") == 0)
                        continue;
                if ((c = cap_parse(json_string_value(v), err)) < 0)
                        return c;
                caps |= 1ULL << c;
        }
        json_array_foreach (drop, i, v) {
                if (!json_string_value(v) || strcasecmp(json_string_value(v), "ALL") == 0)
                        continue;
                if ((c = cap_parse(json_string_value(v), err)) < 0)
                        return c;
                /* An explicit add wins over the same drop, as Docker's TweakCapabilities. */
                bool added = false;
                json_t *a;
                size_t j;
                json_array_foreach (add, j, a)
                        added = added || (json_string_value(a) && cap_parse(json_string_value(a), NULL) == c);
                if (!added)
                        caps &= ~(1ULL << c);
        }
        *ret = caps & caps_all();
        return 0;
}

static json_t *caps_names(uint64_t caps)
{
        json_t *a = json_array();

        for (int i = 0; i < 64 && i < (int)ARRAY_SIZE(oci_cap_names); i++)
                if (caps & (1ULL << i))
                        json_array_append_new(a, json_string(oci_cap_names[i]));
        return a;
}

int oci_config_caps(struct oci_build *b, json_t *process, struct berth_error **err)
{
        uint64_t caps = caps_all();
        int r;

        if (!b->privileged && (r = caps_compute(b->host_config, &caps, err)) < 0)
                return r;
        b->caps = caps;
        /* Docker 23+: no inheritable and no ambient capabilities. */
        json_object_set_new(process, "capabilities",
                            json_pack("{s:o,s:o,s:o}", "bounding", caps_names(caps), "effective", caps_names(caps),
                                      "permitted", caps_names(caps)));
        return 0;
}

/* ---- seccomp ---- */

static const char *native_arch(void)
{
#if defined(__x86_64__)
        return "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
        return "SCMP_ARCH_AARCH64";
#else
        return "";
#endif
}

static const char *native_goarch(void)
{
#if defined(__x86_64__)
        return "amd64";
#elif defined(__aarch64__)
        return "arm64";
#else
        return "";
#endif
}

static bool strarr_has(json_t *arr, const char *s)
{
        json_t *v;
        size_t i;

        json_array_foreach (arr, i, v)
                if (json_string_value(v) && streq(json_string_value(v), s))
                        return true;
        return false;
}

/* A Docker profile entry's includes/excludes against this container's capabilities and architecture. */
static bool entry_applies(json_t *e, uint64_t caps)
{
        json_t *inc = json_object_get(e, "includes"), *exc = json_object_get(e, "excludes"), *v;
        size_t i;

        json_array_foreach (json_object_get(inc, "caps"), i, v) {
                int c = json_string_value(v) ? cap_parse(json_string_value(v), NULL) : -1;
                if (c < 0 || !(caps & (1ULL << c)))
                        return false;
        }
        json_array_foreach (json_object_get(exc, "caps"), i, v) {
                int c = json_string_value(v) ? cap_parse(json_string_value(v), NULL) : -1;
                if (c >= 0 && (caps & (1ULL << c)))
                        return false;
        }
        if (json_array_size(json_object_get(inc, "arches")) && !strarr_has(json_object_get(inc, "arches"), native_goarch()))
                return false;
        return !strarr_has(json_object_get(exc, "arches"), native_goarch());
}

/*
 * Docker's profile format (archMap, includes/excludes, "name") to the OCI
 * linux.seccomp shape; an OCI-shaped profile passes through unchanged.
 */
static json_t *profile_to_oci(json_t *p, uint64_t caps)
{
        json_t *out = json_object(), *sys = json_array(), *archs = json_array(), *v, *e;
        static const char *const keep[] = { "defaultAction", "defaultErrnoRet", "flags" };
        size_t i;

        for (i = 0; i < ARRAY_SIZE(keep); i++)
                if ((v = json_object_get(p, keep[i])) && !json_is_null(v))
                        json_object_set(out, keep[i], v);
        json_array_foreach (json_object_get(p, "archMap"), i, e) {
                const char *a = json_string_value(json_object_get(e, "architecture"));
                size_t j;
                if (!a || !streq(a, native_arch()))
                        continue;
                json_array_append_new(archs, json_string(a));
                json_array_foreach (json_object_get(e, "subArchitectures"), j, v)
                        json_array_append(archs, v);
        }
        if (!json_array_size(archs) && json_is_array(json_object_get(p, "architectures")))
                json_array_extend(archs, json_object_get(p, "architectures"));
        json_object_set_new(out, "architectures", archs);
        json_array_foreach (json_object_get(p, "syscalls"), i, e) {
                json_t *names = json_object_get(e, "names"), *o;
                if (!entry_applies(e, caps))
                        continue;
                o = json_object();
                if (!names && json_is_string(json_object_get(e, "name")))
                        json_object_set_new(o, "names", json_pack("[O]", json_object_get(e, "name")));
                else
                        json_object_set(o, "names", names ? names : json_array());
                json_object_set(o, "action", json_object_get(e, "action") ?: json_null());
                if ((v = json_object_get(e, "args")) && json_array_size(v))
                        json_object_set(o, "args", v);
                if ((v = json_object_get(e, "errnoRet")) && !json_is_null(v))
                        json_object_set(o, "errnoRet", v);
                json_array_append_new(sys, o);
        }
        json_object_set_new(out, "syscalls", sys);
        return out;
}

/*
 * SecurityOpt "seccomp=...": "unconfined", a JSON document (what Docker's
 * client sends), or a file name, read now and stored in the record as its
 * content so later starts do not depend on the file (Docker stores content).
 * *ret = NULL: no filter.
 */
static int seccomp_from_opts(struct oci_build *b, json_t **ret, bool *ret_set, struct berth_error **err)
{
        json_t *opts = json_object_get(b->host_config, "SecurityOpt"), *v;
        size_t i;

        *ret_set = false;
        json_array_foreach (opts, i, v) {
                const char *o = json_string_value(v), *val;
                _cleanup_free_ char *text = NULL;
                json_error_t jerr;
                json_t *j;
                int r;

                if (!o || (strncmp(o, "seccomp=", 8) != 0 && strncmp(o, "seccomp:", 8) != 0))
                        continue;
                val = o + 8;
                *ret_set = true;
                if (streq(val, "unconfined")) {
                        *ret = NULL;
                        return 0;
                }
                if (*val != '{') {
                        r = read_file_at(AT_FDCWD, val, SECCOMP_PROFILE_MAX, &text, NULL, err);
                        if (r < 0)
                                return berth_err_prefix(err, "opening seccomp profile (%s) failed", val);
                        val = text;
                }
                j = json_loads(val, 0, &jerr);
                if (!json_is_object(j)) {
                        json_decref(j);
                        return berth_err_msg(err, EINVAL, "Decoding seccomp profile failed: %s", jerr.text);
                }
                if (text) {
                        _cleanup_free_ char *compact = json_dumps(j, JSON_COMPACT);
                        json_array_set_new(opts, i, json_sprintf("seccomp=%s", compact));
                }
                *ret = profile_to_oci(j, b->caps);
                json_decref(j);
                return 0;
        }
        return 0;
}

/* Header of a cache file: magic, then the filter flags (little endian), then struct sock_filter[]. */
static int seccomp_cache_write(const char *dir, const char *name, json_t *profile, struct berth_error **err)
{
        struct berth_seccomp *sc = NULL;
        _cleanup_free_ void *insns = NULL;
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int dfd = -EBADF;
        unsigned flags = 0;
        size_t len = 0;
        int r;

        r = berth_seccomp_compile(profile, &sc, err);
        if (r < 0)
                return berth_err_prefix(err, "seccomp profile");
        r = berth_seccomp_export(sc, &insns, &len, &flags);
        berth_seccomp_free(sc);
        if (r < 0)
                return berth_err(err, -r, "export seccomp filter");
        buf = xmalloc(8 + len);
        memcpy(buf, SECCOMP_CACHE_MAGIC, 4);
        for (int i = 0; i < 4; i++)
                buf[4 + i] = (char)((flags >> (8 * i)) & 0xff);
        memcpy(buf + 8, insns, len);
        if ((r = mkdir_p(dir, 0700, err)) < 0)
                return r;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "open `%s`", dir);
        return write_file_atomic_at(dfd, name, buf, 8 + len, 0600, err);
}

static int seccomp_cache(struct oci_build *b, json_t *spec, json_t *profile, struct berth_error **err)
{
        _cleanup_free_ char *text = json_dumps(profile, JSON_COMPACT | JSON_SORT_KEYS), *dir = NULL, *name = NULL;
        _cleanup_free_ char *path = NULL;
        char hex[2 * SHA256_DIGEST_SIZE + 1];
        json_t *ann;
        int r;

        if (!text)
                oom();
        /* base/sha256, not OpenSSL: its first use initialises libcrypto (~1 ms of every `run`). */
        sha256_hex(text, strlen(text), hex);
        dir = xasprintf("%s/cache/seccomp", b->store->root);
        name = xasprintf("%s.bpf", hex);
        path = xasprintf("%s/%s", dir, name);
        if (access(path, R_OK) < 0) {
                r = seccomp_cache_write(dir, name, profile, err);
                if (r < 0)
                        return r;
        }
        ann = json_object_get(spec, "annotations");
        if (!json_is_object(ann))
                json_object_set_new(spec, "annotations", ann = json_object());
        json_object_set_new(ann, OCI_ANNOTATION_SECCOMP_BPF, json_sprintf("%s#sha256:%s", path, hex));
        return 0;
}

int oci_config_seccomp(struct oci_build *b, json_t *spec, struct berth_error **err)
{
        json_t *profile = NULL;
        bool set;
        int r;

        r = seccomp_from_opts(b, &profile, &set, err);
        if (r < 0)
                return r;
        /* Docker: --privileged runs unconfined, whatever profile was named. */
        if (b->privileged) {
                json_decref(profile);
                return 0;
        }
        if (!set)
                profile = seccomp_default_profile(b->caps);
        if (!profile)
                return 0;
        json_object_set_new(json_object_get(spec, "linux"), "seccomp", profile);
        return seccomp_cache(b, spec, profile, err);
}

/* ---- devices ---- */

static json_t *device_rule(bool allow, const char *type, long long major, long long minor, const char *access)
{
        json_t *r = json_pack("{s:b,s:s}", "allow", allow, "access", access);

        if (type)
                json_object_set_new(r, "type", json_string(type));
        if (major >= 0)
                json_object_set_new(r, "major", json_integer(major));
        if (minor >= 0)
                json_object_set_new(r, "minor", json_integer(minor));
        return r;
}

static int device_add(json_t *devices, json_t *rules, const char *host, const char *path, const char *perms,
                      struct berth_error **err)
{
        struct stat st;
        const char *type;

        if (stat(host, &st) < 0)
                return berth_err(err, errno, "error gathering device information while adding custom device \"%s\"",
                                 host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return berth_err_msg(err, EINVAL,
                                     "error gathering device information while adding custom device \"%s\": not a "
                                     "device node",
                                     host);
        type = S_ISCHR(st.st_mode) ? "c" : "b";
        json_array_append_new(devices, json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i}", "path", path, "type", type,
                                                 "major", (json_int_t)major(st.st_rdev), "minor",
                                                 (json_int_t)minor(st.st_rdev), "fileMode",
                                                 (int)(st.st_mode & 0777), "uid", 0, "gid", 0));
        if (rules)
                json_array_append_new(rules, device_rule(true, type, major(st.st_rdev), minor(st.st_rdev), perms));
        return 0;
}

/* Every device node of the host's /dev (privileged), except what the runtime makes itself. */
static void host_devices(const char *dir, unsigned depth, json_t *devices)
{
        static const char *const skip[] = { "pts", "shm", "mqueue", "fd", "console", "ptmx", ".lxc", ".udev" };
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d || depth > 8)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                bool skipped = de->d_name[0] == '.' && (!de->d_name[1] || streq(de->d_name, ".."));
                struct stat st;
                for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
                        skipped = skipped || (depth == 0 && streq(de->d_name, skip[i]));
                if (skipped)
                        continue;
                p = xasprintf("%s/%s", dir, de->d_name);
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        host_devices(p, depth + 1, devices);
                else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                        (void)device_add(devices, NULL, p, p, "rwm", NULL);
        }
}

int oci_config_devices(struct oci_build *b, json_t *linux_, json_t *resources, struct berth_error **err)
{
        /* Docker's default allow list after "deny all". */
        static const struct {
                const char *type;
                int major, minor;
                const char *access;
        } defaults[] = {
                { "c", -1, -1, "m" }, { "b", -1, -1, "m" },  { "c", 1, 3, "rwm" }, { "c", 1, 5, "rwm" },
                { "c", 1, 7, "rwm" }, { "c", 1, 8, "rwm" },  { "c", 1, 9, "rwm" }, { "c", 5, 0, "rwm" },
                { "c", 5, 1, "rwm" }, { "c", 5, 2, "rwm" },  { "c", 136, -1, "rwm" },
        };
        json_t *devices = json_array(), *rules = json_array(), *v;
        size_t i;
        int r;

        json_object_set_new(linux_, "devices", devices);
        json_object_set_new(resources, "devices", rules);
        if (b->privileged) {
                json_array_append_new(rules, device_rule(true, NULL, -1, -1, "rwm"));
                host_devices("/dev", 0, devices);
        } else {
                json_array_append_new(rules, device_rule(false, NULL, -1, -1, "rwm"));
                for (i = 0; i < ARRAY_SIZE(defaults); i++)
                        json_array_append_new(rules, device_rule(true, defaults[i].type, defaults[i].major,
                                                                 defaults[i].minor, defaults[i].access));
        }
        json_array_foreach (json_object_get(b->host_config, "Devices"), i, v) {
                const char *host = json_string_value(json_object_get(v, "PathOnHost"));
                const char *path = json_string_value(json_object_get(v, "PathInContainer"));
                const char *perms = json_string_value(json_object_get(v, "CgroupPermissions"));
                if (!host)
                        continue;
                r = device_add(devices, rules, host, path && *path ? path : host, perms && *perms ? perms : "rwm",
                               err);
                if (r < 0)
                        return r;
        }
        return 0;
}
