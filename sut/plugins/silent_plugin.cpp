// The reference model as a plugin that reports no Signal events, for tests of the ABI's minor
// version (apcb_sut.h, "Versioning"). Built twice:
//   apcb_silent_minor0_sut  exports only apcb_sut_get_plugin, as a plugin built against minor
//                           version 0 (before signals existed) does: apcb compares it without
//                           signals, so it conforms;
//   apcb_silent_sut         exports minor version 1 too, as a plugin built against minor
//                           version 1 does, and so claims to report signals: its missing
//                           signals are divergences; it is never sent a minor-2 kind (a guest's
//                           PQAP(AQIC)): those steps are skipped.
#include <variant>

#include "model/step.h"
#include "sut/plugin.h"

namespace {

class SilentEngine {
 public:
  SilentEngine(const apcb::model::HostParams& params, const apcb::model::Matrix& config)
      : state_(apcb::model::State::initial(params, config)) {}
  std::optional<apcb::model::Observation> apply(const apcb::model::Op& op) {
    using namespace apcb::model;
    Observation obs = apcb::model::apply(state_, op);
    std::erase_if(obs.events, [](const Event& e) { return std::holds_alternative<Signal>(e); });
    return obs;
  }

 private:
  apcb::model::State state_;
};

}  // namespace

#ifdef APCB_SILENT_MINOR0
#define APCB_SILENT_NAME "silent (ABI minor 0: built before signals)"
#else
#define APCB_SILENT_NAME "silent (ABI minor 1, but never reports a signal)"
#endif
// What APCB_SUT_EXPORT_PLUGIN expanded to before minor version 1 (no apcb_sut_get_abi_minor), and
// with minor version 1.
extern "C" __attribute__((visibility("default"))) const apcb_sut_plugin* apcb_sut_get_plugin(uint32_t abi_version) {
  static const apcb_sut_plugin plugin{APCB_SUT_ABI_VERSION, APCB_SILENT_NAME,
                                      &::apcb::sut::PluginAdapter<SilentEngine>::create,
                                      &::apcb::sut::PluginAdapter<SilentEngine>::destroy,
                                      &::apcb::sut::PluginAdapter<SilentEngine>::apply};
  return abi_version == APCB_SUT_ABI_VERSION ? &plugin : nullptr;
}
#ifndef APCB_SILENT_MINOR0
extern "C" __attribute__((visibility("default"))) uint32_t apcb_sut_get_abi_minor(void) { return 1; }
#endif
