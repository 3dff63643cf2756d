/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's hello-world: the program of the image `berth run hello-world`
 * runs. It is linked statically without libc (on x86_64 and aarch64: two raw
 * system calls, write and exit_group) so the binary is a few kilobytes; the
 * build embeds it into libberth (store/builtin-images.c), which makes the
 * image on first use, offline.
 */
#ifndef HELLO_ARCH
#if defined(__x86_64__)
#define HELLO_ARCH "amd64"
#elif defined(__aarch64__)
#define HELLO_ARCH "arm64"
#elif defined(__i386__)
#define HELLO_ARCH "386"
#elif defined(__arm__)
#define HELLO_ARCH "arm"
#elif defined(__powerpc64__)
#define HELLO_ARCH "ppc64le"
#elif defined(__s390x__)
#define HELLO_ARCH "s390x"
#elif defined(__riscv)
#define HELLO_ARCH "riscv64"
#else
#define HELLO_ARCH "unknown"
#endif
#endif

static const char message[] =
    "Hello from berth!\n"
    "This message shows that your installation appears to be working correctly.\n"
    "\n"
    "To generate this message, berth took the following steps:\n"
    " 1. The berth client looked up the \"hello-world\" image in its local store.\n"
    " 2. The image was created from the copy embedded in berth (no network needed).\n"
    "    (" HELLO_ARCH ")\n"
    " 3. berth created a new container from that image which runs the\n"
    "    executable that produced the output you are currently reading.\n"
    " 4. berth streamed that output to your terminal.\n"
    "\n"
    "berth has no daemon: the client is the engine, and each container is\n"
    "watched by a small shim of its own.\n"
    "\n"
    "To try something more ambitious, you can run a busybox or Debian container with:\n"
    " $ berth run -it busybox sh\n"
    " $ berth run -it debian bash\n"
    "\n"
    "Save and load images, commit containers, and more:\n"
    " $ berth --help\n"
    "\n"
    "For more examples and ideas, see the berth documentation.\n"
    "\n";

#if defined(HELLO_NOLIBC) && defined(__x86_64__)

static long sys3(long nr, long a, long b, long c)
{
        long ret;

        __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
        return ret;
}
#define NR_WRITE 1
#define NR_EXIT_GROUP 231

#elif defined(HELLO_NOLIBC) && defined(__aarch64__)

static long sys3(long nr, long a, long b, long c)
{
        register long x8 __asm__("x8") = nr;
        register long x0 __asm__("x0") = a;
        register long x1 __asm__("x1") = b;
        register long x2 __asm__("x2") = c;

        __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
        return x0;
}
#define NR_WRITE 64
#define NR_EXIT_GROUP 94

#endif

#ifdef NR_WRITE
/* Entered by the kernel, not called: the stack is not aligned the way a call would leave it. */
#ifdef __x86_64__
#define ENTRY_ALIGN __attribute__((force_align_arg_pointer))
#else
#define ENTRY_ALIGN
#endif
void _start(void) __attribute__((noreturn, used)) ENTRY_ALIGN;

ENTRY_ALIGN void _start(void)
{
        const char *p = message;
        long left = sizeof(message) - 1;

        while (left > 0) {
                long n = sys3(NR_WRITE, 1, (long)p, left);
                if (n == -4) /* EINTR */
                        continue;
                if (n <= 0)
                        sys3(NR_EXIT_GROUP, 1, 0, 0);
                p += n;
                left -= n;
        }
        sys3(NR_EXIT_GROUP, 0, 0, 0);
        __builtin_unreachable();
}

#else /* any other architecture: libc, still static */

#include <stdio.h>

int main(void)
{
        return fputs(message, stdout) < 0 || fflush(stdout) != 0;
}

#endif
