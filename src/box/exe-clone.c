/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CVE-2019-5736: re-executes the verbs that enter a container from a sealed memfd copy of this binary.
 * Runs as root in the host namespaces, first thing in main(), before anything is parsed or opened. */
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "box/exe-clone.h"
#include "base/log.h"
#include "base/util.h"

#if __ELF_NATIVE_CLASS == 64
#  define EXE_ELF_CLASS ELFCLASS64
#else
#  define EXE_ELF_CLASS ELFCLASS32
#endif

/*
 * The threat. create, run and exec fork a child that joins the container's namespaces and applies the
 * process settings before it execs the container's program; run stays alive as the process's parent.
 * A process inside the container that sees such a pid can open /proc/PID/exe: the magic link reaches
 * the executed file itself, outside the container's root. Holding it (O_PATH) until the runtime has
 * exited, it can reopen it for writing and replace the host's nspawn-oci, which root runs next.
 *
 * The defence. Those verbs run from a memfd copy that carries every seal: no write, no change of size,
 * no change of the seals. /proc/PID/exe then leads to the copy, which is no file on the host, and which
 * nobody can alter either; the children forked before exec share it. Other verbs never enter a
 * container and run from the host's file as they are.
 *
 * The holder, nspawn-oci-init, needs no copy: it runs inside the box from a read-only bind mount of the
 * host's file (DESIGN.md §1), so /proc/1/exe leads to that mount, and opening it for writing fails with
 * EROFS. Making that mount writable takes CAP_SYS_ADMIN over the box's mounts: a container that holds
 * it in the host's user namespace is privileged, and no runtime protects the host from it.
 */

/* cli_parse() takes the verb verbatim from argv, so "one argument is one of these words" holds whenever
 * it picks one of them, whatever getopt makes of abbreviated options and their values: the scan never
 * misses, and a false hit (a container id "run") costs only one copy. */
static bool argv_enters_container(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "create") || streq(argv[i], "run") || streq(argv[i], "exec"))
                        return true;
        return false;
}

/* > 0 if fd is a memfd with every seal of EXE_CLONE_SEALS, 0 if not. F_GET_SEALS fails with EINVAL on
 * anything but shmem files, such as the host's binary. */
static int exe_clone_is_sealed(int fd) {
        int seals = fcntl(fd, F_GET_SEALS);

        if (seals < 0)
                return errno == EINVAL ? 0 : -errno;
        return (seals & EXE_CLONE_SEALS) == EXE_CLONE_SEALS;
}

/* How much of the binary the kernel and the dynamic loader read: the end of the furthest segment in
 * the file. What lies beyond (the debug sections, the symbol table, the section headers) is never
 * mapped. 0 if the file is not an ELF file of our own class that can be read so, and the copy then
 * takes all of it. *eh gets the ELF header read. */
static off_t exe_clone_loaded_size(int exe_fd, off_t file_size, ElfW(Ehdr) *eh) {
        off_t end;

        if (pread(exe_fd, eh, sizeof(*eh), 0) != (ssize_t) sizeof(*eh) ||
            memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != EXE_ELF_CLASS ||
            eh->e_phentsize != sizeof(ElfW(Phdr)) || eh->e_phnum == 0 || eh->e_phnum == PN_XNUM)
                return 0;
        end = (off_t) (eh->e_phoff + (uint64_t) eh->e_phnum * sizeof(ElfW(Phdr)));
        for (unsigned i = 0; i < eh->e_phnum; i++) {
                off_t at = (off_t) (eh->e_phoff + i * sizeof(ElfW(Phdr)));
                ElfW(Phdr) ph;

                if (pread(exe_fd, &ph, sizeof(ph), at) != (ssize_t) sizeof(ph))
                        return 0;
                if (ph.p_filesz > 0 && (off_t) (ph.p_offset + ph.p_filesz) > end)
                        end = (off_t) (ph.p_offset + ph.p_filesz);
        }
        return end <= file_size ? end : 0;
}

/* Copies the running binary into a new memfd and seals it. exe_fd is /proc/self/exe: the very file the
 * kernel executed for us, not a path that someone could have replaced since, so the copy is the same
 * program. The memfd is close-on-exec and exists nowhere on the host's file systems.
 * Only what is loaded is copied: a binary with its debug information (a build tree, `ninja install`)
 * is several times the size of its segments, and the copy is paid at every create, run and exec. The
 * copy's header then names no section headers, which it no longer holds; nothing that runs reads them. */
static int exe_clone_copy(int exe_fd, int *ret) {
        _cleanup_close_ int fd = -1;
        ElfW(Ehdr) eh;
        struct stat st;
        off_t size;

        if (fstat(exe_fd, &st) < 0)
                return -errno;
        size = exe_clone_loaded_size(exe_fd, st.st_size, &eh) ?: st.st_size;

        fd = memfd_create("nspawn-oci", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;

        for (off_t done = 0; done < size;) {
                ssize_t n = sendfile(fd, exe_fd, &done, size - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO; /* the file is shorter than it was a moment ago */
        }
        if (size < st.st_size) {
                eh.e_shoff = 0;
                eh.e_shnum = 0;
                eh.e_shstrndx = SHN_UNDEF;
                if (pwrite(fd, &eh, sizeof(eh), 0) != (ssize_t) sizeof(eh))
                        return -EIO;
        }

        /* Sealed before it runs, so that nothing can change the text we execute, and so that the
         * re-executed process recognises itself by its seals and does not copy again. */
        if (fcntl(fd, F_ADD_SEALS, EXE_CLONE_SEALS) < 0)
                return -errno;

        *ret = TAKE_FD(fd);
        return 0;
}

int exe_clone_ensure(int argc, char *argv[]) {
        _cleanup_close_ int exe_fd = -1, fd = -1;
        bool report = streq(getenv("NSPAWN_OCI_EXE_CLONE_REPORT") ?: "", "1");
        bool wanted = argv_enters_container(argc, argv) && !streq(getenv("NSPAWN_OCI_NO_CLONE") ?: "", "1");
        int r;

        if (!wanted && !report)
                return 0;

        exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (exe_fd < 0)
                return log_error_errno(errno, "Failed to open /proc/self/exe: %m");
        r = exe_clone_is_sealed(exe_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to read the seals of /proc/self/exe: %m");

        if (wanted && r == 0) {
                r = exe_clone_copy(exe_fd, &fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to copy this binary into a sealed memfd: %m");

                /* After the re-exec /proc/self/exe names the memfd: keep telling where the holder next to
                 * this binary (a build tree) is. */
                char holder[PATH_MAX];
                if (!getenv("NSPAWN_OCI_HOLDER") && exe_sibling("nspawn-oci-init", holder, sizeof(holder)))
                        (void) setenv("NSPAWN_OCI_HOLDER", holder, 1);

                /* Runs the copy just made and sealed: the same program with the same argv, environment
                 * and privilege; only /proc/self/exe changes. Both descriptors are close-on-exec, so
                 * neither reaches the new image, nor later the container. */
                fexecve(fd, argv, environ);
                return log_error_errno(errno, "Failed to execute the sealed copy of this binary: %m");
        }

        if (report)
                fprintf(stderr, "exe-clone: %s\n", r > 0 ? "sealed" : "not sealed");
        return 0;
}
