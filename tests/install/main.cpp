// Uses the installed package: the model, the reference implementation and a plugin loaded
// from the installed plugin folder must agree on a short scenario. Prints "consumer ok".
#include <cstdio>
#include <string>
#include <vector>

#include "impl/host.h"
#include "model/observation.h"
#include "model/step.h"
#include "trace/trace.h"
#include "sut/client.h"

int main() {
  using namespace apcb;
  const model::HostParams params{true, 255, 255};
  const model::Matrix config{model::Mask::up_to(255), model::Mask::up_to(255), model::Mask::up_to(255)};
  std::vector<model::Op> ops{
      model::op::MdevCreate{"11111111-1111-1111-1111-111111111111"},
      model::op::AttrWrite{"11111111-1111-1111-1111-111111111111",
                           model::MdevAttr::assign_adapter, "5"},
  };
  model::State state = model::State::initial(params, config);
  impl::Host host(params, config);
  std::string error;
  const auto plugin = sut::Plugin::load(APCB_PLUGIN_DIR "/apcb_impl_sut.so", error);
  if (!plugin) {
    std::fprintf(stderr, "consumer: %s\n", error.c_str());
    return 1;
  }
  const auto instance = sut::Instance::create(*plugin, params, config);
  for (const model::Op& op : ops) {
    const model::Observation expected = model::apply(state, op);
    const auto through_plugin = instance ? instance->apply(op) : std::nullopt;
    if (!model::equivalent(host.apply(op), expected) || !through_plugin ||
        !model::equivalent(*through_plugin, expected)) {
      std::fprintf(stderr, "consumer: disagreement at %s\n", trace::format_op(op).c_str());
      return 1;
    }
  }
  std::printf("consumer ok\n");
  return 0;
}
