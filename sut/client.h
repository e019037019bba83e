// apcb — loading and driving a plugin (apcb_sut.h) from C++.
#ifndef APCB_SUT_CLIENT_H_
#define APCB_SUT_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"
#include "sut/apcb_sut.h"

namespace apcb::sut {

// A loaded plugin library. Loading fails (with a message) when the file cannot be opened, does
// not export apcb_sut_get_plugin, or does not speak APCB_SUT_ABI_VERSION. Unloaded (dlclose) on
// destruction, so it must outlive every Instance created from it.
//
// Example:
//   std::string error;
//   auto plugin = sut::Plugin::load("build/default/sut/apcb_impl_sut.so", error);
//   if (!plugin) { std::cerr << error << "\n"; return kBadInput; }
class Plugin {
 public:
  // Example: Plugin::load("/nonexistent.so", error) == nullptr, and error reads
  // "/nonexistent.so: cannot load the plugin: /nonexistent.so: cannot open shared object file: ...".
  static std::unique_ptr<Plugin> load(const std::string& path, std::string& error);
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  // The plugin's function table (already checked: right ABI version, no null entry); valid
  // while this Plugin lives.
  //
  // Example: plugin->vtable().abi_version == APCB_SUT_ABI_VERSION
  const apcb_sut_plugin& vtable() const { return *vtable_; }
  // The plugin's name (apcb_sut_plugin.name) as reports show it; "?" when the plugin gives none.
  //
  // Example: plugin->name() == "apcb model (reference, through the C ABI)" for the model plugin.
  std::string name() const { return vtable_->name != nullptr ? vtable_->name : "?"; }
  // The kernel profile the plugin declares (apcb_sut_kernel_version, optional), verbatim; nullopt
  // when it exports no such symbol or returns NULL.
  //
  // Example: plugin->kernel_version() == "6.1" for apcb-kernel-6.1.so; nullopt for apcb_impl_sut.so.
  std::optional<std::string> kernel_version() const { return kernel_version_; }
  // The ABI minor version the plugin was built against (apcb_sut_get_abi_minor; 0 when it does
  // not export it).
  //
  // Example: plugin->abi_minor() == APCB_SUT_ABI_MINOR for a plugin of APCB_SUT_EXPORT_PLUGIN.
  std::uint32_t abi_minor() const { return minor_; }
  // Whether the plugin reports Signal events (minor version 1 on); its observations carry it
  // as Observation::sees_signals, so a plugin built before signals is compared without them.
  //
  // Example: a plugin that does not export apcb_sut_get_abi_minor: sees_signals() == false.
  bool sees_signals() const { return minor_ >= 1; }

 private:
  Plugin(void* handle, const apcb_sut_plugin* vtable, std::uint32_t minor, std::optional<std::string> kernel_version)
      : handle_(handle), vtable_(vtable), minor_(minor), kernel_version_(std::move(kernel_version)) {}
  void* handle_;
  const apcb_sut_plugin* vtable_;
  std::uint32_t minor_;
  std::optional<std::string> kernel_version_;
};

// One instance of a plugin, in the host state `host init` describes, in this process: a plugin
// that crashes or hangs takes the caller with it. `apcb check --sut` uses sut/isolated.h
// instead; this stays for callers that need the speed or the crash in their own process (the
// benchmark, the fuzz_sut harness). Holds a reference to its Plugin, which must outlive it;
// destruction calls the plugin's destroy. Not thread-safe.
//
// Example:
//   auto i = sut::Instance::create(*plugin, trace.params, trace.config);
//   for (const auto& step : trace.steps) if (auto obs = i->apply(step.op)) ...
class Instance {
 public:
  // A new instance of `plugin` in the state `params` and `config` describe (a trace's
  // `host init`); nullptr when the plugin's create fails (returns NULL).
  //
  // Example: auto i = Instance::create(*plugin, trace.params, trace.config); if (!i) ...
  static std::unique_ptr<Instance> create(const Plugin& plugin, const model::HostParams& params,
                                          const model::Matrix& config);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  // The observation, or nullopt when the plugin cannot comply (or answers a status code
  // apcb_sut.h does not define: callers that must tell the two apart use apply_with_status).
  //
  // Example: instance->apply(model::op::ReadBusMask{model::BusMask::apmask})->result == model::Errno::ok
  std::optional<model::Observation> apply(const model::Op& op);

  // What apply returned, unfiltered: `status` is the plugin's return code (APCB_SUT_OK,
  // APCB_SUT_CANNOT_COMPLY or anything else a misbehaving plugin answers); `observation` is
  // set only for APCB_SUT_OK.
  //
  // Example: a plugin whose apply returns 42 gives {42, nullopt}.
  struct Applied {
    int status = APCB_SUT_CANNOT_COMPLY;
    std::optional<model::Observation> observation;
  };
  // Applies `op` and answers the plugin's status as it is, with the observation when it is
  // APCB_SUT_OK (apply is this, less the status). A kind newer than the plugin's ABI minor
  // version (sut::abi_minor_of) is not sent: {APCB_SUT_CANNOT_COMPLY, nullopt}.
  //
  // Example: instance->apply_with_status(model::op::ReadBusMask{model::BusMask::aqmask}).status == APCB_SUT_OK
  Applied apply_with_status(const model::Op& op);

 private:
  Instance(const Plugin& plugin, apcb_sut_instance* instance) : plugin_(plugin), instance_(instance) {}
  const Plugin& plugin_;
  apcb_sut_instance* instance_;
};

}  // namespace apcb::sut

#endif  // APCB_SUT_CLIENT_H_
