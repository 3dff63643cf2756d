/* SPDX-License-Identifier: Apache-2.0 */
#include "dns-packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
        put16(p, (uint16_t)(v >> 16));
        put16(p + 2, (uint16_t)v);
}

/*
 * A pointer must point strictly before the label that holds it: then every
 * jump goes backwards and the walk ends, whatever the input (no loop counter).
 */
int dns_read_name(const uint8_t *msg, size_t len, size_t *off, char out[static DNS_NAME_MAX + 1],
                  bool *ret_plain)
{
        size_t pos = *off, wire = 0, o = 0, end = 0;
        bool jumped = false, plain = true;

        for (;;) {
                uint8_t l;

                if (pos >= len)
                        return -EBADMSG;
                l = msg[pos];
                if ((l & 0xc0) == 0xc0) {
                        size_t target;

                        if (pos + 1 >= len)
                                return -EBADMSG;
                        target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
                        if (target >= pos)
                                return -EBADMSG;
                        if (!jumped)
                                end = pos + 2;
                        jumped = true;
                        pos = target;
                        continue;
                }
                if (l & 0xc0)
                        return -EBADMSG; /* 0x40 and 0x80: extended label types, obsolete */
                wire += 1u + l;
                if (wire > DNS_NAME_MAX)
                        return -EBADMSG;
                if (l == 0)
                        break;
                if (pos + 1 + l > len)
                        return -EBADMSG;
                if (o > 0)
                        out[o++] = '.';
                for (size_t i = 0; i < l; i++) {
                        uint8_t c = msg[pos + 1 + i];
                        if (c == '.' || c <= 0x20 || c >= 0x7f)
                                plain = false;
                        out[o++] = (char)c;
                }
                pos += 1u + l;
        }
        out[o] = '\0';
        *off = jumped ? end : pos + 1;
        if (ret_plain)
                *ret_plain = plain;
        return 0;
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *ret)
{
        size_t off = DNS_HEADER_SIZE;
        uint16_t flags;
        int r;

        if (len < DNS_HEADER_SIZE)
                return -EBADMSG;
        flags = get16(msg + 2);
        /* A query (QR 0), opcode QUERY, exactly one question. */
        if ((flags & 0x8000) || ((flags >> 11) & 0xf) != 0 || get16(msg + 4) != 1)
                return -EBADMSG;
        r = dns_read_name(msg, len, &off, ret->name, &ret->plain);
        if (r < 0)
                return r;
        if (off + 4 > len)
                return -EBADMSG;
        ret->id = get16(msg);
        ret->flags = flags;
        ret->type = get16(msg + off);
        ret->klass = get16(msg + off + 2);
        ret->question_end = off + 4;
        return 0;
}

/* The wire form of a dotted name; -ENOBUFS or -EINVAL (an empty or long label). */
static ssize_t encode_name(const char *name, uint8_t *out, size_t size)
{
        size_t o = 0;

        while (*name) {
                size_t l = strcspn(name, ".");
                if (l == 0 || l > 63)
                        return -EINVAL;
                if (o + 1 + l + 1 > size || o + 1 + l + 1 > DNS_NAME_MAX)
                        return -ENOBUFS;
                out[o++] = (uint8_t)l;
                memcpy(out + o, name, l);
                o += l;
                name += l;
                if (*name == '.')
                        name++;
        }
        if (o + 1 > size)
                return -ENOBUFS;
        out[o++] = 0;
        return (ssize_t)o;
}

ssize_t dns_build_reply(const uint8_t *msg, const struct dns_query *q, int rcode,
                        const struct in_addr *addrs, size_t n_addrs, const char *ptr_name, uint8_t *out,
                        size_t size)
{
        size_t o = q->question_end, n = 0;
        bool truncated = false;

        if (o > size || o < DNS_HEADER_SIZE + 5)
                return -ENOBUFS;
        memcpy(out, msg, o);
        /* QR, AA, RD as asked, RA; the query's opcode is 0 (checked when parsed). */
        put16(out + 2, (uint16_t)(0x8000 | 0x0400 | (q->flags & 0x0100) | 0x0080 | (rcode & 0xf)));
        put16(out + 4, 1);
        put16(out + 8, 0);
        put16(out + 10, 0); /* an EDNS OPT record of the query is not echoed: the reply is plain DNS */
        for (size_t i = 0; i < n_addrs; i++) {
                if (o + 16 > size) {
                        truncated = true;
                        break;
                }
                put16(out + o, 0xc000 | DNS_HEADER_SIZE); /* the question's name */
                put16(out + o + 2, DNS_TYPE_A);
                put16(out + o + 4, DNS_CLASS_IN);
                put32(out + o + 6, DNS_TTL);
                put16(out + o + 10, 4);
                memcpy(out + o + 12, &addrs[i].s_addr, 4);
                o += 16;
                n++;
        }
        if (ptr_name) {
                ssize_t l = o + 12 <= size ? encode_name(ptr_name, out + o + 12, size - o - 12) : -ENOBUFS;
                if (l == -ENOBUFS) {
                        truncated = true;
                } else if (l > 0) {
                        put16(out + o, 0xc000 | DNS_HEADER_SIZE);
                        put16(out + o + 2, DNS_TYPE_PTR);
                        put16(out + o + 4, DNS_CLASS_IN);
                        put32(out + o + 6, DNS_TTL);
                        put16(out + o + 10, (uint16_t)l);
                        o += 12 + (size_t)l;
                        n++;
                }
        }
        put16(out + 6, (uint16_t)n);
        if (truncated)
                out[2] |= 0x02;
        return (ssize_t)o;
}

int dns_parse_reverse(const char *name, struct in_addr *ret)
{
        static const char suffix[] = ".in-addr.arpa";
        size_t len = strlen(name), sl = sizeof(suffix) - 1;
        unsigned part[4];
        char buf[32], tail;

        if (len > 0 && name[len - 1] == '.')
                len--;
        if (len <= sl || len - sl >= sizeof(buf) || strncasecmp(name + len - sl, suffix, sl) != 0)
                return -EINVAL;
        memcpy(buf, name, len - sl);
        buf[len - sl] = '\0';
        if (strspn(buf, "0123456789.") != len - sl ||
            sscanf(buf, "%3u.%3u.%3u.%3u%c", &part[0], &part[1], &part[2], &part[3], &tail) != 4)
                return -EINVAL;
        for (int i = 0; i < 4; i++)
                if (part[i] > 255)
                        return -EINVAL;
        ret->s_addr = htonl(part[3] << 24 | part[2] << 16 | part[1] << 8 | part[0]);
        return 0;
}

void dns_names_clear(struct dns_names *names)
{
        for (size_t i = 0; i < names->n; i++)
                free(names->entries[i].name);
        free(names->entries);
        names->entries = NULL;
        names->n = 0;
}

static void names_add(struct dns_names *names, size_t *cap, struct in_addr ip, const char *name, size_t len)
{
        char *copy;

        if (names->n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 16;
                void *p = realloc(names->entries, ncap * sizeof(*names->entries));
                if (!p)
                        abort();
                names->entries = p;
                *cap = ncap;
        }
        copy = strndup(name, len);
        if (!copy)
                abort();
        names->entries[names->n++] = (struct dns_name_entry){.ip = ip, .name = copy};
}

void dns_names_parse(struct dns_names *names, const char *text, size_t len)
{
        static const char blank[] = " \t\r";
        size_t cap = 0;

        dns_names_clear(names);
        while (len > 0) {
                const char *nl = memchr(text, '\n', len);
                size_t ll = nl ? (size_t)(nl - text) : len;
                char line[1024], *p, *tok, *save = NULL;
                struct in_addr ip;

                if (ll < sizeof(line)) {
                        memcpy(line, text, ll);
                        line[ll] = '\0';
                        p = strchr(line, '#');
                        if (p)
                                *p = '\0';
                        tok = strtok_r(line, blank, &save);
                        if (tok && inet_pton(AF_INET, tok, &ip) == 1)
                                while ((tok = strtok_r(NULL, blank, &save)))
                                        if (strlen(tok) <= 253)
                                                names_add(names, &cap, ip, tok, strlen(tok));
                }
                text += ll + (nl ? 1 : 0);
                len -= ll + (nl ? 1 : 0);
        }
}

static bool name_eq(const char *entry, const char *name)
{
        size_t len = strlen(name);

        if (len > 0 && name[len - 1] == '.')
                len--;
        return strlen(entry) == len && strncasecmp(entry, name, len) == 0;
}

size_t dns_names_lookup(const struct dns_names *names, const char *name, struct in_addr *ret, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < names->n && n < max; i++) {
                bool dup = false;
                if (!name_eq(names->entries[i].name, name))
                        continue;
                for (size_t j = 0; j < n; j++)
                        dup |= ret[j].s_addr == names->entries[i].ip.s_addr;
                if (!dup)
                        ret[n++] = names->entries[i].ip;
        }
        return n;
}

const char *dns_names_reverse(const struct dns_names *names, struct in_addr ip)
{
        for (size_t i = 0; i < names->n; i++)
                if (names->entries[i].ip.s_addr == ip.s_addr)
                        return names->entries[i].name;
        return NULL;
}

ssize_t dns_answer(const struct dns_names *names, const uint8_t *msg, const struct dns_query *q,
                   uint8_t *out, size_t size)
{
        struct in_addr addrs[32], ip;
        const char *ptr;
        size_t n;

        if (!q->plain || (q->klass != DNS_CLASS_IN && q->klass != DNS_TYPE_ANY))
                return 0;
        if (q->type == DNS_TYPE_PTR) {
                if (dns_parse_reverse(q->name, &ip) < 0 || !(ptr = dns_names_reverse(names, ip)))
                        return 0;
                return dns_build_reply(msg, q, DNS_RCODE_NOERROR, NULL, 0, ptr, out, size);
        }
        n = dns_names_lookup(names, q->name, addrs, DNS_ARRAY_SIZE(addrs));
        if (n == 0)
                return 0;
        if (q->type == DNS_TYPE_A || q->type == DNS_TYPE_ANY)
                return dns_build_reply(msg, q, DNS_RCODE_NOERROR, addrs, n, NULL, out, size);
        if (q->type == DNS_TYPE_AAAA)
                return dns_build_reply(msg, q, DNS_RCODE_NOERROR, NULL, 0, NULL, out, size);
        return 0;
}
