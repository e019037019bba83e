/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim/ap.h — replaces <asm/ap.h>: the AP instructions (TAPQ, ZAPQ, AQIC, QCI) as calls into
 * the harness's simulated firmware (sut/kernel/shim/src/ap_firmware.c) instead of s390
 * assembly, and the structures they exchange, written from the s390 architecture's
 * description of the AP queue status word, the QCI information block and the AQIC control.
 *
 * The status word's fields are native bitfields: the harness never reinterprets them as raw
 * register bytes (the one driver path that does, the PQAP(AQIC) interception's store into
 * general register 1, is not reachable from apcb's operation alphabet; sut/kernel/README.md).
 *
 * Version differences (checked on Debian's 6.1 and 6.12 trees; a tree between them may need
 * another cut-off): ZAPQ gained the F bit argument, TAPQ's information became a structure
 * (struct ap_tapq_hwinfo), the AQIC control became a union with its raw value, and the QCI
 * block's maxima were renamed from Na/Nd to na/nd.
 */
#ifndef KSHIM_AP_H_
#define KSHIM_AP_H_

#include "kshim/kernel.h"

#define KSHIM_AP_NEW_API (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0))

typedef unsigned int ap_qid_t;
#define AP_MKQID(_card, _queue) (((_card)&0xff) << 8 | ((_queue)&0xff))
#define AP_QID_CARD(_qid) (((_qid) >> 8) & 0xff)
#define AP_QID_QUEUE(_qid) ((_qid)&0xff)

/* The AP queue status word (general register 1 after an AP instruction). */
struct ap_queue_status {
  unsigned int queue_empty : 1;
  unsigned int replies_waiting : 1;
  unsigned int queue_full : 1;
  unsigned int async : 1;
  unsigned int irq_enabled : 1;
  unsigned int response_code : 8;
};

/* TAPQ's general register 2: facilities and the adapter's type, domains, queue depth. */
struct ap_tapq_hwinfo {
  union {
    unsigned long value;
    struct {
      unsigned int fac;
      unsigned int apinfo;
    };
    struct {
      unsigned int apsc : 1, mex4k : 1, crt4k : 1, cca : 1, accel : 1, ep11 : 1, apxa : 1, slcf : 1;
      unsigned int class : 8;
      unsigned int bs : 2;
      unsigned int at : 8; /* AP type */
      unsigned int nd : 8; /* number of domains */
      unsigned int ml : 4;
      unsigned int qd : 4; /* queue depth */
    };
  };
};

/* The QCI information block: flags, the maxima and the configuration masks (8 words of 32 bits
 * each, as the instruction stores them; the drivers read them as unsigned long bitmaps). */
struct ap_config_info {
  union {
    unsigned int flags;
    struct {
      unsigned int apsc : 1, apxa : 1, qact : 1, rc8a : 1, : 4, apsb : 1;
    };
  };
#if KSHIM_AP_NEW_API
  unsigned char na; /* highest adapter number */
  unsigned char nd; /* highest domain number */
#else
  unsigned char Na;
  unsigned char Nd;
#endif
  unsigned char _reserved0[10];
  unsigned int apm[8];
  unsigned int aqm[8];
  unsigned int adm[8];
  unsigned char _reserved1[16];
} __aligned(8);

/* The AQIC control (general register 1 of PQAP(AQIC)). */
#if KSHIM_AP_NEW_API
union ap_qirq_ctrl {
  unsigned long value;
  struct {
    unsigned int zone : 8, ir : 1, gisc : 3, gf : 2, gisa : 27, isc : 3;
  };
};
#define KSHIM_AQIC_CTRL union ap_qirq_ctrl
#else
struct ap_qirq_ctrl {
  unsigned int zone : 8, ir : 1, gisc : 3, gf : 2, gisa : 27, isc : 3;
};
#define KSHIM_AQIC_CTRL struct ap_qirq_ctrl
#endif

/* ---- the instructions, answered by the simulated firmware --------------------------------- */
bool kshim_fw_instructions_available(void);
int kshim_fw_qci(struct ap_config_info* info);
struct ap_queue_status kshim_fw_tapq(ap_qid_t qid, struct ap_tapq_hwinfo* info);
struct ap_queue_status kshim_fw_zapq(ap_qid_t qid, int fbit);
struct ap_queue_status kshim_fw_aqic(ap_qid_t qid, bool enable, unsigned long pa_ind);

static inline bool ap_instructions_available(void) { return kshim_fw_instructions_available(); }
static inline int ap_qci(struct ap_config_info* config) { return kshim_fw_qci(config); }

#if KSHIM_AP_NEW_API
static inline struct ap_queue_status ap_tapq(ap_qid_t qid, struct ap_tapq_hwinfo* info) {
  return kshim_fw_tapq(qid, info);
}
static inline struct ap_queue_status ap_test_queue(ap_qid_t qid, int tbit, struct ap_tapq_hwinfo* info) {
  (void)tbit;
  return kshim_fw_tapq(qid, info);
}
static inline struct ap_queue_status ap_zapq(ap_qid_t qid, int fbit) { return kshim_fw_zapq(qid, fbit); }
#else
static inline struct ap_queue_status ap_tapq(ap_qid_t qid, unsigned long* info) {
  struct ap_tapq_hwinfo hw = { .value = 0 };
  struct ap_queue_status st = kshim_fw_tapq(qid, &hw);
  /* Up to 6.1 the caller masks the AP type out of the top byte of the raw register. */
  if (info) *info = (unsigned long)hw.at << 24;
  return st;
}
static inline struct ap_queue_status ap_test_queue(ap_qid_t qid, int tbit, unsigned long* info) {
  (void)tbit;
  return ap_tapq(qid, info);
}
static inline struct ap_queue_status ap_zapq(ap_qid_t qid) { return kshim_fw_zapq(qid, 0); }
#endif

static inline struct ap_queue_status ap_aqic(ap_qid_t qid, KSHIM_AQIC_CTRL qirqctrl, phys_addr_t pa_ind) {
  return kshim_fw_aqic(qid, qirqctrl.ir, (unsigned long)pa_ind);
}

#endif /* KSHIM_AP_H_ */
