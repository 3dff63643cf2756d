/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth system prune`: stopped containers, then unused anonymous volumes
 * (--volumes), then dangling images (all unused ones with -a), with Docker's
 * prompt and report. Built on the same calls as `container prune`
 * (container_list/container_delete under the container's lock), `volume
 * prune` (volume_prune) and `image prune` (image_prune_unused in cmd-image.c).
 * Networks and build cache belong to other issues: nothing of theirs exists
 * to remove yet.
 */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strv.h"
#include "cmd-container.h"
#include "cmd-image.h"
#include "engine.h"
#include "units.h"
#include "volume/volume.h"

static const struct cli_option prune_options[] = {
    {"all", 'a', CLI_OPT_BOOL, NULL, NULL, "Remove all unused images not just dangling ones"},
    {"filter", 0, CLI_OPT_LIST, "filter", NULL, "Provide filter values (e.g. \"label=<key>=<value>\")"},
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Do not prompt for confirmation"},
    {"volumes", 0, CLI_OPT_BOOL, NULL, NULL, "Prune anonymous volumes"},
    {NULL},
};

/* Docker's prompt, word for word (docker/cli's system prune); only "y"/"Y" (then end of line) goes on. */
static bool prune_confirm(bool all, bool volumes)
{
        char line[64] = "";

        printf("WARNING! This will remove:\n"
               "  - all stopped containers\n"
               "  - all networks not used by at least one container\n"
               "%s"
               "  - %s\n"
               "  - %s build cache\n"
               "\n"
               "Are you sure you want to continue? [y/N] ",
               volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
               all ? "all images without at least one container associated to them" : "all dangling images",
               all ? "all" : "unused");
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
                return false;
        return (line[0] == 'y' || line[0] == 'Y') && (line[1] == '\n' || line[1] == '\0');
}

/* Removes every container that does not run; appends the IDs removed to *ids. */
static int prune_containers(struct store *s, char ***ids, struct berth_error **err)
{
        struct container **list = NULL;
        size_t n = 0;
        int r;

        r = container_list(s, &list, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                enum container_status st = ctr_status(s, list[i]);
                int fd = -1;
                if (container_status_is_live(st))
                        continue;
                /* One that starts or goes meanwhile is skipped, as docker's prune skips it. */
                if (container_lock(s, list[i]->id, &fd, NULL) < 0)
                        continue;
                st = container_reload(s, list[i], NULL) >= 0 ? ctr_status(s, list[i]) : CONTAINER_RUNNING;
                if (!container_status_is_live(st) &&
                    container_delete(s, list[i], NULL) >= 0)
                        *ids = strv_push(*ids, list[i]->id);
                container_unlock(fd);
        }
        container_list_free(list, n);
        return 0;
}

/* docker prints image lines in lower case: "untagged: x", "deleted: sha256:...". */
static void print_section(const char *title, char **lines, bool lower)
{
        if (!lines || !lines[0])
                return;
        printf("%s\n", title);
        for (size_t i = 0; lines[i]; i++) {
                const char *l = lines[i];
                if (lower && l[0] >= 'A' && l[0] <= 'Z')
                        printf("%c%s\n", l[0] - 'A' + 'a', l + 1);
                else
                        printf("%s\n", l);
        }
        printf("\n");
}

static int cmd_system_prune(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_strv_ char **containers = NULL, **volumes = NULL, **images = NULL;
        bool all = cli_bool(args, "all"), prune_volumes = cli_bool(args, "volumes");
        char human[UNITS_BUF];
        uint64_t freed = 0;
        char **filters = cli_list(args, "filter");

        /* Filters (until=, label=) are not implemented yet: refusing beats removing too much. */
        if (filters && filters[0])
                return cli_failf(ctx, "invalid filter '%s': filters are not supported by system prune yet",
                                 filters[0]);
        if (!cli_bool(args, "force") && !prune_confirm(all, prune_volumes))
                return CLI_EXIT_OK;
        /* Containers first: what they used becomes unused. Volumes: anonymous ones only, as Docker 23+. */
        if (engine_store_open(ctx, &s, &err) < 0 || prune_containers(s, &containers, &err) < 0 ||
            (prune_volumes && volume_prune(s, false, NULL, &volumes, &freed, &err) < 0) ||
            image_prune_unused(s, all, &images, &freed, &err) < 0)
                return cli_fail(ctx, err);
        print_section("Deleted Containers:", containers, false);
        print_section("Deleted Volumes:", volumes, false);
        print_section("Deleted Images:", images, true);
        printf("Total reclaimed space: %s\n", units_human_size(human, (double)freed));
        return CLI_EXIT_OK;
}

const struct cli_command cli_system_prune_commands[] = {
    {"system", "prune", NULL, "[OPTIONS]", "Remove unused data", prune_options, cmd_system_prune, 0, 0, 0},
    {NULL},
};
