/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim/kernel.h — the kernel services the vfio_ap driver uses, implemented in user space.
 *
 * Written for apcb from the kernel's documented interfaces (Documentation/core-api, the
 * function contracts in the kernel-doc comments), not copied from the kernel. Every
 * <linux/...> and <asm/...> header the driver includes is a one-line file in this folder that
 * includes this header, except <asm/ap.h> (kshim/ap.h: the AP instructions, answered by the
 * simulated firmware) and the headers taken from the kernel tree itself at build time
 * (<linux/ctype.h>, <linux/kstrtox.h>, <uapi/linux/vfio.h>; see sut/kernel/README.md).
 *
 * The harness is single-threaded: a mutex that is taken twice, released while free or
 * asserted held while free is a finding about the driver and stops the run with a message
 * (kshim_fatal), as lockdep would report it.
 *
 * Version differences between the kernels the shim supports are absorbed here by
 * LINUX_VERSION_CODE (set by the build from the tree's Makefile).
 */
#ifndef KSHIM_KERNEL_H_
#define KSHIM_KERNEL_H_

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "kshim/version.h"

/* ---- compiler ---------------------------------------------------------------------------- */
#define __init
#define __exit
#define __user
#define __iomem
#define __rcu
#define __force
#define __must_check __attribute__((warn_unused_result))
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define noinline __attribute__((noinline))
#define __aligned(x) __attribute__((aligned(x)))
#define __packed __attribute__((packed))
#define __maybe_unused __attribute__((unused))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#ifndef __attribute_const__
#define __attribute_const__ __attribute__((const))
#endif
#ifndef fallthrough
#define fallthrough __attribute__((fallthrough))
#endif
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(volatile __typeof__(x)*)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x)*)&(x) = (v))
#define BUILD_BUG_ON(c) _Static_assert(!(c), "BUILD_BUG_ON: " #c)
#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int : (-!!(e)); })))
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type*)((char*)(ptr)-offsetof(type, member)))
#define container_of_const(ptr, type, member) container_of(ptr, type, member)
#define offsetofend(TYPE, MEMBER) (offsetof(TYPE, MEMBER) + sizeof(((TYPE*)0)->MEMBER))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#define U8_MAX ((u8)~0U)
#define S8_MAX ((s8)(U8_MAX >> 1))
#define S8_MIN ((s8)(-S8_MAX - 1))
#define U16_MAX ((u16)~0U)
#define S16_MAX ((s16)(U16_MAX >> 1))
#define S16_MIN ((s16)(-S16_MAX - 1))
#define U32_MAX ((u32)~0U)

/* ---- types ------------------------------------------------------------------------------- */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64; /* as the kernel has it on every architecture */
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef unsigned long long __u64;
typedef int8_t __s8;
typedef int16_t __s16;
typedef int32_t __s32;
typedef long long __s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
typedef uint16_t __be16;
typedef uint32_t __be32;
typedef uint64_t __be64;
typedef unsigned long long __aligned_u64 __attribute__((aligned(8)));
typedef u64 dma_addr_t;
typedef u64 phys_addr_t;
typedef u64 gfn_t;
typedef unsigned long hva_t;
typedef unsigned int gfp_t;
typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
typedef struct { int locked; } spinlock_t;
typedef struct { unsigned int refs; } refcount_t;
typedef struct { u8 b[16]; } guid_t;
typedef struct { u8 b[16]; } uuid_t;
#define UUID_STRING_LEN 36

#define GFP_KERNEL 0u
#define GFP_ATOMIC 1u
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define HZ 100
#define BITS_PER_LONG 64
#define BITS_PER_BYTE 8
#define BITS_TO_LONGS(n) DIV_ROUND_UP(n, BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]
#define IOMMU_READ 1
#define IOMMU_WRITE 2
#define ERESTARTSYS 512
#define ENOTSUPP 524

static inline u32 le32_to_cpup(const __le32* p) { return *p; }
static inline u16 le16_to_cpup(const __le16* p) { return *p; }

/* ---- errors as pointers ------------------------------------------------------------------ */
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((unsigned long)(void*)(x) >= (unsigned long)-MAX_ERRNO)
static inline void* ERR_PTR(long error) { return (void*)error; }
static inline long PTR_ERR(const void* ptr) { return (long)ptr; }
static inline bool IS_ERR(const void* ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void* ptr) { return !ptr || IS_ERR(ptr); }

/* ---- diagnostics ------------------------------------------------------------------------- */
/* A condition the kernel would report with a stack trace and go on from (WARN*), or one it
 * could not go on from (BUG, a deadlock): recorded in the harness's kernel log; fatal ones
 * stop the process with the message, so that apcb reports the step. */
void kshim_log(const char* level, const char* fmt, ...) __printf(2, 3);
void kshim_fatal(const char* fmt, ...) __printf(1, 2) __attribute__((noreturn));
/* How many WARN/WARN_ON/WARN_ONCE fired since the instance started (a finding to report). */
extern unsigned long kshim_warn_count;

#define KSHIM_WARN_HIT(fmt, ...) (kshim_warn_count++, kshim_log("WARNING", fmt, ##__VA_ARGS__))
#define WARN(cond, fmt, ...)                                                   \
  ({                                                                           \
    int __ret_warn = !!(cond);                                                 \
    if (unlikely(__ret_warn)) KSHIM_WARN_HIT("%s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__); \
    unlikely(__ret_warn);                                                      \
  })
#define WARN_ON(cond)                                                          \
  ({                                                                           \
    int __ret_warn = !!(cond);                                                 \
    if (unlikely(__ret_warn)) KSHIM_WARN_HIT("%s:%d: WARN_ON(%s)", __FILE__, __LINE__, #cond); \
    unlikely(__ret_warn);                                                      \
  })
/* Once per call site, as in the kernel: the flag is a static of the expansion. */
#define WARN_ONCE(cond, fmt, ...)                                              \
  ({                                                                           \
    static bool __warned;                                                      \
    int __ret_warn_once = !!(cond);                                            \
    if (unlikely(__ret_warn_once && !__warned)) {                              \
      __warned = true;                                                         \
      KSHIM_WARN_HIT("%s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__);         \
    }                                                                          \
    unlikely(__ret_warn_once);                                                 \
  })
#define WARN_ON_ONCE(cond) WARN_ONCE(cond, "WARN_ON_ONCE(%s)", #cond)
#define BUG_ON(cond) do { if (unlikely(cond)) kshim_fatal("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)
#define pr_fmt(fmt) fmt
#define pr_err(fmt, ...) kshim_log("err", fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) kshim_log("warn", fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) kshim_log("notice", fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) kshim_log("info", fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) do { } while (0)
#define pr_notice_ratelimited(fmt, ...) kshim_log("notice", fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...) kshim_log("warn", fmt, ##__VA_ARGS__)
#define printk(fmt, ...) kshim_log("printk", fmt, ##__VA_ARGS__)

/* ---- modules ----------------------------------------------------------------------------- */
struct module { const char* name; };
#define THIS_MODULE ((struct module*)0)
#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "vfio_ap"
#endif
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_LICENSE(x)
#define MODULE_ALIAS(x)
#define MODULE_DEVICE_TABLE(t, n)
#define MODULE_IMPORT_NS(ns)
/* The harness calls the driver's init and exit functions through these (kshim/harness.h). */
#define module_init(fn) int (*const kshim_module_init_fn)(void) = fn;
#define module_exit(fn) void (*const kshim_module_exit_fn)(void) = fn;

/* ---- memory and strings ------------------------------------------------------------------ */
void* kmalloc(size_t size, gfp_t flags);
void* kzalloc(size_t size, gfp_t flags);
void* kcalloc(size_t n, size_t size, gfp_t flags);
void kfree(const void* p);
static inline void kfree_sensitive(const void* p) { kfree(p); }
char* kstrdup(const char* s, gfp_t flags);
char* kstrndup(const char* s, size_t max, gfp_t flags);
char* strsep(char** s, const char* ct);
int scnprintf(char* buf, size_t size, const char* fmt, ...) __printf(3, 4);
int vscnprintf(char* buf, size_t size, const char* fmt, va_list args);
unsigned long simple_strtoul(const char* cp, char** endp, unsigned int base);
int hex_to_bin(unsigned char ch);

/* ---- arithmetic -------------------------------------------------------------------------- */
static inline u64 div_u64(u64 dividend, u32 divisor) { return dividend / divisor; }
static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32* rem) {
  *rem = (u32)(dividend % divisor);
  return dividend / divisor;
}
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)

/* ---- user memory (the harness passes plain pointers) -------------------------------------- */
static inline unsigned long copy_from_user(void* to, const void __user* from, unsigned long n) {
  memcpy(to, from, n);
  return 0;
}
static inline unsigned long copy_to_user(void __user* to, const void* from, unsigned long n) {
  memcpy(to, from, n);
  return 0;
}
#define get_user(x, ptr) ({ (x) = *(ptr); 0; })
#define put_user(x, ptr) ({ *(ptr) = (x); 0; })

/* ---- atomics (single-threaded harness) ----------------------------------------------------- */
#define ATOMIC_INIT(i) { (i) }
static inline int atomic_read(const atomic_t* v) { return v->counter; }
static inline void atomic_set(atomic_t* v, int i) { v->counter = i; }
static inline void atomic_inc(atomic_t* v) { v->counter++; }
static inline bool atomic_dec_and_test(atomic_t* v) { return --v->counter == 0; }
static inline void refcount_set(refcount_t* r, unsigned int n) { r->refs = n; }
static inline void refcount_inc(refcount_t* r) { r->refs++; }
static inline bool refcount_dec_and_test(refcount_t* r) { return --r->refs == 0; }
static inline void spin_lock_init(spinlock_t* l) { l->locked = 0; }
static inline void spin_lock(spinlock_t* l) { l->locked = 1; }
static inline void spin_unlock(spinlock_t* l) { l->locked = 0; }
static inline void spin_lock_bh(spinlock_t* l) { l->locked = 1; }
static inline void spin_unlock_bh(spinlock_t* l) { l->locked = 0; }

/* ---- doubly linked lists ------------------------------------------------------------------ */
struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head* l) { l->next = l->prev = l; }
static inline void kshim_list_insert(struct list_head* n, struct list_head* prev, struct list_head* next) {
  next->prev = n;
  n->next = next;
  n->prev = prev;
  prev->next = n;
}
/* list_add: right after the head (a stack); list_add_tail: right before it (a queue). */
static inline void list_add(struct list_head* n, struct list_head* head) { kshim_list_insert(n, head, head->next); }
static inline void list_add_tail(struct list_head* n, struct list_head* head) { kshim_list_insert(n, head->prev, head); }
/* Unlinks the entry and poisons it, so that a use after list_del is caught under ASan. */
static inline void list_del(struct list_head* e) {
  e->next->prev = e->prev;
  e->prev->next = e->next;
  e->next = (struct list_head*)0x100;
  e->prev = (struct list_head*)0x122;
}
static inline void list_del_init(struct list_head* e) {
  e->next->prev = e->prev;
  e->prev->next = e->next;
  INIT_LIST_HEAD(e);
}
static inline bool list_empty(const struct list_head* head) { return head->next == head; }
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry(pos, head, member)                                          \
  for (pos = list_entry((head)->next, __typeof__(*pos), member); &pos->member != (head); \
       pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)                                         \
  for (pos = list_entry((head)->next, __typeof__(*pos), member), n = list_next_entry(pos, member); \
       &pos->member != (head); pos = n, n = list_next_entry(n, member))

/* ---- hash lists and fixed-size hash tables ------------------------------------------------ */
struct hlist_head { struct hlist_node* first; };
struct hlist_node { struct hlist_node *next, **pprev; };
#define INIT_HLIST_HEAD(h) ((h)->first = NULL)
static inline void hlist_add_head(struct hlist_node* n, struct hlist_head* h) {
  n->next = h->first;
  if (h->first) h->first->pprev = &n->next;
  h->first = n;
  n->pprev = &h->first;
}
static inline bool hlist_unhashed(const struct hlist_node* n) { return !n->pprev; }
static inline void hlist_del_init(struct hlist_node* n) {
  if (hlist_unhashed(n)) return;
  *n->pprev = n->next;
  if (n->next) n->next->pprev = n->pprev;
  n->next = NULL;
  n->pprev = NULL;
}
#define hlist_entry_safe(ptr, type, member) \
  ({ __typeof__(ptr) ____ptr = (ptr); ____ptr ? container_of(____ptr, type, member) : NULL; })
#define hlist_for_each_entry(pos, head, member)                                   \
  for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); pos;    \
       pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))

/* The multiplicative hash of the kernel's <linux/hash.h> (golden-ratio constant), so that the
 * order a driver walks a table in is the kernel's order for the same keys. */
#define GOLDEN_RATIO_32 0x61C88647u
static inline u32 hash_32(u32 val, unsigned int bits) { return (val * GOLDEN_RATIO_32) >> (32 - bits); }
#define HASH_BITS(name) (__builtin_ctz(ARRAY_SIZE(name)))
#define DECLARE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)]
#define hash_init(table)                                                           \
  do {                                                                             \
    for (size_t __i = 0; __i < ARRAY_SIZE(table); __i++) INIT_HLIST_HEAD(&(table)[__i]); \
  } while (0)
#define hash_add(table, node, key) hlist_add_head(node, &(table)[hash_32((u32)(key), HASH_BITS(table))])
static inline void hash_del(struct hlist_node* n) { hlist_del_init(n); }
#define hash_for_each(name, bkt, obj, member)                                     \
  for ((bkt) = 0, obj = NULL; obj == NULL && (bkt) < (int)ARRAY_SIZE(name); (bkt)++) \
    hlist_for_each_entry(obj, &(name)[bkt], member)
#define hash_for_each_possible(name, obj, member, key) \
  hlist_for_each_entry(obj, &(name)[hash_32((u32)(key), HASH_BITS(name))], member)

/* ---- bitmaps ------------------------------------------------------------------------------ */
/* Plain bit numbers (LSB-0 inside each long) for the generic operations, and the s390
 * "inverted" numbering, MSB-0: bit n is bit 63 - n%64 of word n/64. */
static inline void set_bit(unsigned long nr, unsigned long* addr) { addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG); }
static inline void clear_bit(unsigned long nr, unsigned long* addr) { addr[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG)); }
static inline bool test_bit(unsigned long nr, const unsigned long* addr) { return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1; }
static inline void set_bit_inv(unsigned long nr, unsigned long* addr) { set_bit(nr ^ (BITS_PER_LONG - 1), addr); }
static inline void clear_bit_inv(unsigned long nr, unsigned long* addr) { clear_bit(nr ^ (BITS_PER_LONG - 1), addr); }
static inline bool test_bit_inv(unsigned long nr, const unsigned long* addr) { return test_bit(nr ^ (BITS_PER_LONG - 1), addr); }
/* First set MSB-0 bit at or after `offset`, or `size` if none. */
unsigned long find_next_bit_inv(const unsigned long* addr, unsigned long size, unsigned long offset);
static inline unsigned long find_first_bit_inv(const unsigned long* addr, unsigned long size) {
  return find_next_bit_inv(addr, size, 0);
}
#define for_each_set_bit_inv(bit, addr, size) \
  for ((bit) = find_first_bit_inv((addr), (size)); (bit) < (size); (bit) = find_next_bit_inv((addr), (size), (bit) + 1))

/* Whole-bitmap operations on `nbits` bits; the tail of the last word beyond nbits is ignored
 * by the predicates (the drivers only use multiples of 64). */
void bitmap_zero(unsigned long* dst, unsigned int nbits);
void bitmap_fill(unsigned long* dst, unsigned int nbits);
void bitmap_copy(unsigned long* dst, const unsigned long* src, unsigned int nbits);
bool bitmap_and(unsigned long* dst, const unsigned long* a, const unsigned long* b, unsigned int nbits);
void bitmap_or(unsigned long* dst, const unsigned long* a, const unsigned long* b, unsigned int nbits);
bool bitmap_andnot(unsigned long* dst, const unsigned long* a, const unsigned long* b, unsigned int nbits);
bool bitmap_equal(const unsigned long* a, const unsigned long* b, unsigned int nbits);
bool bitmap_intersects(const unsigned long* a, const unsigned long* b, unsigned int nbits);
bool bitmap_subset(const unsigned long* a, const unsigned long* b, unsigned int nbits);
bool bitmap_empty(const unsigned long* src, unsigned int nbits);
bool bitmap_full(const unsigned long* src, unsigned int nbits);
/* Clears bits [start, start + len) in plain numbering. */
void bitmap_clear(unsigned long* map, unsigned int start, unsigned int len);
void bitmap_set(unsigned long* map, unsigned int start, unsigned int len);

/* ---- locks -------------------------------------------------------------------------------- */
struct mutex { int locked; const char* name; };
struct rw_semaphore { int writer; int readers; };
void mutex_init_named(struct mutex* m, const char* name);
#define mutex_init(m) mutex_init_named((m), #m)
void mutex_lock(struct mutex* m);
int mutex_lock_interruptible(struct mutex* m);
void mutex_unlock(struct mutex* m);
bool mutex_is_locked(struct mutex* m);
#define DEFINE_MUTEX(name) struct mutex name = { 0, #name }
#define lockdep_assert_held(m) \
  do { if (!mutex_is_locked(m)) kshim_fatal("%s:%d: lockdep_assert_held(%s): not held", __FILE__, __LINE__, #m); } while (0)
void init_rwsem(struct rw_semaphore* s);
void down_write(struct rw_semaphore* s);
void up_write(struct rw_semaphore* s);
void down_read(struct rw_semaphore* s);
void up_read(struct rw_semaphore* s);

/* ---- time: a virtual clock ---------------------------------------------------------------- */
/* msleep advances the harness's virtual clock and returns at once; a driver that sleeps for
 * longer than the harness's limit in one operation is stopped as hanging (kshim_fatal). */
void msleep(unsigned int msecs);
void usleep_range(unsigned long min_us, unsigned long max_us);
extern unsigned long jiffies;
struct timer_list { void (*function)(struct timer_list*); unsigned long expires; };
struct completion { unsigned int done; };

/* ---- work queues: run to completion when flushed ----------------------------------------- */
struct work_struct;
typedef void (*work_func_t)(struct work_struct* work);
struct work_struct {
  work_func_t func;
  bool pending;
  struct list_head entry; /* on the harness's queue while pending */
};
struct workqueue_struct { const char* name; };
extern struct workqueue_struct* system_wq;
extern struct workqueue_struct* system_long_wq;
#define INIT_WORK(w, f) \
  do { (w)->func = (f); (w)->pending = false; INIT_LIST_HEAD(&(w)->entry); } while (0)
/* Queues `work` unless it is pending already; returns whether it queued it. */
bool queue_work(struct workqueue_struct* wq, struct work_struct* work);
static inline bool schedule_work(struct work_struct* work) { return queue_work(system_wq, work); }
/* Runs `work` now if it is pending (the harness's worker), and returns whether it waited. */
bool flush_work(struct work_struct* work);
bool cancel_work_sync(struct work_struct* work);

/* ---- kobjects, devices, drivers, sysfs ---------------------------------------------------- */
struct kobject { const char* name; const struct attribute_group* groups[4]; };
struct attribute { const char* name; unsigned short mode; };
struct device;
struct device_driver;
struct device_attribute {
  struct attribute attr;
  ssize_t (*show)(struct device* dev, struct device_attribute* attr, char* buf);
  ssize_t (*store)(struct device* dev, struct device_attribute* attr, const char* buf, size_t count);
};
struct attribute_group {
  const char* name;
  struct attribute** attrs;
};
#define __ATTR_RO(_name) { .attr = { .name = #_name, .mode = 0444 }, .show = _name##_show }
#define __ATTR_WO(_name) { .attr = { .name = #_name, .mode = 0200 }, .store = _name##_store }
#define __ATTR_RW(_name) { .attr = { .name = #_name, .mode = 0644 }, .show = _name##_show, .store = _name##_store }
#define DEVICE_ATTR_RO(_name) struct device_attribute dev_attr_##_name = __ATTR_RO(_name)
#define DEVICE_ATTR_WO(_name) struct device_attribute dev_attr_##_name = __ATTR_WO(_name)
#define DEVICE_ATTR_RW(_name) struct device_attribute dev_attr_##_name = __ATTR_RW(_name)
#define ATTRIBUTE_GROUPS(_name)                                                         \
  static const struct attribute_group _name##_group = { .attrs = _name##_attrs };     \
  static const struct attribute_group* _name##_groups[] = { &_name##_group, NULL }

struct bus_type {
  const char* name;
  int (*match)(struct device* dev, struct device_driver* drv);
};
struct device_driver {
  const char* name;
  const struct bus_type* bus;
  struct module* owner;
  const char* mod_name;
  bool suppress_bind_attrs;
  const struct attribute_group** groups;
  const struct attribute_group** dev_groups;
};
struct device {
  struct kobject kobj;
  char name[64];
  struct device* parent;
  const struct bus_type* bus;
  struct device_driver* driver;
  void* driver_data;
  void (*release)(struct device* dev);
  const struct attribute_group** groups;
  refcount_t refs;
  bool registered;
};

void device_initialize(struct device* dev);
int device_add(struct device* dev);
int device_register(struct device* dev);
void device_del(struct device* dev);
void device_unregister(struct device* dev);
struct device* get_device(struct device* dev);
void put_device(struct device* dev);
int dev_set_name(struct device* dev, const char* fmt, ...) __printf(2, 3);
static inline const char* dev_name(const struct device* dev) { return dev->name; }
static inline void* dev_get_drvdata(const struct device* dev) { return dev->driver_data; }
static inline void dev_set_drvdata(struct device* dev, void* data) { dev->driver_data = data; }
struct device* root_device_register(const char* name);
void root_device_unregister(struct device* root);
int bus_register(const struct bus_type* bus);
void bus_unregister(const struct bus_type* bus);
int driver_register(struct device_driver* drv);
void driver_unregister(struct device_driver* drv);
int sysfs_create_group(struct kobject* kobj, const struct attribute_group* grp);
void sysfs_remove_group(struct kobject* kobj, const struct attribute_group* grp);
/* sysfs_emit: print into a PAGE_SIZE show buffer; sysfs_emit_at: at offset `at` of it. */
int sysfs_emit(char* buf, const char* fmt, ...) __printf(2, 3);
int sysfs_emit_at(char* buf, int at, const char* fmt, ...) __printf(3, 4);
#define dev_warn(dev, fmt, ...) kshim_log("warn", "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_err(dev, fmt, ...) kshim_log("err", "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_notice(dev, fmt, ...) kshim_log("notice", "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_info(dev, fmt, ...) kshim_log("info", "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_dbg(dev, fmt, ...) do { } while (0)
#define dev_notice_ratelimited(dev, fmt, ...) dev_notice(dev, fmt, ##__VA_ARGS__)
#define dev_warn_ratelimited(dev, fmt, ...) dev_warn(dev, fmt, ##__VA_ARGS__)

/* ---- s390 facilities and the debug feature ------------------------------------------------ */
/* STFLE facility bits the harness's machine has: 12 (AP query configuration) and 65 (AP
 * interruptions) are installed. */
int test_facility(unsigned long nr);

typedef struct debug_info { const char* name; int level; } debug_info_t;
struct debug_view { const char* name; };
extern struct debug_view debug_sprintf_view;
#define DEBUG_MAX_LEVEL 6
debug_info_t* debug_register(const char* name, int pages, int nr_areas, int buf_size);
void debug_unregister(debug_info_t* id);
int debug_register_view(debug_info_t* id, struct debug_view* view);
void debug_set_level(debug_info_t* id, int new_level);
/* Recorded in the harness's kernel log when `level` is at or below the feature's level. */
#define debug_sprintf_event(dbf_id, dbf_level, fmt, ...) \
  do { if ((dbf_id) && (dbf_level) <= (dbf_id)->level) kshim_log("dbf", fmt, ##__VA_ARGS__); } while (0)

/* ---- eventfd ------------------------------------------------------------------------------ */
struct eventfd_ctx { int fd; unsigned long signals; };
struct eventfd_ctx* eventfd_ctx_fdget(int fd);
void eventfd_ctx_put(struct eventfd_ctx* ctx);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
void eventfd_signal(struct eventfd_ctx* ctx);
#else
__u64 eventfd_signal(struct eventfd_ctx* ctx, __u64 n);
#endif

/* ---- device tables ------------------------------------------------------------------------ */
struct ap_device_id {
  unsigned short match_flags;
  unsigned char dev_type;
  unsigned long driver_info;
};
#define AP_DEVICE_ID_MATCH_CARD_TYPE 0x01
#define AP_DEVICE_ID_MATCH_QUEUE_TYPE 0x02

/* ---- pages (only the PQAP interception path reaches these) -------------------------------- */
struct page { int unused; };
static inline phys_addr_t page_to_phys(struct page* page) { return (phys_addr_t)(uintptr_t)page; }
static inline phys_addr_t virt_to_phys(const volatile void* address) { return (phys_addr_t)(uintptr_t)address; }

/* ---- uuid --------------------------------------------------------------------------------- */
static inline bool guid_equal(const guid_t* a, const guid_t* b) { return memcmp(a, b, sizeof(*a)) == 0; }

/* ---- taken from the kernel tree as shipped (extracted at build time) ----------------------- */
#include <linux/ctype.h>   /* the kernel's own character classes (lib/ctype.c) */
#include <linux/kstrtox.h> /* kstrtoul and friends (lib/kstrtox.c) */

#include "kshim/kvm.h"
#include "kshim/vfio.h"

#endif /* KSHIM_KERNEL_H_ */
