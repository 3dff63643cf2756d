/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The berth command-line framework: commands are rows of tables, options
 * are parsed as docker's (pflag) parses them, and help, errors, exit codes
 * and shell completion are generated from the same tables. See
 * docs/design/cli.md for how to add a command.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

/* Exit statuses, as docker's. */
enum {
        CLI_EXIT_OK = 0,
        CLI_EXIT_FAILURE = 1,  /* a command failed, or bad arguments (docker: 1) */
        CLI_EXIT_ENGINE = 125, /* a flag error, or run/create could not run the container */
        CLI_EXIT_CANNOT_EXEC = 126,
        CLI_EXIT_NOT_FOUND = 127,
};

enum cli_opt_type {
        CLI_OPT_BOOL,
        CLI_OPT_STRING, /* the last one given wins */
        CLI_OPT_INT,
        CLI_OPT_LIST,  /* repeatable: -e A -e B */
        CLI_OPT_BYTES, /* "512m", "1g": RAMInBytes, read with cli_int() */
        CLI_OPT_CALLBACK,
};

enum cli_opt_flags {
        CLI_OPT_HIDDEN = 1 << 0, /* accepted, not shown in help or completion */
};

struct cli_args;
struct cli_option;

/* Called for each occurrence of a CLI_OPT_CALLBACK option; an error becomes docker's "invalid argument". */
typedef int (*cli_option_cb)(struct cli_args *args, const struct cli_option *opt, const char *value,
                             struct berth_error **err);

struct cli_option {
        const char *name; /* long name, without "--" */
        char shorthand;   /* 0 if none */
        enum cli_opt_type type;
        const char *metavar; /* the type word in help ("list", "filter", "bytes"); NULL: from the type */
        const char *def;     /* default, as text: initial value, and "(default ...)" in help */
        const char *help;
        unsigned flags;
        cli_option_cb cb;    /* CLI_OPT_CALLBACK; the value is also appended to cli_list() */
        bool cb_takes_value; /* CLI_OPT_CALLBACK: false makes it a boolean-style flag */
};

struct cli_context;
typedef int (*cli_handler)(struct cli_context *ctx, struct cli_args *args);

enum cli_command_flags {
        /* Options end at the first positional argument (run, create, exec): the rest is the command's. */
        CLI_STOP_AT_FIRST_ARG = 1 << 0,
        /* Errors exit 125 instead of 1 (run, create: docker's convention). */
        CLI_ERRORS_125 = 1 << 1,
        CLI_HIDDEN = 1 << 2,
};

struct cli_command {
        const char *group; /* "image", "container", ...; NULL for a top-level command (version, login) */
        const char *name;  /* "ls" */
        /* Other paths to the same command, each "word" or "group word": {"image list", "images", NULL}. */
        const char *const *aliases;
        const char *usage;                /* after the path: "[OPTIONS] IMAGE [COMMAND] [ARG...]" */
        const char *summary;              /* one line, docker's wording */
        const struct cli_option *options; /* terminated by an entry with name NULL; may be NULL */
        cli_handler handler;
        unsigned flags;
        int min_args, max_args; /* positional argument count; max_args -1 = unbounded */
};

struct cli_group {
        const char *name; /* "image" */
        const char *summary;
};

/* The global flags, parsed before the command; handed to every handler. */
struct cli_context {
        const char *root;    /* --root, $BERTH_ROOT, /var/lib/berth */
        const char *runroot; /* --runroot, $BERTH_RUNROOT, /run/berth */
        bool debug;
        const char *log_level; /* "debug", "info", "warn", "error", "fatal" */
        const struct cli_command *cmd;
        const char *path; /* what the user typed: "berth images", "berth image ls" */
};

/* ---- the command table (commands.c) */

/* Calls fn for every command of every linked command file; stops when fn returns non-zero. */
int cli_commands_foreach(int (*fn)(const struct cli_command *cmd, void *userdata), void *userdata);
const struct cli_group *cli_groups(void);
const struct cli_group *cli_group_find(const char *name);
bool cli_group_has_commands(const char *group);
/* Resolves "image ls", "images", "run", ... from words[0..n); *consumed says how many words matched. */
const struct cli_command *cli_command_find(char *const *words, size_t n, size_t *consumed);
/* "berth image ls" for a command (its canonical path). */
char *cli_command_path(const struct cli_command *cmd);
/* The words listed under "Common Commands" in `berth --help`, in docker's order (those that exist). */
const char *const *cli_common_order(void);

/* ---- parsing (cli.c) */

/* Parses argv against cmd's options; on a usage error prints docker's message and returns its exit code. */
int cli_args_parse(const struct cli_command *cmd, const char *path, int argc, char **argv,
                   struct cli_args **ret, bool *ret_help);
/* The same without printing: the error message goes to *err (tests use this). */
int cli_args_parse_quiet(const struct cli_command *cmd, int argc, char **argv, struct cli_args **ret,
                         bool *ret_help, struct berth_error **err);
struct cli_args *cli_args_free(struct cli_args *a);
void cli_args_freep(struct cli_args **a);
#define _cleanup_cli_args_ __attribute__((cleanup(cli_args_freep)))

/* Positional arguments (for CLI_STOP_AT_FIRST_ARG: the image, then the command and its arguments). */
size_t cli_argc(const struct cli_args *a);
char **cli_argv(const struct cli_args *a); /* NULL-terminated */
/* Option values by long name; a name that is not in the table aborts (a programming error). */
bool cli_is_set(const struct cli_args *a, const char *name);
bool cli_bool(const struct cli_args *a, const char *name);
const char *cli_string(const struct cli_args *a, const char *name); /* NULL when unset without default */
long long cli_int(const struct cli_args *a, const char *name);
char **cli_list(const struct cli_args *a, const char *name); /* NULL-terminated; NULL when never given */

/* ---- help and errors */

void cli_print_command_help(FILE *f, const struct cli_command *cmd, const char *path);
void cli_print_group_help(FILE *f, const char *group);
void cli_print_main_help(FILE *f);
/* Prints "berth: <msg>" once and returns the command's error exit status (1, or 125). */
int cli_fail(const struct cli_context *ctx, struct berth_error *err);
int cli_failf(const struct cli_context *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "berth version 0.1.0, build abc1234" (cmd-system.c; `berth --version`). */
void cli_print_version_line(FILE *f);

/* Parses "true"/"false"/"1"/"0"/"t"/"f"/"TRUE"/... as Go's strconv.ParseBool. */
int cli_parse_bool(const char *s, bool *ret);

/* --root, --runroot, -D, -l/--log-level, -v/--version: parsed before the command word. */
extern const struct cli_option cli_global_options[];
