/* SPDX-License-Identifier: Apache-2.0 */
/* System commands. For now: `berth version` (and the line for `berth --version`). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "cli.h"
#include "format.h"
#include "version.h"

#if defined(__x86_64__)
#define GOARCH "amd64"
#elif defined(__aarch64__)
#define GOARCH "arm64"
#elif defined(__i386__)
#define GOARCH "386"
#elif defined(__arm__)
#define GOARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GOARCH "ppc64le"
#elif defined(__s390x__)
#define GOARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define GOARCH "riscv64"
#else
#define GOARCH "unknown"
#endif

#ifdef __clang__
#define COMPILER "clang " __clang_version__
#else
#define COMPILER "gcc " __VERSION__
#endif

void cli_print_version_line(FILE *f)
{
        fprintf(f, "berth version %s, build %s\n", BERTH_VERSION, BERTH_GIT_COMMIT);
}

/* The same shape as docker's `version --format` data, so {{.Client.Version}} works. */
static json_t *version_data(void)
{
        struct utsname u;
        const char *kernel = uname(&u) == 0 ? u.release : "";

        /* berth has no daemon: the "server" is the engine library linked into this binary. */
        return json_pack("{s:{s:{s:s}, s:s, s:s, s:s, s:s, s:s}, s:{s:{s:s}, s:s, s:s, s:s, s:s, s:s}}",
                         "Client", "Platform", "Name", "berth", "Version", BERTH_VERSION, "GitCommit",
                         BERTH_GIT_COMMIT, "Compiler", COMPILER, "Os", "linux", "Arch", GOARCH, "Server",
                         "Platform", "Name", "berth engine (in-process, no daemon)", "Version",
                         BERTH_VERSION, "GitCommit", BERTH_GIT_COMMIT, "Os", "linux", "Arch", GOARCH,
                         "KernelVersion", kernel);
}

static const char version_template[] = "Client: {{.Client.Platform.Name}}\n"
                                       " Version:           {{.Client.Version}}\n"
                                       " Git commit:        {{.Client.GitCommit}}\n"
                                       " Compiler:          {{.Client.Compiler}}\n"
                                       " OS/Arch:           {{.Client.Os}}/{{.Client.Arch}}\n"
                                       "\n"
                                       "Server: {{.Server.Platform.Name}}\n"
                                       " Engine:\n"
                                       "  Version:          {{.Server.Version}}\n"
                                       "  Git commit:       {{.Server.GitCommit}}\n"
                                       "  OS/Arch:          {{.Server.Os}}/{{.Server.Arch}}\n"
                                       "  Kernel version:   {{.Server.KernelVersion}}\n";

static int cmd_version(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_json_ json_t *data = version_data();
        _cleanup_format_ struct format *f = NULL;
        const char *spec = cli_string(args, "format");

        if (spec && streq(spec, "json"))
                spec = "{{json .}}";
        if (format_compile(spec && *spec ? spec : version_template, &f, &err) < 0) {
                /* docker version exits 64 on a template it cannot parse. */
                fprintf(stderr, "template parsing error: %s\n", err->msg);
                return 64;
        }
        if (format_execute(f, data, stdout, &err) < 0)
                return cli_fail(ctx, err);
        if (spec && *spec)
                fputc('\n', stdout);
        return CLI_EXIT_OK;
}

/* docker's FormatHelp, wrapped by the help printer as pflag wraps it. */
#define FORMAT_HELP_NO_TABLE                                                                                \
        "Format output using a custom template:\n"                                                          \
        "'json':             Print in JSON format\n"                                                        \
        "'TEMPLATE':         Print output using the given Go template.\n"                                   \
        "Refer to https://docs.docker.com/go/formatting/ for more information about formatting output "     \
        "with templates"

static const struct cli_option version_options[] = {
    {"format", 'f', CLI_OPT_STRING, NULL, NULL, FORMAT_HELP_NO_TABLE},
    {NULL},
};

const struct cli_command cli_system_commands[] = {
    {NULL, "version", NULL, "[OPTIONS]", "Show the berth version information", version_options, cmd_version,
     0, 0, 0},
    {NULL},
};
