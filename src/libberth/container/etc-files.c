/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's /etc/hostname, /etc/hosts and /etc/resolv.conf: files in
 * its directory, bind-mounted over the image's, as Docker does (so editing
 * them in the container does not touch the image's layers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "container/container-net-internal.h"
#include "container/oci-config-internal.h"

#define HOST_FILE_MAX (1u << 20)

static const char hosts_base[] = "127.0.0.1\tlocalhost\n"
                                 "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                 "fe00::0\tip6-localnet\n"
                                 "ff00::0\tip6-mcastprefix\n"
                                 "ff02::1\tip6-allnodes\n"
                                 "ff02::2\tip6-allrouters\n";

/* A growable string. */
struct buf {
        char *s;
        size_t len;
};

static void buf_add(struct buf *b, const char *s)
{
        size_t n = strlen(s);

        b->s = xrealloc(b->s, b->len + n + 1);
        memcpy(b->s + b->len, s, n + 1);
        b->len += n;
}

static int write_etc(struct oci_build *b, const char *name, const char *text, struct berth_error **err)
{
        _cleanup_close_ int dfd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd < 0)
                return berth_err(err, errno, "open `%s`", b->dir);
        /* 0644: the container's non-root users read them too. No fsync: written again at every start. */
        return write_file_volatile_at(dfd, name, text, strlen(text), 0644, err);
}

/* ExtraHosts: "name:ip" (Docker's --add-host; "name=ip" as well). */
static void add_extra_hosts(struct buf *out, json_t *extra)
{
        json_t *v;
        size_t i;

        json_array_foreach (extra, i, v) {
                const char *e = json_string_value(v), *sep;
                _cleanup_free_ char *line = NULL;
                if (!e || !(sep = strpbrk(e, ":=")))
                        continue;
                line = xasprintf("%s\t%.*s\n", sep + 1, (int)(sep - e), e);
                buf_add(out, line);
        }
}

/* Docker: "IP<TAB>hostname" for each address the container has on its networks. */
static void add_own_addresses(struct oci_build *b, struct buf *out)
{
        json_t *nets = json_object_get(json_object_get(b->c->record, "NetworkSettings"), "Networks"), *ep;
        const char *hostname = json_string_value(json_object_get(b->config, "Hostname")), *k;

        json_object_foreach (nets, k, ep) {
                const char *ip = json_string_value(json_object_get(ep, "IPAddress"));
                _cleanup_free_ char *line = NULL;
                if (!ip || !*ip)
                        continue;
                line = xasprintf("%s\t%s\n", ip, hostname ?: "");
                buf_add(out, line);
        }
}

static int write_hosts(struct oci_build *b, struct berth_error **err)
{
        _cleanup_free_ char *host = NULL;
        struct buf out = { 0 };
        int r;

        if (b->host_network && read_file_at(AT_FDCWD, "/etc/hosts", HOST_FILE_MAX, &host, NULL, NULL) == 0) {
                buf_add(&out, host);
                if (out.len && out.s[out.len - 1] != '\n')
                        buf_add(&out, "\n");
        } else {
                buf_add(&out, hosts_base);
                add_own_addresses(b, &out);
        }
        add_extra_hosts(&out, json_object_get(b->host_config, "ExtraHosts"));
        r = write_etc(b, "hosts", out.s, err);
        free(out.s);
        return r;
}

/* systemd-resolved's stub listens on 127.0.0.53, which a container cannot reach: use its upstream list. */
static char *host_resolv_conf(void)
{
        char *text = NULL, *up = NULL;

        if (read_file_at(AT_FDCWD, "/etc/resolv.conf", HOST_FILE_MAX, &text, NULL, NULL) < 0)
                return xstrdup("");
        if (strstr(text, "nameserver 127.0.0.53") &&
            read_file_at(AT_FDCWD, "/run/systemd/resolve/resolv.conf", HOST_FILE_MAX, &up, NULL, NULL) == 0) {
                free(text);
                return up;
        }
        return text;
}

static bool is_loopback_ns(const char *line)
{
        const char *a = line + strlen("nameserver");

        a += strspn(a, " \t");
        return strncmp(a, "127.", 4) == 0 || strncmp(a, "::1", 3) == 0;
}

static void add_list(struct buf *out, const char *prefix, json_t *arr, const char *sep)
{
        json_t *v;
        size_t i;

        buf_add(out, prefix);
        json_array_foreach (arr, i, v) {
                if (i)
                        buf_add(out, sep);
                buf_add(out, json_string_value(v) ?: "");
        }
        buf_add(out, "\n");
}

/*
 * The host's file, with HostConfig.Dns/DnsSearch/DnsOptions replacing its
 * nameserver/search/options lines. Outside the host's network a loopback
 * nameserver is unreachable: it is dropped, and Docker's public fallback
 * used when none is left.
 */
static int write_resolv_conf(struct oci_build *b, struct berth_error **err)
{
        json_t *dns = json_object_get(b->host_config, "Dns"), *search = json_object_get(b->host_config, "DnsSearch");
        json_t *opts = json_object_get(b->host_config, "DnsOptions");
        _cleanup_free_ char *host = host_resolv_conf();
        const char *resolver = container_net_dns_server(b->c);
        struct buf out = { 0 };
        bool have_ns = false;
        char *save = NULL;
        int r;

        for (char *line = strtok_r(host, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                bool ns = strncmp(line, "nameserver", 10) == 0, se = strncmp(line, "search", 6) == 0 ||
                                                                     strncmp(line, "domain", 6) == 0;
                if ((ns && (resolver || json_array_size(dns) || (!b->host_network && is_loopback_ns(line)))) ||
                    (se && json_array_size(search)) ||
                    (strncmp(line, "options", 7) == 0 && json_array_size(opts)))
                        continue;
                have_ns = have_ns || ns;
                buf_add(&out, line);
                buf_add(&out, "\n");
        }
        if (json_array_size(search))
                add_list(&out, "search ", search, " ");
        /* On a user network the network's resolver answers for the containers and forwards the rest to
         * the host's resolvers (Docker's is 127.0.0.11; ours listens on the gateway). Unlike Docker's,
         * it does not forward to --dns servers: there, --dns is not used yet. */
        if (resolver) {
                buf_add(&out, "nameserver ");
                buf_add(&out, resolver);
                buf_add(&out, "\n");
        } else if (json_array_size(dns))
                add_list(&out, "nameserver ", dns, "\nnameserver ");
        else if (!have_ns)
                buf_add(&out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        if (json_array_size(opts))
                add_list(&out, "options ", opts, " ");
        r = write_etc(b, "resolv.conf", out.s, err);
        free(out.s);
        return r;
}

int container_etc_files_write(struct oci_build *b, struct berth_error **err)
{
        const char *hostname = json_string_value(json_object_get(b->config, "Hostname"));
        _cleanup_free_ char *text = NULL;
        int r;

        text = xasprintf("%s\n", hostname ?: ""); /* Docker's: the host name alone, no domain */
        r = write_etc(b, "hostname", text, err);
        if (r >= 0)
                r = write_hosts(b, err);
        if (r >= 0)
                r = write_resolv_conf(b, err);
        return r < 0 ? berth_err_prefix(err, "container files") : 0;
}
