/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-dns's poll loop: the udp and tcp listeners, udp queries in flight
 * upstream (one connected socket each, so that only the server asked can
 * answer, from a port the kernel picked), and tcp clients with their upstream
 * tcp connection. Everything is non-blocking; each wait has a deadline.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "dns.h"

#define TCP_BUF (2 + 65535)

struct pending {
        int fd; /* -1: a free slot */
        struct sockaddr_storage client;
        socklen_t client_len;
        struct dns_query q;
        uint8_t *msg;
        size_t len;
        unsigned upstream;
        uint64_t deadline;
};

enum tcp_state { TCP_READ, TCP_UP_SEND, TCP_UP_RECV, TCP_WRITE };

struct tcp_conn {
        int fd; /* -1: a free slot */
        enum tcp_state state;
        uint8_t *in; /* TCP_BUF: the client's bytes, the message being served first */
        size_t in_len;
        struct dns_query q;
        uint8_t *out; /* the reply, length-prefixed */
        size_t out_len, off;
        int up_fd;
        unsigned upstream;
        uint8_t *up; /* TCP_BUF: the upstream's reply */
        size_t up_len;
        uint64_t deadline;
};

static struct pending pending[DNS_MAX_PENDING];
static struct tcp_conn conns[DNS_MAX_TCP];
static bool slots_ready;

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void *xmalloc_(size_t n)
{
        void *p = malloc(n);

        if (!p)
                abort();
        return p;
}

static void pending_free(struct pending *p)
{
        close(p->fd);
        free(p->msg);
        *p = (struct pending){.fd = -1};
}

static void udp_reply(const struct sockaddr_storage *to, socklen_t to_len, const void *buf, size_t len)
{
        /* A full socket buffer drops the reply: the client asks again, as after any udp loss. */
        (void)sendto(server.udp_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to,
                     to_len);
}

static void udp_servfail(struct pending *p)
{
        uint8_t out[DNS_UDP_MAX];
        ssize_t n = dns_build_reply(p->msg, &p->q, DNS_RCODE_SERVFAIL, NULL, 0, NULL, out, sizeof(out));

        if (n > 0)
                udp_reply(&p->client, p->client_len, out, (size_t)n);
}

/* Asks upstream number p->upstream, or the next ones when it cannot be reached at once. */
static bool pending_send(struct pending *p)
{
        for (; p->upstream < server.n_upstreams; p->upstream++) {
                const struct dns_upstream *u = &server.upstreams[p->upstream];
                int fd = socket(u->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

                if (fd < 0)
                        continue;
                if (connect(fd, (const struct sockaddr *)&u->addr, u->len) == 0 &&
                    send(fd, p->msg, p->len, MSG_NOSIGNAL) == (ssize_t)p->len) {
                        if (p->fd >= 0)
                                close(p->fd);
                        p->fd = fd;
                        p->deadline = dns_now_ms() + DNS_UPSTREAM_TIMEOUT_MS;
                        return true;
                }
                close(fd);
        }
        return false;
}

static void pending_next(struct pending *p)
{
        p->upstream++;
        if (!pending_send(p)) {
                udp_servfail(p);
                pending_free(p);
        }
}

static void udp_forward(const uint8_t *msg, size_t len, const struct dns_query *q,
                        const struct sockaddr_storage *from, socklen_t from_len)
{
        struct pending *p = NULL;

        for (size_t i = 0; i < DNS_MAX_PENDING && !p; i++)
                if (pending[i].fd < 0)
                        p = &pending[i];
        if (!p)
                return; /* saturated: dropped, the client retries */
        *p = (struct pending){.fd = -1, .client = *from, .client_len = from_len, .q = *q, .len = len};
        p->msg = xmalloc_(len);
        memcpy(p->msg, msg, len);
        if (!pending_send(p)) {
                udp_servfail(p);
                pending_free(p);
        }
}

static void maybe_refresh(void)
{
        if (dns_now_ms() - server.last_refresh >= 1)
                dns_names_refresh();
}

static void udp_query(void)
{
        uint8_t buf[65536], out[DNS_UDP_MAX];
        struct sockaddr_storage from;
        socklen_t from_len = sizeof(from);
        struct dns_query q;
        ssize_t n, r;

        n = recvfrom(server.udp_fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &from_len);
        if (n < 0 || dns_parse_query(buf, (size_t)n, &q) < 0)
                return; /* malformed: dropped */
        maybe_refresh();
        r = dns_answer(&server.names, buf, &q, out, sizeof(out));
        if (r > 0)
                udp_reply(&from, from_len, out, (size_t)r);
        else if (r == 0)
                udp_forward(buf, (size_t)n, &q, &from, from_len);
}

static void pending_reply(struct pending *p)
{
        uint8_t buf[65536];
        ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n < 0) { /* ICMP unreachable: that server is not there */
                pending_next(p);
                return;
        }
        /* Only the answer to this query (its id, a response) goes back; anything else is ignored. */
        if (n < DNS_HEADER_SIZE || get16(buf) != p->q.id || !(buf[2] & 0x80))
                return;
        udp_reply(&p->client, p->client_len, buf, (size_t)n);
        pending_free(p);
}

static void tcp_close(struct tcp_conn *c)
{
        close(c->fd);
        if (c->up_fd >= 0)
                close(c->up_fd);
        free(c->in);
        free(c->out);
        free(c->up);
        *c = (struct tcp_conn){.fd = -1, .up_fd = -1};
}

static struct tcp_conn *tcp_slot_free(void)
{
        for (size_t i = 0; i < DNS_MAX_TCP; i++)
                if (conns[i].fd < 0)
                        return &conns[i];
        return NULL;
}

static void tcp_accept(void)
{
        struct tcp_conn *c = tcp_slot_free();
        int fd;

        if (!c)
                return;
        fd = accept4(server.tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
                return;
        *c = (struct tcp_conn){.fd = fd, .up_fd = -1, .state = TCP_READ};
        c->in = xmalloc_(TCP_BUF);
        c->deadline = dns_now_ms() + DNS_TCP_IDLE_MS;
}

static void tcp_send_reply(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
        free(c->out);
        c->out = xmalloc_(len + 2);
        c->out[0] = (uint8_t)(len >> 8);
        c->out[1] = (uint8_t)len;
        memcpy(c->out + 2, msg, len);
        c->out_len = len + 2;
        c->off = 0;
        c->state = TCP_WRITE;
        c->deadline = dns_now_ms() + DNS_TCP_IDLE_MS;
}

static void tcp_servfail(struct tcp_conn *c)
{
        uint8_t out[DNS_UDP_MAX];
        ssize_t n = dns_build_reply(c->in + 2, &c->q, DNS_RCODE_SERVFAIL, NULL, 0, NULL, out, sizeof(out));

        if (n > 0)
                tcp_send_reply(c, out, (size_t)n);
        else
                tcp_close(c);
}

/* Connects to upstream number c->upstream or a later one; SERVFAIL when none is left. */
static void tcp_upstream(struct tcp_conn *c)
{
        if (c->up_fd >= 0) {
                close(c->up_fd);
                c->up_fd = -1;
        }
        for (; c->upstream < server.n_upstreams; c->upstream++) {
                const struct dns_upstream *u = &server.upstreams[c->upstream];
                int fd = socket(u->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

                if (fd < 0)
                        continue;
                if (connect(fd, (const struct sockaddr *)&u->addr, u->len) == 0 || errno == EINPROGRESS) {
                        c->up_fd = fd;
                        c->state = TCP_UP_SEND;
                        c->off = 0;
                        c->up_len = 0;
                        c->deadline = dns_now_ms() + DNS_UPSTREAM_TIMEOUT_MS;
                        return;
                }
                close(fd);
        }
        tcp_servfail(c);
}

static void tcp_next_upstream(struct tcp_conn *c)
{
        c->upstream++;
        tcp_upstream(c);
}

/* A whole message is in c->in: answer it, forward it, or drop the connection (malformed). */
static void tcp_message(struct tcp_conn *c)
{
        size_t len = get16(c->in);
        uint8_t out[65535];
        ssize_t r;

        if (dns_parse_query(c->in + 2, len, &c->q) < 0) {
                tcp_close(c);
                return;
        }
        maybe_refresh();
        r = dns_answer(&server.names, c->in + 2, &c->q, out, sizeof(out));
        if (r > 0) {
                tcp_send_reply(c, out, (size_t)r);
        } else if (r < 0) {
                tcp_close(c);
        } else {
                c->upstream = 0;
                if (!c->up)
                        c->up = xmalloc_(TCP_BUF);
                tcp_upstream(c);
        }
}

static bool tcp_have_message(const struct tcp_conn *c)
{
        return c->in_len >= 2 && c->in_len >= 2u + get16(c->in);
}

static void tcp_readable(struct tcp_conn *c)
{
        ssize_t n = recv(c->fd, c->in + c->in_len, TCP_BUF - c->in_len, MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                tcp_close(c);
                return;
        }
        c->in_len += (size_t)n;
        if (c->in_len >= 2 && get16(c->in) < DNS_HEADER_SIZE) {
                tcp_close(c);
                return;
        }
        if (tcp_have_message(c))
                tcp_message(c);
}

static void tcp_writable(struct tcp_conn *c)
{
        ssize_t n = send(c->fd, c->out + c->off, c->out_len - c->off, MSG_DONTWAIT | MSG_NOSIGNAL);
        size_t used;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n < 0) {
                tcp_close(c);
                return;
        }
        c->off += (size_t)n;
        if (c->off < c->out_len)
                return;
        /* Done: the next pipelined message, if any. */
        used = 2u + get16(c->in);
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
        c->state = TCP_READ;
        c->deadline = dns_now_ms() + DNS_TCP_IDLE_MS;
        if (tcp_have_message(c))
                tcp_message(c);
}

static void tcp_up_writable(struct tcp_conn *c)
{
        size_t total = 2u + get16(c->in);
        ssize_t n = send(c->up_fd, c->in + c->off, total - c->off, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n < 0) { /* refused, unreachable */
                tcp_next_upstream(c);
                return;
        }
        c->off += (size_t)n;
        if (c->off == total)
                c->state = TCP_UP_RECV;
}

static void tcp_up_readable(struct tcp_conn *c)
{
        ssize_t n = recv(c->up_fd, c->up + c->up_len, TCP_BUF - c->up_len, MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                tcp_next_upstream(c);
                return;
        }
        c->up_len += (size_t)n;
        if (c->up_len >= 2 && c->up_len >= 2u + get16(c->up)) {
                size_t len = get16(c->up);
                if (len < DNS_HEADER_SIZE || get16(c->up + 2) != c->q.id) {
                        tcp_next_upstream(c);
                        return;
                }
                close(c->up_fd);
                c->up_fd = -1;
                tcp_send_reply(c, c->up + 2, len);
        }
}

static void tcp_timeout(struct tcp_conn *c)
{
        if (c->state == TCP_UP_SEND || c->state == TCP_UP_RECV)
                tcp_next_upstream(c);
        else
                tcp_close(c);
}

static void slots_init(void)
{
        for (size_t i = 0; i < DNS_MAX_PENDING; i++)
                pending[i] = (struct pending){.fd = -1};
        for (size_t i = 0; i < DNS_MAX_TCP; i++)
                conns[i] = (struct tcp_conn){.fd = -1, .up_fd = -1};
        slots_ready = true;
}

enum { SLOT_SIGNAL, SLOT_UDP, SLOT_TCP, SLOT_PENDING, SLOT_CONN, SLOT_UP };

struct slot {
        int kind;
        size_t index;
};

static void on_signal(void)
{
        struct signalfd_siginfo si;

        while (read(server.signal_fd, &si, sizeof(si)) == sizeof(si))
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                        server.quit = true;
}

static void dispatch(const struct slot *s, short revents)
{
        struct tcp_conn *c = s->kind >= SLOT_CONN ? &conns[s->index] : NULL;

        switch (s->kind) {
        case SLOT_SIGNAL:
                on_signal();
                break;
        case SLOT_UDP:
                udp_query();
                break;
        case SLOT_TCP:
                tcp_accept();
                break;
        case SLOT_PENDING:
                if (pending[s->index].fd >= 0)
                        pending_reply(&pending[s->index]);
                break;
        case SLOT_CONN:
                if (c->fd < 0)
                        break;
                if (c->state == TCP_READ)
                        tcp_readable(c);
                else if (c->state == TCP_WRITE)
                        tcp_writable(c);
                else if (revents & (POLLHUP | POLLERR))
                        tcp_close(c); /* the client left while we asked upstream */
                break;
        case SLOT_UP:
                if (c->fd < 0 || c->up_fd < 0)
                        break;
                if (c->state == TCP_UP_SEND)
                        tcp_up_writable(c);
                else if (c->state == TCP_UP_RECV)
                        tcp_up_readable(c);
                break;
        }
}

static void expire(uint64_t now)
{
        for (size_t i = 0; i < DNS_MAX_PENDING; i++)
                if (pending[i].fd >= 0 && now >= pending[i].deadline)
                        pending_next(&pending[i]);
        for (size_t i = 0; i < DNS_MAX_TCP; i++)
                if (conns[i].fd >= 0 && now >= conns[i].deadline)
                        tcp_timeout(&conns[i]);
}

static int timeout_ms(uint64_t now)
{
        uint64_t next = server.last_refresh + DNS_REFRESH_MS;

        for (size_t i = 0; i < DNS_MAX_PENDING; i++)
                if (pending[i].fd >= 0 && pending[i].deadline < next)
                        next = pending[i].deadline;
        for (size_t i = 0; i < DNS_MAX_TCP; i++)
                if (conns[i].fd >= 0 && conns[i].deadline < next)
                        next = conns[i].deadline;
        return next > now ? (int)(next - now) : 0;
}

void dns_loop_once(void)
{
        struct pollfd pfd[3 + DNS_MAX_PENDING + 2 * DNS_MAX_TCP];
        struct slot slot[DNS_ARRAY_SIZE(pfd)];
        size_t n = 0;
        uint64_t now;
        int r;

        if (!slots_ready)
                slots_init();
        pfd[n] = (struct pollfd){.fd = server.signal_fd, .events = POLLIN};
        slot[n++] = (struct slot){SLOT_SIGNAL, 0};
        pfd[n] = (struct pollfd){.fd = server.udp_fd, .events = POLLIN};
        slot[n++] = (struct slot){SLOT_UDP, 0};
        /* With every tcp slot taken, new connections wait in the backlog (polling would spin). */
        if (tcp_slot_free()) {
                pfd[n] = (struct pollfd){.fd = server.tcp_fd, .events = POLLIN};
                slot[n++] = (struct slot){SLOT_TCP, 0};
        }
        for (size_t i = 0; i < DNS_MAX_PENDING; i++) {
                if (pending[i].fd < 0)
                        continue;
                pfd[n] = (struct pollfd){.fd = pending[i].fd, .events = POLLIN};
                slot[n++] = (struct slot){SLOT_PENDING, i};
        }
        for (size_t i = 0; i < DNS_MAX_TCP; i++) {
                struct tcp_conn *c = &conns[i];
                if (c->fd < 0)
                        continue;
                pfd[n] = (struct pollfd){.fd = c->fd,
                                         .events = c->state == TCP_WRITE  ? POLLOUT
                                                   : c->state == TCP_READ ? POLLIN
                                                                          : 0};
                slot[n++] = (struct slot){SLOT_CONN, i};
                if (c->up_fd >= 0) {
                        pfd[n] = (struct pollfd){.fd = c->up_fd,
                                                 .events = c->state == TCP_UP_SEND ? POLLOUT : POLLIN};
                        slot[n++] = (struct slot){SLOT_UP, i};
                }
        }
        now = dns_now_ms();
        r = poll(pfd, n, timeout_ms(now));
        if (r < 0 && errno != EINTR)
                dns_fail(errno, "poll: %s", strerror(errno));
        for (size_t i = 0; r > 0 && i < n; i++)
                if (pfd[i].revents)
                        dispatch(&slot[i], pfd[i].revents);
        now = dns_now_ms();
        expire(now);
        if (now - server.last_refresh >= DNS_REFRESH_MS)
                dns_names_refresh();
}
