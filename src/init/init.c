/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn-oci-init, the holder: PID 1 of every box. Runs as root inside the container. Not written yet. */
int main(void) {
        return 0;
}
