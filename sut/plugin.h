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

// The C entry points (create, destroy, apply) of a plugin around `Engine`; the export macro
// below puts them in the plugin's table. Each instance is independent; one instance is not
// thread-safe (it keeps its last observation's storage).
//
// Example: &apcb::sut::PluginAdapter<ImplEngine>::apply is the `apply` of the impl plugin.
template <typename Engine>
struct PluginAdapter {
  // One plugin instance: the engine and the storage its last observation's C form points into.
  //
  // Example: Instance{Engine(params, config), {}}
  struct Instance {
    Engine engine;
    CObservation last;
  };
  // A new engine in the state `host` describes; NULL when `host` is NULL or memory runs out
  // (an exception from the engine's constructor is not caught).
  //
  // Example: PluginAdapter<ImplEngine>::create(nullptr) == nullptr
  static apcb_sut_instance* create(const apcb_sut_host* host) {
    if (host == nullptr) return nullptr;
    auto* i = new (std::nothrow) Instance{Engine(params_from_c(*host), from_c(host->config)), {}};
    return reinterpret_cast<apcb_sut_instance*>(i);
  }
  // Deletes an instance create returned; NULL does nothing.
  //
  // Example: PluginAdapter<ImplEngine>::destroy(nullptr);  // no-op
  static void destroy(apcb_sut_instance* instance) { delete reinterpret_cast<Instance*>(instance); }
  // Decodes `op` (op_from_c), applies it to the engine and fills `out`, which points into the
  // instance until its next apply. APCB_SUT_CANNOT_COMPLY, leaving `out` alone, for a NULL
  // argument, an operation op_from_c rejects, or an engine that answers nullopt.
  //
  // Example: PluginAdapter<ImplEngine>::apply(i, sut::COp(op).get(), &out) == APCB_SUT_OK
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

// Defines apcb_sut_get_plugin for PluginAdapter<Engine>, named `plugin_name`; it answers NULL
// for any ABI version but APCB_SUT_ABI_VERSION; and apcb_sut_get_abi_minor, answering
// APCB_SUT_ABI_MINOR (the engine reports every event kind). Use in exactly one source file of
// the plugin.
//
// Example: APCB_SUT_EXPORT_PLUGIN(ImplEngine, "apcb impl (the reference implementation, through the C ABI)")
#define APCB_SUT_EXPORT_PLUGIN(Engine, plugin_name)                                          \
  extern "C" __attribute__((visibility("default"))) const apcb_sut_plugin*                    \
  apcb_sut_get_plugin(uint32_t abi_version) {                                                 \
    static const apcb_sut_plugin plugin{APCB_SUT_ABI_VERSION, plugin_name,                    \
                                        &::apcb::sut::PluginAdapter<Engine>::create,          \
                                        &::apcb::sut::PluginAdapter<Engine>::destroy,         \
                                        &::apcb::sut::PluginAdapter<Engine>::apply};          \
    return abi_version == APCB_SUT_ABI_VERSION ? &plugin : nullptr;                           \
  }                                                                                           \
  extern "C" __attribute__((visibility("default"))) uint32_t apcb_sut_get_abi_minor(void) {  \
    return APCB_SUT_ABI_MINOR;                                                                \
  }

#endif  // APCB_SUT_PLUGIN_H_
