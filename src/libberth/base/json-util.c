/* SPDX-License-Identifier: Apache-2.0 */
#include "base/json-util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "base/xalloc.h"

/*
 * jansson's integers are int64: a uint64 such as RLIM_INFINITY
 * (18446744073709551615, which Docker writes for `--ulimit core=-1`) would
 * be a parse error. Rewrite such literals, outside strings, to the int64 with
 * the same bits (-1), padded with spaces; readers cast back to uint64.
 */
static void json_wrap_uint64(char *buf, size_t len)
{
        bool in_string = false;

        for (size_t i = 0; i < len; i++) {
                char c = buf[i];
                size_t j = i;
                unsigned long long v;
                char *end;

                if (in_string) {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                in_string = false;
                        continue;
                }
                if (c == '"') {
                        in_string = true;
                        continue;
                }
                if (c < '0' || c > '9' || (i > 0 && (buf[i - 1] == '-' || buf[i - 1] == '.' ||
                                                      (buf[i - 1] >= '0' && buf[i - 1] <= '9'))))
                        continue;
                while (j < len && buf[j] >= '0' && buf[j] <= '9')
                        j++;
                if (j - i >= 19 && j - i <= 20 && (j == len || !strchr(".eE", buf[j]))) {
                        char tmp[32], out[32];
                        int n;
                        memcpy(tmp, buf + i, j - i);
                        tmp[j - i] = '\0';
                        errno = 0;
                        v = strtoull(tmp, &end, 10);
                        if (!errno && v > (unsigned long long)INT64_MAX) {
                                n = snprintf(out, sizeof(out), "%lld", (long long)v);
                                memset(buf + i, ' ', j - i);
                                memcpy(buf + i, out, (size_t)n);
                        }
                }
                i = j - 1;
        }
}

int json_load_path(const char *path, size_t max, json_t **ret, struct berth_error **err)
{
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        size_t len = 0;
        json_t *j;
        int r;

        r = read_file_at(-100 /* AT_FDCWD */, path, max, &buf, &len, err);
        if (r < 0)
                return r;
        json_wrap_uint64(buf, len);
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j)
                return berth_err_msg(err, EBADMSG, "parse `%s`: %s at line %d column %d", path, jerr.text,
                                     jerr.line, jerr.column);
        *ret = j;
        return 0;
}

int json_write_atomic(const char *path, json_t *j, struct berth_error **err)
{
        _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);

        if (!s)
                oom();
        return write_file_atomic_at(-100, path, s, strlen(s), 0600, err);
}

int json_get_string(json_t *obj, const char *key, bool required, const char *where, const char **ret,
                    struct berth_error **err)
{
        json_t *v = json_object_get(obj, key);

        if (!v || json_is_null(v)) {
                if (required)
                        return berth_err_msg(err, EINVAL, "`%s.%s` is required", where, key);
                return 0;
        }
        if (!json_is_string(v))
                return berth_err_msg(err, EINVAL, "`%s.%s` must be a string", where, key);
        *ret = json_string_value(v);
        return 0;
}

int json_get_bool(json_t *obj, const char *key, const char *where, bool *ret, struct berth_error **err)
{
        json_t *v = json_object_get(obj, key);

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_boolean(v))
                return berth_err_msg(err, EINVAL, "`%s.%s` must be a boolean", where, key);
        *ret = json_is_true(v);
        return 0;
}

int json_get_int64(json_t *obj, const char *key, const char *where, long long *ret, struct berth_error **err)
{
        json_t *v = json_object_get(obj, key);

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v))
                return berth_err_msg(err, EINVAL, "`%s.%s` must be an integer", where, key);
        *ret = json_integer_value(v);
        return 0;
}

int json_get_object(json_t *obj, const char *key, const char *where, json_t **ret, struct berth_error **err)
{
        json_t *v = json_object_get(obj, key);

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_object(v))
                return berth_err_msg(err, EINVAL, "`%s.%s` must be an object", where, key);
        *ret = v;
        return 0;
}

int json_get_array(json_t *obj, const char *key, const char *where, json_t **ret, struct berth_error **err)
{
        json_t *v = json_object_get(obj, key);

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return berth_err_msg(err, EINVAL, "`%s.%s` must be an array", where, key);
        *ret = v;
        return 0;
}

int json_get_strv(json_t *obj, const char *key, const char *where, char ***ret, struct berth_error **err)
{
        json_t *arr = NULL, *v;
        char **out;
        size_t i;
        int r;

        r = json_get_array(obj, key, where, &arr, err);
        if (r < 0 || !arr)
                return r;
        out = xcalloc(json_array_size(arr) + 1, sizeof(char *));
        json_array_foreach (arr, i, v) {
                if (!json_is_string(v)) {
                        strv_free(out);
                        return berth_err_msg(err, EINVAL, "`%s.%s[%zu]` must be a string", where, key, i);
                }
                out[i] = xstrdup(json_string_value(v));
        }
        *ret = out;
        return 0;
}
