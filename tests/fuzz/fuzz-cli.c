/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the command line, cli_parse() only (it reads argv and fills a CliCommand; nothing runs).
 * The input is the arguments after argv[0], separated by NUL bytes. Unprivileged; memory only. */
#include "cmd/cli.h"
#include "fuzz.h"

#define FUZZ_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *buf = NULL;
        char *argv[FUZZ_MAX_ARGS + 2] = { (char *) "nspawn-oci" };
        CliCommand c;
        int argc = 1, r;

        if (size > 64 * 1024)
                return 0;
        fuzz_setup();

        buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = 0;
        /* "a\0b" is two arguments; an input ending in NUL ends with an empty one */
        for (char *p = buf; argc <= FUZZ_MAX_ARGS; p += strlen(p) + 1) {
                argv[argc++] = p;
                if (p + strlen(p) >= buf + size)
                        break;
        }
        argv[argc] = NULL;

        r = cli_parse(argc, argv, &c);
        /* A usage error comes with its one line; a success has none. */
        if (r == -EINVAL)
                fuzz_assert(c.error && *c.error);
        else if (r >= 0) {
                fuzz_assert(!c.error);
                fuzz_assert(c.help || c.version || c.verb != CLI_VERB_NONE);
                fuzz_assert(c.root && *c.root);
        }
        cli_command_done(&c);
        return 0;
}
