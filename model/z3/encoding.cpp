// The Z3 encoding: sorts, bits and rows, states (fresh, concretize, extract), equality and
// well-formedness, and the invariant predicates. The transitions are in transition.cpp.
#include "model/z3/encoding.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

namespace apcb::model::z3enc {
namespace {

int log2_exact(int n) {
  int b = 0;
  while ((1 << b) < n) ++b;
  return (1 << b) == n ? b : -1;
}

// The synthetic uuid of an mdev slot no Slots entry names.
std::string synthetic_uuid(int slot) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-0000-0000-%012x", slot);
  return buf;
}

}  // namespace

std::uint8_t reset_ends_with(KernelVersion kernel, const std::vector<std::uint8_t>& answers) {
  return response::final_status(kernel, answers);
}

std::map<std::uint16_t, std::uint8_t> folded_hw_responses(
    KernelVersion kernel, const std::map<std::uint16_t, std::vector<std::uint8_t>>& hw) {
  std::map<std::uint16_t, std::uint8_t> out;
  for (const auto& [qid, answers] : hw) out[qid] = reset_ends_with(kernel, answers);
  return out;
}

std::optional<std::uint8_t> passable_nonzero_code(KernelVersion kernel) {
  const KernelBehaviour& b = behaviour(kernel);
  if (b.checkstopped_passable && passable_status(kernel, kPassableNonZeroResponse))
    return kPassableNonZeroResponse;
  if (b.deconfigured_passable) return response::deconfigured;
  return std::nullopt;
}

namespace {

z3::expr subset(const z3::expr& x, const z3::expr& y, const z3::expr& zero) {
  return (x & ~y) == zero;
}

}  // namespace

Encoder::Encoder(z3::context& ctx, const Shape& shape) : ctx_(&ctx), shape_(shape) {
  index_bits_ = log2_exact(shape.width);
  if (shape.width != 8 && shape.width != 16 && shape.width != 64 && shape.width != 256)
    throw std::invalid_argument("z3enc: width must be 8, 16, 64 or 256");
  if (shape.mdevs < 1 || shape.mdevs > 8 || shape.guests < 1 || shape.guests > 8)
    throw std::invalid_argument("z3enc: 1..8 mdev and guest slots");
  const HostParams& p = shape.params;
  if (p.apm_max() >= shape.width || p.aqm_max() >= shape.width || p.adm_max() >= shape.width)
    throw std::invalid_argument("z3enc: the host's sysfs maxima must be below the width");
  guest_bits_ = 1;
  while ((1 << guest_bits_) < shape.guests) ++guest_bits_;
  mdev_bits_ = 1;
  while ((1 << mdev_bits_) < shape.mdevs) ++mdev_bits_;
}

// --- sorts and constants ---------------------------------------------------------------------

z3::sort Encoder::mask_sort() const { return ctx_->bv_sort(static_cast<unsigned>(width())); }
z3::sort Encoder::index_sort() const { return ctx_->bv_sort(static_cast<unsigned>(index_bits_)); }
z3::sort Encoder::rows_sort() const { return ctx_->array_sort(index_sort(), mask_sort()); }
z3::expr Encoder::zero() const { return ctx_->bv_val(0, static_cast<unsigned>(width())); }
z3::expr Encoder::ones() const { return ~zero(); }

z3::expr Encoder::mask(const Mask& m) const {
  // Z3's bit j (from the least significant) is ID N−1−j.
  const int n = width();
  bool bits[256];
  for (int j = 0; j < n; ++j) bits[j] = m.test(static_cast<ApId>(n - 1 - j));
  return z3::expr(*ctx_, Z3_mk_bv_numeral(*ctx_, static_cast<unsigned>(n), bits));
}

z3::expr Encoder::range(int lo, int hi) const {
  return mask(Mask::range(std::max(lo, 0), std::min(hi, width() - 1)));
}

z3::expr Encoder::index(int id) const {
  return ctx_->bv_val(static_cast<std::uint64_t>(id), static_cast<unsigned>(index_bits_));
}

z3::expr Encoder::errno_value(Errno e) const {
  return ctx_->bv_val(static_cast<std::uint64_t>(e), 8);
}

// --- bits and rows ---------------------------------------------------------------------------

z3::expr Encoder::bit(const z3::expr& m, const z3::expr& idx) const {
  // A known index is one extraction: the same value, and much cheaper to evaluate at 256 bits.
  if (idx.is_numeral()) return bit(m, static_cast<int>(idx.get_numeral_uint64()));
  // proof-encoding.md §5: against the one-hot mask 2^(N−1) >> i. Every test at the same index
  // shares that one shifter (Z3 hash-conses the term), for the bit-blaster and the simplifier.
  return (m & onehot(idx)) != zero();
}

z3::expr Encoder::bit(const z3::expr& m, int id) const {
  const unsigned j = static_cast<unsigned>(width() - 1 - id);
  return m.extract(j, j) == ctx_->bv_val(1, 1);
}

z3::expr Encoder::onehot(const z3::expr& idx) const {
  const unsigned n = static_cast<unsigned>(width());
  return z3::lshr(mask(Mask::single(0)), z3::zext(idx, n - static_cast<unsigned>(index_bits_)));
}

z3::expr Encoder::reserved_row(const SymState& s, const z3::expr& a) const {
  return z3::ite(bit(s.apmask, a), s.aqmask, zero());
}

namespace {
// m ∩ IDs 0..max, written as m itself when that range covers the width (the common case:
// the term stays exactly what it was before the bus's maximum IDs were modelled).
z3::expr within_max(const Encoder& enc, const z3::expr& m, int max) {
  return max >= enc.width() - 1 ? m : m & enc.range(0, max);
}
}  // namespace

z3::expr Encoder::present_row(const SymState& s, const z3::expr& a) const {
  const HostParams& p = shape_.params;
  return z3::ite(bit(within_max(*this, s.cfg.adapters, p.bus_max_adapter()), a),
                 within_max(*this, s.cfg.domains, p.bus_max_domain()), zero());
}

z3::expr Encoder::vfio_row(const SymState& s, const z3::expr& a) const {
  const HostParams& p = shape_.params;
  return z3::ite(bit(within_max(*this, s.cfg.adapters, p.bus_max_adapter()), a),
                 within_max(*this, s.cfg.domains, p.bus_max_domain()) &
                     ~z3::select(s.unbound, a) & not_reserved_or_override_bound(s, a),
                 zero());
}

z3::expr Encoder::default_row(const SymState& s, const z3::expr& a) const {
  const z3::expr row = present_row(s, a) & ~z3::select(s.unbound, a) & reserved_row(s, a);
  // Without the regime there is no override binding: the term stays what it was before it.
  if (!model::behaviour(shape_.kernel).queue_driver_override) return row;
  return row & ~z3::select(s.override_bound, a);
}

z3::expr Encoder::not_reserved_or_override_bound(const SymState& s, const z3::expr& a) const {
  if (!model::behaviour(shape_.kernel).queue_driver_override) return ~reserved_row(s, a);
  return ~reserved_row(s, a) | z3::select(s.override_bound, a);
}

z3::expr Encoder::owned_row(const SymState& s, const z3::expr& a) const {
  const z3::expr ov = z3::select(s.overrides, a);
  return (reserved_row(s, a) & ~ov) | (ov & default_row(s, a));
}

z3::expr Encoder::override_names_row(const SymState& s, const z3::expr& a, Driver driver) const {
  const z3::expr ov = z3::select(s.overrides, a);
  const z3::expr vfio = z3::select(s.override_vfio, a);
  if (driver == Driver::vfio_ap) return ov & vfio;
  if (driver == Driver::default_driver) return ov & ~vfio & z3::select(s.override_default, a);
  return zero();
}

namespace {
// Whether a ground array (a chain of stores at numeral indices over a constant array of zero,
// as concretize builds) has a non-zero row, or nullopt when the array is not of that form.
// Z3's simplifier leaves `store(K(0), i, v) = K(0)` alone, so a concrete evaluation (close,
// then simplify) needs the answer as a constant.
std::optional<bool> ground_nonzero(const z3::expr& arr) {
  std::set<std::uint64_t> seen;
  bool nonzero = false;
  z3::expr v = arr;
  while (v.is_app()) {
    const Z3_decl_kind kind = v.decl().decl_kind();
    if (kind == Z3_OP_STORE && v.arg(1).is_numeral() && v.arg(2).is_numeral()) {
      const z3::expr row = v.arg(2);
      // A row written later (outer) hides the ones below it at the same index.
      if (seen.insert(v.arg(1).get_numeral_uint64()).second &&
          std::string(Z3_get_numeral_string(row.ctx(), row)) != "0")
        nonzero = true;
      v = v.arg(0);
      continue;
    }
    if (kind == Z3_OP_CONST_ARRAY && v.arg(0).is_numeral() &&
        std::string(Z3_get_numeral_string(v.arg(0).ctx(), v.arg(0))) == "0")
      return nonzero;
    return std::nullopt;
  }
  return std::nullopt;
}
}  // namespace

z3::expr Encoder::any_override(const SymState& s) const {
  if (const std::optional<bool> ground = ground_nonzero(s.overrides)) return ctx_->bool_val(*ground);
  return s.overrides != z3::const_array(index_sort(), zero());
}

z3::expr Encoder::masks_locked(const SymState& s) const {
  return s.override_count != ctx_->bv_val(0, 64);
}

z3::expr Encoder::no_override_binding(const SymState& s) const {
  if (const std::optional<bool> ground = ground_nonzero(s.override_bound))
    return ctx_->bool_val(!*ground);
  return s.override_bound == z3::const_array(index_sort(), zero());
}

z3::expr Encoder::all_ones_masks(const SymState& s) const {
  return s.apmask == ones() && s.apmask_high && s.aqmask == ones() && s.aqmask_high;
}

z3::expr Encoder::linked_row(const SymState& s, int k, const z3::expr& a) const {
  const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  return z3::ite(bit(m.assigned.adapters, a), vfio_row(s, a) & m.assigned.domains, zero());
}

z3::expr Encoder::passable_row(const SymState& s, int k, const z3::expr& a) const {
  return linked_row(s, k, a) & z3::select(s.last_ok, a);
}

z3::expr Encoder::nonzero_row(const SymState& s, const z3::expr& a) const {
  // Without a passable non-NORMAL code (before 6.6), passable is NORMAL: hw_zero is not read.
  if (!passable_nonzero_code(shape_.kernel)) return ~z3::select(s.hw_ok, a);
  return ~(z3::select(s.hw_ok, a) & z3::select(s.hw_zero, a));
}

z3::expr Encoder::filter_bit(const SymState& s, int k, const z3::expr& a, Strength strength) const {
  const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  const z3::expr q0 = m.assigned.domains & s.cfg.domains;
  const z3::expr row = strength == Strength::spec ? passable_row(s, k, a) : linked_row(s, k, a);
  return bit(m.assigned.adapters & s.cfg.adapters, a) && subset(q0, row, zero());
}

std::vector<int> Encoder::candidates(const z3::expr& m) const {
  std::vector<int> out;
  const z3::expr v = m.is_numeral() ? m : m.simplify();
  if (v.is_numeral()) {
    std::string bin = Z3_get_numeral_binary_string(v.ctx(), v);
    bin.insert(0, static_cast<std::size_t>(width()) - bin.size(), '0');
    for (int i = 0; i < width(); ++i)
      if (bin[static_cast<std::size_t>(i)] == '1') out.push_back(i);
  } else {
    for (int i = 0; i < width(); ++i) out.push_back(i);
  }
  return out;
}

z3::expr Encoder::vector_of(const std::function<z3::expr(const z3::expr&)>& bit,
                            const z3::expr& support) const {
  const z3::expr one = ctx_->bv_val(1, 1);
  const z3::expr nil = ctx_->bv_val(0, 1);
  std::vector<z3::expr> bits(static_cast<std::size_t>(width()), nil);
  for (int i : candidates(support))
    bits[static_cast<std::size_t>(i)] = z3::ite(bit(index(i)), one, nil);
  z3::expr_vector v(*ctx_);
  for (const z3::expr& b : bits) v.push_back(b);
  return z3::concat(v);
}

z3::expr Encoder::filter_adapters(const SymState& s, int k, Strength strength) const {
  const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  return vector_of([&](const z3::expr& a) { return filter_bit(s, k, a, strength); },
                   m.assigned.adapters & s.cfg.adapters);
}

SymMatrix Encoder::truncate(const SymMatrix& shadow, const z3::expr& msax3) const {
  // Format 2 (APCB1, all 256 bits) needs MSAX3 and APXA; formats 0/1 keep adapters 0..63 and
  // (control) domains 0..15.
  const SymMatrix cut{shadow.adapters & range(0, 63), shadow.domains & range(0, 15),
                      shadow.control_domains & range(0, 15)};
  if (!shape_.params.apxa) return cut;
  return SymMatrix{z3::ite(msax3, shadow.adapters, cut.adapters),
                   z3::ite(msax3, shadow.domains, cut.domains),
                   z3::ite(msax3, shadow.control_domains, cut.control_domains)};
}

z3::expr Encoder::guest_is(const z3::expr& g, int slot) const {
  return g == ctx_->bv_val(static_cast<std::uint64_t>(slot), static_cast<unsigned>(guest_bits_));
}

z3::expr Encoder::mdev_is(const z3::expr& k, int slot) const {
  return k == ctx_->bv_val(static_cast<std::uint64_t>(slot), static_cast<unsigned>(mdev_bits_));
}

// --- states ----------------------------------------------------------------------------------

SymState Encoder::fresh(const std::string& prefix) const {
  z3::context& c = *ctx_;
  const unsigned n = static_cast<unsigned>(width());
  auto bv = [&](const std::string& name) { return c.bv_const((prefix + "." + name).c_str(), n); };
  auto mat = [&](const std::string& name) {
    return SymMatrix{bv(name + ".A"), bv(name + ".Q"), bv(name + ".C")};
  };
  auto rows = [&](const std::string& name) {
    return c.constant((prefix + "." + name).c_str(), rows_sort());
  };
  // The driver_override regime's parts: constants where the profile or the width fixes them.
  const bool regime = model::behaviour(shape_.kernel).queue_driver_override;
  const z3::expr none = z3::const_array(index_sort(), zero());
  auto high = [&](const std::string& name) {
    return width() == 256 ? c.bool_val(true) : c.bool_const((prefix + "." + name).c_str());
  };
  auto override_rows = [&](const std::string& name) { return regime ? rows(name) : none; };
  SymState s{mat("cfg"),
             bv("apmask"),
             bv("aqmask"),
             rows("unbound"),
             rows("hw_ok"),
             rows("hw_zero"),
             rows("last_ok"),
             high("apmask_high"),
             high("aqmask_high"),
             override_rows("overrides"),
             override_rows("override_vfio"),
             override_rows("override_default"),
             override_rows("override_bound"),
             regime ? c.bv_const((prefix + ".override_count").c_str(), 64) : c.bv_val(0, 64),
             {},
             {}};
  for (int k = 0; k < shape_.mdevs; ++k) {
    const std::string m = "mdev" + std::to_string(k);
    s.mdevs.push_back(SymMdev{
        c.bool_const((prefix + "." + m + ".present").c_str()), mat(m + ".M"), mat(m + ".S"),
        c.bool_const((prefix + "." + m + ".attached").c_str()),
        c.bv_const((prefix + "." + m + ".guest").c_str(), static_cast<unsigned>(guest_bits_)),
        c.bool_const((prefix + "." + m + ".released").c_str())});
  }
  for (int g = 0; g < shape_.guests; ++g) {
    const std::string name = "guest" + std::to_string(g);
    s.guests.push_back(SymGuest{
        c.bool_const((prefix + "." + name + ".present").c_str()),
        c.bool_const((prefix + "." + name + ".msax3").c_str()), mat(name + ".apcb"),
        c.bool_const((prefix + "." + name + ".hooked").c_str()),
        c.bv_const((prefix + "." + name + ".hook").c_str(), static_cast<unsigned>(mdev_bits_)),
        c.bool_const((prefix + "." + name + ".hook_freed").c_str())});
  }
  return s;
}

std::pair<SymState, Slots> Encoder::concretize(const State& s) const {
  if (static_cast<int>(s.mdevs.size()) > shape_.mdevs ||
      static_cast<int>(s.guests.size()) > shape_.guests)
    throw std::invalid_argument("z3enc: more mdevs or guests than slots");
  Slots slots;
  slots.mdevs.resize(static_cast<std::size_t>(shape_.mdevs));
  slots.guests.resize(static_cast<std::size_t>(shape_.guests));
  for (std::size_t i = 0; i < s.mdevs.size(); ++i) slots.mdevs[i] = s.mdevs[i].uuid;
  for (std::size_t i = 0; i < s.guests.size(); ++i) slots.guests[i] = s.guests[i].id;
  // A hook into a removed mdev names a uuid no mdev has: it takes the next slot, as lower()
  // keeps a removed mdev's slot named.
  std::size_t next = s.mdevs.size();
  for (const Guest& g : s.guests) {
    if (!g.pqap_hook ||
        std::find(slots.mdevs.begin(), slots.mdevs.end(), g.pqap_hook) != slots.mdevs.end())
      continue;
    if (next >= slots.mdevs.size())
      throw std::invalid_argument("z3enc: no mdev slot left for the uuid a PQAP hook names");
    slots.mdevs[next++] = *g.pqap_hook;
  }
  return {concretize(s, slots), slots};
}

SymState Encoder::concretize(const State& s, const Slots& slots) const {
  z3::context& c = *ctx_;
  const int n = width();
  const Mask inside = Mask::up_to(n - 1);
  auto fits = [&](const Mask& m, const char* what) {
    if (!m.subset_of(inside))
      throw std::invalid_argument(std::string("z3enc: an ID beyond the width in ") + what);
    return mask(m);
  };
  auto fits_matrix = [&](const Matrix& m, const char* what) {
    return SymMatrix{fits(m.adapters, what), fits(m.domains, what), fits(m.control_domains, what)};
  };
  if (!(s.params == shape_.params))
    throw std::invalid_argument("z3enc: the state's host parameters differ from the shape's");
  if (s.kernel != shape_.kernel)
    throw std::invalid_argument("z3enc: the state's kernel profile differs from the shape's");
  if (static_cast<int>(slots.mdevs.size()) != shape_.mdevs ||
      static_cast<int>(slots.guests.size()) != shape_.guests)
    throw std::invalid_argument("z3enc: Slots sized for another shape");

  for (int a = n; a < 256; ++a)
    if (s.unbound[static_cast<std::size_t>(a)].any())
      throw std::invalid_argument("z3enc: an unbound queue beyond the width");
  // Rows are a store per row that differs from the default row. Reset-response tables keep
  // only what the encoding represents: entries inside the width that are not passable (or, for
  // `zero`, not NORMAL). Hardware answers count as what a reset answering them ends with
  // (folded_hw_responses); a last status as it is.
  auto table_rows = [&](const std::map<std::uint16_t, std::uint8_t>& table, bool zero = false) {
    std::vector<Mask> bad(static_cast<std::size_t>(n));
    for (const auto& [qid, rc] : table) {
      const Apqn q = Apqn::unpack(qid);
      const bool good = zero ? rc == response::normal : passable_status(shape_.kernel, rc);
      if (q.adapter < n && q.domain < n && !good) bad[q.adapter].set(q.domain);
    }
    z3::expr arr = z3::const_array(index_sort(), ones());
    for (int a = 0; a < n; ++a)
      if (bad[static_cast<std::size_t>(a)].any())
        arr = z3::store(arr, index(a), ~mask(bad[static_cast<std::size_t>(a)]));
    return arr;
  };
  auto mask_rows = [&](const MaskRows& r, const char* what) {
    z3::expr arr = z3::const_array(index_sort(), zero());
    for (int a = 0; a < n; ++a)
      if (r[static_cast<std::size_t>(a)].any())
        arr = z3::store(arr, index(a), fits(r[static_cast<std::size_t>(a)], what));
    return arr;
  };
  const z3::expr unbound_rows = mask_rows(s.unbound, "unbound");
  // driver_override entries inside the width, by what they name (normalize drops the others).
  if (!model::behaviour(shape_.kernel).queue_driver_override &&
      (s.any_override() || s.override_bound != MaskRows{} || s.override_count != 0))
    throw std::invalid_argument("z3enc: a driver_override in a profile without the attribute");
  MaskRows overrides{};
  MaskRows names_vfio{};
  MaskRows names_default{};
  for (const auto& [qid, name] : s.driver_override) {
    const Apqn q = Apqn::unpack(qid);
    if (q.adapter >= n || q.domain >= n) continue;
    overrides[q.adapter].set(q.domain);
    if (name == driver_name(Driver::vfio_ap)) names_vfio[q.adapter].set(q.domain);
    if (name == driver_name(Driver::default_driver)) names_default[q.adapter].set(q.domain);
  }
  for (int a = n; a < 256; ++a)
    if (s.override_bound[static_cast<std::size_t>(a)].any())
      throw std::invalid_argument("z3enc: an override binding beyond the width");
  const Mask above = Mask::all() - inside;
  auto high = [&](const Mask& m) { return c.bool_val(above.subset_of(m)); };

  SymState out{fits_matrix(s.cfg, "cfg"),
               mask(s.apmask & inside),
               mask(s.aqmask & inside),
               unbound_rows,
               table_rows(folded_hw_responses(shape_.kernel, s.hw_response)),
               table_rows(folded_hw_responses(shape_.kernel, s.hw_response), /*zero=*/true),
               table_rows(s.last_response),
               high(s.apmask),
               high(s.aqmask),
               mask_rows(overrides, "a driver_override"),
               mask_rows(names_vfio, "a driver_override"),
               mask_rows(names_default, "a driver_override"),
               mask_rows(s.override_bound, "an override binding"),
               c.bv_val(s.override_count, 64),
               {},
               {}};

  // Guests: by id.
  auto guest_slot = [&](GuestId id) {
    for (std::size_t g = 0; g < slots.guests.size(); ++g)
      if (slots.guests[g] == id) return static_cast<int>(g);
    return -1;
  };
  const z3::expr no_slot = c.bv_val(0, static_cast<unsigned>(mdev_bits_));
  for (int g = 0; g < shape_.guests; ++g)
    out.guests.push_back(SymGuest{c.bool_val(false), c.bool_val(false),
                                  SymMatrix{zero(), zero(), zero()}, c.bool_val(false), no_slot,
                                  c.bool_val(false)});
  std::set<int> used_guest_slots;
  for (const Guest& g : s.guests) {
    const int slot = guest_slot(g.id);
    if (slot < 0 || !used_guest_slots.insert(slot).second)
      throw std::invalid_argument("z3enc: a guest the Slots do not name (or name twice)");
    if (g.format != crycb_format(g.msax3, shape_.params.apxa))
      throw std::invalid_argument("z3enc: a guest whose format does not follow from MSAX3");
    int hook = 0;
    if (g.pqap_hook) {
      hook = -1;
      for (std::size_t k = 0; k < slots.mdevs.size(); ++k)
        if (slots.mdevs[k] == g.pqap_hook) hook = static_cast<int>(k);
      if (hook < 0) throw std::invalid_argument("z3enc: a PQAP hook into an mdev the Slots do not name");
    }
    out.guests[static_cast<std::size_t>(slot)] =
        SymGuest{c.bool_val(true),
                 c.bool_val(g.msax3),
                 fits_matrix(g.apcb, "a guest's APCB"),
                 c.bool_val(g.pqap_hook.has_value()),
                 c.bv_val(static_cast<std::uint64_t>(hook), static_cast<unsigned>(mdev_bits_)),
                 c.bool_val(g.pqap_hook.has_value() && g.pqap_hook_freed)};
  }
  for (int k = 0; k < shape_.mdevs; ++k)
    out.mdevs.push_back(SymMdev{
        c.bool_val(false), SymMatrix{zero(), zero(), zero()}, SymMatrix{zero(), zero(), zero()},
        c.bool_val(false), c.bv_val(0, static_cast<unsigned>(guest_bits_)), c.bool_val(false)});
  std::set<int> used_mdev_slots;
  for (const Mdev& m : s.mdevs) {
    int slot = -1;
    for (std::size_t k = 0; k < slots.mdevs.size(); ++k)
      if (slots.mdevs[k] == m.uuid) slot = static_cast<int>(k);
    if (slot < 0 || !used_mdev_slots.insert(slot).second)
      throw std::invalid_argument("z3enc: an mdev the Slots do not name (or name twice)");
    if (!m.pending_add.empty()) throw std::invalid_argument("z3enc: a pending add");
    int gslot = 0;
    if (m.guest) {
      gslot = guest_slot(*m.guest);
      if (gslot < 0 || s.find_guest(*m.guest) == nullptr)
        throw std::invalid_argument("z3enc: an mdev attached to no guest");
    }
    out.mdevs[static_cast<std::size_t>(slot)] =
        SymMdev{c.bool_val(true),
                fits_matrix(m.assigned, "an assigned matrix"),
                fits_matrix(m.shadow, "a shadow"),
                c.bool_val(m.guest.has_value()),
                c.bv_val(static_cast<std::uint64_t>(gslot), static_cast<unsigned>(guest_bits_)),
                c.bool_val(m.released)};
  }
  return out;
}

namespace {

// A numeral of width n as a Mask (ID i = bit n−1−i).
Mask numeral_mask(const z3::expr& v, int n) {
  if (!v.is_numeral()) throw std::invalid_argument("z3enc: a mask value is not a numeral");
  std::string bin = Z3_get_numeral_binary_string(v.ctx(), v);
  if (static_cast<int>(bin.size()) < n)
    bin.insert(0, static_cast<std::size_t>(n) - bin.size(), '0');
  Mask m;
  for (int i = 0; i < n; ++i)
    if (bin[static_cast<std::size_t>(i)] == '1') m.set(static_cast<ApId>(i));
  return m;
}

bool truth(const z3::expr& v) {
  if (v.is_true()) return true;
  if (v.is_false()) return false;
  throw std::invalid_argument("z3enc: a Boolean value is neither true nor false");
}

}  // namespace

State Encoder::extract(const SymState& s, const Valuation& value, const Slots& slots) const {
  const int n = width();
  auto m = [&](const z3::expr& e) { return numeral_mask(value(e), n); };
  auto mat = [&](const SymMatrix& x) {
    return Matrix{m(x.adapters), m(x.domains), m(x.control_domains)};
  };
  auto b = [&](const z3::expr& e) { return truth(value(e)); };

  // Rows: read a store chain over a constant array when the valuation yields one (every row at
  // once); otherwise ask row by row.
  auto rows = [&](const z3::expr& arr) {
    std::vector<Mask> out(static_cast<std::size_t>(n));
    const z3::expr whole = value(arr);
    z3::expr v = whole;
    std::vector<bool> seen(static_cast<std::size_t>(n), false);
    bool walked = false;
    while (v.is_app()) {
      const Z3_decl_kind kind = v.decl().decl_kind();
      if (kind == Z3_OP_STORE && v.arg(1).is_numeral() && v.arg(2).is_numeral()) {
        const auto a = static_cast<std::size_t>(v.arg(1).get_numeral_uint64());
        if (!seen[a]) {
          seen[a] = true;
          out[a] = numeral_mask(v.arg(2), n);
        }
        v = v.arg(0);
        continue;
      }
      if (kind == Z3_OP_CONST_ARRAY && v.arg(0).is_numeral()) {
        const Mask dflt = numeral_mask(v.arg(0), n);
        for (std::size_t a = 0; a < out.size(); ++a)
          if (!seen[a]) out[a] = dflt;
        walked = true;
      }
      break;
    }
    // Row by row on the valuation of the whole array: for simplify, the array's body is then
    // folded once instead of once per row.
    if (!walked)
      for (int a = 0; a < n; ++a) out[static_cast<std::size_t>(a)] = m(z3::select(whole, index(a)));
    return out;
  };

  State st;
  st.params = shape_.params;
  st.kernel = shape_.kernel;
  st.cfg = mat(s.cfg);
  const Mask inside = Mask::up_to(n - 1);
  st.apmask = m(s.apmask) | (b(s.apmask_high) ? Mask::all() - inside : Mask{});
  st.aqmask = m(s.aqmask) | (b(s.aqmask_high) ? Mask::all() - inside : Mask{});
  const std::vector<Mask> unbound = rows(s.unbound);
  for (int a = 0; a < n; ++a)
    st.unbound[static_cast<std::size_t>(a)] = unbound[static_cast<std::size_t>(a)];
  // The driver_override regime (constant empty rows in a profile without it).
  const std::vector<Mask> overrides = rows(s.overrides);
  const std::vector<Mask> names_vfio = rows(s.override_vfio);
  const std::vector<Mask> names_default = rows(s.override_default);
  const std::vector<Mask> override_bound = rows(s.override_bound);
  {
    const z3::expr count = value(s.override_count);
    if (!count.is_numeral()) throw std::invalid_argument("z3enc: the override count is not a numeral");
    st.override_count = count.get_numeral_uint64();
  }
  for (int a = 0; a < n; ++a) {
    const auto r = static_cast<std::size_t>(a);
    st.override_bound[r] = override_bound[r];
    overrides[r].for_each([&](ApId d) {
      const std::string_view name = names_vfio[r].test(d)      ? driver_name(Driver::vfio_ap)
                                    : names_default[r].test(d) ? driver_name(Driver::default_driver)
                                                               : kOtherOverrideName;
      st.driver_override[Apqn{static_cast<ApId>(a), d}.packed()] = std::string(name);
    });
  }
  auto table = [&](const std::vector<Mask>& ok, auto& out) {
    for (int a = 0; a < n; ++a)
      (inside - ok[static_cast<std::size_t>(a)]).for_each([&](ApId d) {
        out[Apqn{static_cast<ApId>(a), d}.packed()] = {kNonPassableResponse};
      });
  };
  const std::vector<Mask> hw_ok = rows(s.hw_ok);
  table(hw_ok, st.hw_response);
  table(rows(s.last_ok), st.last_response);
  // Passable hardware answers that are not NORMAL (none before 6.6: the zero bit is unread).
  if (const std::optional<std::uint8_t> code = passable_nonzero_code(shape_.kernel)) {
    const std::vector<Mask> hw_zero = rows(s.hw_zero);
    for (int a = 0; a < n; ++a)
      (hw_ok[static_cast<std::size_t>(a)] - hw_zero[static_cast<std::size_t>(a)]).for_each([&](ApId d) {
        st.hw_response[Apqn{static_cast<ApId>(a), d}.packed()] = {*code};
      });
  }

  // Guests first: mdevs refer to them by id.
  std::vector<std::optional<GuestId>> ids(static_cast<std::size_t>(shape_.guests));
  std::set<GuestId> used;
  for (const auto& id : slots.guests)
    if (id) used.insert(*id);
  for (int g = 0; g < shape_.guests; ++g) {
    const SymGuest& sg = s.guests[static_cast<std::size_t>(g)];
    if (!b(sg.present)) continue;
    GuestId id = 0;
    if (static_cast<std::size_t>(g) < slots.guests.size() &&
        slots.guests[static_cast<std::size_t>(g)]) {
      id = *slots.guests[static_cast<std::size_t>(g)];
    } else {
      while (used.count(id) != 0) ++id;
      used.insert(id);
    }
    ids[static_cast<std::size_t>(g)] = id;
    const bool msax3 = b(sg.msax3);
    Guest guest{id, msax3, crycb_format(msax3, shape_.params.apxa), mat(sg.apcb), std::nullopt,
                false};
    if (b(sg.hooked)) {
      // Named as its slot is, also when that slot is absent (a freed hook: Slots keep a removed
      // mdev's name) or beyond the slots (a valuation that breaks wf).
      const z3::expr hv = value(sg.hook);
      if (!hv.is_numeral()) throw std::invalid_argument("z3enc: a hook slot is not a numeral");
      const auto k = static_cast<std::size_t>(hv.get_numeral_uint64());
      guest.pqap_hook = k < slots.mdevs.size() && slots.mdevs[k] ? *slots.mdevs[k]
                                                                  : synthetic_uuid(static_cast<int>(k));
      guest.pqap_hook_freed = b(sg.hook_freed);
    }
    st.guests.push_back(std::move(guest));
  }
  for (int k = 0; k < shape_.mdevs; ++k) {
    const SymMdev& sm = s.mdevs[static_cast<std::size_t>(k)];
    if (!b(sm.present)) continue;
    Mdev md;
    const auto& name = static_cast<std::size_t>(k) < slots.mdevs.size()
                           ? slots.mdevs[static_cast<std::size_t>(k)]
                           : std::optional<std::string>{};
    md.uuid = name ? *name : synthetic_uuid(k);
    md.assigned = mat(sm.assigned);
    md.shadow = mat(sm.shadow);
    if (b(sm.attached)) {
      const z3::expr gv = value(sm.guest);
      if (!gv.is_numeral()) throw std::invalid_argument("z3enc: a guest slot is not a numeral");
      const auto g = static_cast<std::size_t>(gv.get_numeral_uint64());
      if (g >= ids.size() || !ids[g])
        throw std::invalid_argument("z3enc: an mdev attached to an absent guest slot");
      md.guest = *ids[g];
    }
    md.released = b(sm.released);
    st.mdevs.push_back(std::move(md));
  }
  return st;
}

State Encoder::extract(const SymState& s, const z3::model& model, const Slots& slots) const {
  return extract(
      s, [&](const z3::expr& e) { return model.eval(e, true); }, slots);
}

// --- equality, well-formedness, assumptions --------------------------------------------------

z3::expr Encoder::equal(const SymState& a, const SymState& b) const {
  auto mat = [](const SymMatrix& x, const SymMatrix& y) {
    return x.adapters == y.adapters && x.domains == y.domains &&
           x.control_domains == y.control_domains;
  };
  z3::expr_vector all(*ctx_);
  all.push_back(mat(a.cfg, b.cfg));
  for (auto f : kSymStateValues) all.push_back(a.*f == b.*f);
  for (auto f : kSymStateRows) all.push_back(a.*f == b.*f);
  for (std::size_t k = 0; k < a.mdevs.size(); ++k) {
    const SymMdev& x = a.mdevs[k];
    const SymMdev& y = b.mdevs[k];
    all.push_back(x.present == y.present);
    all.push_back(z3::implies(x.present, mat(x.assigned, y.assigned) && mat(x.shadow, y.shadow) &&
                                             x.attached == y.attached &&
                                             z3::implies(x.attached, x.guest == y.guest) &&
                                             x.released == y.released));
  }
  for (std::size_t g = 0; g < a.guests.size(); ++g) {
    const SymGuest& x = a.guests[g];
    const SymGuest& y = b.guests[g];
    all.push_back(x.present == y.present);
    all.push_back(z3::implies(x.present, x.msax3 == y.msax3 && mat(x.apcb, y.apcb) &&
                                             hooks_equal(x, y)));
  }
  return conjunction(all);
}

z3::expr hooks_equal(const SymGuest& x, const SymGuest& y) {
  return x.hooked == y.hooked &&
         z3::implies(x.hooked, x.hook == y.hook && x.hook_freed == y.hook_freed);
}

z3::expr Encoder::wf(const SymState& s) const {
  z3::expr_vector all(*ctx_);
  for (std::size_t k = 0; k < s.mdevs.size(); ++k) {
    const SymMdev& m = s.mdevs[k];
    z3::expr_vector names_present(*ctx_);
    for (int g = 0; g < shape_.guests; ++g)
      names_present.push_back(guest_is(m.guest, g) &&
                              s.guests[static_cast<std::size_t>(g)].present);
    all.push_back(z3::implies(m.present && m.attached, disjunction(names_present)));
    for (std::size_t j = k + 1; j < s.mdevs.size(); ++j) {
      const SymMdev& o = s.mdevs[j];
      all.push_back(!(m.present && m.attached && o.present && o.attached && m.guest == o.guest));
    }
  }
  for (const SymGuest& g : s.guests) {
    z3::expr_vector names(*ctx_);
    for (int k = 0; k < shape_.mdevs; ++k)
      names.push_back(mdev_is(g.hook, k) &&
                      (g.hook_freed || s.mdevs[static_cast<std::size_t>(k)].present));
    all.push_back(z3::implies(g.present && g.hooked, disjunction(names)));
  }
  return conjunction(all);
}

z3::expr Encoder::not_reserved(const SymState& s) const {
  z3::expr_vector all(*ctx_);
  for (const SymMdev& m : s.mdevs)
    all.push_back(z3::implies(m.present, !((m.assigned.adapters & s.apmask) != zero() &&
                                           (m.assigned.domains & s.aqmask) != zero())));
  // From 6.19 all-ones masks are the driver_override regime, where ownership is per queue.
  if (model::behaviour(shape_.kernel).queue_driver_override)
    return z3::implies(!all_ones_masks(s), conjunction(all));
  return conjunction(all);
}

z3::expr Encoder::assumptions(const SymState& s) const {
  if (!model::behaviour(shape_.kernel).queue_driver_override) return not_reserved(s);
  // The mask regime (6.19) has no override and no override binding. P3's host half is not
  // needed: Transition::covered leaves out the writes that would need it (finding F2 shows the
  // kernel does not keep it).
  return z3::implies(!all_ones_masks(s),
                     !masks_locked(s) && !any_override(s) && no_override_binding(s));
}

// --- invariant predicates --------------------------------------------------------------------

z3::expr Encoder::p1(const SymState& s) const {
  z3::expr_vector all(*ctx_);
  for (const SymMdev& m : s.mdevs)
    all.push_back(z3::implies(
        m.present, subset(m.shadow.adapters, m.assigned.adapters & s.cfg.adapters, zero()) &&
                       subset(m.shadow.domains, m.assigned.domains & s.cfg.domains, zero()) &&
                       subset(m.shadow.control_domains,
                              m.assigned.control_domains & s.cfg.control_domains, zero())));
  return conjunction(all);
}

z3::expr Encoder::p2_structural_at(const SymState& s, int k, const z3::expr& a) const {
  const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  return z3::implies(m.present && bit(m.shadow.adapters, a),
                     subset(m.shadow.domains, linked_row(s, k, a), zero()));
}

z3::expr Encoder::p2_passable_at(const SymState& s, int k, const z3::expr& a) const {
  const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  return z3::implies(m.present && bit(m.shadow.adapters, a),
                     subset(m.shadow.domains & linked_row(s, k, a), passable_row(s, k, a), zero()));
}

// The conjunct at adapter a holds trivially unless a ∈ S.A: only candidates(S.A) are built.
z3::expr Encoder::p2_structural(const SymState& s) const {
  z3::expr_vector all(*ctx_);
  for (int k = 0; k < shape_.mdevs; ++k)
    for (int a : candidates(s.mdevs[static_cast<std::size_t>(k)].shadow.adapters))
      all.push_back(p2_structural_at(s, k, index(a)));
  return conjunction(all);
}

z3::expr Encoder::p2_passable(const SymState& s) const {
  z3::expr_vector all(*ctx_);
  for (int k = 0; k < shape_.mdevs; ++k)
    for (int a : candidates(s.mdevs[static_cast<std::size_t>(k)].shadow.adapters))
      all.push_back(p2_passable_at(s, k, index(a)));
  return conjunction(all);
}

z3::expr Encoder::p3(const SymState& s, Strength strength) const {
  z3::expr_vector all(*ctx_);
  if (strength == Strength::spec || !behaviour().queue_driver_override)
    all.push_back(not_reserved(s));
  auto meets = [&](const SymMatrix& x, const SymMatrix& y) {
    return (x.adapters & y.adapters) != zero() && (x.domains & y.domains) != zero();
  };
  for (std::size_t k = 0; k < s.mdevs.size(); ++k)
    for (std::size_t j = k + 1; j < s.mdevs.size(); ++j)
      all.push_back(!(s.mdevs[k].present && s.mdevs[j].present &&
                      meets(s.mdevs[k].assigned, s.mdevs[j].assigned)));
  return conjunction(all);
}

z3::expr Encoder::p4(const SymState& s) const {
  z3::expr_vector all(*ctx_);
  const SymMatrix none{zero(), zero(), zero()};
  auto same = [](const SymMatrix& x, const SymMatrix& y) {
    return x.adapters == y.adapters && x.domains == y.domains &&
           x.control_domains == y.control_domains;
  };
  for (int g = 0; g < shape_.guests; ++g) {
    const SymGuest& guest = s.guests[static_cast<std::size_t>(g)];
    // The guest's mdev is the last attached one in slot order (invariants.cpp keeps the last in
    // creation order; with wf there is at most one).
    z3::expr expect = same(guest.apcb, none);
    for (const SymMdev& m : s.mdevs) {
      const z3::expr mine = m.present && m.attached && guest_is(m.guest, g);
      expect = z3::ite(mine,
                       z3::ite(m.released, same(guest.apcb, none),
                               same(guest.apcb, truncate(m.shadow, guest.msax3))),
                       expect);
    }
    all.push_back(z3::implies(guest.present, expect));
  }
  return conjunction(all);
}

z3::expr Encoder::p7_at(const SymState& s, int k, const z3::expr& a, Strength strength) const {
  const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  return z3::implies(m.present && bit(m.shadow.adapters, a), filter_bit(s, k, a, strength));
}

z3::expr Encoder::p7(const SymState& s, Strength strength) const {
  z3::expr_vector all(*ctx_);
  for (int k = 0; k < shape_.mdevs; ++k) {
    const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
    all.push_back(z3::implies(
        m.present, subset(m.shadow.domains, m.assigned.domains & s.cfg.domains, zero()) &&
                       subset(m.shadow.control_domains,
                              m.assigned.control_domains & s.cfg.control_domains, zero())));
    for (int a : candidates(m.shadow.adapters)) all.push_back(p7_at(s, k, index(a), strength));
  }
  return conjunction(all);
}

}  // namespace apcb::model::z3enc
