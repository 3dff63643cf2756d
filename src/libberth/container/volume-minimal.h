/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Volumes moved to their own part: src/libberth/volume/volume.h. */
#include "volume/volume.h"
