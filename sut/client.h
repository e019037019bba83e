// apcb — loading and driving a plugin (apcb_sut.h) from C++.
#ifndef APCB_SUT_CLIENT_H_
#define APCB_SUT_CLIENT_H_

#include <memory>
#include <optional>
#include <string>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"
#include "sut/apcb_sut.h"

namespace apcb::sut {

// A loaded plugin library. Loading fails (with a message) when the file cannot be opened, does
// not export apcb_sut_get_plugin, or does not speak APCB_SUT_ABI_VERSION.
class Plugin {
 public:
  static std::unique_ptr<Plugin> load(const std::string& path, std::string& error);
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  const apcb_sut_plugin& vtable() const { return *vtable_; }
  std::string name() const { return vtable_->name != nullptr ? vtable_->name : "?"; }

 private:
  Plugin(void* handle, const apcb_sut_plugin* vtable) : handle_(handle), vtable_(vtable) {}
  void* handle_;
  const apcb_sut_plugin* vtable_;
};

// One instance of a plugin, in the host state `host init` describes.
class Instance {
 public:
  // nullptr when the plugin's create fails.
  static std::unique_ptr<Instance> create(const Plugin& plugin, const model::HostParams& params,
                                          const model::Matrix& config);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  // The observation, or nullopt when the plugin cannot comply.
  std::optional<model::Observation> apply(const model::Op& op);

 private:
  Instance(const Plugin& plugin, apcb_sut_instance* instance) : plugin_(plugin), instance_(instance) {}
  const Plugin& plugin_;
  apcb_sut_instance* instance_;
};

}  // namespace apcb::sut

#endif  // APCB_SUT_CLIENT_H_
