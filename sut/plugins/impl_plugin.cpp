// The reference implementation as a plugin: what other implementations are checked against,
// shipped the way they are loaded, so a port can run `apcb check --sut` on it first to see
// what a passing run looks like, and so the ABI path is exercised with the real engine.
#include <memory>

#include "impl/host.h"
#include "sut/plugin.h"

namespace {

class ImplEngine {
 public:
  ImplEngine(const apcb::model::HostParams& params, const apcb::model::Matrix& config)
      : host_(std::make_unique<apcb::impl::Host>(params, config)) {}
  std::optional<apcb::model::Observation> apply(const apcb::model::Op& op) {
    return host_->apply(op);
  }

 private:
  // impl::Host owns vCPU threads and locks and is neither copyable nor movable.
  std::unique_ptr<apcb::impl::Host> host_;
};

}  // namespace

APCB_SUT_EXPORT_PLUGIN(ImplEngine, "apcb impl (the reference implementation, through the C ABI)")
