/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Not written yet. */
#include "util.h"
