// SPDX-License-Identifier: GPL-2.0
/*
 * The vfio_ap driver, as shipped, in one translation unit: its two files are included
 * unmodified (from the tree the build extracted them from), so that the adapter reaches the
 * driver's static entry points through the structures it registers, and the shim's headers
 * (first on the include path) stand in for the kernel's.
 *
 * One store is redirected: the driver's PQAP handler (handle_pqap) copies the AP queue status
 * word into the vCPU's general register 1 with memcpy and then shifts the register right by 32
 * bits. On big-endian s390 that leaves the status word in the low half; on little-endian x86 the
 * shift discards it. The driver's memcpy calls go through kshim_register_store, which copies as
 * memcpy does and, when the destination is register 1 of a vCPU in a PQAP intercept, keeps the
 * status word for KVM's side (kshim_kvm_pqap_aqic). <string.h> is included (through
 * kshim/kernel.h) before the macro, so its declarations are untouched.
 */
#include "kshim/kernel.h"
void* kshim_register_store(void* to, const void* from, size_t n);
#define memcpy(to, from, n) kshim_register_store((to), (from), (n))
#include "vfio_ap_drv.c"
#include "vfio_ap_ops.c"
#undef memcpy

/* The UUID of the mdev whose pqap_hook member `hook` points at: the mdev whose handler a
 * guest's PQAP(AQIC) reaches (the driver's own container_of in handle_pqap). Harness code. */
const char* kshim_pqap_hook_owner(crypto_hook* hook);
const char* kshim_pqap_hook_owner(crypto_hook* hook) {
  struct ap_matrix_mdev* matrix_mdev = container_of(hook, struct ap_matrix_mdev, pqap_hook);
  return dev_name(&matrix_mdev->mdev->dev);
}
