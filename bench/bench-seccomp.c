/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Times compiling podman's default seccomp profile with libseccomp (cold) against reading it back
 * from the filter cache (warm). No privilege needed; the cache lives in a temporary directory. */
#include <time.h>

#include "base/log.h"
#include "podman-default-seccomp.h"
#include "box/oci-seccomp.h"
#include "base/util.h"

static double now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

int main(int argc, char *argv[]) {
        char dir[] = "/tmp/bench-seccomp-XXXXXX", cmd[128];
        int rounds = argc > 1 ? atoi(argv[1]) : 20;
        double cold = 0, warm = 0;
        size_t insns = 0;

        if (rounds <= 0 || !mkdtemp(dir))
                return 1;
        for (int i = 0; i < rounds; i++) {
                char cache[64];
                SeccompProgram *p = NULL;
                double t;

                /* a fresh cache directory per round: the first compile is always a miss */
                snprintf(cache, sizeof(cache), "%s/%d", dir, i);
                t = now_us();
                if (oci_seccomp_compile(&podman_seccomp, cache, &p) < 0 || p->from_cache)
                        return 1;
                cold += now_us() - t;
                insns = p->n_insns;
                oci_seccomp_program_free(p);

                t = now_us();
                if (oci_seccomp_compile(&podman_seccomp, cache, &p) < 0 || !p->from_cache)
                        return 1;
                warm += now_us() - t;
                oci_seccomp_program_free(p);
        }
        printf("podman default profile: %zu BPF instructions\n", insns);
        printf("cold (libseccomp + cache write): %8.1f us per compile\n", cold / rounds);
        printf("warm (cache hit):                %8.1f us per compile\n", warm / rounds);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
