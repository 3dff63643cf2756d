/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth completion bash|zsh|fish`: scripts generated from the command
 * table, so they complete exactly the commands, aliases and flags that
 * this binary dispatches. The bash script uses only bash builtins
 * (complete -F, compgen): bash-completion need not be installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "cli.h"

/* "image ls" -> "image_ls": a path usable in a shell variable name. */
static char *var_key(const char *path)
{
        char *k = xstrdup(path);

        for (char *p = k; *p; p++)
                if (*p == ' ' || *p == '-')
                        *p = '_';
        return k;
}

static void print_flags(FILE *f, const struct cli_command *cmd, bool values_only)
{
        for (const struct cli_option *o = cmd->options; o && o->name; o++) {
                bool value = o->type != CLI_OPT_BOOL && !(o->type == CLI_OPT_CALLBACK && !o->cb_takes_value);
                if ((o->flags & CLI_OPT_HIDDEN) || (values_only && !value))
                        continue;
                if (o->shorthand)
                        fprintf(f, "-%c ", o->shorthand);
                fprintf(f, "--%s ", o->name);
        }
}

/* What a command's positional arguments name, read from its usage line. */
static const char *arg_kind(const struct cli_command *cmd)
{
        const char *u = cmd->usage ? cmd->usage : "";

        if (strstr(u, "CONTAINER"))
                return "container";
        if (strstr(u, "IMAGE") || strstr(u, "REPOSITORY"))
                return "image";
        if (strstr(u, "VOLUME"))
                return "volume";
        if (strstr(u, "NETWORK"))
                return "network";
        if (strstr(u, "bash|zsh|fish"))
                return "shell";
        return "";
}

static void bash_path_vars(FILE *f, const struct cli_command *cmd, const char *path)
{
        _cleanup_free_ char *k = var_key(path);

        fprintf(f, "_berth_flags_%s='", k);
        print_flags(f, cmd, false);
        fprintf(f, "--help'\n_berth_vflags_%s=' ", k);
        print_flags(f, cmd, true);
        fprintf(f, "'\n_berth_args_%s='%s'\n", k, arg_kind(cmd));
        if (cmd->flags & CLI_STOP_AT_FIRST_ARG)
                fprintf(f, "_berth_stop_%s=1\n", k);
}

static int bash_cmd_cb(const struct cli_command *cmd, void *userdata)
{
        FILE *f = userdata;
        _cleanup_free_ char *canon =
            cmd->group ? xasprintf("%s %s", cmd->group, cmd->name) : xstrdup(cmd->name);

        if (cmd->flags & CLI_HIDDEN)
                return 0;
        bash_path_vars(f, cmd, canon);
        for (size_t i = 0; cmd->aliases && cmd->aliases[i]; i++)
                bash_path_vars(f, cmd, cmd->aliases[i]);
        return 0;
}

/* Top-level words: groups, commands without a group, one-word aliases. */
static int top_words_cb(const struct cli_command *cmd, void *userdata)
{
        FILE *f = userdata;

        if (cmd->flags & CLI_HIDDEN)
                return 0;
        if (!cmd->group)
                fprintf(f, "%s ", cmd->name);
        for (size_t i = 0; cmd->aliases && cmd->aliases[i]; i++)
                if (!strchr(cmd->aliases[i], ' '))
                        fprintf(f, "%s ", cmd->aliases[i]);
        return 0;
}

struct group_words {
        FILE *f;
        const char *group;
};

static int group_words_cb(const struct cli_command *cmd, void *userdata)
{
        struct group_words *g = userdata;
        size_t glen = strlen(g->group);

        if (cmd->flags & CLI_HIDDEN)
                return 0;
        if (cmd->group && streq(cmd->group, g->group))
                fprintf(g->f, "%s ", cmd->name);
        for (size_t i = 0; cmd->aliases && cmd->aliases[i]; i++)
                if (strncmp(cmd->aliases[i], g->group, glen) == 0 && cmd->aliases[i][glen] == ' ')
                        fprintf(g->f, "%s ", cmd->aliases[i] + glen + 1);
        return 0;
}

static bool command_exists(const char *a, const char *b)
{
        char *words[] = {(char *)a, (char *)b, NULL};
        size_t used;

        return cli_command_find(words, b ? 2 : 1, &used) && used == (b ? 2u : 1u);
}

/* Argument hooks call berth itself, only for listing commands that exist in this binary. */
static void bash_hooks(FILE *f)
{
        fputs("_berth_list() {\n        case \"$1\" in\n", f);
        if (command_exists("ps", NULL))
                fputs("        container) berth ps -a --format '{{.Names}}' 2>/dev/null ;;\n", f);
        if (command_exists("images", NULL))
                fputs("        image) berth images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null"
                      " | grep -v '<none>' ;;\n",
                      f);
        if (command_exists("volume", "ls"))
                fputs("        volume) berth volume ls -q 2>/dev/null ;;\n", f);
        if (command_exists("network", "ls"))
                fputs("        network) berth network ls --format '{{.Name}}' 2>/dev/null ;;\n", f);
        fputs("        shell) echo bash zsh fish ;;\n        esac\n}\n", f);
}

static const char bash_function[] =
    "_berth() {\n"
    "        local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
    "        local i=1 w key subs v npos=0\n"
    "        COMPREPLY=()\n"
    "        while [ $i -lt $COMP_CWORD ]; do\n"
    "                w=\"${COMP_WORDS[i]}\"\n"
    "                case \" $_berth_global_vflags \" in *\" $w \"*) i=$((i + 2)); continue ;; esac\n"
    "                [[ $w == -* ]] || break\n"
    "                i=$((i + 1))\n"
    "        done\n"
    "        if [ $i -ge $COMP_CWORD ]; then\n"
    "                case \" $_berth_global_vflags \" in *\" $prev \"*) return 0 ;; esac\n"
    "                if [[ $cur == -* ]]; then\n"
    "                        COMPREPLY=($(compgen -W \"$_berth_global_flags\" -- \"$cur\"))\n"
    "                else\n"
    "                        COMPREPLY=($(compgen -W \"$_berth_top\" -- \"$cur\"))\n"
    "                fi\n"
    "                return 0\n"
    "        fi\n"
    "        key=\"${COMP_WORDS[i]//-/_}\"\n"
    "        i=$((i + 1))\n"
    "        v=\"_berth_sub_$key\"; subs=\"${!v}\"\n"
    "        if [ -n \"$subs\" ]; then\n"
    "                if [ $i -ge $COMP_CWORD ]; then\n"
    "                        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"--help\" -- \"$cur\"))\n"
    "                        else COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\")); fi\n"
    "                        return 0\n"
    "                fi\n"
    "                key=\"${key}_${COMP_WORDS[i]//-/_}\"\n"
    "                i=$((i + 1))\n"
    "        fi\n"
    "        v=\"_berth_flags_$key\"\n"
    "        [ -n \"${!v+x}\" ] || return 0\n"
    "        local flags=\"${!v}\"\n"
    "        v=\"_berth_vflags_$key\"; local vflags=\"${!v}\"\n"
    "        v=\"_berth_stop_$key\"; local stop=\"${!v}\"\n"
    "        v=\"_berth_args_$key\"; local kind=\"${!v}\"\n"
    "        while [ $i -lt $COMP_CWORD ]; do\n"
    "                w=\"${COMP_WORDS[i]}\"\n"
    "                if [ $npos -eq 0 ] || [ -z \"$stop\" ]; then\n"
    "                        case \"$vflags\" in *\" $w \"*) i=$((i + 2)); continue ;; esac\n"
    "                fi\n"
    "                [[ $w == -* && ( $npos -eq 0 || -z $stop ) ]] || npos=$((npos + 1))\n"
    "                i=$((i + 1))\n"
    "        done\n"
    "        # After the image of run/create/exec, the words are the container's command.\n"
    "        [ -n \"$stop\" ] && [ $npos -ge 1 ] && return 0\n"
    "        case \"$vflags\" in *\" $prev \"*) return 0 ;; esac\n"
    "        if [[ $cur == -* ]]; then\n"
    "                COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
    "        elif [ -n \"$kind\" ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(_berth_list \"$kind\")\" -- \"$cur\"))\n"
    "        fi\n"
    "        return 0\n"
    "}\n"
    "complete -o bashdefault -o default -F _berth berth\n";

static void gen_bash(FILE *f)
{
        const struct cli_command global = {.name = "berth", .options = cli_global_options};

        fputs("# berth bash completion: generated by `berth completion bash` from berth's command table.\n"
              "# Needs only bash (no bash-completion package). Install: berth completion bash >"
              " /etc/bash_completion.d/berth\n",
              f);
        fputs("_berth_global_flags='", f);
        print_flags(f, &global, false);
        fputs("-h --help'\n_berth_global_vflags=' ", f);
        print_flags(f, &global, true);
        fputs("'\n_berth_top='help ", f);
        for (const struct cli_group *g = cli_groups(); g->name; g++)
                if (cli_group_has_commands(g->name))
                        fprintf(f, "%s ", g->name);
        cli_commands_foreach(top_words_cb, f);
        fputs("'\n", f);
        for (const struct cli_group *g = cli_groups(); g->name; g++) {
                struct group_words gw = {f, g->name};
                _cleanup_free_ char *k = var_key(g->name);
                if (!cli_group_has_commands(g->name))
                        continue;
                fprintf(f, "_berth_sub_%s='", k);
                cli_commands_foreach(group_words_cb, &gw);
                fputs("'\n", f);
        }
        cli_commands_foreach(bash_cmd_cb, f);
        bash_hooks(f);
        fputs(bash_function, f);
}

static void gen_zsh(FILE *f)
{
        /* zsh runs the bash function through its bashcompinit layer. */
        fputs("#compdef berth\n# berth zsh completion: generated by `berth completion zsh`.\n"
              "autoload -U +X bashcompinit && bashcompinit\n",
              f);
        gen_bash(f);
}

static void fish_desc(FILE *f, const char *s)
{
        fputs(" -d '", f);
        for (; s && *s && *s != '\n'; s++) {
                if (*s == '\'' || *s == '\\')
                        fputc('\\', f);
                fputc(*s, f);
        }
        fputc('\'', f);
}

static void fish_flags(FILE *f, const struct cli_command *cmd, const char *cond)
{
        for (const struct cli_option *o = cmd->options; o && o->name; o++) {
                bool value = o->type != CLI_OPT_BOOL && !(o->type == CLI_OPT_CALLBACK && !o->cb_takes_value);
                if (o->flags & CLI_OPT_HIDDEN)
                        continue;
                fprintf(f, "complete -c berth -n '%s'", cond);
                if (o->shorthand)
                        fprintf(f, " -s %c", o->shorthand);
                fprintf(f, " -l %s%s", o->name, value ? " -r" : "");
                fish_desc(f, o->help);
                fputc('\n', f);
        }
}

static int fish_cmd_cb(const struct cli_command *cmd, void *userdata)
{
        FILE *f = userdata;
        _cleanup_free_ char *cond = NULL;

        if (cmd->flags & CLI_HIDDEN)
                return 0;
        if (!cmd->group) {
                fprintf(f, "complete -c berth -f -n '__fish_use_subcommand' -a %s", cmd->name);
                fish_desc(f, cmd->summary);
                fputc('\n', f);
                cond = xasprintf("__fish_seen_subcommand_from %s", cmd->name);
        } else {
                fprintf(f, "complete -c berth -f -n '__fish_seen_subcommand_from %s' -a %s", cmd->group,
                        cmd->name);
                fish_desc(f, cmd->summary);
                fputc('\n', f);
                cond = xasprintf("__fish_seen_subcommand_from %s; and __fish_seen_subcommand_from %s",
                                 cmd->group, cmd->name);
        }
        fish_flags(f, cmd, cond);
        for (size_t i = 0; cmd->aliases && cmd->aliases[i]; i++) {
                _cleanup_free_ char *acond = NULL;
                if (strchr(cmd->aliases[i], ' '))
                        continue;
                fprintf(f, "complete -c berth -f -n '__fish_use_subcommand' -a %s", cmd->aliases[i]);
                fish_desc(f, cmd->summary);
                fputc('\n', f);
                acond = xasprintf("__fish_seen_subcommand_from %s", cmd->aliases[i]);
                fish_flags(f, cmd, acond);
        }
        return 0;
}

static void gen_fish(FILE *f)
{
        fputs("# berth fish completion: generated by `berth completion fish`.\n", f);
        for (const struct cli_option *o = cli_global_options; o->name; o++) {
                fputs("complete -c berth -n '__fish_use_subcommand'", f);
                if (o->shorthand)
                        fprintf(f, " -s %c", o->shorthand);
                fprintf(f, " -l %s%s", o->name, o->type != CLI_OPT_BOOL ? " -r" : "");
                fish_desc(f, o->help);
                fputc('\n', f);
        }
        for (const struct cli_group *g = cli_groups(); g->name; g++)
                if (cli_group_has_commands(g->name)) {
                        fprintf(f, "complete -c berth -f -n '__fish_use_subcommand' -a %s", g->name);
                        fish_desc(f, g->summary);
                        fputc('\n', f);
                }
        cli_commands_foreach(fish_cmd_cb, f);
}

static int cmd_completion(struct cli_context *ctx, struct cli_args *args)
{
        const char *shell = cli_argv(args)[0];

        if (streq(shell, "bash"))
                gen_bash(stdout);
        else if (streq(shell, "zsh"))
                gen_zsh(stdout);
        else if (streq(shell, "fish"))
                gen_fish(stdout);
        else
                return cli_failf(ctx, "unsupported shell \"%s\": use bash, zsh or fish", shell);
        return CLI_EXIT_OK;
}

const struct cli_command cli_completion_commands[] = {
    {NULL, "completion", NULL, "bash|zsh|fish", "Generate the shell completion script", NULL, cmd_completion,
     0, 1, 1},
    {NULL},
};
