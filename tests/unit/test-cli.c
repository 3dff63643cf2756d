/* SPDX-License-Identifier: Apache-2.0 */
/* cli.c: pflag-compatible parsing and cobra-style help, against docker's exact behaviour. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "cli.h"
#include "tap.h"

static int dummy(struct cli_context *ctx, struct cli_args *args)
{
        (void)ctx, (void)args;
        return 0;
}

static int seen_cb;

static int count_cb(struct cli_args *a, const struct cli_option *o, const char *value,
                    struct berth_error **err)
{
        (void)a, (void)o;
        if (strcmp(value, "bad") == 0)
                return berth_err_msg(err, EINVAL, "bad value");
        seen_cb++;
        return 0;
}

static const struct cli_option opts[] = {
    {"all", 'a', CLI_OPT_BOOL, NULL, NULL, "Show all"},
    {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL, "Only IDs"},
    {"interactive", 'i', CLI_OPT_BOOL, NULL, NULL, "Keep STDIN open"},
    {"tty", 't', CLI_OPT_BOOL, NULL, NULL, "Allocate a pseudo-TTY"},
    {"detach", 'd', CLI_OPT_BOOL, NULL, NULL, "Run in background"},
    {"rm", 0, CLI_OPT_BOOL, NULL, NULL, "Remove when done"},
    {"env", 'e', CLI_OPT_LIST, NULL, NULL, "Set environment variables"},
    {"name", 0, CLI_OPT_STRING, NULL, NULL, "Assign a name"},
    {"last", 'n', CLI_OPT_INT, NULL, "-1", "Show n last"},
    {"output", 'o', CLI_OPT_STRING, NULL, NULL, "Write to a file"},
    {"memory", 'm', CLI_OPT_BYTES, NULL, NULL, "Memory limit"},
    {"publish", 'p', CLI_OPT_CALLBACK, "list", NULL, "Publish a port", 0, count_cb, true},
    {NULL},
};

static const struct cli_command export_cmd = {
    "container", "export", NULL, "[OPTIONS] CONTAINER", "Export", opts, dummy, 0, 1, 1};
static const struct cli_command run_cmd = {"container", "run", NULL,  "[OPTIONS] IMAGE [COMMAND] [ARG...]",
                                           "Run",       opts,  dummy, CLI_STOP_AT_FIRST_ARG,
                                           1,           -1};

static struct cli_args *args;
static char errbuf[512];

/* Parses a NULL-terminated literal list; returns <0 with errbuf set on failure. */
static int parse(const struct cli_command *cmd, bool *help, ...)
{
        char *argv[32];
        int argc = 0;
        struct berth_error *err = NULL;
        bool h = false;
        va_list ap;
        int r;

        va_start(ap, help);
        for (char *s; (s = va_arg(ap, char *));)
                argv[argc++] = s;
        va_end(ap);
        argv[argc] = NULL;
        args = cli_args_free(args);
        errbuf[0] = '\0';
        r = cli_args_parse_quiet(cmd, argc, argv, &args, help ? help : &h, &err);
        if (r < 0) {
                snprintf(errbuf, sizeof(errbuf), "%s", err->msg);
                berth_error_free(err);
        }
        return r;
}

TEST(interspersed)
{
        ASSERT_OK(parse(&export_cmd, NULL, "abc123", "-o", "file.tar", NULL));
        ASSERT_EQ(cli_argc(args), 1);
        ASSERT_STREQ(cli_argv(args)[0], "abc123");
        ASSERT_STREQ(cli_string(args, "output"), "file.tar");
        ASSERT_OK(parse(&export_cmd, NULL, "-o", "f2", "abc123", NULL));
        ASSERT_STREQ(cli_argv(args)[0], "abc123");
        ASSERT_STREQ(cli_string(args, "output"), "f2");
        ASSERT_OK(parse(&export_cmd, NULL, "--output=f3", "x", "--name", "n", "y", NULL));
        ASSERT_EQ(cli_argc(args), 2);
        ASSERT_STREQ(cli_argv(args)[1], "y");
        ASSERT_STREQ(cli_string(args, "output"), "f3");
        ASSERT_STREQ(cli_string(args, "name"), "n");
        ASSERT_TRUE(!cli_is_set(args, "all"));
}

TEST(short_combined)
{
        ASSERT_OK(parse(&export_cmd, NULL, "-it", "-aq", NULL));
        ASSERT_TRUE(cli_bool(args, "interactive") && cli_bool(args, "tty"));
        ASSERT_TRUE(cli_bool(args, "all") && cli_bool(args, "quiet"));
        ASSERT_TRUE(!cli_bool(args, "detach"));
        ASSERT_OK(parse(&export_cmd, NULL, "-an5", NULL));
        ASSERT_TRUE(cli_bool(args, "all"));
        ASSERT_EQ(cli_int(args, "last"), 5);
        ASSERT_OK(parse(&export_cmd, NULL, "-n=7", "-ofile", NULL));
        ASSERT_EQ(cli_int(args, "last"), 7);
        ASSERT_STREQ(cli_string(args, "output"), "file");
        ASSERT_OK(parse(&export_cmd, NULL, "-n", "-3", NULL));
        ASSERT_EQ(cli_int(args, "last"), -3);
}

TEST(bool_values)
{
        ASSERT_OK(parse(&export_cmd, NULL, "--rm=false", "-a=true", "--quiet=1", "-d=F", NULL));
        ASSERT_TRUE(!cli_bool(args, "rm"));
        ASSERT_TRUE(cli_is_set(args, "rm"));
        ASSERT_TRUE(cli_bool(args, "all") && cli_bool(args, "quiet"));
        ASSERT_TRUE(!cli_bool(args, "detach"));
        /* A bool never takes the next word: "false" is a positional argument. */
        ASSERT_OK(parse(&export_cmd, NULL, "--rm", "false", NULL));
        ASSERT_TRUE(cli_bool(args, "rm"));
        ASSERT_STREQ(cli_argv(args)[0], "false");
        ASSERT_TRUE(parse(&export_cmd, NULL, "--all=maybe", NULL) < 0);
        ASSERT_STREQ(errbuf, "invalid argument \"maybe\" for \"-a, --all\" flag: strconv.ParseBool: parsing "
                             "\"maybe\": invalid syntax");
}

TEST(lists_and_types)
{
        char **env;

        ASSERT_OK(parse(&export_cmd, NULL, "-e", "A=1", "--env", "B=2", "-eC=3", "--env=D=4", "-e=E", NULL));
        env = cli_list(args, "env");
        ASSERT_TRUE(env != NULL);
        ASSERT_STREQ(env[0], "A=1");
        ASSERT_STREQ(env[1], "B=2");
        ASSERT_STREQ(env[2], "C=3");
        ASSERT_STREQ(env[3], "D=4");
        ASSERT_STREQ(env[4], "E");
        ASSERT_TRUE(env[5] == NULL);
        ASSERT_OK(parse(&export_cmd, NULL, "--name", "a", "--name", "b", "-m", "512m", NULL));
        ASSERT_STREQ(cli_string(args, "name"), "b");
        ASSERT_EQ(cli_int(args, "memory"), 512LL * 1024 * 1024);
        ASSERT_EQ(cli_int(args, "last"), -1); /* the default */
        ASSERT_TRUE(cli_list(args, "env") == NULL);
        seen_cb = 0;
        ASSERT_OK(parse(&export_cmd, NULL, "-p", "80:80", "--publish=443", NULL));
        ASSERT_EQ(seen_cb, 2);
        ASSERT_STREQ(cli_list(args, "publish")[1], "443");
        ASSERT_TRUE(parse(&export_cmd, NULL, "-p", "bad", NULL) < 0);
        ASSERT_STREQ(errbuf, "invalid argument \"bad\" for \"-p, --publish\" flag: bad value");
        ASSERT_TRUE(parse(&export_cmd, NULL, "-m", "abc", NULL) < 0);
        ASSERT_STREQ(errbuf, "invalid argument \"abc\" for \"-m, --memory\" flag: invalid size: 'abc'");
        ASSERT_TRUE(parse(&export_cmd, NULL, "-n", "abc", NULL) < 0);
        ASSERT_STREQ(errbuf, "invalid argument \"abc\" for \"-n, --last\" flag: strconv.ParseInt: parsing "
                             "\"abc\": invalid syntax");
}

TEST(errors)
{
        ASSERT_TRUE(parse(&export_cmd, NULL, "--bogus", NULL) < 0);
        ASSERT_STREQ(errbuf, "unknown flag: --bogus");
        ASSERT_TRUE(parse(&export_cmd, NULL, "-az", NULL) < 0);
        ASSERT_STREQ(errbuf, "unknown shorthand flag: 'z' in -az");
        ASSERT_TRUE(parse(&export_cmd, NULL, "--name", NULL) < 0);
        ASSERT_STREQ(errbuf, "flag needs an argument: --name");
        ASSERT_TRUE(parse(&export_cmd, NULL, "-n", NULL) < 0);
        ASSERT_STREQ(errbuf, "flag needs an argument: 'n' in -n");
}

TEST(double_dash_and_help)
{
        bool help = false;

        ASSERT_OK(parse(&export_cmd, NULL, "-a", "--", "-q", "--name", NULL));
        ASSERT_TRUE(cli_bool(args, "all") && !cli_bool(args, "quiet"));
        ASSERT_EQ(cli_argc(args), 2);
        ASSERT_STREQ(cli_argv(args)[0], "-q");
        ASSERT_OK(parse(&export_cmd, &help, "x", "--help", NULL));
        ASSERT_TRUE(help);
        help = false;
        ASSERT_OK(parse(&export_cmd, &help, "-ah", NULL));
        ASSERT_TRUE(help);
        ASSERT_OK(parse(&export_cmd, NULL, "-", NULL));
        ASSERT_STREQ(cli_argv(args)[0], "-");
}

TEST(stop_at_first_arg)
{
        bool help = false;

        /* berth run debian -d --name x sleep 5: -d belongs to the container's command. */
        ASSERT_OK(parse(&run_cmd, &help, "-it", "--rm", "debian", "-d", "--name", "x", "--help", NULL));
        ASSERT_TRUE(!help);
        ASSERT_TRUE(cli_bool(args, "interactive") && cli_bool(args, "rm") && !cli_bool(args, "detach"));
        ASSERT_TRUE(cli_string(args, "name") == NULL);
        ASSERT_EQ(cli_argc(args), 5);
        ASSERT_STREQ(cli_argv(args)[0], "debian");
        ASSERT_STREQ(cli_argv(args)[1], "-d");
        ASSERT_STREQ(cli_argv(args)[4], "--help");
        ASSERT_OK(parse(&run_cmd, NULL, "--name=x", "-e", "A", "img", "sh", "-c", "echo hi", NULL));
        ASSERT_STREQ(cli_string(args, "name"), "x");
        ASSERT_STREQ(cli_argv(args)[3], "echo hi");
        ASSERT_OK(parse(&run_cmd, NULL, "-d", "--", "img", "-x", NULL));
        ASSERT_STREQ(cli_argv(args)[0], "img");
        ASSERT_STREQ(cli_argv(args)[1], "-x");
}

static const char *help_text(const struct cli_command *cmd, const char *path)
{
        static char out[8192];
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        cli_print_command_help(f, cmd, path);
        fclose(f);
        snprintf(out, sizeof(out), "%s", s);
        free(s);
        return out;
}

TEST(help_matches_docker)
{
        static const char *const ps_aliases[] = {"container list", "container ps", "ps", NULL};
        static const struct cli_option ps_opts[] = {
            {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL, "Only display container IDs"},
            {"all", 'a', CLI_OPT_BOOL, NULL, NULL, "Show all containers (default shows just running)"},
            {"last", 'n', CLI_OPT_INT, NULL, "-1", "Show n last created containers (includes all states)"},
            {"filter", 'f', CLI_OPT_LIST, "filter", NULL, "Filter output based on conditions provided"},
            {"no-trunc", 0, CLI_OPT_BOOL, NULL, NULL, "Don't truncate output"},
            {"hidden", 0, CLI_OPT_BOOL, NULL, NULL, "not shown", CLI_OPT_HIDDEN},
            {NULL},
        };
        static const struct cli_command ps = {"container", "ls",  ps_aliases, "[OPTIONS]", "List containers",
                                              ps_opts,     dummy, 0,          0,           0};

        /* Exactly docker 28's `docker ps --help`, for these flags. */
        ASSERT_STREQ(help_text(&ps, "berth ps"),
                     "Usage:  berth ps [OPTIONS]\n"
                     "\n"
                     "List containers\n"
                     "\n"
                     "Aliases:\n"
                     "  berth container ls, berth container list, berth container ps, berth ps\n"
                     "\n"
                     "Options:\n"
                     "  -a, --all             Show all containers (default shows just running)\n"
                     "  -f, --filter filter   Filter output based on conditions provided\n"
                     "  -n, --last int        Show n last created containers (includes all\n"
                     "                        states) (default -1)\n"
                     "      --no-trunc        Don't truncate output\n"
                     "  -q, --quiet           Only display container IDs\n");
}

int main(void)
{
        RUN(interspersed);
        RUN(short_combined);
        RUN(bool_values);
        RUN(lists_and_types);
        RUN(errors);
        RUN(double_dash_and_help);
        RUN(stop_at_first_arg);
        RUN(help_matches_docker);
        cli_args_free(args);
        TAP_DONE();
}
