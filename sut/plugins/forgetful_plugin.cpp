// A deliberately wrong implementation with a *stateful* bug, for tests of shrinking: the
// reference model, except that a successful `unassign_adapter` is forgotten. The write answers
// exactly what the reference answers (its result, and the commit that hot-unplugs the adapter
// from a running guest), but the plugin's state stays as it was before the write: the adapter
// is still assigned to the mdev, still in its shadow APCB and still in its guest's matrix. The
// step itself never diverges; a later step that looks at the adapter does (a `cat matrix`, a
// vCPU observation, a second unassign, an assign of the same adapter to another mdev, ...).
//
// Why it exists: shrinking against the recorded answers (`apcb shrink` without --sut) keeps the
// diverging step's recorded observation and drops earlier steps while the *reference* still
// observes the same thing there, so it may drop the assign together with the forgotten
// unassign: the reference's observation is unchanged, but this plugin, re-run, then conforms.
// `apcb shrink --sut` re-runs the plugin on every candidate and cannot be fooled that way
// (tests/sut/shrink-reproduces.sh).
#include <variant>

#include "model/step.h"
#include "sut/plugin.h"

namespace {

class ForgetfulEngine {
 public:
  ForgetfulEngine(const apcb::model::HostParams& params, const apcb::model::Matrix& config)
      : state_(apcb::model::State::initial(params, config)) {}
  std::optional<apcb::model::Observation> apply(const apcb::model::Op& op) {
    using namespace apcb::model;
    const auto* write = std::get_if<op::AttrWrite>(&op);
    if (write == nullptr || write->attr != MdevAttr::unassign_adapter) return apcb::model::apply(state_, op);
    State forgotten = state_;
    Observation obs = apcb::model::apply(forgotten, op);
    if (obs.result != Errno::ok) state_ = std::move(forgotten);  // a refused unassign is remembered
    return obs;
  }

 private:
  apcb::model::State state_;
};

}  // namespace

APCB_SUT_EXPORT_PLUGIN(ForgetfulEngine, "forgetful example (a successful adapter unassign is forgotten)")
