// SPDX-License-Identifier: GPL-2.0
/*
 * The AP bus as the harness runs it. Harness, not kernel: drivers/s390/crypto/ap_bus.c is not
 * compiled; this file provides what the vfio_ap driver calls on the bus (ap_driver_register,
 * ap_get_qdev, ap_apqn_in_matrix_owned_by_def_drv, ap_hex2bitmap, ap_perms and its mutex) and
 * what the adapter does as the bus (queue devices, bind/unbind, the masks, the scan), written
 * from the AP bus's documented sysfs behaviour (Documentation/arch/s390/vfio-ap.rst) and the
 * semantics apcb's model gives the bus (model/README.md), which is the contract the reference
 * checks the driver against:
 *  - a queue device exists for every APQN of the configuration within the bus's maximum IDs
 *    (Na/Nd with APXA, else 63/15) and is bound to the driver its ownership names: the default
 *    driver when apmask and aqmask both reserve it, vfio_ap otherwise;
 *  - a configuration change calls on_config_changed, removes the devices that left (ascending),
 *    adds the new ones (ascending, each probed by its owner), then calls on_scan_complete;
 *  - a mask write parses absolute hex or relative +a,-b-c, asks vfio_ap's in_use about the IDs
 *    that become reserved (EBUSY on a veto), then re-probes every bound device whose owner
 *    changed, ascending.
 * The driver's own header (ap_bus.h, from the kernel tree) gives the structures.
 */
#include "kshim/harness.h"

#include "ap_bus.h"

/* ---- what ap_bus.c exports to the drivers ------------------------------------------------- */
struct ap_perms ap_perms;
DEFINE_MUTEX(ap_perms_mutex);
int ap_domain_index = -1;
atomic_t ap_max_msg_size = ATOMIC_INIT(AP_DEFAULT_MAX_MSG_SIZE);
DECLARE_HASHTABLE(ap_queues, 8);
spinlock_t ap_queues_lock;

/* The default (zcrypt) driver as the bus sees it: it takes the queues the masks reserve for it
 * and keeps no state the specification observes. */
static int default_probe(struct ap_device* apdev) {
  (void)apdev;
  return 0;
}
static void default_remove(struct ap_device* apdev) { (void)apdev; }
static struct ap_driver default_driver = {
  .driver = { .name = "cex4queue" },
  .flags = AP_DRIVER_FLAG_DEFAULT,
  .probe = default_probe,
  .remove = default_remove,
};
static struct ap_driver* vfio_driver;

#define KSHIM_APQNS (256 * 256)
static struct ap_queue* queue_dev[KSHIM_APQNS];
static struct ap_config_info bus_info; /* the configuration the bus last scanned */

int ap_driver_register(struct ap_driver* ap_drv, struct module* owner, char* name) {
  (void)owner;
  ap_drv->driver.name = name;
  vfio_driver = ap_drv;
  return 0;
}
void ap_driver_unregister(struct ap_driver* ap_drv) {
  if (vfio_driver == ap_drv) vfio_driver = NULL;
}

struct ap_queue* ap_get_qdev(ap_qid_t qid) {
  struct ap_queue* q = queue_dev[qid & 0xffff];
  if (q) get_device(&q->ap_dev.device);
  return q;
}

int ap_apqn_in_matrix_owned_by_def_drv(unsigned long* apm, unsigned long* aqm) {
  for (unsigned long a = 0; a < AP_DEVICES; a++) {
    if (!test_bit_inv(a, apm) || !test_bit_inv(a, ap_perms.apm)) continue;
    for (unsigned long d = 0; d < AP_DOMAINS; d++)
      if (test_bit_inv(d, aqm) && test_bit_inv(d, ap_perms.aqm)) return 1;
  }
  return 0;
}

int ap_owned_by_def_drv(int card, int queue) {
  if (card < 0 || card >= AP_DEVICES || queue < 0 || queue >= AP_DOMAINS) return 0;
  return test_bit_inv((unsigned long)card, ap_perms.apm) && test_bit_inv((unsigned long)queue, ap_perms.aqm);
}

/* ap_hex2bitmap: a hex string, optionally "0x"-prefixed, sets bits MSB-0 from bit 0, four per
 * digit, up to `bits`; an optional newline may follow; anything else is -EINVAL. Bits not
 * named keep their value (callers clear the map first). */
int ap_hex2bitmap(const char* str, unsigned long* bitmap, int bits) {
  if (bits % 8) return -EINVAL;
  if (str[0] == '0' && str[1] == 'x') str++;
  if (*str == 'x') str++;
  int i = 0;
  for (; hex_to_bin((unsigned char)*str) >= 0 && i < bits; str++) {
    int v = hex_to_bin((unsigned char)*str);
    for (int n = 0; n < 4; n++)
      if (v & (0x8 >> n)) set_bit_inv((unsigned long)(i + n), bitmap);
    i += 4;
  }
  if (*str == '\n') str++;
  return *str ? -EINVAL : 0;
}

/* The relative syntax: a list of +ID, -ID, +A-B, -A-B (IDs in any base simple_strtoul takes)
 * separated by commas or newlines, applied in order to a copy of the current mask. */
static int modify_mask(const char* str, unsigned long* map, int bits) {
  while (*str) {
    char sign = *str++;
    if (sign != '+' && sign != '-') return -EINVAL;
    char* end;
    unsigned long a = simple_strtoul(str, &end, 0), z = a;
    if (end == str || a >= (unsigned long)bits) return -EINVAL;
    str = end;
    if (*str == '-') {
      str++;
      z = simple_strtoul(str, &end, 0);
      if (end == str || a > z || z >= (unsigned long)bits) return -EINVAL;
      str = end;
    }
    for (unsigned long i = a; i <= z; i++) {
      if (sign == '+') set_bit_inv(i, map);
      else clear_bit_inv(i, map);
    }
    while (*str == ',' || *str == '\n') str++;
  }
  return 0;
}

static bool reserved(unsigned int apqn) {
  return test_bit_inv(AP_QID_CARD(apqn), ap_perms.apm) && test_bit_inv(AP_QID_QUEUE(apqn), ap_perms.aqm);
}

static void queue_release(struct device* dev) { free(to_ap_queue(dev)); }

/* Binds device `q` to `drv`: the driver core sets the device's driver before the bus probe. */
static int attach(struct ap_queue* q, struct ap_driver* drv) {
  q->ap_dev.device.driver = &drv->driver;
  int rc = drv->probe(&q->ap_dev);
  if (rc) q->ap_dev.device.driver = NULL;
  return rc;
}
static void detach(struct ap_queue* q) {
  struct device_driver* d = q->ap_dev.device.driver;
  if (!d) return;
  struct ap_driver* drv = to_ap_drv(d);
  drv->remove(&q->ap_dev);
  q->ap_dev.device.driver = NULL;
}
static struct ap_driver* owner_of(unsigned int apqn) { return reserved(apqn) ? &default_driver : vfio_driver; }

static int add_queue_device(unsigned int apqn) {
  struct ap_queue* q = calloc(1, sizeof *q);
  if (!q) return -ENOMEM;
  q->qid = apqn;
  q->config = true;
  q->ap_dev.device_type = AP_DEVICE_TYPE_CEX4 + 3;
  dev_set_name(&q->ap_dev.device, "%02x.%04x", AP_QID_CARD(apqn), AP_QID_QUEUE(apqn));
  q->ap_dev.device.release = queue_release;
  device_register(&q->ap_dev.device);
  queue_dev[apqn] = q;
  int rc = attach(q, owner_of(apqn));
  if (rc) kshim_log("harness", "probe of %02x.%04x failed: %d (left unbound)", AP_QID_CARD(apqn), AP_QID_QUEUE(apqn), rc);
  return 0;
}
static void remove_queue_device(unsigned int apqn) {
  struct ap_queue* q = queue_dev[apqn];
  if (!q) return;
  detach(q);
  queue_dev[apqn] = NULL;
  device_unregister(&q->ap_dev.device);
}

/* Calls fn(apqn) for every APQN the bus scans under `info` (configured, within the bus's
 * maximum IDs), ascending. */
#define for_each_scanned_apqn(info, apqn, body)                                                  \
  do {                                                                                          \
    unsigned long a_, d_;                                                                       \
    for_each_set_bit_inv(a_, (const unsigned long*)(info)->apm, kshim_fw_max_adapter() + 1UL)   \
      for_each_set_bit_inv(d_, (const unsigned long*)(info)->aqm, kshim_fw_max_domain() + 1UL) { \
        unsigned int apqn = AP_MKQID(a_, d_);                                                   \
        body;                                                                                   \
      }                                                                                         \
  } while (0)

/* Whether the bus has (or would have) a device for `apqn` under `info`. */
static bool in_scan(const struct ap_config_info* info, unsigned int apqn) {
  unsigned int a = AP_QID_CARD(apqn), d = AP_QID_QUEUE(apqn);
  return a <= kshim_fw_max_adapter() && d <= kshim_fw_max_domain() && test_bit_inv(a, (const unsigned long*)info->apm) &&
         test_bit_inv(d, (const unsigned long*)info->aqm);
}

int kshim_bus_init(void) {
  memset(queue_dev, 0, sizeof queue_dev);
  bitmap_fill(ap_perms.apm, AP_DEVICES);
  bitmap_fill(ap_perms.aqm, AP_DOMAINS);
  bitmap_fill(ap_perms.adm, AP_DOMAINS);
  mutex_init_named(&ap_perms_mutex, "ap_perms_mutex");
  kshim_fw_qci(&bus_info);
  int rc = 0;
  for_each_scanned_apqn(&bus_info, apqn, if (!rc) rc = add_queue_device(apqn));
  return rc;
}

void kshim_bus_destroy(void) {
  for_each_scanned_apqn(&bus_info, apqn, remove_queue_device(apqn));
}

int kshim_bus_config_change(const unsigned long apm[4], const unsigned long aqm[4], const unsigned long adm[4]) {
  struct ap_config_info old_info = bus_info, new_info;
  kshim_fw_set_config(apm, aqm, adm);
  kshim_fw_qci(&new_info);
  if (vfio_driver && vfio_driver->on_config_changed) vfio_driver->on_config_changed(&new_info, &old_info);
  bus_info = new_info;
  for_each_scanned_apqn(&old_info, apqn, if (queue_dev[apqn] && !in_scan(&new_info, apqn)) remove_queue_device(apqn));
  int rc = 0;
  for_each_scanned_apqn(&new_info, apqn, if (!rc && !queue_dev[apqn]) rc = add_queue_device(apqn));
  if (rc) return rc;
  if (vfio_driver && vfio_driver->on_scan_complete) vfio_driver->on_scan_complete(&new_info, &old_info);
  return 0;
}

static struct ap_driver* driver_by_number(int driver) { return driver == 2 ? vfio_driver : &default_driver; }

int kshim_bus_bind(unsigned int apqn, int driver) {
  struct ap_queue* q = queue_dev[apqn & 0xffff];
  if (!q) return -ENODEV;
  if (q->ap_dev.device.driver) return -EBUSY;
  struct ap_driver* drv = driver_by_number(driver);
  /* ap_device_probe: a queue goes only to the driver its ownership names. */
  if ((drv == &default_driver) != reserved(apqn)) return -ENODEV;
  return attach(q, drv);
}

int kshim_bus_unbind(unsigned int apqn, int driver) {
  struct ap_queue* q = queue_dev[apqn & 0xffff];
  if (!q || !q->ap_dev.device.driver || q->ap_dev.device.driver != &driver_by_number(driver)->driver) return -ENODEV;
  detach(q);
  return 0;
}

int kshim_bus_mask_store(int which, const char* text, size_t len) {
  char* buf = kstrndup(text, len, GFP_KERNEL); /* sysfs hands stores a NUL-terminated copy */
  if (!buf) return -ENOMEM;
  unsigned long* cur = which == 0 ? ap_perms.apm : ap_perms.aqm;
  DECLARE_BITMAP(newmask, AP_DEVICES);
  int rc;
  mutex_lock(&ap_perms_mutex);
  if (buf[0] == '+' || buf[0] == '-') {
    bitmap_copy(newmask, cur, AP_DEVICES);
    rc = modify_mask(buf, newmask, AP_DEVICES);
  } else {
    bitmap_zero(newmask, AP_DEVICES);
    rc = ap_hex2bitmap(buf, newmask, AP_DEVICES);
  }
  kfree(buf);
  bool changed = false;
  if (rc == 0 && !bitmap_equal(newmask, cur, AP_DEVICES)) {
    DECLARE_BITMAP(newly, AP_DEVICES);
    if (bitmap_andnot(newly, newmask, cur, AP_DEVICES) && vfio_driver && vfio_driver->in_use) {
      int busy = which == 0 ? vfio_driver->in_use(newly, ap_perms.aqm) : vfio_driver->in_use(ap_perms.apm, newly);
      if (busy) rc = -EBUSY;
    }
    if (rc == 0) {
      bitmap_copy(cur, newmask, AP_DEVICES);
      changed = true;
    }
  }
  mutex_unlock(&ap_perms_mutex);
  if (rc || !changed) return rc;
  /* Revise the bindings: every bound device whose owner changed is re-probed. */
  for_each_scanned_apqn(&bus_info, apqn, {
    struct ap_queue* q = queue_dev[apqn];
    if (!q || !q->ap_dev.device.driver) continue;
    struct ap_driver* owner = owner_of(apqn);
    if (q->ap_dev.device.driver == &owner->driver) continue;
    detach(q);
    int prc = attach(q, owner);
    if (prc) kshim_log("harness", "re-probe of %02x.%04x failed: %d (left unbound)", AP_QID_CARD(apqn), AP_QID_QUEUE(apqn), prc);
  });
  return 0;
}

int kshim_bus_mask_show(int which, char* buf) {
  const unsigned long* m = which == 0 ? ap_perms.apm : ap_perms.aqm;
  return sysfs_emit(buf, "0x%016lx%016lx%016lx%016lx\n", m[0], m[1], m[2], m[3]);
}

int kshim_bus_queue_status_show(unsigned int apqn, char* buf) {
  struct ap_queue* q = queue_dev[apqn & 0xffff];
  if (!q || !vfio_driver || q->ap_dev.device.driver != &vfio_driver->driver) return -ENOENT;
  for (size_t g = 0; g < ARRAY_SIZE(q->ap_dev.device.kobj.groups); g++) {
    const struct attribute_group* grp = q->ap_dev.device.kobj.groups[g];
    if (!grp) continue;
    for (struct attribute** a = grp->attrs; *a; a++) {
      if (strcmp((*a)->name, "status") != 0) continue;
      struct device_attribute* da = container_of(*a, struct device_attribute, attr);
      ssize_t n = da->show(&q->ap_dev.device, da, buf);
      return (int)n;
    }
  }
  return -ENOENT;
}
