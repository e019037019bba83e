/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim/harness.h — what the shim offers the plugin adapter (sut/kernel/plugin.c): the host it
 * simulates (firmware, AP bus, KVM guests, the mdev and VFIO cores) and what the driver was
 * observed to do (commits to a guest's CRYCB, queue resets, warnings).
 *
 * Everything here is harness, not kernel: the adapter drives the driver's real entry points
 * through it, and sut/kernel/README.md lists, per operation, which part is which.
 */
#ifndef KSHIM_HARNESS_H_
#define KSHIM_HARNESS_H_

#include "kshim/kernel.h"
#include "kshim/ap.h"

/* ---- the driver module -------------------------------------------------------------------- */
extern int (*const kshim_module_init_fn)(void);
extern void (*const kshim_module_exit_fn)(void);

/* ---- events observed during one operation -------------------------------------------------- */
enum kshim_event_kind { KSHIM_EVENT_COMMIT = 1, KSHIM_EVENT_RESET = 2 };
struct kshim_event {
  enum kshim_event_kind kind;
  unsigned int guest;        /* commit: the trace's guest number */
  unsigned long apm[4], aqm[4], adm[4]; /* commit: the APCB as the guest now reads it */
  unsigned int apqn;         /* reset */
};
/* Starts recording a new operation's events (drops the previous operation's). */
void kshim_events_begin(void);
size_t kshim_event_count(void);
const struct kshim_event* kshim_event_at(size_t i);
void kshim_record_reset(unsigned int apqn);

/* ---- the simulated firmware ---------------------------------------------------------------- */
/* The machine: APXA, the maxima and the AP configuration (MSB-0 256-bit masks). */
void kshim_fw_init(bool apxa, unsigned int na, unsigned int nd, const unsigned long apm[4],
                   const unsigned long aqm[4], const unsigned long adm[4]);
void kshim_fw_set_config(const unsigned long apm[4], const unsigned long aqm[4], const unsigned long adm[4]);
/* From now on a reset (ZAPQ) of `apqn` answers `response`. The transient answers (RESET IN
 * PROGRESS 0x02, BUSY 0x05, STATE CHANGE IN PROGRESS 0x0A) are a reset that takes a while:
 * ZAPQ and the next KSHIM_FW_TRANSIENT_POLLS TAPQs answer it, then the queue answers NORMAL
 * (a re-issued ZAPQ included) until the next reset-response. */
#define KSHIM_FW_TRANSIENT_POLLS 2
void kshim_fw_set_reset_response(unsigned int apqn, unsigned int response);
/* From now on the instructions of a reset of `apqn` answer codes[0..n) in the order issued
 * (the starting ZAPQ, then each TAPQ or re-issued ZAPQ while the reset is in flight), then
 * NORMAL. n == 1 is kshim_fw_set_reset_response. Returns -1 (nothing changed) for n == 0 or
 * n > KSHIM_FW_MAX_SEQUENCE. */
#define KSHIM_FW_MAX_SEQUENCE 16
int kshim_fw_set_reset_sequence(unsigned int apqn, const unsigned char* codes, size_t n);
bool kshim_fw_apqn_configured(unsigned int apqn);
unsigned int kshim_fw_max_adapter(void);
unsigned int kshim_fw_max_domain(void);
bool kshim_fw_apxa(void);
void kshim_fw_reset(void); /* forget the machine (instance destroy) */
/* Ends a batch of resets: the next ZAPQ of any queue starts a new reset (after a commit and at
 * the end of each operation). */
void kshim_fw_end_batch(void);

/* ---- the AP bus ---------------------------------------------------------------------------- */
/* The queue devices of the configuration (within the bus's maximum IDs) are created, bound to
 * the default driver; apmask and aqmask are all ones. */
int kshim_bus_init(void);
void kshim_bus_destroy(void);
/* The QCI configuration changes: on_config_changed, the scan (removals, then additions in
 * ascending APQN order, each new device probed by the driver its ownership names), then
 * on_scan_complete. */
int kshim_bus_config_change(const unsigned long apm[4], const unsigned long aqm[4], const unsigned long adm[4]);
/* driver: 1 the default driver, 2 vfio_ap. Results are 0 or a negative errno. */
int kshim_bus_bind(unsigned int apqn, int driver);
int kshim_bus_unbind(unsigned int apqn, int driver);
int kshim_bus_mask_store(int which /* 0 apmask, 1 aqmask */, const char* text, size_t len);
int kshim_bus_mask_show(int which, char* buf /* PAGE_SIZE */);
/* The vfio_ap driver's `status` attribute of a queue device bound to it (-ENOENT otherwise). */
int kshim_bus_queue_status_show(unsigned int apqn, char* buf /* PAGE_SIZE */);

/* ---- KVM guests ---------------------------------------------------------------------------- */
/* A guest with CRYCB format 2 when the host has APXA and the guest MSAX3, 1 with MSAX3 only,
 * 0 without. Returns NULL when the guest exists already. */
struct kvm* kshim_kvm_create(unsigned int guest, bool msax3);
struct kvm* kshim_kvm_find(unsigned int guest);
/* The APCB as the guest's vCPUs read it now, rendered as apcb does: 0x<apm>,0x<aqm>,0x<adm>. */
int kshim_kvm_render_apcb(struct kvm* kvm, char* buf, size_t size);
void kshim_kvm_destroy_all(void);
/* A vCPU of the guest issues PQAP(AQIC) with IR=0 for `apqn`, as KVM intercepts it: the
 * observation as apcb renders it ("handler=<uuid> rc=0x%02x\n", "handler=none rc=0x01\n" when
 * no hook is registered, "exception=specification\n"); the length, or a negative errno. */
int kshim_kvm_pqap_aqic(struct kvm* kvm, unsigned int apqn, char* buf, size_t size);

/* ---- the mdev and VFIO cores --------------------------------------------------------------- */
/* create: the mdev core's `create` attribute (EINVAL for a malformed UUID, EEXIST for an
 * existing one), then the driver's probe. remove: EBUSY while the device is open (the real
 * core would block until the user closes it), else the driver's remove. */
int kshim_mdev_create(const char* uuid_text, size_t len);
int kshim_mdev_remove(const char* uuid);
struct mdev_device* kshim_mdev_find(const char* uuid);
void kshim_mdev_remove_all(void);
/* The device registered on the bus named `bus_name` (e.g. "matrix": the vfio_ap matrix
 * device), or NULL; and an attribute sysfs shows for a device (its own groups, then its bound
 * driver's dev_groups) by name, or NULL when the kernel has no such file. */
struct device* kshim_bus_device(const char* bus_name);
struct device_attribute* kshim_device_attr(struct device* dev, const char* name);
/* An attribute of the mdev's driver groups by name, or NULL. */
struct device_attribute* kshim_mdev_attr(const char* name);
/* The VFIO device of an mdev, and the file operations the harness issues on it. */
struct vfio_device* kshim_vfio_of(struct mdev_device* mdev);
int kshim_vfio_open(struct vfio_device* vdev, struct kvm* kvm);
int kshim_vfio_close(struct vfio_device* vdev);
int kshim_vfio_request(struct vfio_device* vdev);
int kshim_vfio_ioctl(struct vfio_device* vdev, unsigned int cmd, unsigned long arg);

/* ---- the rest of the kernel ---------------------------------------------------------------- */
/* Runs every pending work item (the system work queues' workers catching up). */
void kshim_run_pending_work(void);
/* The virtual clock (ms) and its per-operation limit: an operation whose sleeps add up past
 * KSHIM_SLEEP_LIMIT_MS is stopped as hanging. */
#define KSHIM_SLEEP_LIMIT_MS (10u * 60u * 1000u)
void kshim_clock_begin_operation(void);
/* The kernel log of the instance (WARN, pr_*, dev_*, the debug feature), newest last. */
const char* kshim_log_text(void);
void kshim_log_clear(void);
/* Frees the log's and the event list's buffers (at instance destroy: the plugin may be unloaded
 * next, and its globals with it). */
void kshim_release_buffers(void);
/* Every mutex is free (between operations). Fatal otherwise: a lock leaked by the driver. */
void kshim_check_no_lock_held(void);

#endif /* KSHIM_HARNESS_H_ */
