// A deliberately wrong implementation, for tests: the reference model, except that unbinding
// a queue from vfio_ap never hot-unplugs its adapter from the guest (the commit is lost), and
// it cannot comply with `vfio reset` (to exercise skipping). `apcb check --sut` and `fuzz_sut`
// must both catch the first bug.
#include <variant>

#include "model/step.h"
#include "sut/plugin.h"

namespace {

class BuggyEngine {
 public:
  BuggyEngine(const apcb::model::HostParams& params, const apcb::model::Matrix& config)
      : state_(apcb::model::State::initial(params, config)) {}
  std::optional<apcb::model::Observation> apply(const apcb::model::Op& op) {
    using namespace apcb::model;
    if (std::holds_alternative<op::DeviceReset>(op)) return std::nullopt;
    Observation obs = apcb::model::apply(state_, op);
    if (std::holds_alternative<op::QueueUnbind>(op)) {
      std::erase_if(obs.events, [](const Event& e) { return std::holds_alternative<Commit>(e); });
    }
    return obs;
  }

 private:
  apcb::model::State state_;
};

}  // namespace

APCB_SUT_EXPORT_PLUGIN(BuggyEngine, "buggy example (unbind loses its commit)")
