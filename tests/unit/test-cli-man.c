/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The man page documents the command line that cli.c parses: every verb has its section and every
 * option of every verb and every global option appears. No privilege. */
#include "cmd/cli.h"
#include "tap.h"
#include "base/util.h"

/* A "## " heading line that names verb, alone or in a list ("## checkpoint, restore"). */
static bool has_section(const char *man, const char *verb) {
        for (const char *line = man; line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                size_t n = strcspn(line, "\n");
                _cleanup_free_ char *heading = NULL;

                if (!startswith(line, "## "))
                        continue;
                heading = strndup(line + 3, n - 3);
                if (!heading)
                        return false;
                for (char *save = NULL, *w = strtok_r(heading, ", ", &save); w;
                     w = strtok_r(NULL, ", ", &save))
                        if (streq(w, verb))
                                return true;
        }
        return false;
}

/* "*--name*" as the man page writes an option, so that "--all" is not found inside "--all-x". */
static bool has_option(const char *man, const char *name) {
        _cleanup_free_ char *needle = strjoin("*--", name, "*");
        return needle && strstr(man, needle);
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *man = NULL;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: %s MAN.scd\n", argv[0]);
                return 2;
        }
        r = read_full_file(argv[1], &man, NULL);
        if (!tap_ok(r >= 0, "read %s", argv[1]))
                return tap_done(0);

        for (const struct option *o = cli_verb_options(CLI_VERB_NONE); o->name; o++)
                tap_ok(has_option(man, o->name), "global option --%s is documented", o->name);

        for (CliVerb v = CLI_VERB_NONE + 1; v < _CLI_VERB_MAX; v++) {
                const char *verb = cli_verb_to_string(v);

                tap_ok(has_section(man, verb), "verb %s has a section", verb);
                for (const struct option *o = cli_verb_options(v); o->name; o++)
                        tap_ok(has_option(man, o->name), "%s --%s is documented", verb, o->name);
        }
        tap_ok(strstr(man, "# EXIT STATUS") != NULL, "exit status section");
        tap_ok(strstr(man, "# MACHINE NAMES") != NULL, "machine names section");
        tap_ok(strstr(man, "# FIELDS") != NULL, "fields section");
        return tap_done(0);
}
