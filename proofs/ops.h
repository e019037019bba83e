// apcb proofs — the operation alphabet with symbolic arguments, for the obligations that
// range over every operation, and the way back from a model to a concrete model::Op.
// Internal to proofs/.
#ifndef APCB_PROOFS_OPS_H_
#define APCB_PROOFS_OPS_H_

#include <string>
#include <vector>

#include "model/op.h"
#include "model/z3/encoding.h"

namespace apcb::proofs::detail {

namespace z3enc = model::z3enc;

// One operation with every argument symbolic but the slots and the enumerations (driver, which
// bus mask), which the encoding takes as plain values.
struct OpInstance {
  std::string label;               // "mdev0", "vfio_ap", "mdev1.guest0", …
  z3enc::SymOp op;
  std::vector<z3::expr> indices;   // the adapter indices the operation names
  std::vector<z3::expr> installs;  // adapter masks the operation may assign (ap_config)
  int slot = -1;                   // the mdev slot it acts on, when one
  std::vector<z3::expr> masks;     // every mask argument (a satisfiable query keeps them small)
};

// One kind of operation of the alphabet, with every instance the slots allow.
struct OpKind {
  std::string name;      // "assign_adapter", "queue_unbind", …
  bool mutating = true;  // false for reads and vCPU observations
  std::vector<OpInstance> instances;
};

// The names of every kind, in the order op_kinds lists them (no encoder needed).
// Example: op_kind_names()[0] == "config_change"; "assign_adapter" is among them.
const std::vector<std::string>& op_kind_names();

// Every kind, its arguments fresh constants named `<prefix>.…`. The instances cover every mdev
// and guest slot (and pair, for attach), every driver of bind and unbind, both bus masks.
// Example: op_kinds(enc, "op").size() == op_kind_names().size().
std::vector<OpKind> op_kinds(const z3enc::Encoder& enc, const std::string& prefix);

// The kind called `name` (one of op_kind_names()).
// Example: op_kind(enc, "op", "assign_adapter").instances has one instance per mdev slot.
OpKind op_kind(const z3enc::Encoder& enc, const std::string& prefix, const std::string& name);

// The uuid and guest id each slot stands for in counterexamples: 11111111-…, 22222222-…; 1, 2.
// Example: slot_names(Shape{}).mdevs[0] == "11111111-1111-1111-1111-111111111111",
//   slot_names(Shape{}).guests[0] == 1.
z3enc::Slots slot_names(const z3enc::Shape& shape);

// The concrete operation a valuation of `op`'s arguments denotes, with slots named by `slots`:
// attribute values written in decimal, masks as `0x` + 64 hex digits, a reset response that is
// not passable as z3enc::kNonPassableResponse (Q_NOT_AVAIL; not BUSY, which is a reset that
// completes), passable but not NORMAL as z3enc::kPassableNonZeroResponse.
// Example: sop::AttrWrite{0, MdevAttr::assign_adapter, v} with v valued 5, under slot_names,
//   becomes op::AttrWrite{"11111111-1111-1111-1111-111111111111", assign_adapter, "5\n"}.
model::Op concrete_op(const z3enc::Encoder& enc, const z3enc::SymOp& op,
                      const z3enc::Valuation& value, const z3enc::Slots& slots);

// A numeral of the encoder's width as a Mask (ID i = bit N−1−i).
// Example: numeral_mask(ctx.bv_val(0x80, 8), 8) == Mask::single(0).
model::Mask numeral_mask(const z3::expr& v, int width);

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_OPS_H_
