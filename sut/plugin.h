// apcb — writing a plugin (apcb_sut.h) in C++: wrap any engine with a constructor
// `Engine(const model::HostParams&, const model::Matrix& config)` and a member
// `std::optional<model::Observation> apply(const model::Op&)` (nullopt = cannot comply), then
// export it with APCB_SUT_EXPORT_PLUGIN(Engine, "name") in exactly one source file.
#ifndef APCB_SUT_PLUGIN_H_
#define APCB_SUT_PLUGIN_H_

#include <new>

#include "sut/apcb_sut.h"
#include "sut/convert.h"

namespace apcb::sut {

template <typename Engine>
struct PluginAdapter {
  struct Instance {
    Engine engine;
    CObservation last;
  };
  static apcb_sut_instance* create(const apcb_sut_host* host) {
    if (host == nullptr) return nullptr;
    auto* i = new (std::nothrow) Instance{Engine(params_from_c(*host), from_c(host->config)), {}};
    return reinterpret_cast<apcb_sut_instance*>(i);
  }
  static void destroy(apcb_sut_instance* instance) { delete reinterpret_cast<Instance*>(instance); }
  static int apply(apcb_sut_instance* instance, const apcb_sut_op* op, apcb_sut_observation* out) {
    if (instance == nullptr || op == nullptr || out == nullptr) return APCB_SUT_CANNOT_COMPLY;
    auto* i = reinterpret_cast<Instance*>(instance);
    std::optional<model::Op> decoded = op_from_c(*op);
    if (!decoded) return APCB_SUT_CANNOT_COMPLY;
    std::optional<model::Observation> obs = i->engine.apply(*decoded);
    if (!obs) return APCB_SUT_CANNOT_COMPLY;
    i->last.set(*obs);
    i->last.fill(out);
    return APCB_SUT_OK;
  }
};

}  // namespace apcb::sut

#define APCB_SUT_EXPORT_PLUGIN(Engine, plugin_name)                                          \
  extern "C" __attribute__((visibility("default"))) const apcb_sut_plugin*                    \
  apcb_sut_get_plugin(uint32_t abi_version) {                                                 \
    static const apcb_sut_plugin plugin{APCB_SUT_ABI_VERSION, plugin_name,                    \
                                        &::apcb::sut::PluginAdapter<Engine>::create,          \
                                        &::apcb::sut::PluginAdapter<Engine>::destroy,         \
                                        &::apcb::sut::PluginAdapter<Engine>::apply};          \
    return abi_version == APCB_SUT_ABI_VERSION ? &plugin : nullptr;                           \
  }

#endif  // APCB_SUT_PLUGIN_H_
