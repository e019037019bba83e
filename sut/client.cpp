#include "sut/client.h"

#include <dlfcn.h>

#include "sut/convert.h"

namespace apcb::sut {

std::unique_ptr<Plugin> Plugin::load(const std::string& path, std::string& error) {
  // A path without a slash would be searched in the library path: make it relative instead.
  const std::string where = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(where.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    error = path + ": cannot load the plugin: " + (why != nullptr ? why : "unknown error");
    return nullptr;
  }
  using GetPlugin = const apcb_sut_plugin* (*)(std::uint32_t);
  auto get = reinterpret_cast<GetPlugin>(dlsym(handle, "apcb_sut_get_plugin"));
  if (get == nullptr) {
    error = path + ": does not export apcb_sut_get_plugin";
    dlclose(handle);
    return nullptr;
  }
  const apcb_sut_plugin* vtable = get(APCB_SUT_ABI_VERSION);
  if (vtable == nullptr || vtable->abi_version != APCB_SUT_ABI_VERSION || vtable->create == nullptr ||
      vtable->destroy == nullptr || vtable->apply == nullptr) {
    error = path + ": does not implement apcb_sut ABI version " + std::to_string(APCB_SUT_ABI_VERSION);
    dlclose(handle);
    return nullptr;
  }
  using GetMinor = std::uint32_t (*)();
  auto get_minor = reinterpret_cast<GetMinor>(dlsym(handle, "apcb_sut_get_abi_minor"));
  const std::uint32_t minor = get_minor != nullptr ? get_minor() : 0;
  std::optional<std::string> kernel_version;
  using KernelVersion = const char* (*)();
  if (auto declared = reinterpret_cast<KernelVersion>(dlsym(handle, "apcb_sut_kernel_version")))
    if (const char* text = declared()) kernel_version = text;
  return std::unique_ptr<Plugin>(new Plugin(handle, vtable, minor, std::move(kernel_version)));
}

Plugin::~Plugin() { dlclose(handle_); }

std::unique_ptr<Instance> Instance::create(const Plugin& plugin, const model::HostParams& params,
                                           const model::Matrix& config) {
  const apcb_sut_host host = to_c_host(params, config);
  apcb_sut_instance* i = plugin.vtable().create(&host);
  if (i == nullptr) return nullptr;
  return std::unique_ptr<Instance>(new Instance(plugin, i));
}

Instance::~Instance() { plugin_.vtable().destroy(instance_); }

std::optional<model::Observation> Instance::apply(const model::Op& op) {
  return apply_with_status(op).observation;
}

Instance::Applied Instance::apply_with_status(const model::Op& op) {
  // An operation newer than the plugin's ABI minor version is never sent: skipped, as
  // CANNOT_COMPLY.
  if (abi_minor_of(op) > plugin_.abi_minor()) return Applied{APCB_SUT_CANNOT_COMPLY, std::nullopt};
  const COp c(op);
  apcb_sut_observation obs{};
  const int status = plugin_.vtable().apply(instance_, c.get(), &obs);
  if (status != APCB_SUT_OK) return Applied{status, std::nullopt};
  model::Observation o = observation_from_c(obs);
  if (!plugin_.sees_signals()) o = model::without_signals(std::move(o));
  return Applied{status, std::move(o)};
}

}  // namespace apcb::sut
