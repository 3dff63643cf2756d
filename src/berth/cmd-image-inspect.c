/* SPDX-License-Identifier: Apache-2.0 */
/* `image history`, `image inspect` and the top-level `inspect`, as docker prints them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cmd-container.h"
#include "cmd-image.h"
#include "engine.h"
#include "format.h"
#include "store/layer-store.h"
#include "store/reference.h"
#include "units.h"

/* ---- history */

const struct cli_option image_history_options[] = {
    {"format", 0, CLI_OPT_STRING, "string", NULL, IMAGE_FORMAT_HELP_TABLE},
    {"human", 'H', CLI_OPT_BOOL, NULL, "true", "Print sizes and dates in human readable format"},
    {"no-trunc", 0, CLI_OPT_BOOL, NULL, NULL, "Don't truncate output"},
    {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL, "Only show image IDs"},
    {NULL},
};

/* docker's stringutils.Ellipsis: at most maxlen characters, the last one "…" when cut. */
static char *ellipsis(const char *s, size_t maxlen)
{
        size_t chars = 0, i;

        for (i = 0; s[i]; i++)
                if (((unsigned char)s[i] & 0xC0) != 0x80)
                        chars++;
        if (chars <= maxlen)
                return xstrdup(s);
        chars = 0;
        for (i = 0; s[i]; i++) {
                if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars == maxlen)
                        break;
        }
        return xasprintf("%.*s…", (int)i, s);
}

/* Go's time.RFC3339 in local time ("2024-01-02T03:04:05Z" in UTC, "...+01:00" elsewhere). */
static void rfc3339_local(double t, char buf[static 64])
{
        time_t tt = (time_t)t;
        struct tm tm;
        char off[40];

        localtime_r(&tt, &tm);
        strftime(buf, 64, "%Y-%m-%dT%H:%M:%S", &tm);
        if (tm.tm_gmtoff == 0) {
                strcat(buf, "Z");
                return;
        }
        snprintf(off, sizeof(off), "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', labs(tm.tm_gmtoff) / 3600,
                 labs(tm.tm_gmtoff) % 3600 / 60);
        strcat(buf, off);
}

static json_t *history_row(const char *id, json_t *h, uint64_t size, bool human, bool no_trunc)
{
        const char *by = json_string_value(json_object_get(h, "created_by")) ?: "";
        double t = engine_parse_rfc3339(json_string_value(json_object_get(h, "created")));
        _cleanup_free_ char *by_clean = xstrdup(by), *shown = NULL, *size_text = NULL;
        char at[64], since[64], hs[UNITS_BUF];

        for (char *p = by_clean; *p; p++)
                if (*p == '\t')
                        *p = ' ';
        shown = no_trunc ? xstrdup(by_clean) : ellipsis(by_clean, 45);
        rfc3339_local(t < 0 ? 0 : t, at);
        size_text =
            human ? xstrdup(units_human_size_prec(hs, (double)size, 3)) : xasprintf("%" PRIu64, size);
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "Comment",
                         json_string_value(json_object_get(h, "comment")) ?: "", "CreatedAt", at,
                         "CreatedBy", shown, "CreatedSince", human ? engine_since(t < 0 ? 0 : t, since) : at,
                         "ID", id, "Size", size_text);
}

static const struct format_header history_headers[] = {
    {"ID", "IMAGE"},
    {"CreatedSince", "CREATED"},
    {"CreatedAt", "CREATED AT"},
    {"CreatedBy", "CREATED BY"},
    {"Size", "SIZE"},
    {"Comment", "COMMENT"},
    {NULL, NULL},
};

static int history_run(const struct image *img, struct store *s, struct cli_args *args,
                       struct berth_error **err)
{
        _cleanup_formatter_ struct formatter *fm = NULL;
        json_t *hist = json_object_get(img->config, "history");
        bool human = cli_bool(args, "human"), no_trunc = cli_bool(args, "no-trunc");
        const char *user = cli_bool(args, "quiet") ? "{{.ID}}" : cli_string(args, "format");
        char idbuf[80];
        size_t layer, n = json_array_size(hist);
        int r;

        r = formatter_new(user ? user : "",
                          human ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
                                : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
                          history_headers, &fm, err);
        if (r < 0)
                return r;
        /* Newest first; each non-empty entry owns the next layer from the top. */
        layer = img->n_layers;
        for (size_t i = n; i-- > 0;) {
                json_t *h = json_array_get(hist, i);
                _cleanup_json_ json_t *row = NULL;
                uint64_t size = 0;
                if (!json_is_true(json_object_get(h, "empty_layer")) && layer > 0)
                        (void)layer_store_size(s, img->chain_ids[--layer], &size, NULL);
                row = history_row(i == n - 1 ? engine_short_id(img->id, no_trunc, idbuf) : "<missing>", h,
                                  size, human, no_trunc);
                if ((r = formatter_add(fm, row, err)) < 0)
                        return r;
        }
        return formatter_flush(fm, stdout, err);
}

int cmd_image_history(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_image_ struct image *img = NULL;

        if (engine_store_open(ctx, &s, &err) < 0 ||
            engine_image_lookup(s, cli_argv(args)[0], &img, &err) < 0 || history_run(img, s, args, &err) < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}

/* ---- inspect */

const struct cli_option image_inspect_options[] = {
    {"format", 'f', CLI_OPT_STRING, "string", NULL, IMAGE_FORMAT_HELP_NO_TABLE},
    {"platform", 0, CLI_OPT_STRING, "string", NULL,
     "Inspect a specific platform of the multi-platform image."},
    {NULL},
};

const struct cli_option inspect_options[] = {
    {"format", 'f', CLI_OPT_STRING, "string", NULL, IMAGE_FORMAT_HELP_NO_TABLE},
    {"size", 's', CLI_OPT_BOOL, NULL, NULL, "Display total file sizes if the type is container"},
    {"type", 0, CLI_OPT_STRING, "string", NULL, "Only inspect objects of the given type"},
    {NULL},
};

static json_t *get_or(json_t *obj, const char *key, json_t *def)
{
        json_t *v = json_object_get(obj, key);

        if (v) {
                json_decref(def);
                return json_incref(v);
        }
        return def;
}

/* The image config's "config" in Docker's container-config shape (its field order, its omitempty). */
static json_t *inspect_config(json_t *c)
{
        json_t *o = json_object();

        json_object_set_new(o, "Hostname", json_string(""));
        json_object_set_new(o, "Domainname", json_string(""));
        json_object_set_new(o, "User", get_or(c, "User", json_string("")));
        json_object_set_new(o, "AttachStdin", json_false());
        json_object_set_new(o, "AttachStdout", json_false());
        json_object_set_new(o, "AttachStderr", json_false());
        if (json_object_size(json_object_get(c, "ExposedPorts")))
                json_object_set(o, "ExposedPorts", json_object_get(c, "ExposedPorts"));
        json_object_set_new(o, "Tty", json_false());
        json_object_set_new(o, "OpenStdin", json_false());
        json_object_set_new(o, "StdinOnce", json_false());
        json_object_set_new(o, "Env", get_or(c, "Env", json_null()));
        json_object_set_new(o, "Cmd", get_or(c, "Cmd", json_null()));
        if (json_object_get(c, "Healthcheck"))
                json_object_set(o, "Healthcheck", json_object_get(c, "Healthcheck"));
        if (json_is_true(json_object_get(c, "ArgsEscaped")))
                json_object_set_new(o, "ArgsEscaped", json_true());
        json_object_set_new(o, "Image", json_string(""));
        json_object_set_new(o, "Volumes", get_or(c, "Volumes", json_null()));
        json_object_set_new(o, "WorkingDir", get_or(c, "WorkingDir", json_string("")));
        json_object_set_new(o, "Entrypoint", get_or(c, "Entrypoint", json_null()));
        json_object_set_new(o, "OnBuild", get_or(c, "OnBuild", json_null()));
        json_object_set_new(o, "Labels", get_or(c, "Labels", json_null()));
        if (json_string_length(json_object_get(c, "StopSignal")))
                json_object_set(o, "StopSignal", json_object_get(c, "StopSignal"));
        if (json_object_get(c, "Shell"))
                json_object_set(o, "Shell", json_object_get(c, "Shell"));
        return o;
}

static json_t *familiar_list(char **refs)
{
        json_t *a = json_array();

        for (size_t i = 0; refs && refs[i]; i++) {
                _cleanup_image_ref_ struct image_ref *r = NULL;
                if (image_ref_parse(refs[i], 0, &r, NULL) < 0)
                        json_array_append_new(a, json_string(refs[i]));
                else
                        json_array_append_new(a, json_string_nocheck(image_ref_familiar_string(r)));
        }
        return a;
}

/* overlay2's GraphDriver data: the top layer is UpperDir, the others (top first) LowerDir. */
static json_t *inspect_graph_driver(struct store *s, const struct image *img)
{
        json_t *data = json_object();
        _cleanup_free_ char *lower = NULL;

        for (size_t i = img->n_layers - (img->n_layers > 0); i-- > 0;) {
                _cleanup_free_ char *p = layer_store_diff_path(s, img->chain_ids[i]);
                char *l = lower ? xasprintf("%s:%s", lower, p) : xstrdup(p);
                free(lower);
                lower = l;
        }
        if (lower)
                json_object_set_new(data, "LowerDir", json_string(lower));
        if (img->n_layers > 0)
                json_object_set_new(
                    data, "UpperDir",
                    json_string_nocheck(layer_store_diff_path(s, img->chain_ids[img->n_layers - 1])));
        return json_pack("{s:o,s:s}", "Data", data, "Name", "overlay2");
}

static json_t *image_inspect_json(struct store *s, const struct image *img)
{
        json_t *c = img->config, *layers = json_array(), *o;
        const char *variant = json_string_value(json_object_get(c, "variant"));

        for (size_t i = 0; i < img->n_layers; i++)
                json_array_append_new(layers, json_string(img->diff_ids[i]));
        o = json_pack("{s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "Id", img->id, "RepoTags",
                      familiar_list(img->tags), "RepoDigests", familiar_list(img->digests), "Parent", "",
                      "Comment", json_string_value(json_object_get(c, "comment")) ?: "", "Created",
                      json_string_value(json_object_get(c, "created")) ?: "0001-01-01T00:00:00Z",
                      "DockerVersion", json_string_value(json_object_get(c, "docker_version")) ?: "",
                      "Author", json_string_value(json_object_get(c, "author")) ?: "", "Config",
                      inspect_config(json_object_get(c, "config")), "Architecture",
                      json_string_value(json_object_get(c, "architecture")) ?: "");
        if (variant && *variant)
                json_object_set_new(o, "Variant", json_string(variant));
        json_object_set_new(o, "Os", json_string(json_string_value(json_object_get(c, "os")) ?: ""));
        json_object_set_new(o, "Size", json_integer((json_int_t)img->size));
        json_object_set_new(o, "GraphDriver", inspect_graph_driver(s, img));
        json_object_set_new(o, "RootFS", json_pack("{s:s,s:o}", "Type", "layers", "Layers", layers));
        json_object_set_new(o, "Metadata",
                            json_pack("{s:s}", "LastTagTime", img->added ?: "0001-01-01T00:00:00Z"));
        return o;
}

/* docker inspects every name, prints what it found, then the errors. */
struct inspect_out {
        json_t *all;
        struct format *fmt;
        char **errors;
        int status;
};

static int inspect_emit(const struct cli_context *ctx, struct inspect_out *out, json_t *obj)
{
        _cleanup_error_ struct berth_error *err = NULL;

        if (!out->fmt) {
                json_array_append_new(out->all, obj);
                return 0;
        }
        if (format_execute(out->fmt, obj, stdout, &err) < 0) {
                json_decref(obj);
                return cli_fail(ctx, err);
        }
        fputc('\n', stdout);
        json_decref(obj);
        return 0;
}

static int inspect_finish(const struct cli_context *ctx, struct inspect_out *out)
{
        if (!out->fmt) {
                _cleanup_free_ char *text = json_dumps(out->all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                printf("%s\n", text ? text : "[]");
        }
        fflush(stdout);
        for (size_t i = 0; out->errors && out->errors[i]; i++)
                out->status = cli_failf(ctx, "%s", out->errors[i]);
        strv_free(out->errors);
        json_decref(out->all);
        format_free(out->fmt);
        return out->status;
}

static int inspect_start(const struct cli_context *ctx, const char *spec, struct inspect_out *out)
{
        _cleanup_error_ struct berth_error *err = NULL;

        *out = (struct inspect_out){.all = json_array()};
        if (spec && streq(spec, "json"))
                spec = "{{json .}}";
        if (spec && *spec && format_compile(spec, &out->fmt, &err) < 0) {
                json_decref(out->all);
                fprintf(stderr, "template parsing error: %s\n", err->msg);
                return ctx->cmd && (ctx->cmd->flags & CLI_ERRORS_125) ? CLI_EXIT_ENGINE : CLI_EXIT_FAILURE;
        }
        return 0;
}

/* Top-level inspect: docker looks for a container first, then an image (--type narrows it). */
static bool inspect_container(struct store *s, const char *name, json_t **ret)
{
        _cleanup_container_ struct container *c = NULL;

        if (container_load(s, name, &c, NULL) < 0)
                return false;
        *ret = ctr_inspect_json(s, c);
        return true;
}

static int inspect_images(struct cli_context *ctx, struct cli_args *args, bool any_object)
{
        const char *type = any_object ? cli_string(args, "type") : NULL;
        bool containers = any_object && (!type || !*type || streq(type, "container"));
        bool images = !type || !*type || streq(type, "image");
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        struct inspect_out out;
        char **argv = cli_argv(args);
        int r;

        r = inspect_start(ctx, cli_string(args, "format"), &out);
        if (r)
                return r;
        if (engine_store_open(ctx, &s, &err) < 0) {
                inspect_finish(ctx, &out);
                return cli_fail(ctx, err);
        }
        for (size_t i = 0; argv[i]; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                _cleanup_image_ struct image *img = NULL;
                json_t *cj = NULL;
                if (containers && inspect_container(s, argv[i], &cj)) {
                        if ((r = inspect_emit(ctx, &out, cj)) != 0)
                                out.status = r;
                        continue;
                }
                if (!images || engine_image_lookup(s, argv[i], &img, &e) < 0) {
                        if (!images) {
                                _cleanup_free_ char *m = xasprintf("No such container: %s", argv[i]);
                                out.errors = strv_push(out.errors, m);
                                continue;
                        }
                        /* docker's generic inspect names the object, not the image. */
                        _cleanup_free_ char *msg = any_object && berth_error_code(e) == ENOENT
                                                       ? xasprintf("No such object: %s", argv[i])
                                                       : xstrdup(e->msg);
                        out.errors = strv_push(out.errors, msg);
                        continue;
                }
                if ((r = inspect_emit(ctx, &out, image_inspect_json(s, img))) != 0)
                        out.status = r;
        }
        return inspect_finish(ctx, &out);
}

int cmd_image_inspect(struct cli_context *ctx, struct cli_args *args)
{
        return inspect_images(ctx, args, false);
}

int cmd_inspect(struct cli_context *ctx, struct cli_args *args)
{
        const char *type = cli_string(args, "type");

        /* Containers, volumes and networks join here as their commands arrive. */
        if (type && *type && !streq(type, "image") && !streq(type, "container") && !streq(type, "volume") &&
            !streq(type, "network") && !streq(type, "config") && !streq(type, "node") &&
            !streq(type, "plugin") && !streq(type, "secret") && !streq(type, "service") &&
            !streq(type, "task"))
                return cli_failf(ctx, "\"%s\" is not a valid value for --type", type);
        if (type && *type && !streq(type, "image") && !streq(type, "container")) {
                struct inspect_out out;
                int r = inspect_start(ctx, cli_string(args, "format"), &out);
                if (r)
                        return r;
                for (char **a = cli_argv(args); *a; a++) {
                        _cleanup_free_ char *msg = xasprintf("No such %s: %s", type, *a);
                        out.errors = strv_push(out.errors, msg);
                }
                return inspect_finish(ctx, &out);
        }
        return inspect_images(ctx, args, true);
}
