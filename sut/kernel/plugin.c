// SPDX-License-Identifier: GPL-2.0
/*
 * apcb-kernel-<version>: the vfio_ap driver of a real kernel tree, compiled unmodified with the
 * user-space shim, behind apcb's plugin ABI (sut/apcb_sut.h).
 *
 * Each operation of apcb's alphabet is carried out through the driver's own entry points: its
 * module init and exit, the mdev driver's probe and remove, the sysfs attributes' store and
 * show functions, the VFIO device ops (open_device, close_device, request, ioctl), and the AP
 * driver's probe, remove, in_use, on_config_changed and on_scan_complete. What the harness does
 * itself, as the AP bus, the mdev and VFIO cores, KVM and the firmware, is listed per operation
 * in sut/kernel/README.md ("harness, not kernel").
 *
 * The driver keeps its state in globals (matrix_dev), as a module does: one instance exists at
 * a time in a process; create answers NULL while another is alive.
 */
#include "kshim/harness.h"

#include "sut/apcb_sut.h"

#ifndef APCB_KERNEL_PLUGIN_NAME
#define APCB_KERNEL_PLUGIN_NAME "apcb-kernel"
#endif

struct apcb_sut_instance {
  char output[PAGE_SIZE + 1];
  size_t output_len;
  apcb_sut_event* events;
  size_t event_cap;
};

static struct apcb_sut_instance* live;

static void words_from(const uint64_t in[4], unsigned long out[4]) {
  for (int i = 0; i < 4; i++) out[i] = (unsigned long)in[i];
}

static void end_operation(void) {
  kshim_run_pending_work(); /* the system work queues catch up before the next operation */
  kshim_fw_end_batch();
  kshim_check_no_lock_held();
}

static apcb_sut_instance* plugin_create(const apcb_sut_host* host) {
  if (!host || live) return NULL;
  struct apcb_sut_instance* in = calloc(1, sizeof *in);
  if (!in) return NULL;
  unsigned long apm[4], aqm[4], adm[4];
  words_from(host->config.adapters, apm);
  words_from(host->config.domains, aqm);
  words_from(host->config.control_domains, adm);
  kshim_log_clear();
  kshim_fw_init(host->apxa != 0, host->na, host->nd, apm, aqm, adm);
  kshim_events_begin();
  kshim_clock_begin_operation();
  int rc = kshim_module_init_fn();
  if (rc) {
    kshim_log("harness", "module init failed: %d", rc);
    free(in);
    kshim_fw_reset();
    return NULL;
  }
  rc = kshim_bus_init();
  end_operation();
  if (rc) {
    kshim_log("harness", "bus init failed: %d", rc);
    kshim_module_exit_fn();
    free(in);
    kshim_fw_reset();
    return NULL;
  }
  live = in;
  return in;
}

static void plugin_destroy(apcb_sut_instance* in) {
  if (!in || in != live) return;
  kshim_events_begin();
  kshim_clock_begin_operation();
  kshim_mdev_remove_all();
  kshim_bus_destroy();
  end_operation();
  kshim_module_exit_fn();
  kshim_kvm_destroy_all();
  kshim_fw_reset();
  kshim_release_buffers();
  free(in->events);
  free(in);
  live = NULL;
}

/* The attribute names of apcb_sut_op.attr and .view. */
static const char* const attr_names[] = { "assign_adapter", "unassign_adapter", "assign_domain",
                                          "unassign_domain", "assign_control_domain",
                                          "unassign_control_domain", "ap_config" };
static const char* const view_names[] = { "matrix", "guest_matrix", "control_domains", "ap_config" };

/* A sysfs store: the kernel hands the attribute a NUL-terminated copy of the bytes written; the
 * write succeeds when the store accepts all of them. */
static int sysfs_store(struct device* dev, struct device_attribute* attr, const uint8_t* text, size_t len) {
  char* buf = calloc(1, len + 1);
  if (!buf) kshim_fatal("out of memory");
  memcpy(buf, text, len);
  ssize_t rc = attr->store(dev, attr, buf, len);
  free(buf);
  if (rc < 0) return (int)rc;
  if ((size_t)rc != len) kshim_log("harness", "store %s accepted %zd of %zu bytes", attr->attr.name, rc, len);
  return 0;
}

static int do_show(struct apcb_sut_instance* in, struct device* dev, struct device_attribute* attr) {
  memset(in->output, 0, sizeof in->output);
  ssize_t n = attr->show(dev, attr, in->output);
  if (n < 0) return (int)n;
  if ((size_t)n > PAGE_SIZE) kshim_fatal("show %s returned %zd bytes, more than a page", attr->attr.name, n);
  in->output_len = (size_t)n;
  return 0;
}

static struct device* mdev_device_of(const char* uuid) {
  struct mdev_device* mdev = uuid ? kshim_mdev_find(uuid) : NULL;
  return mdev ? &mdev->dev : NULL;
}

/* Carries out one operation; returns 0 or a negative errno, or 1 for "cannot comply". */
static int run(struct apcb_sut_instance* in, const apcb_sut_op* op) {
  unsigned int apqn = ((unsigned int)op->adapter << 8) | op->domain;
  switch (op->kind) {
    case APCB_SUT_OP_CONFIG_CHANGE: {
      unsigned long apm[4], aqm[4], adm[4];
      words_from(op->matrix.adapters, apm);
      words_from(op->matrix.domains, aqm);
      words_from(op->matrix.control_domains, adm);
      return kshim_bus_config_change(apm, aqm, adm);
    }
    case APCB_SUT_OP_QUEUE_BIND:
    case APCB_SUT_OP_QUEUE_UNBIND:
      if (op->driver != 1 && op->driver != 2) return 1;
      return op->kind == APCB_SUT_OP_QUEUE_BIND ? kshim_bus_bind(apqn, op->driver) : kshim_bus_unbind(apqn, op->driver);
    case APCB_SUT_OP_RESET_RESPONSE:
      /* ABI minor 2: a sequence travels in `text`, one byte per code, text[0] == response. */
      if (op->text_len == 0) {
        kshim_fw_set_reset_response(apqn, op->response);
        return 0;
      }
      if (!op->text || op->text[0] != op->response) return 1;
      return kshim_fw_set_reset_sequence(apqn, op->text, op->text_len) == 0 ? 0 : 1;
    case APCB_SUT_OP_BUS_MASK_WRITE:
      if (op->bus_mask > 1 || op->text_len >= PAGE_SIZE) return 1;
      return kshim_bus_mask_store(op->bus_mask, (const char*)op->text, op->text_len);
    case APCB_SUT_OP_MDEV_CREATE: {
      if (!op->uuid) return 1;
      /* `echo UUID > create` writes the UUID and a newline. */
      size_t n = strlen(op->uuid);
      if (n >= PAGE_SIZE - 1) return 1;
      char* text = calloc(1, n + 2);
      if (!text) kshim_fatal("out of memory");
      memcpy(text, op->uuid, n);
      text[n] = '\n';
      int rc = kshim_mdev_create(text, n + 1);
      free(text);
      return rc;
    }
    case APCB_SUT_OP_MDEV_REMOVE:
      if (!op->uuid) return 1;
      return kshim_mdev_remove(op->uuid);
    case APCB_SUT_OP_ATTR_WRITE: {
      if (op->attr >= ARRAY_SIZE(attr_names) || op->text_len >= PAGE_SIZE) return 1;
      struct device* dev = mdev_device_of(op->uuid);
      if (!dev) return -ENOENT;
      struct device_attribute* attr = kshim_mdev_attr(attr_names[op->attr]);
      /* The kernel has no such attribute (ap_config before 6.10): sysfs has no such file. */
      if (!attr || !attr->store) return -ENOENT;
      return sysfs_store(dev, attr, op->text, op->text_len);
    }
    case APCB_SUT_OP_DEVICE_RESET: {
      struct mdev_device* mdev = op->uuid ? kshim_mdev_find(op->uuid) : NULL;
      if (!mdev) return -ENOENT;
      return kshim_vfio_ioctl(kshim_vfio_of(mdev), VFIO_DEVICE_RESET, 0);
    }
    case APCB_SUT_OP_GUEST_CREATE:
      return kshim_kvm_create(op->guest, op->msax3 != 0) ? 0 : -EEXIST;
    case APCB_SUT_OP_GUEST_ATTACH: {
      struct mdev_device* mdev = op->uuid ? kshim_mdev_find(op->uuid) : NULL;
      struct kvm* kvm = kshim_kvm_find(op->guest);
      if (!mdev || !kvm) return -ENOENT;
      return kshim_vfio_open(kshim_vfio_of(mdev), kvm);
    }
    case APCB_SUT_OP_GUEST_DETACH:
    case APCB_SUT_OP_GUEST_RELEASE: {
      struct mdev_device* mdev = op->uuid ? kshim_mdev_find(op->uuid) : NULL;
      if (!mdev) return -ENOENT;
      struct vfio_device* vdev = kshim_vfio_of(mdev);
      return op->kind == APCB_SUT_OP_GUEST_DETACH ? kshim_vfio_close(vdev) : kshim_vfio_request(vdev);
    }
    case APCB_SUT_OP_VCPU_OBSERVE: {
      struct kvm* kvm = kshim_kvm_find(op->guest);
      if (!kvm) return -ENOENT;
      in->output_len = (size_t)kshim_kvm_render_apcb(kvm, in->output, sizeof in->output);
      return 0;
    }
    case APCB_SUT_OP_READ_MDEV: {
      if (op->view >= ARRAY_SIZE(view_names)) return 1;
      struct device* dev = mdev_device_of(op->uuid);
      if (!dev) return -ENOENT;
      struct device_attribute* attr = kshim_mdev_attr(view_names[op->view]);
      if (!attr || !attr->show) return -ENOENT; /* no such file (ap_config before 6.10) */
      return do_show(in, dev, attr);
    }
    case APCB_SUT_OP_READ_BUS_MASK: {
      if (op->bus_mask > 1) return 1;
      int n = kshim_bus_mask_show(op->bus_mask, in->output);
      in->output_len = (size_t)n;
      return 0;
    }
    case APCB_SUT_OP_READ_QUEUE_STATUS: {
      memset(in->output, 0, sizeof in->output);
      int n = kshim_bus_queue_status_show(apqn, in->output);
      if (n < 0) return n;
      in->output_len = (size_t)n;
      return 0;
    }
    case APCB_SUT_OP_GUEST_AQIC: {
      struct kvm* kvm = kshim_kvm_find(op->guest);
      if (!kvm) return -ENOENT;
      int n = kshim_kvm_pqap_aqic(kvm, apqn, in->output, sizeof in->output);
      if (n < 0) return n;
      in->output_len = (size_t)n;
      return 0;
    }
    case APCB_SUT_OP_DRIVER_OVERRIDE_WRITE:
    case APCB_SUT_OP_DRIVER_OVERRIDE_READ:
      /* Debian's 6.1 and 6.12 AP bus (ap_bus.c) has no driver_override attribute on queue
       * devices (added in 6.19, d38a87d7c064): no such sysfs file. */
      return -ENOENT;
    case APCB_SUT_OP_READ_FEATURES: {
      /* The matrix device's attributes are its driver's dev_groups (6.12: features); 6.1 has none. */
      struct device* matrix = kshim_bus_device("matrix");
      struct device_attribute* attr = matrix ? kshim_device_attr(matrix, "features") : NULL;
      if (!attr || !attr->show) return -ENOENT;
      return do_show(in, matrix, attr);
    }
    default:
      return 1;
  }
}

static int plugin_apply(apcb_sut_instance* in, const apcb_sut_op* op, apcb_sut_observation* obs) {
  if (!in || in != live || !op || !obs) return APCB_SUT_CANNOT_COMPLY;
  in->output_len = 0;
  kshim_events_begin();
  kshim_clock_begin_operation();
  int rc = run(in, op);
  end_operation();
  if (rc == 1) return APCB_SUT_CANNOT_COMPLY;
  size_t count = kshim_event_count();
  if (count > in->event_cap) {
    apcb_sut_event* grown = realloc(in->events, count * sizeof *grown);
    if (!grown) kshim_fatal("out of memory");
    in->events = grown;
    in->event_cap = count;
  }
  for (size_t i = 0; i < count; i++) {
    const struct kshim_event* e = kshim_event_at(i);
    apcb_sut_event* out = &in->events[i];
    memset(out, 0, sizeof *out);
    if (e->kind == KSHIM_EVENT_COMMIT) {
      out->kind = APCB_SUT_EVENT_COMMIT;
      out->guest = e->guest;
      for (int w = 0; w < 4; w++) {
        out->apcb.adapters[w] = e->apm[w];
        out->apcb.domains[w] = e->aqm[w];
        out->apcb.control_domains[w] = e->adm[w];
      }
    } else {
      out->kind = APCB_SUT_EVENT_RESET;
      out->adapter = (uint8_t)AP_QID_CARD(e->apqn);
      out->domain = (uint8_t)AP_QID_QUEUE(e->apqn);
    }
  }
  obs->result = rc < 0 ? -rc : 0;
  obs->output = in->output_len ? in->output : NULL;
  obs->output_len = in->output_len;
  obs->events = count ? in->events : NULL;
  obs->event_count = count;
  return APCB_SUT_OK;
}

__attribute__((visibility("default"))) const apcb_sut_plugin* apcb_sut_get_plugin(uint32_t abi_version) {
  static const apcb_sut_plugin plugin = { APCB_SUT_ABI_VERSION, APCB_KERNEL_PLUGIN_NAME, plugin_create,
                                          plugin_destroy, plugin_apply };
  return abi_version == APCB_SUT_ABI_VERSION ? &plugin : NULL;
}

/* ABI minor 2: the guest's PQAP(AQIC) (GUEST_AQIC) and reset-response sequences (the firmware
 * answers them instruction by instruction, so the real driver walks them). Minor 1's signals:
 * Debian's 6.1 and 6.12 drivers have no AP-configuration-changed eventfd and their --kernel
 * profiles signal nothing, so reporting none is what apcb expects of them. */
__attribute__((visibility("default"))) uint32_t apcb_sut_get_abi_minor(void) { return APCB_SUT_ABI_MINOR; }

#ifdef APCB_KERNEL_PROFILE
/* The profile apcb follows for this driver (docs/kernel-versions.md): the Debian package's
 * version. A user's tree (APCB_KERNEL_SOURCE) declares none: --kernel says which it is. */
__attribute__((visibility("default"))) const char* apcb_sut_kernel_version(void) { return APCB_KERNEL_PROFILE; }
#endif
