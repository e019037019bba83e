/* SPDX-License-Identifier: GPL-2.0 */
/* kshim/version.h — the version of the kernel tree being compiled. The build reads VERSION,
 * PATCHLEVEL and SUBLEVEL from the tree's Makefile and passes KSHIM_VERSION_CODE. */
#ifndef KSHIM_VERSION_H_
#define KSHIM_VERSION_H_
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#ifndef KSHIM_VERSION_CODE
#error "KSHIM_VERSION_CODE is not set: the build passes it from the kernel tree's Makefile"
#endif
#define LINUX_VERSION_CODE KSHIM_VERSION_CODE
#endif
