/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* i386 system calls from a 64-bit x86 process, for the seccomp tests (the probe inside a container,
 * test-seccomp in a forked child): int $0x80 enters the kernel's i386 entry whatever the process
 * is, and seccomp then sees AUDIT_ARCH_I386. Header only, libc only. */
#pragma once

#if defined(__x86_64__)
#define HAVE_SYSCALL_I386 1

/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl), not the x86-64 ones of <sys/syscall.h> */
#define I386_NR_write 4
#define I386_NR_getpid 20
#define I386_NR_acct 51
#define I386_NR_getppid 64
#define I386_NR_add_key 286

/* Returns what the kernel returns: -errno on failure. The kernel reads only the low 32 bits of each
 * argument, so pointers must point below 4 GiB (MAP_32BIT); it clobbers r8-r11. */
static inline long syscall_i386(long nr, long a, long b, long c) {
        long r;

        __asm__ volatile("int $0x80"
                         : "=a"(r)
                         : "a"(nr), "b"(a), "c"(b), "d"(c)
                         : "r8", "r9", "r10", "r11", "memory");
        return r;
}
#endif
