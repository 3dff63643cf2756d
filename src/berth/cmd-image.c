/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image commands: `images`/`image ls`, `tag`, `rmi`/`image rm`,
 * `image prune`, and the table of every image command (history and inspect
 * are in cmd-image-inspect.c, import/save/load in cmd-image-io.c). Output,
 * errors and exit codes follow the docker CLI.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cmd-image.h"
#include "engine.h"
#include "format.h"
#include "store/layer-store.h"
#include "store/reference.h"
#include "units.h"

/* ---- images / image ls */

struct ls_filters {
        int dangling; /* -1: no filter */
        char **patterns;
        char **labels;
        double before, since; /* -1: none */
};

static void ls_filters_done(struct ls_filters *f)
{
        strv_free(f->patterns);
        strv_free(f->labels);
}

static int ls_time_of(struct store *s, const char *name, double *ret, struct berth_error **err)
{
        _cleanup_image_ struct image *img = NULL;
        int r = engine_image_lookup(s, name, &img, err);

        if (r < 0)
                return r;
        *ret = engine_image_created(img);
        return 0;
}

static int ls_parse_filters(struct store *s, char **list, struct ls_filters *f, struct berth_error **err)
{
        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '=');
                _cleanup_free_ char *key = NULL;
                const char *val;
                int r = 0;
                if (!eq)
                        return berth_err_msg(err, EINVAL, "bad format of filter (expected name=value)");
                key = xasprintf("%.*s", (int)(eq - list[i]), list[i]);
                val = eq + 1;
                if (streq(key, "dangling")) {
                        bool b;
                        if (cli_parse_bool(val, &b) < 0)
                                return berth_err_msg(err, EINVAL, "Invalid filter 'dangling=%s'", val);
                        f->dangling = b;
                } else if (streq(key, "reference")) {
                        f->patterns = strv_push(f->patterns, val);
                } else if (streq(key, "label")) {
                        f->labels = strv_push(f->labels, val);
                } else if (streq(key, "before")) {
                        r = ls_time_of(s, val, &f->before, err);
                } else if (streq(key, "since")) {
                        r = ls_time_of(s, val, &f->since, err);
                } else {
                        return berth_err_msg(err, EINVAL, "Invalid filter '%s'", key);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* distribution's FamiliarMatch: the pattern against "name:tag", then against "name". */
static bool ls_ref_matches(char **patterns, const struct image_ref *ref)
{
        _cleanup_free_ char *full = image_ref_familiar_string(ref), *name = image_ref_familiar_name(ref);

        for (size_t i = 0; patterns && patterns[i]; i++)
                if (fnmatch(patterns[i], full, FNM_PATHNAME) == 0 ||
                    fnmatch(patterns[i], name, FNM_PATHNAME) == 0)
                        return true;
        return false;
}

static bool ls_image_passes(const struct image *img, const struct ls_filters *f)
{
        double created = engine_image_created(img);

        if (f->dangling >= 0 && (strv_length(img->tags) == 0) != (f->dangling == 1))
                return false;
        if (f->before >= 0 && !(created < f->before))
                return false;
        if (f->since >= 0 && !(created > f->since))
                return false;
        for (size_t i = 0; f->labels && f->labels[i]; i++)
                if (!engine_labels_match(img, f->labels[i]))
                        return false;
        return true;
}

/* The repo digest of img in the repository `name` (familiar), or "<none>". */
static char *ls_digest_for(const struct image *img, const char *name)
{
        for (size_t i = 0; img->digests && img->digests[i]; i++) {
                _cleanup_image_ref_ struct image_ref *r = NULL;
                _cleanup_free_ char *n = NULL;
                if (image_ref_parse(img->digests[i], 0, &r, NULL) < 0 || !r->digest)
                        continue;
                n = image_ref_familiar_name(r);
                if (streq(n, name))
                        return xstrdup(r->digest);
        }
        return xstrdup("<none>");
}

static json_t *ls_row(const struct image *img, const char *repo, const char *tag, const char *digest,
                      bool no_trunc)
{
        char idbuf[80], since[64], size[UNITS_BUF], at[64];
        time_t created = (time_t)engine_image_created(img);
        struct tm tm;

        gmtime_r(&created, &tm);
        strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
        units_human_size_prec(size, (double)img->size, 3);
        /* Sorted keys: docker marshals these rows as Go maps. */
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Containers", "N/A", "CreatedAt",
                         at, "CreatedSince", engine_since((double)created, since), "Digest", digest, "ID",
                         engine_short_id(img->id, no_trunc, idbuf), "Repository", repo, "SharedSize", "N/A",
                         "Size", size, "Tag", tag, "UniqueSize", "N/A", "VirtualSize", size);
}

static int ls_add_image(struct formatter *fm, const struct image *img, const struct ls_filters *f,
                        bool no_trunc, struct berth_error **err)
{
        size_t shown = 0;
        int r;

        for (size_t i = 0; img->tags && img->tags[i]; i++) {
                _cleanup_image_ref_ struct image_ref *ref = NULL;
                _cleanup_free_ char *name = NULL, *digest = NULL;
                _cleanup_json_ json_t *row = NULL;
                if (image_ref_parse(img->tags[i], 0, &ref, NULL) < 0 || !ref->tag)
                        continue;
                if (f->patterns && !ls_ref_matches(f->patterns, ref))
                        continue;
                name = image_ref_familiar_name(ref);
                digest = ls_digest_for(img, name);
                row = ls_row(img, name, ref->tag, digest, no_trunc);
                if ((r = formatter_add(fm, row, err)) < 0)
                        return r;
                shown++;
        }
        if (shown || strv_length(img->tags) > 0 || f->patterns)
                return 0;
        /* Untagged: one row per repo digest (name <none>), or <none> <none>. */
        for (size_t i = 0; img->digests && img->digests[i]; i++) {
                _cleanup_image_ref_ struct image_ref *ref = NULL;
                _cleanup_free_ char *name = NULL;
                _cleanup_json_ json_t *row = NULL;
                if (image_ref_parse(img->digests[i], 0, &ref, NULL) < 0 || !ref->digest)
                        continue;
                name = image_ref_familiar_name(ref);
                row = ls_row(img, name, "<none>", ref->digest, no_trunc);
                if ((r = formatter_add(fm, row, err)) < 0)
                        return r;
                shown++;
        }
        if (!shown) {
                _cleanup_json_ json_t *row = ls_row(img, "<none>", "<none>", "<none>", no_trunc);
                return formatter_add(fm, row, err);
        }
        return 0;
}

static int by_created_desc(const void *a, const void *b)
{
        double ta = engine_image_created(*(struct image *const *)a);
        double tb = engine_image_created(*(struct image *const *)b);

        return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static int cmp_str_ptr(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_tags(struct image **list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (list[i]->tags)
                        qsort(list[i]->tags, strv_length(list[i]->tags), sizeof(char *), cmp_str_ptr);
}

static const struct format_header ls_headers[] = {
    {"ID", "IMAGE ID"},
    {"Repository", "REPOSITORY"},
    {"Tag", "TAG"},
    {"Digest", "DIGEST"},
    {"CreatedSince", "CREATED"},
    {"CreatedAt", "CREATED AT"},
    {"Size", "SIZE"},
    {"VirtualSize", "VIRTUAL SIZE"},
    {"SharedSize", "SHARED SIZE"},
    {"UniqueSize", "UNIQUE SIZE"},
    {"Containers", "CONTAINERS"},
    {NULL, NULL},
};

static int ls_run(struct store *s, struct cli_args *args, struct berth_error **err)
{
        struct ls_filters f = {.dangling = -1, .before = -1, .since = -1};
        _cleanup_formatter_ struct formatter *fm = NULL;
        struct image **list = NULL;
        bool digests = cli_bool(args, "digests"), no_trunc = cli_bool(args, "no-trunc");
        const char *user = cli_string(args, "format");
        const char *def =
            digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                    : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
        size_t n = 0;
        int r;

        if (cli_bool(args, "quiet"))
                user = "{{.ID}}";
        r = ls_parse_filters(s, cli_list(args, "filter"), &f, err);
        if (r == 0 && cli_argc(args) == 1)
                f.patterns = strv_push(f.patterns, cli_argv(args)[0]);
        if (r == 0)
                r = formatter_new(user ? user : "", def, ls_headers, &fm, err);
        if (r == 0)
                r = image_list(s, &list, &n, err);
        if (r == 0) {
                qsort(list, n, sizeof(*list), by_created_desc);
                sort_tags(list, n);
        }
        for (size_t i = 0; r == 0 && i < n; i++)
                if (ls_image_passes(list[i], &f))
                        r = ls_add_image(fm, list[i], &f, no_trunc, err);
        if (r == 0)
                r = formatter_flush(fm, stdout, err);
        image_list_free(list, n);
        ls_filters_done(&f);
        return r;
}

static int cmd_image_ls(struct cli_context *ctx, struct cli_args *args)
{
        return engine_with_store(ctx, args, ls_run);
}

/* ---- tag */

static int cmd_image_tag(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_image_ref_ struct image_ref *target = NULL;
        _cleanup_image_ struct image *img = NULL;
        char **argv = cli_argv(args);

        /* docker checks the target's syntax before it looks the source up. */
        if (image_ref_parse(argv[1], IMAGE_REF_DEFAULT_TAG, &target, &err) < 0)
                return cli_fail(ctx, err);
        if (target->digest)
                return cli_failf(ctx, "refusing to create a tag with a digest reference");
        if (engine_store_open(ctx, &s, &err) < 0 || engine_image_lookup(s, argv[0], &img, &err) < 0)
                return cli_fail(ctx, err);
        if (image_tag(s, img->id, argv[1], &err) < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}

/* ---- rmi / image rm, and the removal shared with prune */

/*
 * Removes one image or tag and adds docker's lines to *lines: the library's
 * "Untagged:"/"Deleted:" plus one "Deleted: <chain ID>" per layer that went
 * with the image, top first, as docker reports them. *freed grows by the size
 * of those layers.
 */
static int remove_one(struct store *s, const char *name, bool force, char ***lines, uint64_t *freed,
                      struct berth_error **err)
{
        _cleanup_image_ struct image *img = NULL;
        _cleanup_strv_ char **report = NULL;
        uint64_t *sizes = NULL;
        bool deleted = false;
        int r;

        r = engine_image_lookup(s, name, &img, err);
        if (r < 0)
                return r;
        sizes = xcalloc(img->n_layers + 1, sizeof(*sizes));
        for (size_t i = 0; i < img->n_layers; i++)
                (void)layer_store_size(s, img->chain_ids[i], &sizes[i], NULL);
        r = image_remove(s, name, force, &report, err);
        if (r < 0) {
                engine_reword_no_such_image(name, false, err);
                free(sizes);
                return r;
        }
        for (size_t i = 0; report && report[i]; i++) {
                *lines = strv_push(*lines, report[i]);
                deleted =
                    deleted || (strncmp(report[i], "Deleted: ", 9) == 0 && streq(report[i] + 9, img->id));
        }
        for (size_t i = img->n_layers; deleted && i-- > 0;) {
                _cleanup_free_ char *line = NULL;
                if (layer_store_exists(s, img->chain_ids[i]))
                        break; /* shared with another image: it and those below stay */
                line = xasprintf("Deleted: %s", img->chain_ids[i]);
                *lines = strv_push(*lines, line);
                if (freed)
                        *freed += sizes[i];
        }
        free(sizes);
        return 0;
}

static const struct cli_option rm_options[] = {
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Force removal of the image"},
    {"no-prune", 0, CLI_OPT_BOOL, NULL, NULL, "Do not delete untagged parents"},
    {NULL},
};
static const char *const rm_aliases[] = {"image remove", "rmi", NULL};

static int cmd_image_rm(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        char **argv = cli_argv(args);
        int status = CLI_EXIT_OK;

        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        /* docker goes on after a failure and exits 1 at the end. */
        for (size_t i = 0; argv[i]; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                _cleanup_strv_ char **lines = NULL;
                if (remove_one(s, argv[i], cli_bool(args, "force"), &lines, NULL, &e) < 0) {
                        status = cli_fail(ctx, e);
                        continue;
                }
                for (size_t j = 0; lines && lines[j]; j++)
                        printf("%s\n", lines[j]);
        }
        return status;
}

/* ---- image prune */

static const struct cli_option prune_options[] = {
    {"all", 'a', CLI_OPT_BOOL, NULL, NULL, "Remove all unused images, not just dangling ones"},
    {"filter", 0, CLI_OPT_LIST, "filter", NULL, "Provide filter values (e.g. \"until=<timestamp>\")"},
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Do not prompt for confirmation"},
    {NULL},
};

struct prune_filters {
        double until; /* -1: none */
        char **labels, **not_labels;
};

static int prune_parse_filters(char **list, struct prune_filters *f, struct berth_error **err)
{
        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '=');
                int r;
                if (!eq)
                        return berth_err_msg(err, EINVAL, "bad format of filter (expected name=value)");
                if (strncmp(list[i], "until=", 6) == 0) {
                        if ((r = engine_parse_until(eq + 1, &f->until, err)) < 0)
                                return r;
                } else if (strncmp(list[i], "label=", 6) == 0) {
                        f->labels = strv_push(f->labels, eq + 1);
                } else if (strncmp(list[i], "label!=", 7) == 0) {
                        f->not_labels = strv_push(f->not_labels, eq + 1);
                } else {
                        return berth_err_msg(err, EINVAL, "invalid filter '%.*s'", (int)(eq - list[i]),
                                             list[i]);
                }
        }
        return 0;
}

static bool prune_candidate(struct store *s, const struct image *img, bool all,
                            const struct prune_filters *f)
{
        if (!all && strv_length(img->tags) > 0)
                return false;
        if (f->until >= 0 && !(engine_image_created(img) < f->until))
                return false;
        for (size_t i = 0; f->labels && f->labels[i]; i++)
                if (!engine_labels_match(img, f->labels[i]))
                        return false;
        for (size_t i = 0; f->not_labels && f->not_labels[i]; i++)
                if (engine_labels_match(img, f->not_labels[i]))
                        return false;
        /* Images a container uses (running or not) stay, as docker's prune keeps them. */
        return !(s->image_in_use && s->image_in_use(s, img->id, NULL) > 0);
}

static bool confirm(const char *warning)
{
        char line[64] = "";

        printf("%s\nAre you sure you want to continue? [y/N] ", warning);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
                return false;
        return (line[0] == 'y' || line[0] == 'Y') && (line[1] == '\n' || line[1] == '\0');
}

/* docker prints prune's lines in lower case: "untagged: x", "deleted: sha256:...". */
static void print_lowered(const char *line)
{
        printf("%c%s\n", line[0] >= 'A' && line[0] <= 'Z' ? line[0] - 'A' + 'a' : line[0], line + 1);
}

static int prune_collect(struct store *s, bool all, const struct prune_filters *f, char ***lines,
                         uint64_t *freed, struct berth_error **err)
{
        struct image **list = NULL;
        size_t n = 0;
        int r;

        r = image_list(s, &list, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                if (!prune_candidate(s, list[i], all, f))
                        continue;
                /* A failure (a container appeared meanwhile) skips that image, as docker's prune does. */
                (void)remove_one(s, list[i]->id, true, lines, freed, &e);
        }
        image_list_free(list, n);
        return 0;
}

int image_prune_unused(struct store *s, bool all, char ***lines, uint64_t *freed, struct berth_error **err)
{
        const struct prune_filters none = {.until = -1};

        return prune_collect(s, all, &none, lines, freed, err);
}

static int prune_run(struct store *s, bool all, const struct prune_filters *f, struct berth_error **err)
{
        _cleanup_strv_ char **lines = NULL;
        char human[UNITS_BUF];
        uint64_t freed = 0;
        int r;

        r = prune_collect(s, all, f, &lines, &freed, err);
        if (r < 0)
                return r;
        if (lines) {
                printf("Deleted Images:\n");
                for (size_t i = 0; lines[i]; i++)
                        print_lowered(lines[i]);
                printf("\n");
        }
        printf("Total reclaimed space: %s\n", units_human_size(human, (double)freed));
        return 0;
}

static int cmd_image_prune(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        struct prune_filters f = {.until = -1};
        bool all = cli_bool(args, "all");
        int r;

        r = prune_parse_filters(cli_list(args, "filter"), &f, &err);
        if (r == 0 && !cli_bool(args, "force") &&
            !confirm(all ? "WARNING! This will remove all images without at least one container associated "
                           "to them."
                         : "WARNING! This will remove all dangling images.")) {
                strv_free(f.labels);
                strv_free(f.not_labels);
                return CLI_EXIT_OK;
        }
        if (r == 0)
                r = engine_store_open(ctx, &s, &err);
        if (r == 0)
                r = prune_run(s, all, &f, &err);
        strv_free(f.labels);
        strv_free(f.not_labels);
        return r < 0 ? cli_fail(ctx, err) : CLI_EXIT_OK;
}

/* ---- the table */

static const struct cli_option ls_options[] = {
    {"all", 'a', CLI_OPT_BOOL, NULL, NULL, "Show all images (default hides intermediate images)"},
    {"digests", 0, CLI_OPT_BOOL, NULL, NULL, "Show digests"},
    {"filter", 'f', CLI_OPT_LIST, "filter", NULL, "Filter output based on conditions provided"},
    {"format", 0, CLI_OPT_STRING, "string", NULL, IMAGE_FORMAT_HELP_TABLE},
    {"no-trunc", 0, CLI_OPT_BOOL, NULL, NULL, "Don't truncate output"},
    {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL, "Only show image IDs"},
    {NULL},
};
static const char *const ls_aliases[] = {"image list", "images", NULL};
static const char *const history_aliases[] = {"history", NULL};
static const char *const import_aliases[] = {"import", NULL};
static const char *const load_aliases[] = {"load", NULL};
static const char *const save_aliases[] = {"save", NULL};
static const char *const tag_aliases[] = {"tag", NULL};

const struct cli_command cli_image_commands[] = {
    {"image", "history", history_aliases, "[OPTIONS] IMAGE", "Show the history of an image",
     image_history_options, cmd_image_history, 0, 1, 1},
    {"image", "import", import_aliases, "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
     "Import the contents from a tarball to create a filesystem image", image_import_options,
     cmd_image_import, 0, 1, 2},
    {"image", "inspect", NULL, "[OPTIONS] IMAGE [IMAGE...]",
     "Display detailed information on one or more images", image_inspect_options, cmd_image_inspect, 0, 1,
     -1},
    {"image", "load", load_aliases, "[OPTIONS]", "Load an image from a tar archive or STDIN",
     image_load_options, cmd_image_load, 0, 0, 0},
    {"image", "ls", ls_aliases, "[OPTIONS] [REPOSITORY[:TAG]]", "List images", ls_options, cmd_image_ls, 0,
     0, 1},
    {"image", "prune", NULL, "[OPTIONS]", "Remove unused images", prune_options, cmd_image_prune, 0, 0, 0},
    {"image", "rm", rm_aliases, "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", rm_options,
     cmd_image_rm, 0, 1, -1},
    {"image", "save", save_aliases, "[OPTIONS] IMAGE [IMAGE...]",
     "Save one or more images to a tar archive (streamed to STDOUT by default)", image_save_options,
     cmd_image_save, 0, 1, -1},
    {"image", "tag", tag_aliases, "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
     "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", NULL, cmd_image_tag, 0, 2, 2},
    {NULL, "inspect", NULL, "[OPTIONS] NAME|ID [NAME|ID...]",
     "Return low-level information on berth objects", inspect_options, cmd_inspect, 0, 1, -1},
    {NULL},
};
