/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * berth's programs find each other (berth-shim, berth-dns, berth-init) next to
 * the running executable: installed side by side (NAME), or in the build tree
 * (../NAME/NAME, ../../src/NAME/NAME).
 */

/*
 * The path of the companion program NAME: $ENV_VAR when set (made absolute when it exists, as a
 * program started from "/" needs it), else the first executable of the places above; NULL if none.
 * Caller frees.
 */
char *companion_find(const char *name, const char *env_var);
