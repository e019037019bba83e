// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO device core, the mdev core and KVM's crypto block as the harness runs them.
 * Harness, not kernel: drivers/vfio and arch/s390/kvm are not compiled. Written from their
 * documented behaviour (Documentation/driver-api/vfio-mediated-device.rst, the s390 CRYCB
 * formats); where the real core would block (removing an open device waits for the user to
 * close it), the harness answers EBUSY instead, as apcb's model does (sut/kernel/README.md).
 */
#include "kshim/harness.h"

/* ---- observations -------------------------------------------------------------------------- */
static struct kshim_event* events;
static size_t event_count, event_cap;

static struct kshim_event* new_event(void) {
  if (event_count == event_cap) {
    size_t cap = event_cap ? event_cap * 2 : 64;
    struct kshim_event* grown = realloc(events, cap * sizeof *events);
    if (!grown) kshim_fatal("out of memory recording events");
    events = grown;
    event_cap = cap;
  }
  struct kshim_event* e = &events[event_count++];
  memset(e, 0, sizeof *e);
  return e;
}
void kshim_events_begin(void) { event_count = 0; }
void kshim_release_events(void);
void kshim_release_events(void) {
  free(events);
  events = NULL;
  event_count = event_cap = 0;
}
size_t kshim_event_count(void) { return event_count; }
const struct kshim_event* kshim_event_at(size_t i) { return &events[i]; }
void kshim_record_reset(unsigned int apqn) {
  struct kshim_event* e = new_event();
  e->kind = KSHIM_EVENT_RESET;
  e->apqn = apqn;
}

/* ---- KVM ------------------------------------------------------------------------------------ */
#define KSHIM_MAX_GUESTS 64
static struct kvm* guests[KSHIM_MAX_GUESTS];

struct kvm* kshim_kvm_find(unsigned int guest) {
  for (size_t i = 0; i < KSHIM_MAX_GUESTS; i++)
    if (guests[i] && guests[i]->harness_guest_id == guest) return guests[i];
  return NULL;
}

struct kvm* kshim_kvm_create(unsigned int guest, bool msax3) {
  if (kshim_kvm_find(guest)) return NULL;
  size_t slot = 0;
  while (slot < KSHIM_MAX_GUESTS && guests[slot]) slot++;
  if (slot == KSHIM_MAX_GUESTS) return NULL;
  struct kvm* kvm = calloc(1, sizeof *kvm);
  struct kvm_s390_crypto_cb* crycb = calloc(1, sizeof *crycb);
  if (!kvm || !crycb) kshim_fatal("out of memory creating a guest");
  mutex_init_named(&kvm->lock, "kvm->lock");
  init_rwsem(&kvm->arch.crypto.pqap_hook_rwsem);
  refcount_set(&kvm->users, 1);
  kvm->harness_guest_id = guest;
  kvm->arch.crypto.crycb = crycb;
  /* The CRYCB format follows the guest's MSAX3 facility and the host's APXA. */
  unsigned int format = !msax3 ? CRYCB_FORMAT0 : kshim_fw_apxa() ? CRYCB_FORMAT2 : CRYCB_FORMAT1;
  kvm->arch.crypto.crycbd = (u32)0x1000 | format; /* a designation: origin with the format */
  kvm->arch.gisa_int.origin = NULL;
  guests[slot] = kvm;
  return kvm;
}

/* The APCB the guest reads, as 256-bit MSB-0 masks (format 0/1 hold adapters 0-63 and domains
 * 0-15 only). */
static void read_apcb(const struct kvm* kvm, unsigned long apm[4], unsigned long aqm[4], unsigned long adm[4]) {
  const struct kvm_s390_crypto_cb* cb = kvm->arch.crypto.crycb;
  memset(apm, 0, 4 * sizeof(long));
  memset(aqm, 0, 4 * sizeof(long));
  memset(adm, 0, 4 * sizeof(long));
  if ((kvm->arch.crypto.crycbd & CRYCB_FORMAT_MASK) == CRYCB_FORMAT2) {
    memcpy(apm, cb->apcb1.apm, 32);
    memcpy(aqm, cb->apcb1.aqm, 32);
    memcpy(adm, cb->apcb1.adm, 32);
  } else {
    apm[0] = cb->apcb0.apm[0];
    aqm[0] = cb->apcb0.aqm[0];
    adm[0] = cb->apcb0.adm[0];
  }
}

static void record_commit(struct kvm* kvm) {
  struct kshim_event* e = new_event();
  e->kind = KSHIM_EVENT_COMMIT;
  e->guest = kvm->harness_guest_id;
  read_apcb(kvm, e->apm, e->aqm, e->adm);
  kshim_fw_end_batch();
}

/* kvm_arch_crypto_set_masks: with every vCPU blocked, the masks are written into the APCB of
 * the CRYCB's format: all 256 bits of each for format 2; for format 0/1 the first 64 adapter
 * bits and the first 16 domain and control-domain bits (the high-order bits of each word). */
void kvm_arch_crypto_set_masks(struct kvm* kvm, unsigned long* apm, unsigned long* aqm, unsigned long* adm) {
  struct kvm_s390_crypto_cb* cb = kvm->arch.crypto.crycb;
  switch (kvm->arch.crypto.crycbd & CRYCB_FORMAT_MASK) {
    case CRYCB_FORMAT2:
      memcpy(cb->apcb1.apm, apm, 32);
      memcpy(cb->apcb1.aqm, aqm, 32);
      memcpy(cb->apcb1.adm, adm, 32);
      break;
    case CRYCB_FORMAT1:
    case CRYCB_FORMAT0:
      cb->apcb0.apm[0] = apm[0];
      cb->apcb0.aqm[0] = aqm[0] & 0xffff000000000000UL;
      cb->apcb0.adm[0] = adm[0] & 0xffff000000000000UL;
      break;
    default:
      break;
  }
  record_commit(kvm);
}

/* kvm_arch_crypto_clear_masks: both APCBs are zeroed, with every vCPU blocked. */
void kvm_arch_crypto_clear_masks(struct kvm* kvm) {
  struct kvm_s390_crypto_cb* cb = kvm->arch.crypto.crycb;
  memset(&cb->apcb0, 0, sizeof cb->apcb0);
  memset(&cb->apcb1, 0, sizeof cb->apcb1);
  record_commit(kvm);
}

void kvm_get_kvm(struct kvm* kvm) { refcount_inc(&kvm->users); }
void kvm_put_kvm(struct kvm* kvm) {
  if (kvm->users.refs == 0) kshim_fatal("kvm_put_kvm: reference count already zero");
  kvm->users.refs--; /* the harness owns the guest; it is freed with the instance */
}
unsigned long gfn_to_hva(struct kvm* kvm, gfn_t gfn) {
  (void)kvm;
  return (unsigned long)(gfn << PAGE_SHIFT);
}
int kvm_s390_gisc_register(struct kvm* kvm, u32 gisc) {
  (void)kvm;
  return (int)gisc;
}
int kvm_s390_gisc_unregister(struct kvm* kvm, u32 gisc) {
  (void)kvm, (void)gisc;
  return 0;
}

/* ---- a guest's PQAP(AQIC) (arch/s390/kvm/priv.c handle_pqap, KVM's side, written from its
 * behaviour: the checks before the hook, the hook call, the answer without a hook). ---------- */
/* driver_unit.c, which knows the driver's struct ap_matrix_mdev; weak, because the shim's own
 * test links the shim without a driver. */
__attribute__((weak)) const char* kshim_pqap_hook_owner(crypto_hook* hook);
static u64* pqap_register1;                  /* register 1 of the vCPU while the hook runs */
static struct ap_queue_status pqap_status;  /* the status word the hook stored there */
static bool pqap_status_stored;

void* kshim_register_store(void* to, const void* from, size_t n) {
  if (pqap_register1 && to == (void*)pqap_register1 && n == sizeof pqap_status) {
    memcpy(&pqap_status, from, n);
    pqap_status_stored = true;
  }
  return memcpy(to, from, n);
}

int kshim_kvm_pqap_aqic(struct kvm* kvm, unsigned int apqn, char* buf, size_t size) {
  /* Register 0: function code 3 (AQIC) and the APQN; register 1: IR=0 (disable interruptions),
   * so no notification byte is involved. The guest is in supervisor state, AP instructions and
   * facility 65 are available (what QEMU sets up for a vfio-ap guest). */
  const unsigned long reg0 = (0x03UL << 24) | (apqn & 0xffff);
  /* Without APXA in the CRYCB designation (formats 0 and 1) an adapter above 63 or a domain
   * above 15 is a specification exception: no hook runs. */
  if (!(kvm->arch.crypto.crycbd & 0x02) && (reg0 & 0x0000c0f0UL))
    return scnprintf(buf, size, "exception=specification\n");
  down_read(&kvm->arch.crypto.pqap_hook_rwsem);
  crypto_hook* hook = kvm->arch.crypto.pqap_hook;
  if (!hook) {
    up_read(&kvm->arch.crypto.pqap_hook_rwsem);
    return scnprintf(buf, size, "handler=none rc=0x01\n"); /* KVM answers Q_NOT_AVAIL itself */
  }
  struct kvm_s390_sie_block sie = { .eca = ECA_AIV };
  struct kvm_run run;
  memset(&run, 0, sizeof run);
  run.s.regs.gprs[0] = reg0;
  struct kvm_vcpu vcpu = { .kvm = kvm, .run = &run, .arch = { .sie_block = &sie } };
  pqap_register1 = &run.s.regs.gprs[1];
  pqap_status_stored = false;
  int ret = (*hook)(&vcpu);
  pqap_register1 = NULL;
  if (!kshim_pqap_hook_owner) kshim_fatal("a PQAP hook is registered but no driver is linked");
  const char* owner = kshim_pqap_hook_owner(hook);
  up_read(&kvm->arch.crypto.pqap_hook_rwsem);
  if (ret) { /* the handler handed the instruction to user space: not what apcb models */
    kshim_log("harness", "PQAP hook returned %d", ret);
    return -EIO;
  }
  if (!pqap_status_stored) kshim_fatal("the PQAP hook stored no status word in register 1");
  return scnprintf(buf, size, "handler=%s rc=0x%02x\n", owner, (unsigned int)pqap_status.response_code);
}

int kshim_kvm_render_apcb(struct kvm* kvm, char* buf, size_t size) {
  unsigned long apm[4], aqm[4], adm[4];
  read_apcb(kvm, apm, aqm, adm);
  return scnprintf(buf, size, "0x%016lx%016lx%016lx%016lx,0x%016lx%016lx%016lx%016lx,0x%016lx%016lx%016lx%016lx\n",
                   apm[0], apm[1], apm[2], apm[3], aqm[0], aqm[1], aqm[2], aqm[3], adm[0], adm[1], adm[2], adm[3]);
}

void kshim_kvm_destroy_all(void) {
  for (size_t i = 0; i < KSHIM_MAX_GUESTS; i++) {
    if (!guests[i]) continue;
    free(guests[i]->arch.crypto.crycb);
    free(guests[i]);
    guests[i] = NULL;
  }
}

/* ---- VFIO ------------------------------------------------------------------------------------ */
struct vfio_device* _vfio_alloc_device(size_t size, struct device* dev, const struct vfio_device_ops* ops) {
  struct vfio_device* vdev = calloc(1, size);
  if (!vdev) return ERR_PTR(-ENOMEM);
  vdev->dev = dev;
  vdev->ops = ops;
  if (ops->init) {
    int rc = ops->init(vdev);
    if (rc) {
      free(vdev);
      return ERR_PTR(rc);
    }
  }
  return vdev;
}
void vfio_free_device(struct vfio_device* device) { free(device); }
/* The last reference: up to 6.1 the driver's release frees the device (vfio_free_device); later
 * kernels call release, if any, and free it in the core. */
void vfio_put_device(struct vfio_device* device) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
  if (device->ops->release) device->ops->release(device);
  free(device);
#else
  if (device->ops->release) device->ops->release(device);
  else free(device);
#endif
}
int vfio_register_emulated_iommu_dev(struct vfio_device* device) {
  device->registered = true;
  return 0;
}
void vfio_unregister_group_dev(struct vfio_device* device) { device->registered = false; }
/* Pinning and IRQ setup belong to PQAP(AQIC) and VFIO_DEVICE_SET_IRQS, which apcb's alphabet does
 * not issue; they answer as a core with no DMA mappings would. */
int vfio_pin_pages(struct vfio_device* device, dma_addr_t iova, int npage, int prot, struct page** pages) {
  (void)device, (void)iova, (void)npage, (void)prot, (void)pages;
  return -EINVAL;
}
void vfio_unpin_pages(struct vfio_device* device, dma_addr_t iova, int npage) { (void)device, (void)iova, (void)npage; }
int vfio_set_irqs_validate_and_prepare(struct vfio_irq_set* hdr, int num_irqs, int max_irq_type, size_t* data_size) {
  (void)hdr, (void)num_irqs, (void)max_irq_type, (void)data_size;
  return -EINVAL;
}
int vfio_iommufd_emulated_bind(struct vfio_device* vdev, struct iommufd_ctx* ictx, u32* out_device_id) {
  (void)vdev, (void)ictx, (void)out_device_id;
  return 0;
}
void vfio_iommufd_emulated_unbind(struct vfio_device* vdev) { (void)vdev; }
int vfio_iommufd_emulated_attach_ioas(struct vfio_device* vdev, u32* pt_id) {
  (void)vdev, (void)pt_id;
  return 0;
}
void vfio_iommufd_emulated_detach_ioas(struct vfio_device* vdev) { (void)vdev; }

/* open: the core sets the device's kvm and calls open_device on the first open. */
int kshim_vfio_open(struct vfio_device* vdev, struct kvm* kvm) {
  if (vdev->open_count) return -EBUSY;
  vdev->kvm = kvm;
  int rc = vdev->ops->open_device ? vdev->ops->open_device(vdev) : 0;
  if (rc) {
    vdev->kvm = NULL;
    return rc;
  }
  vdev->open_count = 1;
  return 0;
}
int kshim_vfio_close(struct vfio_device* vdev) {
  if (!vdev->open_count) return -EINVAL;
  if (vdev->ops->close_device) vdev->ops->close_device(vdev);
  vdev->open_count = 0;
  vdev->kvm = NULL;
  return 0;
}
/* The core's request to the user to release the device (while it is open). */
static unsigned int request_count;
int kshim_vfio_request(struct vfio_device* vdev) {
  if (!vdev->open_count) return -EINVAL;
  if (vdev->ops->request) vdev->ops->request(vdev, request_count++);
  return 0;
}
int kshim_vfio_ioctl(struct vfio_device* vdev, unsigned int cmd, unsigned long arg) {
  if (!vdev->ops->ioctl) return -ENOTTY;
  long rc = vdev->ops->ioctl(vdev, cmd, arg);
  return (int)rc;
}

/* ---- mdev ------------------------------------------------------------------------------------- */
struct harness_mdev {
  struct mdev_device* mdev;
  struct list_head node; /* creation order */
};
static LIST_HEAD(mdevs);
static struct mdev_driver* mdev_driver;
static struct mdev_parent* mdev_parent;

int mdev_register_driver(struct mdev_driver* drv) {
  mdev_driver = drv;
  return 0;
}
void mdev_unregister_driver(struct mdev_driver* drv) {
  if (mdev_driver == drv) mdev_driver = NULL;
}
int mdev_register_parent(struct mdev_parent* parent, struct device* dev, struct mdev_driver* drv,
                         struct mdev_type** types, unsigned int nr_types) {
  parent->dev = dev;
  parent->mdev_driver = drv;
  parent->types = types;
  parent->nr_types = nr_types;
  for (unsigned int i = 0; i < nr_types; i++) types[i]->parent = parent;
  atomic_set(&parent->available_instances, (int)drv->max_instances);
  mdev_parent = parent;
  return 0;
}
void mdev_unregister_parent(struct mdev_parent* parent) {
  if (mdev_parent == parent) mdev_parent = NULL;
}

static void mdev_release(struct device* dev) {
  struct mdev_device* mdev = to_mdev_device(dev);
  if (mdev_parent) atomic_inc(&mdev_parent->available_instances);
  free(mdev);
}

struct mdev_device* kshim_mdev_find(const char* uuid) {
  struct harness_mdev* h;
  list_for_each_entry(h, &mdevs, node) {
    if (strcmp(dev_name(&h->mdev->dev), uuid) == 0) return h->mdev;
  }
  return NULL;
}

static bool uuid_text_valid(const char* s) {
  for (int i = 0; i < UUID_STRING_LEN; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (hex_to_bin((unsigned char)s[i]) < 0) {
      return false;
    }
  }
  return true;
}

/* The type's `create` attribute: 36 or 37 bytes whose first 36 are a UUID (the 37th is not
 * looked at), a UUID not in use, an instance left; the device is named by the UUID in lower
 * case and probed by the mdev driver. */
int kshim_mdev_create(const char* text, size_t len) {
  if (!mdev_parent || !mdev_driver) return -ENODEV;
  if (len < UUID_STRING_LEN || len > UUID_STRING_LEN + 1) return -EINVAL;
  char str[UUID_STRING_LEN + 2] = { 0 };
  memcpy(str, text, len);
  if (!uuid_text_valid(str)) return -EINVAL;
  guid_t uuid;
  char name[UUID_STRING_LEN + 1];
  for (int i = 0; i < UUID_STRING_LEN; i++) name[i] = (char)((str[i] >= 'A' && str[i] <= 'F') ? str[i] - 'A' + 'a' : str[i]);
  name[UUID_STRING_LEN] = '\0';
  static const int at[16] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34 };
  for (int i = 0; i < 16; i++) uuid.b[i] = (u8)(hex_to_bin((unsigned char)name[at[i]]) << 4 | hex_to_bin((unsigned char)name[at[i] + 1]));
  if (kshim_mdev_find(name)) return -EEXIST;
  if (atomic_read(&mdev_parent->available_instances) == 0) return -EUSERS;
  atomic_set(&mdev_parent->available_instances, atomic_read(&mdev_parent->available_instances) - 1);
  struct mdev_device* mdev = calloc(1, sizeof *mdev);
  struct harness_mdev* h = calloc(1, sizeof *h);
  if (!mdev || !h) kshim_fatal("out of memory creating an mdev");
  device_initialize(&mdev->dev);
  mdev->dev.parent = mdev_parent->dev;
  mdev->dev.release = mdev_release;
  mdev->uuid = uuid;
  mdev->type = mdev_parent->types[0];
  dev_set_name(&mdev->dev, "%s", name);
  device_add(&mdev->dev);
  mdev->dev.driver = &mdev_driver->driver;
  int rc = mdev_driver->probe(mdev);
  if (rc) {
    mdev->dev.driver = NULL;
    device_del(&mdev->dev);
    put_device(&mdev->dev);
    free(h);
    return rc;
  }
  h->mdev = mdev;
  list_add_tail(&h->node, &mdevs);
  return 0;
}

struct vfio_device* kshim_vfio_of(struct mdev_device* mdev) {
  /* The vfio_ap driver stores its state (which begins with the vfio_device) as drvdata. */
  return (struct vfio_device*)dev_get_drvdata(&mdev->dev);
}

static void remove_entry(struct harness_mdev* h) {
  struct mdev_device* mdev = h->mdev;
  mdev_driver->remove(mdev);
  mdev->dev.driver = NULL;
  list_del(&h->node);
  free(h);
  device_del(&mdev->dev);
  put_device(&mdev->dev);
}

int kshim_mdev_remove(const char* uuid) {
  struct harness_mdev* h;
  list_for_each_entry(h, &mdevs, node) {
    if (strcmp(dev_name(&h->mdev->dev), uuid) != 0) continue;
    struct vfio_device* vdev = kshim_vfio_of(h->mdev);
    if (vdev && vdev->open_count) return -EBUSY;
    remove_entry(h);
    return 0;
  }
  return -ENOENT;
}

void kshim_mdev_remove_all(void) {
  while (!list_empty(&mdevs)) {
    struct harness_mdev* h = list_first_entry(&mdevs, struct harness_mdev, node);
    struct vfio_device* vdev = kshim_vfio_of(h->mdev);
    if (vdev && vdev->open_count) kshim_vfio_close(vdev);
    remove_entry(h);
  }
}

struct device_attribute* kshim_mdev_attr(const char* name) {
  if (!mdev_driver || !mdev_driver->driver.dev_groups) return NULL;
  for (const struct attribute_group** g = mdev_driver->driver.dev_groups; *g; g++) {
    for (struct attribute** a = (*g)->attrs; *a; a++)
      if (strcmp((*a)->name, name) == 0) return container_of(*a, struct device_attribute, attr);
  }
  return NULL;
}
