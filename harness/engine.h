// apcb harness — the engines the verbs, tests and harnesses run traces on: the model, the
// reference implementation; plugins come through sut/ (sut/client.h, sut/isolated.h).
// The verbs, tests, fuzzers and benchmarks are written against this interface only.
#ifndef APCB_HARNESS_ENGINE_H_
#define APCB_HARNESS_ENGINE_H_

#include <memory>
#include <string>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::harness {

class Engine {
 public:
  virtual ~Engine() = default;
  // Executes one operation and reports what was observed.
  virtual model::Observation apply(const model::Op& op) = 0;
  // The engine's state in the model's terms, for divergence reports.
  virtual model::State state() const = 0;
  virtual std::string name() const = 0;
};

// The executable specification, starting from `initial`.
std::unique_ptr<Engine> make_model_engine(const model::State& initial);

// The reference implementation (impl::Host), starting from the host `params` and `config`
// describe (the state a trace's `host init` names).
std::unique_ptr<Engine> make_impl_engine(const model::HostParams& params, const model::Matrix& config);

// Which engine the verbs run: the reference implementation (the default) or the model. A
// kernel version other than latest (model/kernel.h) runs on the model whatever `kind` says:
// the reference implementation follows latest only.
enum class EngineKind { impl, model };
std::unique_ptr<Engine> make_engine(EngineKind kind, const model::HostParams& params,
                                    const model::Matrix& config,
                                    model::KernelVersion kernel = model::KernelVersion::latest);
std::string engine_name(EngineKind kind);

// A multi-line human description of `s`: host configuration, bus masks, queues that are not
// plainly bound, mdevs (assigned, shadow, guest) and guests' APCBs, in the trace's ID syntax.
std::string describe_state(const model::State& s);

}  // namespace apcb::harness

#endif  // APCB_HARNESS_ENGINE_H_
