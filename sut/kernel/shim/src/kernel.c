// SPDX-License-Identifier: GPL-2.0
/*
 * The generic kernel services of kshim/kernel.h: memory, strings, bitmaps, locks, the virtual
 * clock, work queues, devices and sysfs groups, the kernel log, the debug feature, eventfd.
 */
#include "kshim/harness.h"

/* ---- the kernel log ----------------------------------------------------------------------- */
unsigned long kshim_warn_count;
static char* log_text;
static size_t log_len, log_cap;
#define KSHIM_LOG_LIMIT (1u << 20) /* keep the newest megabyte */

void kshim_log(const char* level, const char* fmt, ...) {
  char line[1024];
  int n = snprintf(line, sizeof line, "<%s> ", level);
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  size_t len = strnlen(line, sizeof line - 1);
  if (len == 0 || line[len - 1] != '\n') {
    if (len < sizeof line - 1) line[len++] = '\n';
  }
  if (log_len + len + 1 > KSHIM_LOG_LIMIT) log_len = 0; /* wrap: the newest lines matter */
  if (log_len + len + 1 > log_cap) {
    size_t cap = log_cap ? log_cap * 2 : 4096;
    while (cap < log_len + len + 1) cap *= 2;
    char* grown = realloc(log_text, cap);
    if (!grown) abort();
    log_text = grown;
    log_cap = cap;
  }
  memcpy(log_text + log_len, line, len);
  log_len += len;
  log_text[log_len] = '\0';
  if (getenv("APCB_KERNEL_LOG")) fputs(line, stderr);
}

const char* kshim_log_text(void) { return log_text ? log_text : ""; }
static void release_log(void) {
  free(log_text);
  log_text = NULL;
  log_len = log_cap = 0;
}
void kshim_log_clear(void) {
  log_len = 0;
  if (log_text) log_text[0] = '\0';
}

void kshim_release_events(void);
void kshim_release_buffers(void) {
  release_log();
  kshim_release_events();
}

void kshim_fatal(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("apcb-kernel: fatal: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (log_len) fprintf(stderr, "apcb-kernel: kernel log before it:\n%s", log_text);
  abort();
}

/* ---- memory and strings ------------------------------------------------------------------- */
void* kmalloc(size_t size, gfp_t flags) {
  (void)flags;
  return malloc(size ? size : 1);
}
void* kzalloc(size_t size, gfp_t flags) {
  (void)flags;
  return calloc(1, size ? size : 1);
}
void* kcalloc(size_t n, size_t size, gfp_t flags) {
  (void)flags;
  return calloc(n ? n : 1, size ? size : 1);
}
void kfree(const void* p) { free((void*)p); }
char* kstrdup(const char* s, gfp_t flags) {
  (void)flags;
  return s ? strdup(s) : NULL;
}
char* kstrndup(const char* s, size_t max, gfp_t flags) {
  (void)flags;
  return s ? strndup(s, max) : NULL;
}

/* strsep: the token up to the first byte of `ct`, which is overwritten by NUL; *s moves past
 * it, or becomes NULL at the end of the string. */
char* strsep(char** s, const char* ct) {
  char* start = *s;
  if (!start) return NULL;
  char* end = start + strcspn(start, ct);
  if (*end) {
    *end = '\0';
    *s = end + 1;
  } else {
    *s = NULL;
  }
  return start;
}

/* scnprintf: like snprintf, but returns what was written (without the NUL), never more than
 * size - 1, and 0 for a zero size. */
int vscnprintf(char* buf, size_t size, const char* fmt, va_list args) {
  if (size == 0) return 0;
  int n = vsnprintf(buf, size, fmt, args);
  if (n < 0) return 0;
  return (size_t)n < size ? n : (int)(size - 1);
}
int scnprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vscnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

int hex_to_bin(unsigned char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* simple_strtoul: as many digits as parse (base 0: 0x → 16, 0 → 8, else 10), no error. */
unsigned long simple_strtoul(const char* cp, char** endp, unsigned int base) {
  if (base == 0) {
    if (cp[0] == '0' && (cp[1] == 'x' || cp[1] == 'X') && hex_to_bin((unsigned char)cp[2]) >= 0) {
      base = 16;
      cp += 2;
    } else if (cp[0] == '0') {
      base = 8;
    } else {
      base = 10;
    }
  } else if (base == 16 && cp[0] == '0' && (cp[1] == 'x' || cp[1] == 'X')) {
    cp += 2;
  }
  unsigned long result = 0;
  for (;;) {
    int v = hex_to_bin((unsigned char)*cp);
    if (v < 0 || (unsigned int)v >= base) break;
    result = result * base + (unsigned int)v;
    cp++;
  }
  if (endp) *endp = (char*)cp;
  return result;
}

/* ---- bitmaps ------------------------------------------------------------------------------ */
unsigned long find_next_bit_inv(const unsigned long* addr, unsigned long size, unsigned long offset) {
  for (unsigned long i = offset; i < size; i++)
    if (test_bit_inv(i, addr)) return i;
  return size;
}
static unsigned int words(unsigned int nbits) { return BITS_TO_LONGS(nbits); }
/* The mask of the valid bits of the last word (plain numbering). */
static unsigned long last_word_mask(unsigned int nbits) {
  return nbits % BITS_PER_LONG ? (1UL << (nbits % BITS_PER_LONG)) - 1 : ~0UL;
}
void bitmap_zero(unsigned long* dst, unsigned int nbits) { memset(dst, 0, words(nbits) * sizeof(long)); }
void bitmap_fill(unsigned long* dst, unsigned int nbits) { memset(dst, 0xff, words(nbits) * sizeof(long)); }
void bitmap_copy(unsigned long* dst, const unsigned long* src, unsigned int nbits) {
  memmove(dst, src, words(nbits) * sizeof(long));
}
bool bitmap_and(unsigned long* dst, const unsigned long* a, const unsigned long* b, unsigned int nbits) {
  unsigned long any = 0;
  for (unsigned int i = 0; i < words(nbits); i++) {
    dst[i] = a[i] & b[i];
    any |= i + 1 == words(nbits) ? dst[i] & last_word_mask(nbits) : dst[i];
  }
  return any != 0;
}
void bitmap_or(unsigned long* dst, const unsigned long* a, const unsigned long* b, unsigned int nbits) {
  for (unsigned int i = 0; i < words(nbits); i++) dst[i] = a[i] | b[i];
}
bool bitmap_andnot(unsigned long* dst, const unsigned long* a, const unsigned long* b, unsigned int nbits) {
  unsigned long any = 0;
  for (unsigned int i = 0; i < words(nbits); i++) {
    dst[i] = a[i] & ~b[i];
    any |= i + 1 == words(nbits) ? dst[i] & last_word_mask(nbits) : dst[i];
  }
  return any != 0;
}
bool bitmap_equal(const unsigned long* a, const unsigned long* b, unsigned int nbits) {
  for (unsigned int i = 0; i < words(nbits); i++) {
    unsigned long m = i + 1 == words(nbits) ? last_word_mask(nbits) : ~0UL;
    if ((a[i] ^ b[i]) & m) return false;
  }
  return true;
}
bool bitmap_intersects(const unsigned long* a, const unsigned long* b, unsigned int nbits) {
  for (unsigned int i = 0; i < words(nbits); i++) {
    unsigned long m = i + 1 == words(nbits) ? last_word_mask(nbits) : ~0UL;
    if (a[i] & b[i] & m) return true;
  }
  return false;
}
bool bitmap_subset(const unsigned long* a, const unsigned long* b, unsigned int nbits) {
  for (unsigned int i = 0; i < words(nbits); i++) {
    unsigned long m = i + 1 == words(nbits) ? last_word_mask(nbits) : ~0UL;
    if (a[i] & ~b[i] & m) return false;
  }
  return true;
}
bool bitmap_empty(const unsigned long* src, unsigned int nbits) {
  for (unsigned int i = 0; i < words(nbits); i++) {
    unsigned long m = i + 1 == words(nbits) ? last_word_mask(nbits) : ~0UL;
    if (src[i] & m) return false;
  }
  return true;
}
bool bitmap_full(const unsigned long* src, unsigned int nbits) {
  for (unsigned int i = 0; i < words(nbits); i++) {
    unsigned long m = i + 1 == words(nbits) ? last_word_mask(nbits) : ~0UL;
    if ((~src[i]) & m) return false;
  }
  return true;
}
void bitmap_clear(unsigned long* map, unsigned int start, unsigned int len) {
  for (unsigned int i = start; i < start + len; i++) clear_bit(i, map);
}
void bitmap_set(unsigned long* map, unsigned int start, unsigned int len) {
  for (unsigned int i = start; i < start + len; i++) set_bit(i, map);
}

/* ---- locks -------------------------------------------------------------------------------- */
/* Every mutex the driver initialised, so that the harness can check none is left held. */
#define KSHIM_MAX_MUTEXES 4096
static struct mutex* held[KSHIM_MAX_MUTEXES];
static size_t held_count;

void mutex_init_named(struct mutex* m, const char* name) {
  m->locked = 0;
  m->name = name;
}
void mutex_lock(struct mutex* m) {
  if (m->locked)
    kshim_fatal("deadlock: mutex %s taken while held (the harness is single-threaded; a real "
                "kernel would block forever)", m->name ? m->name : "?");
  m->locked = 1;
  if (held_count < KSHIM_MAX_MUTEXES) held[held_count++] = m;
}
int mutex_lock_interruptible(struct mutex* m) {
  mutex_lock(m);
  return 0;
}
void mutex_unlock(struct mutex* m) {
  if (!m->locked) kshim_fatal("mutex %s released while free", m->name ? m->name : "?");
  m->locked = 0;
  for (size_t i = held_count; i-- > 0;) {
    if (held[i] == m) {
      held[i] = held[--held_count];
      break;
    }
  }
}
bool mutex_is_locked(struct mutex* m) { return m->locked != 0; }
void kshim_check_no_lock_held(void) {
  if (held_count)
    kshim_fatal("mutex %s still held after the operation", held[0]->name ? held[0]->name : "?");
}
void init_rwsem(struct rw_semaphore* s) { s->writer = s->readers = 0; }
void down_write(struct rw_semaphore* s) {
  if (s->writer || s->readers) kshim_fatal("deadlock: rw_semaphore taken for writing while held");
  s->writer = 1;
}
void up_write(struct rw_semaphore* s) {
  if (!s->writer) kshim_fatal("rw_semaphore released for writing while not held");
  s->writer = 0;
}
void down_read(struct rw_semaphore* s) {
  if (s->writer) kshim_fatal("deadlock: rw_semaphore taken for reading while written");
  s->readers++;
}
void up_read(struct rw_semaphore* s) {
  if (!s->readers) kshim_fatal("rw_semaphore released for reading while not held");
  s->readers--;
}

/* ---- the virtual clock -------------------------------------------------------------------- */
unsigned long jiffies;
static unsigned long slept_this_operation_ms;
void kshim_clock_begin_operation(void) { slept_this_operation_ms = 0; }
void msleep(unsigned int msecs) {
  slept_this_operation_ms += msecs;
  jiffies += DIV_ROUND_UP(msecs * HZ, 1000u);
  if (slept_this_operation_ms > KSHIM_SLEEP_LIMIT_MS)
    kshim_fatal("the driver slept for more than %u s of virtual time in one operation: it waits "
                "for something that never happens (hang)", KSHIM_SLEEP_LIMIT_MS / 1000u);
}
void usleep_range(unsigned long min_us, unsigned long max_us) {
  (void)max_us;
  msleep((unsigned int)DIV_ROUND_UP(min_us, 1000u));
}

/* ---- work queues -------------------------------------------------------------------------- */
static struct workqueue_struct system_wq_storage = { "events" };
static struct workqueue_struct system_long_wq_storage = { "events_long" };
struct workqueue_struct* system_wq = &system_wq_storage;
struct workqueue_struct* system_long_wq = &system_long_wq_storage;
static LIST_HEAD(pending_work);

bool queue_work(struct workqueue_struct* wq, struct work_struct* work) {
  (void)wq;
  if (work->pending) return false;
  work->pending = true;
  list_add_tail(&work->entry, &pending_work);
  return true;
}
static void run_work(struct work_struct* work) {
  list_del_init(&work->entry);
  work->pending = false;
  work->func(work);
}
bool flush_work(struct work_struct* work) {
  if (!work->pending) return false;
  run_work(work);
  return true;
}
bool cancel_work_sync(struct work_struct* work) {
  if (!work->pending) return false;
  list_del_init(&work->entry);
  work->pending = false;
  return true;
}
void kshim_run_pending_work(void) {
  while (!list_empty(&pending_work)) run_work(list_first_entry(&pending_work, struct work_struct, entry));
}

/* ---- devices and sysfs -------------------------------------------------------------------- */
void device_initialize(struct device* dev) { refcount_set(&dev->refs, 1); }
/* The driver core's bookkeeping, as far as sysfs needs it: the devices on a bus and the drivers
 * registered for it, so a device is bound to its bus's driver (whichever registers second binds,
 * as the core does for a bus without a match function) and shows that driver's dev_groups. */
static struct device* bus_devices[16];
static struct device_driver* bus_drivers[16];

static bool driver_matches(struct device* dev, struct device_driver* drv) {
  return dev->bus && dev->bus == drv->bus && (!drv->bus->match || drv->bus->match(dev, drv));
}

int device_add(struct device* dev) {
  dev->registered = true;
  if (!dev->bus) return 0;
  for (size_t i = 0; i < ARRAY_SIZE(bus_devices); i++) {
    if (bus_devices[i]) continue;
    bus_devices[i] = dev;
    for (size_t d = 0; d < ARRAY_SIZE(bus_drivers); d++)
      if (bus_drivers[d] && !dev->driver && driver_matches(dev, bus_drivers[d])) dev->driver = bus_drivers[d];
    return 0;
  }
  kshim_fatal("more than %zu devices on buses", ARRAY_SIZE(bus_devices));
  return -ENOSPC;
}

struct device* kshim_bus_device(const char* bus_name) {
  for (size_t i = 0; i < ARRAY_SIZE(bus_devices); i++)
    if (bus_devices[i] && strcmp(bus_devices[i]->bus->name, bus_name) == 0) return bus_devices[i];
  return NULL;
}

static struct device_attribute* attr_in(const struct attribute_group** groups, const char* name) {
  for (; groups && *groups; groups++)
    for (struct attribute** a = (*groups)->attrs; a && *a; a++)
      if (strcmp((*a)->name, name) == 0) return container_of(*a, struct device_attribute, attr);
  return NULL;
}

struct device_attribute* kshim_device_attr(struct device* dev, const char* name) {
  struct device_attribute* attr = attr_in(dev->groups, name);
  if (!attr && dev->driver) attr = attr_in(dev->driver->dev_groups, name);
  return attr;
}
int device_register(struct device* dev) {
  device_initialize(dev);
  return device_add(dev);
}
void device_del(struct device* dev) {
  dev->registered = false;
  for (size_t i = 0; i < ARRAY_SIZE(bus_devices); i++)
    if (bus_devices[i] == dev) bus_devices[i] = NULL;
  dev->driver = NULL;
}
void device_unregister(struct device* dev) {
  device_del(dev);
  put_device(dev);
}
struct device* get_device(struct device* dev) {
  if (dev) refcount_inc(&dev->refs);
  return dev;
}
void put_device(struct device* dev) {
  if (!dev) return;
  if (dev->refs.refs == 0) kshim_fatal("put_device(%s): reference count already zero", dev->name);
  if (refcount_dec_and_test(&dev->refs) && dev->release) dev->release(dev);
}
int dev_set_name(struct device* dev, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dev->name, sizeof dev->name, fmt, ap);
  va_end(ap);
  dev->kobj.name = dev->name;
  return 0;
}
static void root_device_release(struct device* dev) { free(dev); }
struct device* root_device_register(const char* name) {
  struct device* root = calloc(1, sizeof *root);
  if (!root) return ERR_PTR(-ENOMEM);
  dev_set_name(root, "%s", name);
  root->release = root_device_release;
  device_register(root);
  return root;
}
void root_device_unregister(struct device* root) { device_unregister(root); }
int bus_register(const struct bus_type* bus) {
  (void)bus;
  return 0;
}
void bus_unregister(const struct bus_type* bus) { (void)bus; }
int driver_register(struct device_driver* drv) {
  for (size_t i = 0; i < ARRAY_SIZE(bus_drivers); i++) {
    if (bus_drivers[i]) continue;
    bus_drivers[i] = drv;
    for (size_t d = 0; d < ARRAY_SIZE(bus_devices); d++)
      if (bus_devices[d] && !bus_devices[d]->driver && driver_matches(bus_devices[d], drv)) bus_devices[d]->driver = drv;
    return 0;
  }
  kshim_fatal("more than %zu drivers on buses", ARRAY_SIZE(bus_drivers));
  return -ENOSPC;
}
void driver_unregister(struct device_driver* drv) {
  for (size_t i = 0; i < ARRAY_SIZE(bus_drivers); i++)
    if (bus_drivers[i] == drv) bus_drivers[i] = NULL;
  for (size_t d = 0; d < ARRAY_SIZE(bus_devices); d++)
    if (bus_devices[d] && bus_devices[d]->driver == drv) bus_devices[d]->driver = NULL;
}

int sysfs_create_group(struct kobject* kobj, const struct attribute_group* grp) {
  for (size_t i = 0; i < ARRAY_SIZE(kobj->groups); i++) {
    if (kobj->groups[i] == grp) return -EEXIST;
  }
  for (size_t i = 0; i < ARRAY_SIZE(kobj->groups); i++) {
    if (!kobj->groups[i]) {
      kobj->groups[i] = grp;
      return 0;
    }
  }
  return -ENOSPC;
}
void sysfs_remove_group(struct kobject* kobj, const struct attribute_group* grp) {
  for (size_t i = 0; i < ARRAY_SIZE(kobj->groups); i++) {
    if (kobj->groups[i] == grp) kobj->groups[i] = NULL;
  }
}
int sysfs_emit(char* buf, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vscnprintf(buf, PAGE_SIZE, fmt, ap);
  va_end(ap);
  return n;
}
int sysfs_emit_at(char* buf, int at, const char* fmt, ...) {
  if (at < 0 || (size_t)at >= PAGE_SIZE) {
    KSHIM_WARN_HIT("sysfs_emit_at: invalid offset %d", at);
    return 0;
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vscnprintf(buf + at, PAGE_SIZE - (size_t)at, fmt, ap);
  va_end(ap);
  return n;
}

/* ---- facilities, debug feature, eventfd --------------------------------------------------- */
int test_facility(unsigned long nr) { return nr == 12 || nr == 65; }

struct debug_view debug_sprintf_view = { "sprintf" };
debug_info_t* debug_register(const char* name, int pages, int nr_areas, int buf_size) {
  (void)pages, (void)nr_areas, (void)buf_size;
  debug_info_t* id = calloc(1, sizeof *id);
  if (id) id->name = name;
  return id;
}
void debug_unregister(debug_info_t* id) { free(id); }
int debug_register_view(debug_info_t* id, struct debug_view* view) {
  (void)id, (void)view;
  return 0;
}
void debug_set_level(debug_info_t* id, int new_level) {
  if (id) id->level = new_level;
}

/* The harness has no file descriptors to hand out: an eventfd the driver is given is a
 * counter the harness can read (VFIO_DEVICE_SET_IRQS is not in apcb's alphabet). */
struct eventfd_ctx* eventfd_ctx_fdget(int fd) {
  struct eventfd_ctx* ctx = calloc(1, sizeof *ctx);
  if (!ctx) return ERR_PTR(-ENOMEM);
  ctx->fd = fd;
  return ctx;
}
void eventfd_ctx_put(struct eventfd_ctx* ctx) { free(ctx); }
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
void eventfd_signal(struct eventfd_ctx* ctx) { ctx->signals++; }
#else
__u64 eventfd_signal(struct eventfd_ctx* ctx, __u64 n) {
  ctx->signals += n;
  return n;
}
#endif
