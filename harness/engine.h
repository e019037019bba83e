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

// Something a trace runs on: one host, fed one operation at a time. Not thread-safe.
//
// Example:
//   auto e = make_engine(EngineKind::impl, trace.params, trace.config);
//   for (const auto& step : trace.steps) model::Observation obs = e->apply(step.op);
class Engine {
 public:
  virtual ~Engine() = default;
  // Executes one operation and reports what was observed. Every operation has an answer: a
  // rejected one is an errno in the observation, never an exception.
  //
  // Example: e->apply(model::op::MdevCreate{"11111111-1111-1111-1111-111111111111"}).result == model::Errno::ok
  virtual model::Observation apply(const model::Op& op) = 0;
  // The same, into `out`, whose buffers an engine may reuse (the reference implementation does:
  // no allocation per step once they have grown). Streaming checks call this form.
  //
  // Example: model::Observation obs; for (const auto& step : trace.steps) e->apply(step.op, obs);
  virtual void apply(const model::Op& op, model::Observation& out) { out = apply(op); }
  // The engine's state in the model's terms, for divergence reports.
  //
  // Example: make_model_engine(s)->state() == s
  virtual model::State state() const = 0;
  // The engine's name as reports show it, the same as engine_name gives.
  //
  // Example: make_model_engine(s)->name() == "model"
  virtual std::string name() const = 0;
};

// The executable specification (model::apply), starting from `initial`, kernel version
// included.
//
// Example: auto e = make_model_engine(model::State::initial(trace.params, trace.config));
std::unique_ptr<Engine> make_model_engine(const model::State& initial);

// The reference implementation (impl::Host), starting from the host `params` and `config`
// describe (the state a trace's `host init` names). It follows the latest kernel only.
//
// Example: make_impl_engine(trace.params, trace.config)->name() == "reference implementation"
std::unique_ptr<Engine> make_impl_engine(const model::HostParams& params, const model::Matrix& config);

// Which engine the verbs run: the reference implementation (the default) or the model. A
// kernel version other than latest (model/kernel.h) runs on the model whatever `kind` says:
// the reference implementation follows latest only.
enum class EngineKind { impl, model };
// The engine of `kind` for `kernel`, starting from the host `params` and `config` describe.
//
// Example: make_engine(EngineKind::impl, p, cfg, model::KernelVersion::v6_1)->name() == "model"
std::unique_ptr<Engine> make_engine(EngineKind kind, const model::HostParams& params,
                                    const model::Matrix& config,
                                    model::KernelVersion kernel = model::KernelVersion::latest);
// The name reports give the engine of `kind`.
//
// Example: engine_name(EngineKind::impl) == "reference implementation", engine_name(EngineKind::model) == "model"
std::string engine_name(EngineKind kind);

// A multi-line human description of `s`: host configuration, bus masks, queues that are not
// plainly bound, mdevs (assigned, shadow, guest) and guests' APCBs, in the trace's ID syntax.
// Each line starts with two spaces and ends with a newline.
//
// Example: describe_state(s) starts "  host: apxa=1 na=0xff nd=0xff adapters=05-06 ..."
std::string describe_state(const model::State& s);

}  // namespace apcb::harness

#endif  // APCB_HARNESS_ENGINE_H_
