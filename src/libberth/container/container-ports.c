/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's published ports (container-net-internal.h): Docker's -p/-P
 * read back from HostConfig, each host port picked and held, the DNAT rules in
 * berth's nftables table, NetworkSettings.Ports filled in.
 *
 * A held port is a socket bound to it (never listening) that the supervisor
 * keeps while the container lives: the traffic goes through the rules, never
 * through the socket; the socket makes the port taken for anybody else, which
 * a DNAT rule alone does not (docs/design/network.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "container/container-net-internal.h"
#include "network/nft.h"
#include "network/ports.h"

static int ports_wanted(struct container *c, struct port_list *list, struct berth_error **err)
{
        json_t *hc = json_object_get(c->record, "HostConfig"), *arr, *b;
        const char *key;
        size_t i;
        int r;

        json_object_foreach (json_object_get(hc, "PortBindings"), key, arr) {
                json_array_foreach (arr, i, b) {
                        const char *ip = json_string_value(json_object_get(b, "HostIp")) ?: "";
                        const char *hp = json_string_value(json_object_get(b, "HostPort")) ?: "";
                        _cleanup_free_ char *spec = NULL;
                        bool v6 = strchr(ip, ':') != NULL;
                        /* Back to -p's text, so that one parser (Docker's rules) reads both. */
                        spec = xasprintf("%s%s%s%s%s%s%s", v6 ? "[" : "", ip, v6 ? "]" : "", *ip ? ":" : "",
                                         hp, *ip || *hp ? ":" : "", key);
                        r = port_parse_spec(spec, list, err);
                        if (r < 0)
                                return r;
                }
        }
        if (json_is_true(json_object_get(hc, "PublishAllPorts"))) {
                json_t *exposed = json_object_get(json_object_get(c->record, "Config"), "ExposedPorts");
                json_object_foreach (exposed, key, b) {
                        struct port_expose e;
                        r = port_parse_expose(key, &e, err);
                        if (r < 0)
                                return r;
                        port_publish_all(&e, 1, list);
                }
        }
        return 0;
}

/* Binds (never listens) the chosen host port and keeps the socket: the port is ours while it is open. */
static int port_hold(const struct port_mapping *m, uint16_t port, int *ret_fd, struct berth_error **err)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
        int type = m->proto == PORT_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
        _cleanup_close_ int fd = -EBADF;

        if (*m->host_ip && inet_pton(AF_INET, m->host_ip, &sa.sin_addr) != 1)
                return berth_err_msg(err, EAFNOSUPPORT,
                                     "publishing on %s: only IPv4 host addresses are supported", m->host_ip);
        fd = socket(AF_INET, type | SOCK_CLOEXEC, m->proto == PORT_PROTO_SCTP ? IPPROTO_SCTP : 0);
        if (fd < 0)
                return berth_err(err, errno, "socket");
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (errno == EADDRINUSE)
                        return berth_err_msg(err, EADDRINUSE,
                                             "Bind for %s:%u failed: port is already allocated",
                                             *m->host_ip ? m->host_ip : "0.0.0.0", port);
                return berth_err(err, errno, "bind %s:%u", *m->host_ip ? m->host_ip : "0.0.0.0", port);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void ports_record(json_t *ports, const struct port_mapping *m, uint16_t host_port)
{
        _cleanup_free_ char *key = xasprintf("%u/%s", m->container_port, port_proto_to_string(m->proto));
        json_t *arr = json_object_get(ports, key);
        char num[8];

        if (!json_is_array(arr))
                json_object_set_new(ports, key, arr = json_array());
        snprintf(num, sizeof(num), "%u", host_port);
        json_array_append_new(
            arr, json_pack("{s:s,s:s}", "HostIp", *m->host_ip ? m->host_ip : "0.0.0.0", "HostPort", num));
}

int container_ports_publish(struct container *c, const char *container_ip, struct container_net_fds *fds,
                            struct berth_error **err)
{
        struct port_list list = {0};
        _cleanup_free_ struct nft_port *rules = NULL;
        json_t *ports = json_object(), *exposed, *v;
        const char *key;
        int r;

        r = ports_wanted(c, &list, err);
        if (r >= 0 && list.n > CONTAINER_PORTS_MAX)
                r = berth_err_msg(err, E2BIG, "%zu published ports: at most %d per container", list.n,
                                  CONTAINER_PORTS_MAX);
        rules = xcalloc(list.n ? list.n : 1, sizeof(*rules));
        for (size_t i = 0; r >= 0 && i < list.n; i++) {
                const struct port_mapping *m = &list.items[i];
                uint16_t hp = 0;
                int fd = -1;
                r = port_allocate(m, &hp, err);
                if (r >= 0)
                        r = port_hold(m, hp, &fd, err);
                if (r < 0)
                        break;
                fds->fds = xrealloc(fds->fds, (fds->n + 1) * sizeof(int));
                fds->fds[fds->n++] = fd;
                rules[i] = (struct nft_port){.container_id = c->id,
                                             .host_ip = m->host_ip,
                                             .host_port = hp,
                                             .container_ip = container_ip,
                                             .container_port = m->container_port,
                                             .proto = m->proto};
                ports_record(ports, m, hp);
        }
        if (r >= 0 && list.n)
                r = nft_ports_add(rules, list.n, err);
        port_list_release(&list);
        /* Exposed but not published: a null entry, as Docker shows them. */
        exposed = json_object_get(json_object_get(c->record, "Config"), "ExposedPorts");
        json_object_foreach (exposed, key, v)
                if (!json_object_get(ports, key))
                        json_object_set_new(ports, key, json_null());
        json_object_set_new(container_net_settings(c), "Ports", ports);
        return r;
}
