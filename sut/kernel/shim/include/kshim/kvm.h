/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim/kvm.h — the parts of KVM on s390 the vfio_ap driver touches: the guest's crypto
 * control block (CRYCB) with its two APCB formats, the PQAP hook, the vCPU registers of an
 * intercepted PQAP, and the GISA interruption calls. Written from the s390 architecture's
 * description of the CRYCB (format 0/1: APCB0 with a 64-bit adapter mask and 16-bit domain
 * masks; format 2: APCB1 with 256-bit masks), not from the kernel's headers.
 *
 * kvm_arch_crypto_set_masks / clear_masks are the main observation: each call is one commit of
 * a complete APCB to the guest, recorded by the harness (kshim/harness.h).
 */
#ifndef KSHIM_KVM_H_
#define KSHIM_KVM_H_

struct kvm_vcpu;
typedef int (*crypto_hook)(struct kvm_vcpu* vcpu);

#define CRYCB_FORMAT_MASK 0x00000003
#define CRYCB_FORMAT0 0x00000000
#define CRYCB_FORMAT1 0x00000001
#define CRYCB_FORMAT2 0x00000003
#define ECA_AIV 0x00200000

/* The APCB words as the guest's hardware reads them, MSB-0: APCB0 holds adapters 0-63 in apm
 * and domains 0-15 in the top 16 bits of aqm/adm; APCB1 holds all 256 of each. */
struct kvm_s390_apcb0 { u64 apm[1], aqm[1], adm[1], reserved; };
struct kvm_s390_apcb1 { u64 apm[4], aqm[4], adm[4], reserved[4]; };
struct kvm_s390_crypto_cb {
  struct kvm_s390_apcb0 apcb0;
  struct kvm_s390_apcb1 apcb1;
};
struct kvm_s390_crypto {
  struct kvm_s390_crypto_cb* crycb;
  struct rw_semaphore pqap_hook_rwsem;
  crypto_hook* pqap_hook;
  u32 crycbd; /* the CRYCB designation: its address with the format in the low bits */
  u8 aes_kw, dea_kw, apie;
};
struct kvm_s390_gisa { u32 next_alert; };
struct kvm_s390_gisa_interrupt { struct kvm_s390_gisa* origin; };
struct gmap { int unused; };
struct kvm_arch {
  struct kvm_s390_crypto crypto;
  struct kvm_s390_gisa_interrupt gisa_int;
  struct gmap* gmap;
};
struct kvm {
  struct mutex lock;
  struct kvm_arch arch;
  refcount_t users;
  unsigned int harness_guest_id; /* the trace's guest number */
};
struct kvm_s390_sie_block { u32 eca; };
struct kvm_vcpu_arch { struct kvm_s390_sie_block* sie_block; };
struct kvm_sync_regs { u64 gprs[16]; };
struct kvm_run { struct { struct kvm_sync_regs regs; } s; };
struct kvm_vcpu {
  struct kvm* kvm;
  struct kvm_run* run;
  struct kvm_vcpu_arch arch;
};

void kvm_arch_crypto_set_masks(struct kvm* kvm, unsigned long* apm, unsigned long* aqm, unsigned long* adm);
void kvm_arch_crypto_clear_masks(struct kvm* kvm);
void kvm_get_kvm(struct kvm* kvm);
void kvm_put_kvm(struct kvm* kvm);
unsigned long gfn_to_hva(struct kvm* kvm, gfn_t gfn);
static inline bool kvm_is_error_hva(unsigned long addr) { return addr == (unsigned long)-1; }
int kvm_s390_gisc_register(struct kvm* kvm, u32 gisc);
int kvm_s390_gisc_unregister(struct kvm* kvm, u32 gisc);
static inline bool kvm_s390_pv_cpu_is_protected(struct kvm_vcpu* vcpu) { (void)vcpu; return false; }
static inline int uv_pin_shared(unsigned long paddr) { (void)paddr; return 0; }
static inline int gmap_convert_to_secure(struct gmap* gmap, unsigned long gaddr) { (void)gmap, (void)gaddr; return 0; }

#endif /* KSHIM_KVM_H_ */
