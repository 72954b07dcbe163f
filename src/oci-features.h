/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime-spec features document: what this build really implements. Pure. */
#pragma once

int oci_features_json(char **ret);
