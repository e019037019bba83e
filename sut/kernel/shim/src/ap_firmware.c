// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated AP firmware: the machine's QCI configuration and, per queue, what a reset
 * answers. Harness, not kernel: it stands in for the s390 AP instructions that <asm/ap.h>
 * issues as inline assembly on a real machine.
 *
 * Per queue: the response the trace set for resets (NORMAL unless told otherwise), and the
 * progress of a reset in flight. apcb's `host reset-response A.D R` says what a *reset* of the
 * queue answers, nothing else: TAPQ outside a reset answers NORMAL (the driver also tests
 * queues outside resets, e.g. their type when the configuration grows; apcb's alphabet has no
 * way to say what those answer, so the queue is a healthy CEX7 to them).
 *  - A lasting response (NORMAL, Q NOT AVAILABLE, DECONFIGURED, CHECKSTOPPED, or any other
 *    code) is ZAPQ's answer; the queue is then quiet (TAPQ answers NORMAL, queue empty).
 *  - A transient response (RESET IN PROGRESS 0x02, BUSY 0x05, STATE CHANGE IN PROGRESS 0x0A)
 *    is a reset that takes a while: ZAPQ answers it, and so do ZAPQs re-issued within the next
 *    KSHIM_FW_TRANSIENT_POLLS polls; TAPQ answers RESET IN PROGRESS (BUSY for a BUSY reset)
 *    for those polls; after them the reset has completed and everything answers NORMAL.
 * A sequence (`host reset-response A.D R1,R2,...`, kshim_fw_set_reset_sequence) is answered
 * instruction by instruction instead: the ZAPQ that starts a reset answers R1, and each later
 * ZAPQ or TAPQ of that queue while the reset is in flight (in the same batch) answers the next
 * code, then NORMAL once the sequence is used up, so a driver that polls until the queue is
 * quiet always ends (Debian 6.12's apq_reset_check has no time limit). Outside a reset TAPQ
 * answers NORMAL as above, and the next reset starts the sequence again.
 * A reset is recorded as an observation (kshim_record_reset) when ZAPQ starts one. A ZAPQ
 * re-issued for the same queue in the same batch (between two commits of the operation) is the
 * same reset carried on, not a new one: 6.1 retries ZAPQ after RESET IN PROGRESS, 6.12's reset
 * check re-issues it once a transient answer has passed. kshim_fw_end_batch closes a batch.
 */
#include "kshim/harness.h"

#define KSHIM_APQNS (256 * 256)

enum { AP_RC_NORMAL = 0x00, AP_RC_Q_NOT_AVAIL = 0x01, AP_RC_RESET_IN_PROGRESS = 0x02, AP_RC_BUSY = 0x05,
       AP_RC_STATE_CHANGE_IN_PROGRESS = 0x0A };

struct fw_queue {
  unsigned char response;  /* what a reset of this queue answers */
  unsigned char seq[KSHIM_FW_MAX_SEQUENCE]; /* a sequence of answers (seq_len >= 2), or none */
  unsigned char seq_len, seq_pos;
  unsigned char polls_left; /* > 0: a transient reset in flight */
  bool in_flight;          /* a reset was started in the current batch */
  bool irq_enabled;
};

static struct {
  /* The queues with a reset in the current batch, so that ending a batch touches only them. */
  unsigned short in_flight[KSHIM_APQNS];
  size_t in_flight_count;
  bool apxa;
  unsigned int na, nd;
  unsigned long apm[4], aqm[4], adm[4];
  struct fw_queue q[KSHIM_APQNS];
} fw;

static bool transient(unsigned int rc) {
  return rc == AP_RC_RESET_IN_PROGRESS || rc == AP_RC_BUSY || rc == AP_RC_STATE_CHANGE_IN_PROGRESS;
}

void kshim_fw_init(bool apxa, unsigned int na, unsigned int nd, const unsigned long apm[4],
                   const unsigned long aqm[4], const unsigned long adm[4]) {
  memset(&fw, 0, sizeof fw);
  fw.apxa = apxa;
  fw.na = na;
  fw.nd = nd;
  kshim_fw_set_config(apm, aqm, adm);
}
void kshim_fw_reset(void) { memset(&fw, 0, sizeof fw); }

void kshim_fw_set_config(const unsigned long apm[4], const unsigned long aqm[4], const unsigned long adm[4]) {
  memcpy(fw.apm, apm, sizeof fw.apm);
  memcpy(fw.aqm, aqm, sizeof fw.aqm);
  memcpy(fw.adm, adm, sizeof fw.adm);
}

void kshim_fw_set_reset_response(unsigned int apqn, unsigned int response) {
  struct fw_queue* q = &fw.q[apqn & 0xffff];
  q->response = (unsigned char)response;
  q->seq_len = 0;
  q->seq_pos = 0;
  q->polls_left = 0;
  q->in_flight = false;
}

int kshim_fw_set_reset_sequence(unsigned int apqn, const unsigned char* codes, size_t n) {
  if (n == 0 || n > KSHIM_FW_MAX_SEQUENCE) return -1;
  kshim_fw_set_reset_response(apqn, codes[0]);
  if (n == 1) return 0;
  struct fw_queue* q = &fw.q[apqn & 0xffff];
  memcpy(q->seq, codes, n);
  q->seq_len = (unsigned char)n;
  return 0;
}

/* The next answer of a reset walking a sequence: NORMAL once it is used up. */
static unsigned int next_in_sequence(struct fw_queue* q) {
  return q->seq_pos < q->seq_len ? q->seq[q->seq_pos++] : AP_RC_NORMAL;
}

bool kshim_fw_apqn_configured(unsigned int apqn) {
  return test_bit_inv(AP_QID_CARD(apqn), fw.apm) && test_bit_inv(AP_QID_QUEUE(apqn), fw.aqm);
}
unsigned int kshim_fw_max_adapter(void) { return fw.apxa ? fw.na : 63; }
unsigned int kshim_fw_max_domain(void) { return fw.apxa ? fw.nd : 15; }
bool kshim_fw_apxa(void) { return fw.apxa; }

bool kshim_fw_instructions_available(void) { return true; }

/* QCI stores the masks as eight 32-bit words; the drivers read them as unsigned long bitmaps in
 * MSB-0 order, so the harness writes them through the same view (kshim/ap.h). */
int kshim_fw_qci(struct ap_config_info* info) {
  memset(info, 0, sizeof *info);
  info->apsc = 1;
  info->apxa = fw.apxa;
  info->qact = 1;
#if KSHIM_AP_NEW_API
  info->na = (unsigned char)fw.na;
  info->nd = (unsigned char)fw.nd;
#else
  info->Na = (unsigned char)fw.na;
  info->Nd = (unsigned char)fw.nd;
#endif
  memcpy(info->apm, fw.apm, sizeof fw.apm);
  memcpy(info->aqm, fw.aqm, sizeof fw.aqm);
  memcpy(info->adm, fw.adm, sizeof fw.adm);
  return 0;
}

/* The answer of a queue that is not reset right now: NORMAL (empty, as after a reset) unless the
 * lasting response says otherwise. */
static struct ap_queue_status status_of(struct fw_queue* q, unsigned int rc) {
  struct ap_queue_status st = { 0 };
  st.response_code = rc & 0xff;
  st.queue_empty = 1;
  st.irq_enabled = rc == AP_RC_NORMAL ? q->irq_enabled : 0;
  return st;
}

struct ap_queue_status kshim_fw_tapq(ap_qid_t qid, struct ap_tapq_hwinfo* info) {
  struct fw_queue* q = &fw.q[qid & 0xffff];
  if (info) {
    info->value = 0;
    info->at = 13; /* CEX7 */
    info->nd = 255;
    info->qd = 7;
  }
  if (!kshim_fw_apqn_configured(qid)) return status_of(q, AP_RC_Q_NOT_AVAIL);
  if (q->seq_len && q->in_flight) return status_of(q, next_in_sequence(q));
  if (q->polls_left) {
    q->polls_left--;
    return status_of(q, q->response == AP_RC_BUSY ? AP_RC_BUSY : AP_RC_RESET_IN_PROGRESS);
  }
  return status_of(q, AP_RC_NORMAL);
}

void kshim_fw_end_batch(void) {
  for (size_t i = 0; i < fw.in_flight_count; i++) fw.q[fw.in_flight[i]].in_flight = false;
  fw.in_flight_count = 0;
}

struct ap_queue_status kshim_fw_zapq(ap_qid_t qid, int fbit) {
  (void)fbit;
  struct fw_queue* q = &fw.q[qid & 0xffff];
  if (!kshim_fw_apqn_configured(qid)) return status_of(q, AP_RC_Q_NOT_AVAIL);
  if (!q->in_flight) {
    kshim_record_reset(qid & 0xffff);
    q->in_flight = true;
    fw.in_flight[fw.in_flight_count++] = (unsigned short)(qid & 0xffff);
    q->irq_enabled = false; /* a reset disables interruptions */
    if (q->seq_len) {
      q->seq_pos = 0;
      return status_of(q, next_in_sequence(q));
    }
    if (transient(q->response)) q->polls_left = KSHIM_FW_TRANSIENT_POLLS;
    return status_of(q, q->response);
  }
  /* Re-issued while the reset is in flight: the same reset goes on. */
  if (q->seq_len) return status_of(q, next_in_sequence(q));
  if (q->polls_left) {
    q->polls_left--;
    return status_of(q, q->response);
  }
  return status_of(q, transient(q->response) ? AP_RC_NORMAL : q->response);
}

/* AQIC of a configured queue answers NORMAL: the reset response a trace sets says what a reset
 * answers, nothing else (apcb's model: a guest's AQIC with IR=0 on a queue of its mdev's table
 * answers 0x00). */
struct ap_queue_status kshim_fw_aqic(ap_qid_t qid, bool enable, unsigned long pa_ind) {
  (void)pa_ind;
  struct fw_queue* q = &fw.q[qid & 0xffff];
  if (!kshim_fw_apqn_configured(qid)) return status_of(q, AP_RC_Q_NOT_AVAIL);
  q->irq_enabled = enable;
  return status_of(q, AP_RC_NORMAL);
}
