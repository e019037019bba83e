// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the kernel shim: the services the driver relies on behave as their kernel
 * contracts say (MSB-0 bitmaps, lists, hash tables, strsep, sysfs_emit_at, ap_hex2bitmap,
 * the work queue), the firmware answers resets as sut/kernel/README.md documents, KVM's
 * set_masks truncates to the CRYCB's format, and a lock misuse stops the run. Linked with the
 * shim and the kernel tree's lib/ctype.c and lib/kstrtox.c (not with the driver).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "kshim/harness.h"

static int failures, checks;
#define CHECK(cond)                                                                  \
  do {                                                                               \
    checks++;                                                                        \
    if (!(cond)) {                                                                   \
      failures++;                                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
    }                                                                                \
  } while (0)

/* The driver's module hooks, which this test does not link. */
static int no_init(void) { return 0; }
static void no_exit(void) {}
int (*const kshim_module_init_fn)(void) = no_init;
void (*const kshim_module_exit_fn)(void) = no_exit;
int ap_hex2bitmap(const char* str, unsigned long* bitmap, int bits);

static void test_bits_are_msb0(void) {
  DECLARE_BITMAP(m, 256);
  bitmap_zero(m, 256);
  set_bit_inv(0, m);
  CHECK(m[0] == 0x8000000000000000UL);
  set_bit_inv(63, m);
  CHECK(m[0] == 0x8000000000000001UL);
  set_bit_inv(64, m);
  CHECK(m[1] == 0x8000000000000000UL);
  set_bit_inv(255, m);
  CHECK(m[3] == 1UL);
  CHECK(test_bit_inv(64, m) && !test_bit_inv(65, m));
  unsigned long bit, seen[4], n = 0;
  for_each_set_bit_inv(bit, m, 256) seen[n++] = bit;
  CHECK(n == 4 && seen[0] == 0 && seen[1] == 63 && seen[2] == 64 && seen[3] == 255);
  CHECK(find_first_bit_inv(m, 256) == 0);
  clear_bit_inv(0, m);
  CHECK(find_first_bit_inv(m, 63) == 63); /* size 63: bit 63 is outside */
  CHECK(find_first_bit_inv(m, 64) == 63);
}

static void test_bitmap_operations(void) {
  DECLARE_BITMAP(a, 256);
  DECLARE_BITMAP(b, 256);
  DECLARE_BITMAP(d, 256);
  bitmap_zero(a, 256);
  bitmap_zero(b, 256);
  set_bit_inv(5, a);
  set_bit_inv(200, a);
  set_bit_inv(200, b);
  CHECK(bitmap_and(d, a, b, 256) && test_bit_inv(200, d) && !test_bit_inv(5, d));
  CHECK(bitmap_andnot(d, a, b, 256) && test_bit_inv(5, d) && !test_bit_inv(200, d));
  CHECK(!bitmap_andnot(d, b, a, 256) && bitmap_empty(d, 256));
  CHECK(bitmap_intersects(a, b, 256) && !bitmap_equal(a, b, 256));
  bitmap_clear(a, 0, 256);
  CHECK(bitmap_empty(a, 256));
  bitmap_fill(a, 256);
  CHECK(bitmap_full(a, 256) && bitmap_subset(b, a, 256));
}

struct item {
  int key;
  struct list_head node;
  struct hlist_node hnode;
};

static void test_lists_and_hash_tables(void) {
  LIST_HEAD(list);
  struct item items[4] = { { 1 }, { 2 }, { 3 }, { 4 } };
  list_add_tail(&items[0].node, &list);
  list_add_tail(&items[1].node, &list);
  list_add(&items[2].node, &list); /* at the front */
  int order[3], n = 0;
  struct item *it, *tmp;
  list_for_each_entry(it, &list, node) order[n++] = it->key;
  CHECK(n == 3 && order[0] == 3 && order[1] == 1 && order[2] == 2);
  list_for_each_entry_safe(it, tmp, &list, node) list_del(&it->node);
  CHECK(list_empty(&list));

  DECLARE_HASHTABLE(table, 8);
  hash_init(table);
  for (int i = 0; i < 4; i++) {
    items[i].key = 0x0500 + i;
    hash_add(table, &items[i].hnode, items[i].key);
  }
  int bkt, count = 0, found = 0;
  hash_for_each(table, bkt, it, hnode) count++;
  CHECK(count == 4);
  hash_for_each_possible(table, it, hnode, 0x0502) if (it->key == 0x0502) found++;
  CHECK(found == 1);
  hash_del(&items[2].hnode);
  count = 0;
  hash_for_each(table, bkt, it, hnode) count++;
  CHECK(count == 3);
}

static void test_strings(void) {
  char text[] = "0x1,0x2\nrest";
  char* rest = text;
  CHECK(strcmp(strsep(&rest, ",\n"), "0x1") == 0);
  CHECK(strcmp(strsep(&rest, ",\n"), "0x2") == 0);
  CHECK(strcmp(strsep(&rest, ",\n"), "rest") == 0 && rest == NULL);
  CHECK(strsep(&rest, ",") == NULL);
  char small[4];
  CHECK(scnprintf(small, sizeof small, "%s", "abcdef") == 3 && strcmp(small, "abc") == 0);
  char* page = calloc(1, PAGE_SIZE);
  int at = sysfs_emit(page, "%s,", "x");
  at += sysfs_emit_at(page, at, "%s\n", "y");
  CHECK(at == 4 && strcmp(page, "x,y\n") == 0);
  free(page);
  char* end;
  CHECK(simple_strtoul("0x1f,", &end, 0) == 31 && *end == ',');
  CHECK(simple_strtoul("017", &end, 0) == 15);
  CHECK(simple_strtoul("9-", &end, 0) == 9 && *end == '-');
  unsigned long v;
  CHECK(kstrtoul("0x10\n", 0, &v) == 0 && v == 16); /* the kernel's own kstrtoul */
  CHECK(kstrtoul("5 ", 0, &v) == -EINVAL);
  CHECK(kstrtoul("18446744073709551616", 0, &v) == -ERANGE);
}

static void test_hex2bitmap(void) {
  DECLARE_BITMAP(m, 256);
  bitmap_zero(m, 256);
  CHECK(ap_hex2bitmap("0x8", m, 256) == 0 && m[0] == 0x8000000000000000UL);
  bitmap_zero(m, 256);
  CHECK(ap_hex2bitmap("01\n", m, 256) == 0 && test_bit_inv(7, m) && !test_bit_inv(0, m));
  CHECK(ap_hex2bitmap("0xg", m, 256) == -EINVAL);
  CHECK(ap_hex2bitmap("0x1\n\n", m, 256) == -EINVAL);
  char longer[70] = "0x";
  memset(longer + 2, 'f', 65); /* 65 digits: one more than 256 bits hold */
  CHECK(ap_hex2bitmap(longer, m, 256) == -EINVAL);
}

static int ran;
static void work_fn(struct work_struct* w) {
  (void)w;
  ran++;
}

static void test_work_queue(void) {
  struct work_struct w;
  INIT_WORK(&w, work_fn);
  CHECK(queue_work(system_long_wq, &w));
  CHECK(!queue_work(system_long_wq, &w)); /* pending already */
  CHECK(flush_work(&w) && ran == 1);
  CHECK(!flush_work(&w) && ran == 1);
  queue_work(system_wq, &w);
  kshim_run_pending_work();
  CHECK(ran == 2);
}

static void test_firmware_resets(void) {
  unsigned long apm[4] = { 0 }, aqm[4] = { 0 }, adm[4] = { 0 };
  set_bit_inv(5, apm);
  set_bit_inv(4, aqm);
  kshim_fw_init(true, 255, 255, apm, aqm, adm);
  const unsigned int q = AP_MKQID(5, 4);
  kshim_events_begin();
  struct ap_queue_status st = kshim_fw_zapq(q, 0);
  CHECK(st.response_code == 0 && kshim_event_count() == 1 && kshim_event_at(0)->apqn == q);
  kshim_fw_set_reset_response(q, 0x02);
  kshim_fw_end_batch();
  st = kshim_fw_zapq(q, 0);
  CHECK(st.response_code == 0x02 && kshim_event_count() == 2);
  CHECK(kshim_fw_tapq(q, NULL).response_code == 0x02);
  CHECK(kshim_fw_tapq(q, NULL).response_code == 0x02);
  CHECK(kshim_fw_tapq(q, NULL).response_code == 0x00); /* the reset has completed */
  CHECK(kshim_fw_zapq(q, 0).response_code == 0x00 && kshim_event_count() == 2); /* re-issued: same reset */
  kshim_fw_set_reset_response(q, 0x03);
  CHECK(kshim_fw_tapq(q, NULL).response_code == 0x00); /* TAPQ outside a reset: a healthy queue */
  kshim_fw_end_batch();
  CHECK(kshim_fw_zapq(q, 0).response_code == 0x03 && kshim_event_count() == 3);
  CHECK(kshim_fw_zapq(AP_MKQID(6, 4), 0).response_code == 0x01); /* not configured */
  CHECK(kshim_event_count() == 3);
  /* A sequence: each instruction of the reset answers the next code, ZAPQ and TAPQ alike, then
   * NORMAL; one reset (one event); the next reset starts it again; outside a reset TAPQ is NORMAL. */
  const unsigned char seq[] = { 0x05, 0x05, 0x00, 0x35 };
  CHECK(kshim_fw_set_reset_sequence(q, seq, sizeof seq) == 0);
  kshim_fw_end_batch();
  CHECK(kshim_fw_tapq(q, NULL).response_code == 0x00);
  CHECK(kshim_fw_zapq(q, 0).response_code == 0x05 && kshim_event_count() == 4);
  CHECK(kshim_fw_tapq(q, NULL).response_code == 0x05);
  CHECK(kshim_fw_zapq(q, 0).response_code == 0x00);
  CHECK(kshim_fw_tapq(q, NULL).response_code == 0x35);
  CHECK(kshim_fw_tapq(q, NULL).response_code == 0x00 && kshim_fw_zapq(q, 0).response_code == 0x00);
  CHECK(kshim_event_count() == 4);
  kshim_fw_end_batch();
  CHECK(kshim_fw_zapq(q, 0).response_code == 0x05 && kshim_event_count() == 5);
  unsigned char too_long[KSHIM_FW_MAX_SEQUENCE + 1] = { 0 };
  CHECK(kshim_fw_set_reset_sequence(q, too_long, sizeof too_long) == -1);
  CHECK(kshim_fw_set_reset_sequence(q, seq, 0) == -1);
  kshim_fw_set_reset_response(q, 0x00);
  kshim_fw_end_batch();
  struct ap_config_info info;
  CHECK(kshim_fw_qci(&info) == 0 && info.apxa == 1 && test_bit_inv(5, (unsigned long*)info.apm) &&
        test_bit_inv(4, (unsigned long*)info.aqm));
}

static void test_crycb_formats(void) {
  unsigned long none[4] = { 0 };
  kshim_fw_init(true, 255, 255, none, none, none);
  struct kvm* fmt2 = kshim_kvm_create(1, true);
  struct kvm* fmt0 = kshim_kvm_create(2, false);
  CHECK(fmt2 && fmt0 && !kshim_kvm_create(1, true));
  unsigned long apm[4] = { 0 }, aqm[4] = { 0 }, adm[4] = { 0 };
  set_bit_inv(3, apm);
  set_bit_inv(64, apm);
  set_bit_inv(15, aqm);
  set_bit_inv(16, aqm);
  kshim_events_begin();
  kvm_arch_crypto_set_masks(fmt2, apm, aqm, adm);
  kvm_arch_crypto_set_masks(fmt0, apm, aqm, adm);
  CHECK(kshim_event_count() == 2);
  const struct kshim_event* e2 = kshim_event_at(0);
  const struct kshim_event* e0 = kshim_event_at(1);
  CHECK(e2->kind == KSHIM_EVENT_COMMIT && e2->guest == 1 && test_bit_inv(64, e2->apm) && test_bit_inv(16, e2->aqm));
  CHECK(e0->guest == 2 && test_bit_inv(3, e0->apm) && !test_bit_inv(64, e0->apm) && test_bit_inv(15, e0->aqm) &&
        !test_bit_inv(16, e0->aqm));
  char buf[256];
  kshim_kvm_render_apcb(fmt0, buf, sizeof buf);
  CHECK(strncmp(buf, "0x1000000000000000000000000000000000000000000000000000000000000000,0x0001", 70) == 0);
  kvm_arch_crypto_clear_masks(fmt2);
  CHECK(kshim_event_count() == 3 && bitmap_empty(kshim_event_at(2)->apm, 256));
  kshim_kvm_destroy_all();
}

/* Runs `fn` in a child and reports whether it died by SIGABRT (kshim_fatal). */
static bool aborts(void (*fn)(void)) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stderr)) _exit(3);
    fn();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}
static void double_lock(void) {
  DEFINE_MUTEX(m);
  mutex_lock(&m);
  mutex_lock(&m);
}
static void unlock_free(void) {
  DEFINE_MUTEX(m);
  mutex_unlock(&m);
}
static void assert_unheld(void) {
  DEFINE_MUTEX(m);
  lockdep_assert_held(&m);
}
static void leaked_lock(void) {
  static DEFINE_MUTEX(m);
  mutex_lock(&m);
  kshim_check_no_lock_held();
}
static void endless_sleep(void) {
  kshim_clock_begin_operation();
  for (;;) msleep(20);
}
static void fine(void) {
  DEFINE_MUTEX(m);
  mutex_lock(&m);
  lockdep_assert_held(&m);
  mutex_unlock(&m);
  kshim_check_no_lock_held();
}

static void test_misuse_stops_the_run(void) {
  CHECK(aborts(double_lock));
  CHECK(aborts(unlock_free));
  CHECK(aborts(assert_unheld));
  CHECK(aborts(leaked_lock));
  CHECK(aborts(endless_sleep));
  CHECK(!aborts(fine));
}

static void test_warn_once_counts(void) {
  unsigned long before = kshim_warn_count;
  for (int i = 0; i < 3; i++) WARN_ONCE(1, "once %d", i);
  CHECK(kshim_warn_count == before + 1);
  CHECK(WARN_ON(0) == 0 && kshim_warn_count == before + 1);
  CHECK(strstr(kshim_log_text(), "once 0") != NULL);
}

int main(void) {
  test_bits_are_msb0();
  test_bitmap_operations();
  test_lists_and_hash_tables();
  test_strings();
  test_hex2bitmap();
  test_work_queue();
  test_firmware_resets();
  test_crycb_formats();
  test_misuse_stops_the_run();
  test_warn_once_counts();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
