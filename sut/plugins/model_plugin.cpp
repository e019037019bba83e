// The executable specification as a plugin: the reference seen through the C ABI, so the ABI
// itself is tested end to end (a trace checked against it can only diverge through the ABI).
#include "model/step.h"
#include "sut/plugin.h"

namespace {

class ModelEngine {
 public:
  ModelEngine(const apcb::model::HostParams& params, const apcb::model::Matrix& config)
      : state_(apcb::model::State::initial(params, config)) {}
  std::optional<apcb::model::Observation> apply(const apcb::model::Op& op) {
    return apcb::model::apply(state_, op);
  }

 private:
  apcb::model::State state_;
};

}  // namespace

APCB_SUT_EXPORT_PLUGIN(ModelEngine, "apcb model (reference, through the C ABI)")
