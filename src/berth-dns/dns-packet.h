/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The small part of the DNS wire format (RFC 1035) berth-dns needs: read one
 * query, build a reply to it, and the names table it answers from. Every
 * reader is bounded by the message length and refuses compression pointers
 * that do not point strictly backwards, so no input loops or overreads.
 * No allocation here except in the names table; no I/O except its file read.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DNS_HEADER_SIZE 12
#define DNS_NAME_MAX 255 /* wire form; the dotted form is shorter */
#define DNS_UDP_MAX 512  /* a reply we build without EDNS */
#define DNS_TTL 600      /* as Docker's embedded DNS */

#define DNS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
        DNS_TYPE_A = 1,
        DNS_TYPE_PTR = 12,
        DNS_TYPE_AAAA = 28,
        DNS_TYPE_ANY = 255,
        DNS_CLASS_IN = 1,
};

enum {
        DNS_RCODE_NOERROR = 0,
        DNS_RCODE_FORMERR = 1,
        DNS_RCODE_SERVFAIL = 2,
        DNS_RCODE_NXDOMAIN = 3,
};

struct dns_query {
        uint16_t id;
        uint16_t flags;
        /* Dotted, without the trailing dot, case kept ("" = the root). */
        char name[DNS_NAME_MAX + 1];
        /* False when a label holds a dot or a control byte: such a name is never ours. */
        bool plain;
        uint16_t type;
        uint16_t klass;
        size_t question_end; /* offset just past the (first) question */
};

/*
 * Reads the name at *off into out (dotted, no trailing dot), following compression
 * pointers; *off moves past the name as it appears at *off. -EBADMSG on anything
 * malformed. *ret_plain as dns_query.plain.
 */
int dns_read_name(const uint8_t *msg, size_t len, size_t *off, char out[static DNS_NAME_MAX + 1],
                  bool *ret_plain);

/* A standard query (QR 0, opcode 0) with one question. 0 or -EBADMSG. */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *ret);

/*
 * A reply to q (msg: the query it was parsed from), in out (size bytes at most): the
 * header and question copied, then an A record for each of addrs, or one PTR record to
 * ptr_name when not NULL, TTL DNS_TTL. Records that do not fit set TC. Returns the
 * length, or -ENOBUFS when not even the question fits.
 */
ssize_t dns_build_reply(const uint8_t *msg, const struct dns_query *q, int rcode,
                        const struct in_addr *addrs, size_t n_addrs, const char *ptr_name, uint8_t *out,
                        size_t size);

/* "4.3.2.1.in-addr.arpa" (any case) -> 1.2.3.4. 0 or -EINVAL. */
int dns_parse_reverse(const char *name, struct in_addr *ret);

/* The names file: lines "IP NAME [NAME...]"; other lines are ignored. */
struct dns_name_entry {
        struct in_addr ip;
        char *name;
};

struct dns_names {
        struct dns_name_entry *entries;
        size_t n;
};

/* Parses text (len bytes, need not end in NUL) into ret, replacing what it held. */
void dns_names_parse(struct dns_names *names, const char *text, size_t len);
void dns_names_clear(struct dns_names *names);
/* The addresses of name (case-insensitive, a trailing dot ignored), at most max of them. */
size_t dns_names_lookup(const struct dns_names *names, const char *name, struct in_addr *ret, size_t max);
/* The first name listed for ip, or NULL. */
const char *dns_names_reverse(const struct dns_names *names, struct in_addr ip);

/*
 * The answer to q from names, in out: > 0 its length; 0 when the query is not ours and
 * goes upstream (an unknown name, a type other than A/ANY/AAAA/PTR, a class other than
 * IN/ANY); < 0 when no reply fits in size. A known name queried for AAAA gets NOERROR
 * with no record, so that clients use its A record at once.
 */
ssize_t dns_answer(const struct dns_names *names, const uint8_t *msg, const struct dns_query *q,
                   uint8_t *out, size_t size);
