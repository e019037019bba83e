/* SPDX-License-Identifier: GPL-2.0 */
/* <asm/ap.h>: the AP instructions, answered by the harness firmware (kshim/ap.h). */
#include "kshim/ap.h"
