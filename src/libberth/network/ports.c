/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's port syntax and host port checks (ports.h). The parser follows the
 * behaviour of Docker's client (go-connections nat.ParsePortSpec) including
 * its quirks (only the first two parts of "1-2-3" count, "80/" is tcp),
 * because scripts written for docker must get the same result and the same
 * error text.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "network/ports.h"

static const char *const proto_names[_PORT_PROTO_MAX] = {
    [PORT_PROTO_TCP] = "tcp",
    [PORT_PROTO_UDP] = "udp",
    [PORT_PROTO_SCTP] = "sctp",
};

const char *port_proto_to_string(enum port_proto p)
{
        if (p < 0 || p >= _PORT_PROTO_MAX)
                return NULL;
        return proto_names[p];
}

enum port_proto port_proto_from_string(const char *s)
{
        for (int i = 0; i < _PORT_PROTO_MAX; i++)
                if (streq(s, proto_names[i]))
                        return i;
        return _PORT_PROTO_INVALID;
}

/* Docker lower-cases the protocol: "80/UDP" is udp. */
static enum port_proto proto_lookup(const char *proto)
{
        char lower[8];
        size_t i;

        for (i = 0; proto[i] && i < sizeof(lower) - 1; i++)
                lower[i] = (char)tolower((unsigned char)proto[i]);
        lower[i] = '\0';
        return proto[i] ? _PORT_PROTO_INVALID : port_proto_from_string(lower);
}

/* Go's strconv.ParseUint(s, 10, 16): -EINVAL "invalid syntax", -ERANGE "value out of range". */
static int parse_u16(const char *s, size_t len, uint16_t *ret)
{
        unsigned long v = 0;
        bool range = false;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned long)(s[i] - '0');
                if (v > 65535) {
                        range = true;
                        v = 65536;
                }
        }
        if (range)
                return -ERANGE;
        *ret = (uint16_t)v;
        return 0;
}

/* nat.ParsePortRange; on failure writes Go's error text into why. */
static int parse_range(const char *s, uint16_t *ret_start, uint16_t *ret_end, char *why, size_t whysz)
{
        const char *dash = strchr(s, '-'), *second, *end2;
        uint16_t a = 0, b = 0;
        int r;

        if (!*s) {
                snprintf(why, whysz, "empty string specified for ports");
                return -EINVAL;
        }
        if (!dash) {
                r = parse_u16(s, strlen(s), &a);
                b = a;
        } else {
                r = parse_u16(s, (size_t)(dash - s), &a);
                second = dash + 1;
                end2 = strchrnul(second, '-'); /* Go's Split: a third part is ignored */
                if (r < 0) {
                        snprintf(why, whysz, "strconv.ParseUint: parsing \"%.*s\": %s", (int)(dash - s), s,
                                 r == -ERANGE ? "value out of range" : "invalid syntax");
                        return r;
                }
                r = parse_u16(second, (size_t)(end2 - second), &b);
                if (r < 0) {
                        snprintf(why, whysz, "strconv.ParseUint: parsing \"%.*s\": %s", (int)(end2 - second),
                                 second, r == -ERANGE ? "value out of range" : "invalid syntax");
                        return r;
                }
                if (b < a) {
                        snprintf(why, whysz, "invalid range specified for port: %s", s);
                        return -EINVAL;
                }
        }
        if (r < 0) {
                snprintf(why, whysz, "strconv.ParseUint: parsing \"%s\": %s", s,
                         r == -ERANGE ? "value out of range" : "invalid syntax");
                return r;
        }
        *ret_start = a;
        *ret_end = b;
        return 0;
}

/* nat.SplitProtoPort: "80/udp" -> "udp", "80"; "80" and "80/" -> tcp; "" or "/x" -> "", "". */
static void split_proto(char *s, const char **ret_proto, const char **ret_port)
{
        char *slash = strchr(s, '/'), *next;

        if (!*s || s[0] == '/') {
                *ret_proto = *ret_port = "";
                return;
        }
        if (!slash) {
                *ret_proto = "tcp";
                *ret_port = s;
                return;
        }
        *slash = '\0';
        next = strchr(slash + 1, '/');
        if (next)
                *next = '\0'; /* Go's Split: only parts[1] is the protocol */
        *ret_proto = slash[1] ? slash + 1 : "tcp";
        *ret_port = s;
}

struct spec_parts {
        char *ip, *host, *cport; /* point into a copy of the spec */
};

/* splitParts: the last part is the container port, the one before the host port, the rest the IP. */
static void split_parts(char *s, struct spec_parts *p)
{
        char *last = strrchr(s, ':'), *prev;

        *p = (struct spec_parts){.ip = (char *)"", .host = (char *)"", .cport = s};
        if (!last)
                return;
        *last = '\0';
        p->cport = last + 1;
        prev = strrchr(s, ':');
        if (!prev) {
                p->host = s;
                return;
        }
        *prev = '\0';
        p->host = prev + 1;
        p->ip = s;
}

/* The IP part: brackets stripped, must parse as IPv4 or IPv6 (net.ParseIP). */
static int parse_ip(char *ip, char out[48], struct berth_error **err)
{
        unsigned char buf[sizeof(struct in6_addr)];
        size_t len = strlen(ip);

        if (ip[0] == '[') {
                if (len < 2 || ip[len - 1] != ']')
                        return berth_err_msg(err, EINVAL, "invalid IP address %s: missing ']' in address",
                                             ip);
                ip[len - 1] = '\0';
                ip++;
        }
        if (*ip && inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
                return berth_err_msg(err, EINVAL, "invalid IP address: %s", ip);
        if (strlen(ip) >= 48)
                return berth_err_msg(err, EINVAL, "invalid IP address: %s", ip);
        strcpy(out, ip);
        return 0;
}

static void list_append(struct port_list *list, const struct port_mapping *m)
{
        list->items = xrealloc(list->items, (list->n + 1) * sizeof(*m));
        list->items[list->n++] = *m;
}

struct spec_ports {
        uint16_t cstart, cend, hstart, hend;
        bool has_host;
};

/* The numeric parts, in Docker's order of checks. */
static int parse_spec_ports(const char *spec, struct spec_parts *p, struct spec_ports *sp,
                            struct berth_error **err)
{
        char why[128];

        if (!*p->cport)
                return berth_err_msg(err, EINVAL, "no port specified: %s<empty>", spec);
        if (parse_range(p->cport, &sp->cstart, &sp->cend, why, sizeof(why)) < 0)
                return berth_err_msg(err, EINVAL, "invalid containerPort: %s", p->cport);
        sp->has_host = *p->host != '\0';
        sp->hstart = sp->hend = 0;
        if (sp->has_host && parse_range(p->host, &sp->hstart, &sp->hend, why, sizeof(why)) < 0)
                return berth_err_msg(err, EINVAL, "invalid hostPort: %s", p->host);
        /* A host range with a single container port is a range to allocate from. */
        if (sp->has_host && sp->cend - sp->cstart != sp->hend - sp->hstart && sp->cend != sp->cstart)
                return berth_err_msg(err, EINVAL,
                                     "invalid ranges specified for container and host Ports: %s and %s",
                                     p->cport, p->host);
        return 0;
}

/*
 * Docker's long form, "target=80,published=8080,protocol=udp", is rewritten
 * to "8080:80/udp" and then parsed as the short one (the CLI's
 * convertToStandardNotation); unknown keys are ignored, as there.
 */
static int long_form(const char *spec, char **ret, struct berth_error **err)
{
        _cleanup_free_ char *copy = xstrdup(spec);
        const char *target = "", *published = "", *protocol = "tcp";
        char *rest = copy, *param, *eq;

        while ((param = strsep(&rest, ","))) {
                eq = strchr(param, '=');
                if (!eq || eq == param)
                        return berth_err_msg(
                            err, EINVAL, "invalid publish opts format (should be name=value but got '%s')",
                            param);
                *eq = '\0';
                if (streq(param, "target"))
                        target = eq + 1;
                else if (streq(param, "published"))
                        published = eq + 1;
                else if (streq(param, "protocol"))
                        protocol = eq + 1;
        }
        *ret = xasprintf("%s:%s/%s", published, target, protocol);
        return 0;
}

int port_parse_spec(const char *spec, struct port_list *list, struct berth_error **err)
{
        _cleanup_free_ char *converted = NULL, *copy = NULL;
        struct port_mapping m = {0};
        struct spec_parts p;
        struct spec_ports sp;
        const char *proto, *cport;
        int r;

        if (strchr(spec, '=')) {
                r = long_form(spec, &converted, err);
                if (r < 0)
                        return r;
                spec = converted; /* later messages quote the converted form, as Docker's do */
        }
        copy = xstrdup(spec);
        split_parts(copy, &p);
        split_proto(p.cport, &proto, &cport);
        p.cport = (char *)cport;
        if (*p.ip) {
                r = parse_ip(p.ip, m.host_ip, err);
                if (r < 0)
                        return r;
        }
        r = parse_spec_ports(spec, &p, &sp, err);
        if (r < 0)
                return r;
        m.proto = proto_lookup(proto);
        if ((int)m.proto < 0)
                return berth_err_msg(err, EINVAL, "invalid proto: %s", proto);

        for (unsigned i = 0; i <= (unsigned)(sp.cend - sp.cstart); i++) {
                m.container_port = (uint16_t)(sp.cstart + i);
                if (sp.cstart == sp.cend) {
                        m.host_port = sp.hstart;
                        m.host_port_end = sp.hend;
                } else {
                        m.host_port = m.host_port_end = sp.has_host ? (uint16_t)(sp.hstart + i) : 0;
                }
                list_append(list, &m);
        }
        return 0;
}

int port_parse_expose(const char *spec, struct port_expose *ret, struct berth_error **err)
{
        _cleanup_free_ char *copy = xstrdup(spec);
        const char *proto, *port;
        char why[128];
        struct port_expose e;

        if (strchr(spec, ':'))
                return berth_err_msg(err, EINVAL, "invalid port format for --expose: %s", spec);
        split_proto(copy, &proto, &port);
        if (parse_range(port, &e.start, &e.end, why, sizeof(why)) < 0)
                return berth_err_msg(err, EINVAL, "invalid range format for --expose: %s, error: %s", spec,
                                     why);
        e.proto = proto_lookup(proto);
        if ((int)e.proto < 0)
                return berth_err_msg(err, EINVAL, "invalid proto: %s", proto);
        *ret = e;
        return 0;
}

static bool list_has(const struct port_list *list, uint16_t cport, enum port_proto proto)
{
        for (size_t i = 0; i < list->n; i++)
                if (list->items[i].container_port == cport && list->items[i].proto == proto)
                        return true;
        return false;
}

void port_publish_all(const struct port_expose *exposed, size_t n, struct port_list *list)
{
        for (size_t i = 0; i < n; i++)
                for (unsigned p = exposed[i].start; p <= exposed[i].end; p++) {
                        struct port_mapping m = {.container_port = (uint16_t)p, .proto = exposed[i].proto};

                        if (!list_has(list, m.container_port, m.proto))
                                list_append(list, &m);
                }
}

void port_list_release(struct port_list *list)
{
        free(list->items);
        *list = (struct port_list){0};
}

/* host_ip:port as Docker prints it: "0.0.0.0:8080", "[::1]:8080". */
static void format_hostport(const char *host_ip, const char *port, char *buf, size_t size)
{
        const char *ip = *host_ip ? host_ip : "0.0.0.0";

        snprintf(buf, size, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip, port);
}

union sockaddr_any {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
};

static int make_sockaddr(const char *host_ip, uint16_t port, union sockaddr_any *sa, socklen_t *len)
{
        memset(sa, 0, sizeof(*sa));
        if (strchr(host_ip, ':')) {
                sa->in6.sin6_family = AF_INET6;
                sa->in6.sin6_port = htons(port);
                *len = sizeof(sa->in6);
                return inet_pton(AF_INET6, host_ip, &sa->in6.sin6_addr) == 1 ? 0 : -EINVAL;
        }
        sa->in.sin_family = AF_INET;
        sa->in.sin_port = htons(port);
        *len = sizeof(sa->in);
        if (!*host_ip)
                return 0;
        return inet_pton(AF_INET, host_ip, &sa->in.sin_addr) == 1 ? 0 : -EINVAL;
}

/* Binds host_ip:port (port may be 0); returns the socket and the bound port. */
static int bind_probe(const char *host_ip, uint16_t port, enum port_proto proto, uint16_t *ret_port)
{
        static const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_STREAM};
        static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP};
        _cleanup_close_ int fd = -EBADF;
        union sockaddr_any sa;
        socklen_t len;

        if (proto < 0 || proto >= _PORT_PROTO_MAX)
                return -EINVAL;
        if (make_sockaddr(host_ip, port, &sa, &len) < 0)
                return -EINVAL;
        fd = socket(sa.sa.sa_family, types[proto] | SOCK_CLOEXEC, protos[proto]);
        if (fd < 0)
                return -errno;
        if (bind(fd, &sa.sa, len) < 0)
                return -errno;
        if (getsockname(fd, &sa.sa, &len) < 0)
                return -errno;
        *ret_port = ntohs(sa.sa.sa_family == AF_INET6 ? sa.in6.sin6_port : sa.in.sin_port);
        return 0; /* the socket closes here: the port is only probed, not held */
}

static int bind_error(const char *host_ip, const char *port, int r, struct berth_error **err)
{
        char where[80];

        format_hostport(host_ip, port, where, sizeof(where));
        if (r == -EADDRINUSE)
                return berth_err_msg(err, EADDRINUSE, "Bind for %s failed: port is already allocated",
                                     where);
        if (r == -EINVAL)
                return berth_err_msg(err, EINVAL, "invalid host IP address `%s`", host_ip);
        return berth_err(err, -r, "bind %s", where);
}

int port_check_free(const char *host_ip, uint16_t port, enum port_proto proto, struct berth_error **err)
{
        char num[8];
        uint16_t got;
        int r;

        r = bind_probe(host_ip, port, proto, &got);
        if (r < 0) {
                snprintf(num, sizeof(num), "%u", port);
                return bind_error(host_ip, num, r, err);
        }
        return 0;
}

int port_allocate(const struct port_mapping *m, uint16_t *ret_port, struct berth_error **err)
{
        char num[16];
        uint16_t got;
        int r = 0;

        if (m->host_port == 0) {
                /* The kernel picks from ip_local_port_range and skips ports in use. */
                r = bind_probe(m->host_ip, 0, m->proto, &got);
                if (r < 0)
                        return bind_error(m->host_ip, "0", r, err);
                *ret_port = got;
                return 0;
        }
        for (unsigned p = m->host_port; p <= m->host_port_end; p++) {
                r = bind_probe(m->host_ip, (uint16_t)p, m->proto, &got);
                if (r == 0) {
                        *ret_port = (uint16_t)p;
                        return 0;
                }
                if (r != -EADDRINUSE)
                        break;
        }
        if (m->host_port_end > m->host_port && r == -EADDRINUSE)
                snprintf(num, sizeof(num), "%u-%u", m->host_port, m->host_port_end);
        else
                snprintf(num, sizeof(num), "%u", m->host_port);
        return bind_error(m->host_ip, num, r, err);
}

void port_mapping_format(const struct port_mapping *m, char *buf, size_t size)
{
        char num[16], host[80];

        if (m->host_port_end > m->host_port)
                snprintf(num, sizeof(num), "%u-%u", m->host_port, m->host_port_end);
        else
                snprintf(num, sizeof(num), "%u", m->host_port);
        format_hostport(m->host_ip, num, host, sizeof(host));
        snprintf(buf, size, "%s->%u/%s", host, m->container_port, port_proto_to_string(m->proto));
}
