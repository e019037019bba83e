#include "harness/engine.h"

#include "impl/host.h"
#include "model/step.h"
#include "trace/trace.h"

namespace apcb::harness {
namespace {

class ModelEngine : public Engine {
 public:
  explicit ModelEngine(const model::State& initial) : state_(initial) {}
  using Engine::apply;
  model::Observation apply(const model::Op& op) override { return model::apply(state_, op); }
  model::State state() const override { return state_; }
  std::string name() const override { return "model"; }

 private:
  model::State state_;
};

class ImplEngine : public Engine {
 public:
  ImplEngine(const model::HostParams& params, const model::Matrix& config) : host_(params, config) {}
  using Engine::apply;
  model::Observation apply(const model::Op& op) override { return host_.apply(op); }
  void apply(const model::Op& op, model::Observation& out) override { host_.apply(op, out); }
  model::State state() const override { return host_.state(); }
  std::string name() const override { return "reference implementation"; }

 private:
  impl::Host host_;
};

std::string fields(const model::Matrix& m) {
  return "adapters=" + model::format_id_set(m.adapters, 2) +
         " domains=" + model::format_id_set(m.domains, 4) +
         " control=" + model::format_id_set(m.control_domains, 4);
}

}  // namespace

std::unique_ptr<Engine> make_model_engine(const model::State& initial) {
  return std::make_unique<ModelEngine>(initial);
}

std::unique_ptr<Engine> make_impl_engine(const model::HostParams& params, const model::Matrix& config) {
  return std::make_unique<ImplEngine>(params, config);
}

std::unique_ptr<Engine> make_engine(EngineKind kind, const model::HostParams& params,
                                    const model::Matrix& config, model::KernelVersion kernel) {
  if (kind == EngineKind::model || kernel != model::KernelVersion::latest) {
    model::State initial = model::State::initial(params, config);
    initial.kernel = kernel;
    return make_model_engine(initial);
  }
  return make_impl_engine(params, config);
}

std::string engine_name(EngineKind kind) {
  return kind == EngineKind::model ? "model" : "reference implementation";
}

std::string describe_state(const model::State& s) {
  std::string out = "  host: " + trace::format_host_init(s.params, s.cfg).substr(10) + "\n";
  out += "  apmask=" + model::format_id_set(s.apmask, 2) +
         " aqmask=" + model::format_id_set(s.aqmask, 4) + "\n";
  for (int a = 0; a < 256; ++a)
    if (s.unbound[static_cast<std::size_t>(a)].any())
      out += "  unbound queues of adapter " + model::format_id_set(model::Mask::single(static_cast<model::ApId>(a)), 2) +
             ": domains=" + model::format_id_set(s.unbound[static_cast<std::size_t>(a)], 4) + "\n";
  for (const auto& [qid, rc] : s.last_response)
    out += "  last reset of " + model::format_id_set(model::Mask::single(static_cast<model::ApId>(qid >> 8)), 2) + "." +
           model::format_id_set(model::Mask::single(static_cast<model::ApId>(qid & 0xFF)), 4) +
           " answered " + std::to_string(rc) + "\n";
  for (const model::Mdev& m : s.mdevs) {
    out += "  mdev " + m.uuid + (m.guest ? " (guest " + std::to_string(*m.guest) + ")" : "") + "\n";
    out += "    assigned " + fields(m.assigned) + "\n";
    out += "    shadow   " + fields(m.shadow) + "\n";
  }
  for (const model::Guest& g : s.guests)
    out += "  guest " + std::to_string(g.id) + " format " + std::to_string(static_cast<int>(g.format)) +
           " apcb " + fields(g.apcb) + "\n";
  return out;
}

}  // namespace apcb::harness
