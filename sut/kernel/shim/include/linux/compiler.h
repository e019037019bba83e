/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/compiler.h> for the vfio_ap driver in user space: see kshim/kernel.h. */
#include "kshim/kernel.h"
