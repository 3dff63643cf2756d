/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command table. Each command file (cmd-image.c, cmd-container.c, ...)
 * exports one NULL-terminated array `cli_<file>_commands`; this file joins
 * them. The references are weak so that a command file not yet written
 * (or not linked, as in unit tests) simply contributes no commands: help,
 * dispatch and completion list only what exists. See docs/design/cli.md.
 */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "cli.h"

#define WEAK_TABLE(n) extern const struct cli_command cli_##n##_commands[] __attribute__((weak));
#define COMMAND_FILES(X)                                                                                    \
        X(system_store) X(system_prune)                                                                     \
        X(system) X(image) X(container) X(volume) X(network) X(builder) X(registry) X(completion)
COMMAND_FILES(WEAK_TABLE)

static const struct cli_group groups[] = {
    {"builder", "Manage builds"},
    {"container", "Manage containers"},
    {"image", "Manage images"},
    {"network", "Manage networks"},
    {"system", "Manage berth"},
    {"volume", "Manage volumes"},
    {NULL, NULL},
};

/* docker --help's "Common Commands", in its order. */
static const char *const common_order[] = {
    "run",   "exec",   "ps",     "build",   "pull", "push", "images",
    "login", "logout", "search", "version", "info", NULL,
};

const struct cli_group *cli_groups(void)
{
        return groups;
}

const struct cli_group *cli_group_find(const char *name)
{
        for (const struct cli_group *g = groups; g->name; g++)
                if (streq(g->name, name))
                        return g;
        return NULL;
}

const char *const *cli_common_order(void)
{
        return common_order;
}

int cli_commands_foreach(int (*fn)(const struct cli_command *cmd, void *userdata), void *userdata)
{
#define TABLE_PTR(n) cli_##n##_commands,
        const struct cli_command *tables[] = {COMMAND_FILES(TABLE_PTR)};

        for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
                for (const struct cli_command *c = tables[t]; c && c->name; c++) {
                        int r = fn(c, userdata);
                        if (r)
                                return r;
                }
        return 0;
}

static int has_group_cb(const struct cli_command *cmd, void *userdata)
{
        return cmd->group && streq(cmd->group, userdata) && !(cmd->flags & CLI_HIDDEN);
}

bool cli_group_has_commands(const char *group)
{
        return cli_commands_foreach(has_group_cb, (void *)group) != 0;
}

struct find {
        char *const *words;
        size_t n;
        const struct cli_command *found;
        size_t consumed;
};

/* Does the path "w1" or "w1 w2" equal the first words typed? */
static size_t path_matches(const char *path, char *const *words, size_t n)
{
        const char *sp = strchr(path, ' ');

        if (!sp)
                return n >= 1 && streq(path, words[0]) ? 1 : 0;
        if (n >= 2 && strlen(words[0]) == (size_t)(sp - path) &&
            strncmp(path, words[0], (size_t)(sp - path)) == 0 && streq(sp + 1, words[1]))
                return 2;
        return 0;
}

static void consider(struct find *f, const struct cli_command *cmd, size_t k)
{
        if (k > f->consumed) {
                f->found = cmd;
                f->consumed = k;
        }
}

static int find_cb(const struct cli_command *cmd, void *userdata)
{
        struct find *f = userdata;
        _cleanup_free_ char *canon =
            cmd->group ? xasprintf("%s %s", cmd->group, cmd->name) : xstrdup(cmd->name);

        consider(f, cmd, path_matches(canon, f->words, f->n));
        for (size_t i = 0; cmd->aliases && cmd->aliases[i]; i++)
                consider(f, cmd, path_matches(cmd->aliases[i], f->words, f->n));
        return 0;
}

const struct cli_command *cli_command_find(char *const *words, size_t n, size_t *consumed)
{
        struct find f = {.words = words, .n = n};

        cli_commands_foreach(find_cb, &f);
        *consumed = f.consumed;
        return f.found;
}

char *cli_command_path(const struct cli_command *cmd)
{
        if (cmd->group)
                return xasprintf("berth %s %s", cmd->group, cmd->name);
        return xasprintf("berth %s", cmd->name);
}
