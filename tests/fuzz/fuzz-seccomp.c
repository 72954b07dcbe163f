/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: a linux.seccomp object → the BPF program, as create builds it before the fork, without
 * a cache and without loading it. Unprivileged; memory only (a memfd for libseccomp's export, and the
 * kernel asked which filter flags it knows, which installs nothing). */
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "fuzz.h"
#include "box/oci-seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char head[] = "{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":", tail[] = "}}";
        _cleanup_free_ char *doc = NULL, *error = NULL;
        _cleanup_(oci_seccomp_program_freep) SeccompProgram *p = NULL;
        OciConfig *c = NULL;

        if (size > FUZZ_MAX_SIZE)
                return 0;
        fuzz_setup();

        doc = malloc(sizeof(head) - 1 + size + sizeof(tail));
        if (!doc)
                return 0;
        memcpy(doc, head, sizeof(head) - 1);
        memcpy(doc + sizeof(head) - 1, data, size);
        memcpy(doc + sizeof(head) - 1 + size, tail, sizeof(tail));
        if (oci_parse_config(doc, strlen(head) + size + strlen(tail), "config.json", &c, &error) < 0)
                return 0;

        if (c->linux.seccomp.present && oci_seccomp_compile(&c->linux.seccomp, NULL, &p) >= 0) {
                /* what oci_seccomp_program_load() will hand to the kernel */
                fuzz_assert(p->bpf && p->n_insns > 0 && p->n_insns <= BPF_MAXINSNS);
                fuzz_assert(strlen(p->hash) == 64);
                fuzz_assert(!p->from_cache);
                fuzz_assert(!p->notify || (p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER));
        }
        oci_config_free(c);
        return 0;
}
