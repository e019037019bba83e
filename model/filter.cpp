// The full filter F (model/filter.h): the function the shadow APCB refines, kept apart from the
// transition function that runs it (model/step.cpp) so each header has its own source.
#include "model/filter.h"

namespace apcb::model {

Matrix filter_matrix(const State& s, const Mdev& m) {
  Matrix f;
  const Mask a0 = m.assigned.adapters & s.cfg.adapters;
  f.domains = m.assigned.domains & s.cfg.domains;
  a0.for_each([&](ApId a) {
    if (f.domains.subset_of(passable_row(s, m, a))) f.adapters.set(a);
  });
  f.control_domains = m.assigned.control_domains & s.cfg.control_domains;
  return f;
}

}  // namespace apcb::model
