/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting and stopping berth-dns (resolver.h; docs/design/network.md "Name
 * resolution"). Two lock files per network, in $runroot/networks/<name>/:
 *   dns.lock   held by the running resolver for its whole life; holds its pid.
 *   dns.start  held by resolver_ensure/resolver_stop while they look and act,
 *              and by a resolver that decided to exit (its names ran out), so
 *              a caller never sees "running" from one that is about to leave.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/companion.h"
#include "base/spawn.h"
#include "base/fs-util.h"
#include "base/syscalls.h"
#include "base/xalloc.h"
#include "network/resolver.h"

#define RESOLVER_READY_TIMEOUT_MS 5000 /* generous: CI machines are loaded; it takes ~1 ms */
#define RESOLVER_LOCK_TIMEOUT_MS 10000
#define RESOLVER_STOP_TIMEOUT_MS 5000

char *resolver_names_path(struct store *s, const char *network_name)
{
        return xasprintf("%s/networks/%s/names", s->runroot, network_name);
}

static char *net_path(struct store *s, const char *network_name, const char *file)
{
        return xasprintf("%s/networks/%s/%s", s->runroot, network_name, file);
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The start lock, waited for with a bound (a holder works for a few ms, at most a start's timeout). */
static int start_lock(struct store *s, const char *network_name, int *ret_fd, struct berth_error **err)
{
        _cleanup_free_ char *path = net_path(s, network_name, "dns.start");
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        long long deadline = now_ms() + RESOLVER_LOCK_TIMEOUT_MS;

        if (fd < 0)
                return berth_err(err, errno, "open `%s`", path);
        while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return berth_err(err, errno, "lock `%s`", path);
                if (now_ms() > deadline)
                        return berth_err_msg(err, ETIMEDOUT, "lock `%s`: still held after %d s", path,
                                             RESOLVER_LOCK_TIMEOUT_MS / 1000);
                (void)poll(NULL, 0, 10);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* 1 and the lock's fd (its holder's pid inside) when a resolver runs, 0 when none does. */
static int resolver_running(struct store *s, const char *network_name, bool create, int *ret_fd,
                            struct berth_error **err)
{
        _cleanup_free_ char *path = net_path(s, network_name, "dns.lock");
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0644);

        if (fd < 0 && errno == ENOENT && !create)
                return 0;
        if (fd < 0)
                return berth_err(err, errno, "open `%s`", path);
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                return 0; /* nobody holds it; closing fd releases it again */
        if (errno != EWOULDBLOCK)
                return berth_err(err, errno, "lock `%s`", path);
        if (ret_fd)
                *ret_fd = TAKE_FD(fd);
        return 1;
}

/* The resolver's one line: "OK" once it listens, or "E<errno> <message>" before it exits. */
static int ready_line(int fd, char *buf, size_t size)
{
        long long deadline = now_ms() + RESOLVER_READY_TIMEOUT_MS;
        size_t len = 0;

        while (len + 1 < size) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                long long left = deadline - now_ms();
                ssize_t n;
                int r;

                if (left <= 0)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int)left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        continue;
                n = read(fd, buf + len, size - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (memchr(buf, '\n', len))
                        break;
        }
        buf[len] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return len > 0 ? 0 : -EPIPE;
}

static int start_dns(struct store *s, const char *network_name, const char *address,
                     struct berth_error **err)
{
        _cleanup_free_ char *dns = companion_find("berth-dns", "BERTH_DNS"),
                            *names = resolver_names_path(s, network_name),
                            *lock = net_path(s, network_name, "dns.lock"),
                            *start = net_path(s, network_name, "dns.start");
        const char *conf = secure_getenv("BERTH_DNS_RESOLV_CONF");
        const char *argv[] = {dns,
                              "--listen",
                              address,
                              "--names",
                              names,
                              "--lock",
                              lock,
                              "--start-lock",
                              start,
                              "--upstream-conf",
                              conf && *conf ? conf : "/etc/resolv.conf",
                              "--ready-fd",
                              "3",
                              NULL};
        _cleanup_close_ int ready = -EBADF;
        char line[600], *end;
        long code;
        int r;

        if (!dns)
                return berth_err_msg(err, ENOENT,
                                     "berth-dns not found next to the berth binary (set BERTH_DNS)");
        r = spawn_detached(argv, NULL, 0, argv[4][0] == '/' && argv[6][0] == '/', &ready, err);
        if (r < 0)
                return r;
        r = ready_line(ready, line, sizeof(line));
        if (r == -ETIMEDOUT)
                return berth_err_msg(err, ETIMEDOUT, "berth-dns did not listen on %s within %d s", address,
                                     RESOLVER_READY_TIMEOUT_MS / 1000);
        if (r < 0)
                return berth_err_msg(err, EIO, "berth-dns exited before it listened on %s", address);
        if (streq(line, "OK"))
                return 0;
        code = line[0] == 'E' ? strtol(line + 1, &end, 10) : 0;
        if (code <= 0 || code > 4095)
                return berth_err_msg(err, EIO, "berth-dns: %s", line);
        if (code == EWOULDBLOCK)
                return 0; /* one started by someone else holds the lock: it runs */
        return berth_err_msg(err, (int)code, "berth-dns: %s", *end == ' ' ? end + 1 : end);
}

int resolver_ensure(struct store *s, const char *network_name, const char *address, struct berth_error **err)
{
        _cleanup_free_ char *dir = xasprintf("%s/networks/%s", s->runroot, network_name);
        _cleanup_close_ int start = -EBADF;
        int r;

        r = mkdir_p(dir, 0700, err);
        if (r < 0)
                return r;
        r = start_lock(s, network_name, &start, err);
        if (r >= 0)
                r = resolver_running(s, network_name, true, NULL, err);
        if (r == 0)
                r = start_dns(s, network_name, address, err);
        if (r < 0)
                return berth_err_prefix(err, "resolver of network `%s`", network_name);
        return 0;
}

/* SIGTERM, then SIGKILL if it lingers; waits through a pidfd (it is not our child). */
static int terminate(int pidfd, struct berth_error **err)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};

        if (sys_pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0)
                return errno == ESRCH ? 0 : berth_err(err, errno, "signal berth-dns");
        if (poll(&p, 1, RESOLVER_STOP_TIMEOUT_MS) > 0)
                return 0;
        if (sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
                return berth_err(err, errno, "kill berth-dns");
        (void)poll(&p, 1, RESOLVER_STOP_TIMEOUT_MS);
        return 0;
}

int resolver_stop(struct store *s, const char *network_name, struct berth_error **err)
{
        _cleanup_close_ int start = -EBADF, lock = -EBADF, pidfd = -EBADF;
        char buf[32] = "";
        long pid;
        int r;

        r = start_lock(s, network_name, &start, err);
        if (r == -ENOENT) { /* no network directory: nothing runs */
                berth_error_freep(err);
                return 0;
        }
        if (r >= 0)
                r = resolver_running(s, network_name, false, &lock, err);
        if (r <= 0)
                return r < 0 ? berth_err_prefix(err, "stop the resolver of network `%s`", network_name) : 0;
        if (pread(lock, buf, sizeof(buf) - 1, 0) <= 0 || (pid = strtol(buf, NULL, 10)) <= 0)
                return berth_err_msg(err, EBADMSG,
                                     "stop the resolver of network `%s`: no pid in its lock file",
                                     network_name);
        pidfd = sys_pidfd_open((pid_t)pid, 0);
        if (pidfd < 0)
                return errno == ESRCH ? 0 : berth_err(err, errno, "pidfd_open %ld", pid);
        /* The pid is the holder's only while the lock is still held: check again, now that the pidfd pins
         * it. */
        close(TAKE_FD(lock));
        r = resolver_running(s, network_name, false, NULL, err);
        if (r <= 0)
                return r;
        return terminate(pidfd, err);
}
