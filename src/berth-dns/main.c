/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-dns: the resolver of one user network (src/libberth/network/resolver.h,
 * docs/design/network.md "Name resolution").
 *
 *   berth-dns --listen IPV4 --names FILE --lock FILE [--start-lock FILE]
 *             [--upstream-conf /etc/resolv.conf] [--ready-fd N]
 *
 * One thread, one poll loop; every socket is non-blocking, so no client can
 * hold up another. Answers A/ANY/AAAA/PTR for the names in FILE, forwards the
 * rest to the nameservers of the upstream resolv.conf (udp over udp, tcp over
 * tcp), and exits once FILE stays empty or absent for about a second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"

struct dns_server server;

static int ready_fd = -1;

/* Before readiness the message goes to the ready pipe (stderr is /dev/null when detached). */
void dns_fail(int code, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (ready_fd >= 0)
                dprintf(ready_fd, "E%d %s\n", code, msg);
        fprintf(stderr, "berth-dns: %s\n", msg);
        exit(1);
}

uint64_t dns_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void read_upstreams(const char *path)
{
        FILE *f = fopen(path, "re");
        char line[512];

        if (!f)
                return; /* no upstream: forwarded queries get SERVFAIL */
        while (fgets(line, sizeof(line), f) && server.n_upstreams < DNS_MAX_UPSTREAMS) {
                char *save = NULL, *key = strtok_r(line, " \t\r\n", &save),
                     *val = strtok_r(NULL, " \t\r\n", &save);
                struct sockaddr_in *in = (struct sockaddr_in *)&server.upstreams[server.n_upstreams].addr;
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&server.upstreams[server.n_upstreams].addr;
                char *pct;

                if (!key || !val || strcmp(key, "nameserver") != 0)
                        continue;
                memset(&server.upstreams[server.n_upstreams], 0, sizeof(server.upstreams[0]));
                pct = strchr(val, '%'); /* fe80::1%eth0: the scope is dropped, link-local is not supported */
                if (pct)
                        *pct = '\0';
                if (inet_pton(AF_INET, val, &in->sin_addr) == 1) {
                        /* Our own address would forward to ourselves forever. */
                        if (in->sin_addr.s_addr == server.listen.s_addr)
                                continue;
                        in->sin_family = AF_INET;
                        in->sin_port = htons(53);
                        server.upstreams[server.n_upstreams++].len = sizeof(*in);
                } else if (!pct && inet_pton(AF_INET6, val, &in6->sin6_addr) == 1) {
                        in6->sin6_family = AF_INET6;
                        in6->sin6_port = htons(53);
                        server.upstreams[server.n_upstreams++].len = sizeof(*in6);
                }
        }
        fclose(f);
}

/* Re-reads the names file when it changed (inode, size or mtime); tracks how long it has been empty. */
void dns_names_refresh(void)
{
        struct stat st;
        bool changed;

        if (stat(server.names_path, &st) < 0) {
                if (server.names_seen) {
                        dns_names_clear(&server.names);
                        server.names_seen = false;
                }
        } else {
                changed = !server.names_seen || st.st_ino != server.names_st.st_ino ||
                          st.st_size != server.names_st.st_size ||
                          st.st_mtim.tv_sec != server.names_st.st_mtim.tv_sec ||
                          st.st_mtim.tv_nsec != server.names_st.st_mtim.tv_nsec;
                if (changed) {
                        int fd = open(server.names_path, O_RDONLY | O_CLOEXEC);
                        char *buf = NULL;
                        ssize_t n = -1;

                        if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size <= (1 << 22)) {
                                buf = malloc((size_t)st.st_size + 1);
                                if (!buf)
                                        abort();
                                n = read(fd, buf, (size_t)st.st_size);
                        }
                        if (fd >= 0)
                                close(fd);
                        if (n >= 0) {
                                dns_names_parse(&server.names, buf, (size_t)n);
                                server.names_st = st;
                                server.names_seen = true;
                        }
                        free(buf);
                }
        }
        server.last_refresh = dns_now_ms();
        if (server.names.n > 0)
                server.empty_since = 0;
        else if (server.empty_since == 0)
                server.empty_since = server.last_refresh;
}

static int listen_socket(int type)
{
        struct sockaddr_in sa = {
            .sin_family = AF_INET, .sin_port = htons(server.port), .sin_addr = server.listen};
        int one = 1, fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0)
                dns_fail(errno, "socket: %s", strerror(errno));
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                dns_fail(errno, "bind %s:%u/%s: %s", inet_ntoa(server.listen), server.port,
                         type == SOCK_STREAM ? "tcp" : "udp", strerror(errno));
        if (type == SOCK_STREAM && listen(fd, 64) < 0)
                dns_fail(errno, "listen: %s", strerror(errno));
        return fd;
}

static void take_lock(const char *path)
{
        char pid[32];
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

        if (fd < 0)
                dns_fail(errno, "open `%s`: %s", path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                dns_fail(errno, "another resolver holds `%s`: %s", path, strerror(errno));
        /* The pid, for resolver_stop; valid while the lock is held. */
        snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
                dns_fail(errno, "write `%s`: %s", path, strerror(errno));
        server.lock_fd = fd; /* kept open (and locked) for the whole life */
}

/*
 * Whether to exit now that the names have been empty a while. Under the start lock
 * (which resolver_ensure holds while it looks for us), re-read the names: a caller that
 * wrote names and saw us running must not be left with a resolver that then leaves.
 * The start lock stays held until exit, so the next caller waits and starts a new one.
 */
static bool should_exit(void)
{
        int fd;

        if (server.empty_since == 0 || dns_now_ms() - server.empty_since < DNS_EMPTY_EXIT_MS)
                return false;
        if (!server.start_lock_path)
                return true;
        fd = open(server.start_lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (fd >= 0)
                        close(fd);
                return false; /* a caller is at work: look again later */
        }
        server.names_seen = false; /* forces a read */
        dns_names_refresh();
        if (server.names.n > 0) {
                close(fd);
                return false;
        }
        return true; /* fd stays open and locked until exit */
}

static void usage(void)
{
        fprintf(stderr, "usage: berth-dns --listen IPV4 --names FILE --lock FILE [--start-lock FILE]\n"
                        "                 [--upstream-conf FILE] [--ready-fd N] [--port N]\n");
        exit(2);
}

static void parse_args(int argc, char **argv, const char **ret_conf)
{
        static const struct option opts[] = {
            {"listen", required_argument, NULL, 'l'},        {"names", required_argument, NULL, 'n'},
            {"lock", required_argument, NULL, 'k'},          {"start-lock", required_argument, NULL, 's'},
            {"upstream-conf", required_argument, NULL, 'u'}, {"ready-fd", required_argument, NULL, 'r'},
            {"port", required_argument, NULL, 'p'},          {0},
        };
        const char *listen_addr = NULL;
        int c;

        server.port = 53;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        listen_addr = optarg;
                        break;
                case 'n':
                        server.names_path = optarg;
                        break;
                case 'k':
                        server.lock_path = optarg;
                        break;
                case 's':
                        server.start_lock_path = optarg;
                        break;
                case 'u':
                        *ret_conf = optarg;
                        break;
                case 'r':
                        ready_fd = atoi(optarg);
                        break;
                case 'p':
                        server.port = (uint16_t)atoi(optarg);
                        break;
                default:
                        usage();
                }
        }
        if (optind != argc || !listen_addr || !server.names_path || !server.lock_path)
                usage();
        if (inet_pton(AF_INET, listen_addr, &server.listen) != 1)
                dns_fail(EINVAL, "invalid listen address `%s`", listen_addr);
}

int main(int argc, char **argv)
{
        const char *conf = "/etc/resolv.conf";
        sigset_t mask;

        parse_args(argc, argv, &conf);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        server.signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (server.signal_fd < 0)
                dns_fail(errno, "signalfd: %s", strerror(errno));

        take_lock(server.lock_path);
        read_upstreams(conf);
        dns_names_refresh();
        server.udp_fd = listen_socket(SOCK_DGRAM);
        server.tcp_fd = listen_socket(SOCK_STREAM);
        if (ready_fd >= 0) {
                (void)!write(ready_fd, "OK\n", 3);
                close(ready_fd);
                ready_fd = -1;
        }

        while (!server.quit && !should_exit())
                dns_loop_once();
        /* Exit closes the sockets and drops both locks. */
        return 0;
}
