#include "proofs/localize.h"

#include <string>
#include <unordered_set>
#include <vector>

namespace apcb::proofs::detail {

namespace {

Z3_decl_kind kind(const z3::expr& e) { return e.is_app() ? e.decl().decl_kind() : Z3_OP_UNINTERPRETED; }

bool is_zero(const z3::expr& e) {
  if (!e.is_numeral()) return false;
  const std::string bin = Z3_get_numeral_binary_string(e.ctx(), e);
  return bin.find('1') == std::string::npos;
}

}  // namespace

Localizer::Localizer(const model::z3enc::Encoder& enc)
    : enc_(enc),
      top_(enc.mask(model::Mask::single(0))),
      core_(enc.ctx().bool_val(true)),
      atoms_(enc.ctx()),
      abstractions_(enc.ctx()) {}

z3::expr Localizer::atom(const z3::expr& m, const z3::expr& i) {
  z3::context& c = enc_.ctx();
  const z3::expr test = (m & enc_.onehot(i)) != enc_.zero();
  if (i.is_numeral()) return test;
  const z3::sort index = enc_.index_sort();
  z3::expr abstraction(c);
  if (kind(m) == Z3_OP_UNINTERPRETED && m.num_args() == 0) {
    abstraction = z3::function(("bit!" + m.decl().name().str()).c_str(), index, c.bool_sort())(i);
  } else if (kind(m) == Z3_OP_SELECT && kind(m.arg(0)) == Z3_OP_UNINTERPRETED &&
             m.arg(0).num_args() == 0) {
    abstraction = z3::function(("row!" + m.arg(0).decl().name().str()).c_str(),
                               m.arg(1).get_sort(), index, c.bool_sort())(m.arg(1), i);
  } else {
    abstraction = z3::function(("bit!t" + std::to_string(m.id())).c_str(), index, c.bool_sort())(i);
  }
  atoms_.push_back(test);
  abstractions_.push_back(abstraction);
  bit_tests_.insert(test.id());
  bit_test_index_.emplace(test.id(), i);
  return test;
}

namespace {

// The Boolean atoms of `e` (outside lambdas) comparing masks of `width` bits or arrays.
// Bit tests (`skip`) are not whole-mask atoms.
void collect_atoms(const z3::expr& e, unsigned width, const std::unordered_set<unsigned>& skip,
                   std::unordered_map<unsigned, bool>& seen, std::vector<z3::expr>& out) {
  if (!e.is_app() || skip.count(e.id()) != 0 || !seen.emplace(e.id(), true).second) return;
  const Z3_decl_kind k = kind(e);
  if ((k == Z3_OP_EQ || (k == Z3_OP_DISTINCT && e.num_args() == 2)) &&
      ((e.arg(0).is_bv() && e.arg(0).get_sort().bv_size() == width) || e.arg(0).is_array())) {
    out.push_back(e);
  }
  for (unsigned a = 0; a < e.num_args(); ++a) collect_atoms(e.arg(a), width, skip, seen, out);
}

}  // namespace

namespace {

constexpr int kPositive = 1;
constexpr int kNegative = 2;

// The polarities each node of `e` occurs with (kPositive: a model of `e` may need it true;
// kNegative: false), outside lambdas. Non-Boolean terms pass both to their arguments: a
// condition inside a mask can go either way.
void polarities(const z3::expr& e, int p, std::unordered_map<unsigned, int>& out) {
  if (!e.is_app()) return;
  int& have = out[e.id()];
  if ((have | p) == have) return;
  have |= p;
  const int flip = ((p & kPositive) != 0 ? kNegative : 0) | ((p & kNegative) != 0 ? kPositive : 0);
  const int both = kPositive | kNegative;
  if (!e.is_bool()) {
    for (unsigned a = 0; a < e.num_args(); ++a) polarities(e.arg(a), both, out);
    return;
  }
  switch (kind(e)) {
    case Z3_OP_NOT:
      polarities(e.arg(0), flip, out);
      return;
    case Z3_OP_AND:
    case Z3_OP_OR:
      for (unsigned a = 0; a < e.num_args(); ++a) polarities(e.arg(a), p, out);
      return;
    case Z3_OP_IMPLIES:
      polarities(e.arg(0), flip, out);
      polarities(e.arg(1), p, out);
      return;
    case Z3_OP_ITE:
      polarities(e.arg(0), both, out);
      polarities(e.arg(1), p, out);
      polarities(e.arg(2), p, out);
      return;
    default:
      for (unsigned a = 0; a < e.num_args(); ++a) polarities(e.arg(a), both, out);
      return;
  }
}

}  // namespace

z3::expr Localizer::abstracted() {
  z3::context& c = enc_.ctx();
  const unsigned width = static_cast<unsigned>(enc_.width());
  const unsigned ib = static_cast<unsigned>(enc_.index_bits());
  std::unordered_map<unsigned, int> polarity;
  polarities(core_, kPositive, polarity);
  // One entry per equality (a distinct atom shares its equality's entry). An equality that
  // may be needed true is instantiated at every index in play; one that may be needed false
  // gets a witness index, where its sides differ.
  struct Atom {
    z3::expr x, y, b;
    bool array;
    int polarity;
  };
  std::vector<Atom> atoms;
  std::unordered_map<unsigned, std::size_t> by_eq;  // id of x == y → entry
  z3::expr_vector from(c);
  z3::expr_vector to(c);
  std::unordered_map<unsigned, bool> seen;
  std::vector<z3::expr> found;
  std::vector<z3::expr> indices;
  for (const auto& [id, i] : indices_) indices.push_back(i);
  z3::expr_vector lemmas(c);
  auto add_atoms = [&](const z3::expr& e) {
    found.clear();
    collect_atoms(e, width, bit_tests_, seen, found);
    for (const z3::expr& a : found) {
      const bool distinct = kind(a) == Z3_OP_DISTINCT;
      const auto known = polarity.find(a.id());
      int pol = known == polarity.end() ? (kPositive | kNegative) : known->second;
      if (distinct)
        pol = ((pol & kPositive) != 0 ? kNegative : 0) | ((pol & kNegative) != 0 ? kPositive : 0);
      const z3::expr eq = a.arg(0) == a.arg(1);
      auto [it, fresh] = by_eq.emplace(eq.id(), atoms.size());
      if (fresh) {
        const z3::expr b = c.bool_const(("eq!" + std::to_string(eq.id())).c_str());
        atoms.push_back(Atom{a.arg(0), a.arg(1), b, a.arg(0).is_array(), 0});
        from.push_back(eq);
        to.push_back(b);
      }
      atoms[it->second].polarity |= pol;
      if (distinct) {
        from.push_back(a);
        to.push_back(!atoms[it->second].b);
      }
    }
  };
  add_atoms(core_);
  // Witnesses first (each is an index in play), then every atom needed true at every index,
  // until no new atom turns up (conditions inside the masks bring their own).
  std::vector<bool> witnessed;
  std::map<std::pair<std::size_t, std::size_t>, bool> done;
  bool more = true;
  while (more) {
    more = false;
    for (std::size_t k = 0; k < atoms.size(); ++k) {
      if (k < witnessed.size() && witnessed[k]) continue;
      witnessed.resize(atoms.size(), false);
      witnessed[k] = true;
      const Atom a = atoms[k];
      if ((a.polarity & kNegative) == 0) continue;
      const std::string n = std::to_string(k);
      const z3::expr w = c.bv_const(("w!" + n).c_str(), ib);
      indices.push_back(w);
      z3::expr lemma(c);
      if (a.array) {
        const z3::expr w2 = c.bv_const(("w2!" + n).c_str(), ib);
        indices.push_back(w2);
        lemma = z3::implies(!a.b, bit_at(read(a.x, w), w2) != bit_at(read(a.y, w), w2));
      } else {
        lemma = z3::implies(!a.b, bit_at(a.x, w) != bit_at(a.y, w));
      }
      lemmas.push_back(lemma);
      add_atoms(lemma);
      more = true;
    }
    for (std::size_t k = 0; k < atoms.size(); ++k) {
      if ((atoms[k].polarity & kPositive) == 0) continue;
      for (std::size_t i = 0; i < indices.size(); ++i) {
        if (!done.emplace(std::make_pair(k, i), true).second) continue;
        const Atom a = atoms[k];
        z3::expr lemma(c);
        if (a.array) {
          z3::expr_vector same(c);
          for (std::size_t j = 0; j < indices.size(); ++j)
            same.push_back(bit_at(read(a.x, indices[i]), indices[j]) ==
                           bit_at(read(a.y, indices[i]), indices[j]));
          lemma = z3::implies(a.b, model::z3enc::conjunction(same));
        } else {
          lemma = z3::implies(a.b, bit_at(a.x, indices[i]) == bit_at(a.y, indices[i]));
        }
        lemmas.push_back(lemma);
        add_atoms(lemma);
        more = true;
      }
    }
  }
  lemmas.push_back(core_);
  z3::expr all = model::z3enc::conjunction(lemmas);
  if (!from.empty()) all = all.substitute(from, to);
  if (!atoms_.empty()) all = all.substitute(atoms_, abstractions_);
  return all;
}

void Localizer::collect_indices(const z3::expr& e, std::unordered_set<unsigned>& seen) {
  if (!e.is_app() || !seen.insert(e.id()).second) return;
  if (auto it = bit_test_index_.find(e.id()); it != bit_test_index_.end())
    indices_.emplace(it->second.id(), it->second);
  // i = j between indices: both are elements in play.
  if (kind(e) == Z3_OP_EQ && e.arg(0).is_bv() &&
      e.arg(0).get_sort().bv_size() == static_cast<unsigned>(enc_.index_bits()))
    for (unsigned k = 0; k < 2; ++k)
      if (!e.arg(k).is_numeral()) indices_.emplace(e.arg(k).id(), e.arg(k));
  for (unsigned a = 0; a < e.num_args(); ++a) collect_indices(e.arg(a), seen);
}

z3::expr Localizer::operator()(const z3::expr& f) {
  indices_.clear();
  const z3::expr local = rewrite(f);
  core_ = local;
  // The rewrite remembers terms across formulas, so the indices of this one are read off it.
  std::unordered_set<unsigned> visited;
  collect_indices(local, visited);
  std::unordered_map<unsigned, z3::expr> seen;
  std::vector<std::pair<z3::expr, z3::expr>> atoms;
  collect_equalities(local, seen, atoms);
  z3::expr_vector all(enc_.ctx());
  all.push_back(local);
  // Instances may test new bits, never at new indices: iterate over a copy.
  const std::unordered_map<unsigned, z3::expr> indices = indices_;
  for (const auto& [x, y] : atoms)
    for (const auto& [id, i] : indices) all.push_back(z3::implies(x == y, bit_at(x, i) == bit_at(y, i)));
  return model::z3enc::conjunction(all);
}

void Localizer::collect_equalities(const z3::expr& e, std::unordered_map<unsigned, z3::expr>& seen,
                                   std::vector<std::pair<z3::expr, z3::expr>>& atoms) const {
  if (!e.is_app() || !seen.emplace(e.id(), e).second) return;
  const Z3_decl_kind k = kind(e);
  if ((k == Z3_OP_EQ || (k == Z3_OP_DISTINCT && e.num_args() == 2)) && e.arg(0).is_bv() &&
      e.arg(0).get_sort().bv_size() == static_cast<unsigned>(enc_.width()))
    atoms.emplace_back(e.arg(0), e.arg(1));
  for (unsigned a = 0; a < e.num_args(); ++a) collect_equalities(e.arg(a), seen, atoms);
}

std::optional<z3::expr> Localizer::onehot_index(const z3::expr& e) const {
  if (kind(e) != Z3_OP_BLSHR || !z3::eq(e.arg(0), top_)) return std::nullopt;
  const z3::expr shift = e.arg(1);
  if (kind(shift) == Z3_OP_ZERO_EXT) return shift.arg(0);
  return std::nullopt;
}

z3::expr Localizer::numeral_bit(const z3::expr& numeral, const z3::expr& i) {
  z3::context& c = enc_.ctx();
  const int n = enc_.width();
  std::string bin = Z3_get_numeral_binary_string(c, numeral);
  bin.insert(0, static_cast<std::size_t>(n) - bin.size(), '0');
  // The set IDs as ranges: "i in one of them".
  z3::expr_vector any(c);
  int id = 0;
  while (id < n) {
    if (bin[static_cast<std::size_t>(id)] != '1') {
      ++id;
      continue;
    }
    const int lo = id;
    while (id < n && bin[static_cast<std::size_t>(id)] == '1') ++id;
    const int hi = id - 1;
    if (lo == 0 && hi == n - 1) return c.bool_val(true);
    if (lo == hi)
      any.push_back(i == enc_.index(lo));
    else
      any.push_back(z3::uge(i, enc_.index(lo)) && z3::ule(i, enc_.index(hi)));
  }
  if (any.empty()) return c.bool_val(false);
  return model::z3enc::disjunction(any);
}

z3::expr Localizer::bit_at(const z3::expr& m, const z3::expr& i) {
  if (!i.is_numeral()) indices_.emplace(i.id(), i);
  const auto key = std::make_pair(m.id(), i.id());
  if (auto it = bit_memo_.find(key); it != bit_memo_.end()) return it->second.second;
  z3::context& c = enc_.ctx();
  z3::expr out(c);
  switch (kind(m)) {
    case Z3_OP_BAND:
    case Z3_OP_BOR: {
      z3::expr_vector parts(c);
      for (unsigned k = 0; k < m.num_args(); ++k) parts.push_back(bit_at(m.arg(k), i));
      out = kind(m) == Z3_OP_BAND ? model::z3enc::conjunction(parts)
                                  : model::z3enc::disjunction(parts);
      break;
    }
    case Z3_OP_BNOT:
      out = !bit_at(m.arg(0), i);
      break;
    case Z3_OP_BXOR:
      if (m.num_args() == 2) {
        out = bit_at(m.arg(0), i) != bit_at(m.arg(1), i);
        break;
      }
      out = atom(rewrite(m), i);
      break;
    case Z3_OP_ITE:
      out = z3::ite(rewrite(m.arg(0)), bit_at(m.arg(1), i), bit_at(m.arg(2), i));
      break;
    case Z3_OP_BNUM:
      out = numeral_bit(m, i);
      break;
    case Z3_OP_SELECT: {
      const z3::expr r = read(rewrite(m.arg(0)), rewrite(m.arg(1)));
      out = kind(r) == Z3_OP_SELECT ? atom(r, i) : bit_at(r, i);
      break;
    }
    default:
      if (const std::optional<z3::expr> j = onehot_index(m)) {
        out = i == rewrite(*j);
        break;
      }
      out = atom(rewrite(m), i);
      break;
  }
  bit_memo_.emplace(key, std::make_pair(std::make_pair(m, i), out));
  return out;
}

z3::expr Localizer::read(const z3::expr& array, const z3::expr& idx) {
  if (array.is_lambda()) {
    z3::expr_vector args(enc_.ctx());
    args.push_back(idx);
    return rewrite(array.body().substitute(args));
  }
  switch (kind(array)) {
    case Z3_OP_STORE:
      if (z3::eq(array.arg(1), idx)) return rewrite(array.arg(2));
      return z3::ite(idx == array.arg(1), rewrite(array.arg(2)), read(array.arg(0), idx));
    case Z3_OP_CONST_ARRAY:
      return rewrite(array.arg(0));
    case Z3_OP_ITE:
      return z3::ite(rewrite(array.arg(0)), read(array.arg(1), idx), read(array.arg(2), idx));
    default:
      return z3::select(array, idx);
  }
}

z3::expr Localizer::rewrite(const z3::expr& e) {
  if (auto it = memo_.find(e.id()); it != memo_.end()) return it->second.second;
  z3::expr out = e;
  if (e.is_app() && e.num_args() > 0) {
    const Z3_decl_kind k = kind(e);
    // Encoder::bit at a symbolic index: (m & onehot(j)) ≠ 0.
    if (k == Z3_OP_DISTINCT && e.num_args() == 2 && is_zero(e.arg(1)) &&
        kind(e.arg(0)) == Z3_OP_BAND && e.arg(0).num_args() == 2) {
      const z3::expr conj = e.arg(0);
      if (const std::optional<z3::expr> j = onehot_index(conj.arg(1)))
        out = bit_at(conj.arg(0), rewrite(*j));
      else if (const std::optional<z3::expr> j0 = onehot_index(conj.arg(0)))
        out = bit_at(conj.arg(1), rewrite(*j0));
    }
    if (z3::eq(out, e)) {
      if (k == Z3_OP_SELECT) {
        out = read(rewrite(e.arg(0)), rewrite(e.arg(1)));
      } else {
        z3::expr_vector args(e.ctx());
        bool changed = false;
        for (unsigned a = 0; a < e.num_args(); ++a) {
          args.push_back(rewrite(e.arg(a)));
          changed |= !z3::eq(args.back(), e.arg(a));
        }
        if (changed) out = e.decl()(args);
      }
    }
  }
  memo_.emplace(e.id(), std::make_pair(e, out));
  return out;
}

}  // namespace apcb::proofs::detail
