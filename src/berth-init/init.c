/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-init: the PID 1 of a container run with --init (Docker's docker-init,
 * tini). `berth-init -- CMD ARGS...` runs the command as its only child,
 * forwards every signal it receives to it, reaps whatever else gets
 * reparented to it (orphans of the container), and exits with the child's
 * status (128+N for a signal) once the child is gone.
 *
 * Why: a PID 1 gets no default signal actions (SIGTERM is ignored unless the
 * program handles it) and inherits every orphan; most programs do neither
 * job. Static (bind-mounted read-only at /sbin/berth-init into any image),
 * no allocation, one sigwaitinfo loop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(void)
{
        fputs("usage: berth-init [--] COMMAND [ARG]...\n"
              "A minimal init for containers: runs COMMAND, forwards signals to it, reaps zombies.\n",
              stderr);
        _exit(2);
}

/* The child: signals as the command expects them (nothing blocked), then the command. */
__attribute__((noreturn)) static void run_child(char **argv, const sigset_t *old)
{
        int e;

        /*
         * With a terminal (-t): the command gets its own process group in the foreground, so a ^C
         * reaches it once (from the terminal), not twice (from the terminal and forwarded by us).
         * SIGTTOU is still blocked here, which lets a background group take the terminal.
         */
        if (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() && setpgid(0, 0) == 0)
                (void)tcsetpgrp(STDIN_FILENO, getpid());
        sigprocmask(SIG_SETMASK, old, NULL);
        execvp(argv[0], argv);
        e = errno;
        fprintf(stderr, "berth-init: exec %s: %s\n", argv[0], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
}

/* Reaps every exited process; returns the child's status once it is among them, else -1. */
static int reap_all(pid_t child)
{
        int status, code = -1;
        pid_t p;

        while ((p = waitpid(-1, &status, WNOHANG)) > 0)
                if (p == child)
                        code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        return code;
}

int main(int argc, char **argv)
{
        sigset_t all, old;
        siginfo_t si;
        pid_t child;
        int code;

        if (argc > 1 && strcmp(argv[1], "--") == 0)
                argv++, argc--;
        if (argc < 2 || argv[1][0] == '-')
                usage();
        /* Everything but the synchronous faults waits in sigwaitinfo() from here on. */
        sigfillset(&all);
        sigdelset(&all, SIGSEGV);
        sigdelset(&all, SIGBUS);
        sigdelset(&all, SIGFPE);
        sigdelset(&all, SIGILL);
        sigprocmask(SIG_SETMASK, &all, &old);
        /* Outside a pid namespace (berth-init run by hand), orphans still come to us. */
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
        child = fork();
        if (child < 0) {
                perror("berth-init: fork");
                return 1;
        }
        if (child == 0)
                run_child(argv + 1, &old);
        for (;;) {
                if (sigwaitinfo(&all, &si) < 0)
                        continue;
                if (si.si_signo == SIGCHLD) {
                        code = reap_all(child);
                        if (code >= 0)
                                return code;
                        continue;
                }
                /* The terminal's job-control stops are ours to ignore; everything else is the child's. */
                if (si.si_signo == SIGTTIN || si.si_signo == SIGTTOU)
                        continue;
                if (kill(child, si.si_signo) < 0 && errno != ESRCH)
                        perror("berth-init: kill");
        }
}
