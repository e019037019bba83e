/* apcb_sut.h — the plain-C interface between apcb and an implementation under test.
 *
 * An implementation of the s390 vfio_ap matrix device (a kernel driven on a real host, a port,
 * a simulator) is built as a shared library that exports `apcb_sut_get_plugin`. apcb loads it
 * (`apcb check --sut LIB.so TRACE`, the `fuzz_sut` harness), creates one instance per trace,
 * applies the operation alphabet one step at a time, and compares each observation with the
 * reference. An operation the plugin does not support answers APCB_SUT_CANNOT_COMPLY: the step
 * is skipped on both sides, never counted as a failure (but a run that compares no step is not
 * a pass). Any other return code is a plugin error.
 *
 * `apcb check --sut` runs the plugin in a child process of its own (sut/isolated.h): a plugin
 * that crashes, hangs past --step-timeout or exits is reported as a finding at the step it
 * happened, with a reproducer trace. Its standard output is redirected to standard error.
 *
 * Versioning: the caller passes the ABI version it speaks; a plugin returns NULL for a version
 * it does not implement. Every structure is plain data with fixed-width fields; version 1 will
 * only ever grow by new operation kinds (a plugin answers CANNOT_COMPLY to kinds it does not
 * know) and new event kinds, each with a minor version: a plugin says which minor version it
 * was built against by exporting `apcb_sut_get_abi_minor` (APCB_SUT_EXPORT_PLUGIN does; a
 * plugin without it is minor version 0), and apcb never expects an event kind newer than the
 * plugin's minor version (it compares as if that kind did not exist).
 *   minor 0: COMMIT and RESET events.
 *   minor 1: SIGNAL events (Linux 6.15's guest AP-configuration-changed eventfd).
 *   minor 2: (apcb never sends a plugin of a lower minor version an operation of these kinds:
 *            the step is skipped on both sides, as for CANNOT_COMPLY)
 *     - DRIVER_OVERRIDE_WRITE and DRIVER_OVERRIDE_READ: Linux 6.19's queue device
 *       driver_override.
 *     - GUEST_AQIC: a guest's PQAP(AQIC), observed as the mdev whose handler ran and the
 *       response code (output text).
 *     - RESET_RESPONSE sequences: `text` holds the answers of a reset's successive AP
 *       instructions, one byte per code (`response` is still the first). A plugin of minor
 *       0 or 1 is never sent a sequence of two or more: apcb treats such a step as one the
 *       plugin cannot comply with (skipped on both sides), as it drops SIGNAL for minor 0.
 *
 * Masks: 256-bit AP masks are four uint64_t words in MSB-0 order, as the kernel stores them: ID
 * i is word i/64, bit 63 - i%64 (word values, not bytes, so endianness does not matter).
 *
 * The vocabulary is the one of docs/trace-format.md and model/op.h; each kind below names the
 * trace step it stands for.
 */
#ifndef APCB_SUT_H_
#define APCB_SUT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define APCB_SUT_ABI_VERSION 1u
/* The minor version this header describes (see Versioning above). */
#define APCB_SUT_ABI_MINOR 2u

/* Return codes of apcb_sut_plugin.apply. */
#define APCB_SUT_OK 0
#define APCB_SUT_CANNOT_COMPLY 1

typedef struct {
  uint64_t adapters[4];
  uint64_t domains[4];
  uint64_t control_domains[4];
} apcb_sut_matrix;

/* The host an instance starts as: QCI flags and maxima, and its AP configuration. Every queue
 * of adapters x domains exists and is bound to the default driver; apmask and aqmask are all
 * ones; no mdev, no guest (the trace's `host init`). */
typedef struct {
  uint8_t apxa; /* 0 or 1 */
  uint8_t na;   /* highest adapter number */
  uint8_t nd;   /* highest domain number */
  apcb_sut_matrix config;
} apcb_sut_host;

typedef enum {
  APCB_SUT_OP_CONFIG_CHANGE = 1,   /* host config: `matrix` is the new configuration */
  APCB_SUT_OP_QUEUE_BIND = 2,      /* echo XX.YYYY > /sys/bus/ap/drivers/<driver>/bind */
  APCB_SUT_OP_QUEUE_UNBIND = 3,    /* echo XX.YYYY > /sys/bus/ap/drivers/<driver>/unbind */
  APCB_SUT_OP_RESET_RESPONSE = 4,  /* host reset-response XX.YYYY `response`; minor 2: when
                                      `text_len` > 0, `text` is the whole sequence RC,RC,...
                                      (one byte per code, text[0] == response, at most 16) */
  APCB_SUT_OP_BUS_MASK_WRITE = 5,  /* `text` written to /sys/bus/ap/{apmask,aqmask} */
  APCB_SUT_OP_MDEV_CREATE = 6,     /* `uuid` written to .../vfio_ap-passthrough/create */
  APCB_SUT_OP_MDEV_REMOVE = 7,     /* echo 1 > .../<uuid>/remove */
  APCB_SUT_OP_ATTR_WRITE = 8,      /* `text` written to .../<uuid>/<attr> */
  APCB_SUT_OP_DEVICE_RESET = 9,    /* vfio reset <uuid> (VFIO_DEVICE_RESET) */
  APCB_SUT_OP_GUEST_CREATE = 10,   /* guest create <guest> msax3=<msax3> */
  APCB_SUT_OP_GUEST_ATTACH = 11,   /* vfio open <uuid> guest=<guest> */
  APCB_SUT_OP_GUEST_DETACH = 12,   /* vfio close <uuid> */
  APCB_SUT_OP_GUEST_RELEASE = 13,  /* vfio request <uuid> */
  APCB_SUT_OP_VCPU_OBSERVE = 14,   /* vcpu read <guest> */
  APCB_SUT_OP_READ_MDEV = 15,      /* cat .../<uuid>/<view> */
  APCB_SUT_OP_READ_BUS_MASK = 16,  /* cat /sys/bus/ap/{apmask,aqmask} */
  APCB_SUT_OP_READ_QUEUE_STATUS = 17, /* cat /sys/bus/ap/devices/cardXX/XX.YYYY/status */
  APCB_SUT_OP_READ_FEATURES = 18,     /* cat /sys/devices/vfio_ap/matrix/features */
  /* minor 2 (Linux 6.19): `text` written to /sys/bus/ap/devices/XX.YYYY/driver_override */
  APCB_SUT_OP_DRIVER_OVERRIDE_WRITE = 19,
  /* minor 2: cat /sys/bus/ap/devices/XX.YYYY/driver_override */
  APCB_SUT_OP_DRIVER_OVERRIDE_READ = 20,
  APCB_SUT_OP_GUEST_AQIC = 21 /* minor 2: vcpu pqap <guest> aqic <adapter>.<domain>: a vCPU's
                               * PQAP(AQIC) with IR=0; the output is what the guest observes,
                               * "handler=<uuid> rc=0x%02x\n" (<uuid> "none" when no hook ran) or
                               * "exception=specification\n" (docs/trace-format.md) */
} apcb_sut_op_kind;
/* The highest kind this header defines (apcb's alphabet, model/alphabet.def, has exactly these). */
#define APCB_SUT_OP_LAST APCB_SUT_OP_GUEST_AQIC

/* attr: 0 assign_adapter, 1 unassign_adapter, 2 assign_domain, 3 unassign_domain,
 *       4 assign_control_domain, 5 unassign_control_domain, 6 ap_config.
 * view: 0 matrix, 1 guest_matrix, 2 control_domains, 3 ap_config.
 * driver: 1 the default driver (cex4queue), 2 vfio_ap.  bus_mask: 0 apmask, 1 aqmask. */
typedef struct {
  uint32_t kind; /* apcb_sut_op_kind */
  uint8_t adapter, domain;
  uint8_t driver;
  uint8_t response;
  uint8_t bus_mask;
  uint8_t attr;
  uint8_t view;
  uint8_t msax3;
  uint32_t guest;
  const char* uuid;    /* NUL-terminated; NULL when unused */
  const uint8_t* text; /* the bytes written (not NUL-terminated) */
  size_t text_len;
  apcb_sut_matrix matrix;
} apcb_sut_op;

typedef enum {
  APCB_SUT_EVENT_COMMIT = 1,
  APCB_SUT_EVENT_RESET = 2,
  APCB_SUT_EVENT_SIGNAL = 3 /* minor 1 */
} apcb_sut_event_kind;

/* A commit: the complete APCB written to `guest`'s CRYCB (already truncated to its format).
 * A reset: queue adapter.domain was reset.
 * A signal (minor 1): the AP-configuration-changed eventfd of the mdev attached to `guest` was
 * signalled (Linux 6.15 VFIO_AP_CFG_CHG_IRQ_INDEX); reported right after the commit it
 * announces. A plugin of minor version 0 never reports one and is not expected to. */
typedef struct {
  uint32_t kind; /* apcb_sut_event_kind */
  uint32_t guest;
  apcb_sut_matrix apcb;
  uint8_t adapter, domain;
} apcb_sut_event;

/* What one operation was observed to do. The pointers stay valid until the next call on the
 * same instance. `result` is 0 or a positive Linux errno number (EINVAL = 22, ...). */
typedef struct {
  int32_t result;
  const char* output; /* the text of a read or vCPU observation */
  size_t output_len;
  const apcb_sut_event* events;
  size_t event_count;
} apcb_sut_observation;

typedef struct apcb_sut_instance apcb_sut_instance;

typedef struct {
  uint32_t abi_version; /* APCB_SUT_ABI_VERSION */
  const char* name;     /* shown in reports */
  /* A new instance in the state `host` describes, or NULL on failure. */
  apcb_sut_instance* (*create)(const apcb_sut_host* host);
  void (*destroy)(apcb_sut_instance* instance);
  /* Applies one operation. APCB_SUT_OK: *observation is filled. APCB_SUT_CANNOT_COMPLY: the
   * instance is unchanged and *observation is ignored. */
  int (*apply)(apcb_sut_instance* instance, const apcb_sut_op* op, apcb_sut_observation* observation);
} apcb_sut_plugin;

/* The one symbol a plugin must export. Returns the plugin for `abi_version`, or NULL. */
const apcb_sut_plugin* apcb_sut_get_plugin(uint32_t abi_version);
/* Optional (minor 1 on): the minor version the plugin was built against, APCB_SUT_ABI_MINOR.
 * Absent: 0. */
uint32_t apcb_sut_get_abi_minor(void);

/* Optional: the kernel profile the plugin implements, as `apcb --kernel` names it ("6.0",
 * "6.1", "6.6", ..., "6.19", "latest"; docs/kernel-versions.md). `apcb check --sut` without
 * --kernel follows the profile a plugin declares; a plugin that does not export this symbol
 * (every plugin written before it existed) is checked against `latest` unless --kernel says
 * otherwise. A name apcb has no profile for is refused (exit 2). The string must stay valid
 * while the library is loaded. Example: the plugin of Debian's linux-source-6.1 returns "6.1". */
const char* apcb_sut_kernel_version(void);

#ifdef __cplusplus
}
#endif

#endif /* APCB_SUT_H_ */
