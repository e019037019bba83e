// SPDX-License-Identifier: GPL-2.0
/*
 * The vfio_ap driver, as shipped, in one translation unit: its two files are included
 * unmodified (from the tree the build extracted them from), so that the adapter reaches the
 * driver's static entry points through the structures it registers, and the shim's headers
 * (first on the include path) stand in for the kernel's.
 */
#include "vfio_ap_drv.c"
#include "vfio_ap_ops.c"
