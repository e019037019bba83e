/* SPDX-License-Identifier: GPL-2.0 */
/* <asm/zcrypt.h>: the one constant the vfio_ap driver takes from it, the number of devices
 * the extended zcrypt interface addresses (256). */
#include "kshim/kernel.h"
#define MAX_ZDEV_ENTRIES_EXT 256
