/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* berth-dns's process state, shared by main.c (setup, names) and serve.c (the loop). */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "dns-packet.h"

#define DNS_MAX_UPSTREAMS 3          /* as glibc's MAXNS */
#define DNS_UPSTREAM_TIMEOUT_MS 2000 /* per upstream, then the next one */
#define DNS_MAX_PENDING 128 /* udp queries in flight upstream; more are dropped (the client retries) */
#define DNS_MAX_TCP 32      /* tcp clients at once; more wait in the backlog */
#define DNS_TCP_IDLE_MS 10000
#define DNS_REFRESH_MS 100     /* the names file is stat()ed at most this often when idle */
#define DNS_EMPTY_EXIT_MS 1000 /* no names for this long: exit */

struct dns_upstream {
        struct sockaddr_storage addr;
        socklen_t len;
};

struct dns_server {
        struct in_addr listen;
        uint16_t port;
        const char *names_path, *lock_path, *start_lock_path;
        int lock_fd, signal_fd, udp_fd, tcp_fd;
        struct dns_upstream upstreams[DNS_MAX_UPSTREAMS];
        unsigned n_upstreams;
        struct dns_names names;
        struct stat names_st;
        bool names_seen;
        uint64_t last_refresh, empty_since;
        bool quit;
};

extern struct dns_server server;

void dns_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
uint64_t dns_now_ms(void);
void dns_names_refresh(void);
/* One poll round: waits at most DNS_REFRESH_MS. */
void dns_loop_once(void);
