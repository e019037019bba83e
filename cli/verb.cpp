#include <iostream>
#include <map>

#include "cli/data_paths.h"
#include "cli/verb.h"
#include "sut/isolated.h"

namespace apcb::cli {

void add_engine_option(CLI::App& verb, harness::EngineKind& kind) {
  verb.add_option("--engine", kind, "impl: the reference implementation (default); model: the "
                                    "executable specification")
      ->transform(CLI::CheckedTransformer(std::map<std::string, harness::EngineKind>{{"impl", harness::EngineKind::impl},
                                                                            {"model", harness::EngineKind::model}}));
}

CLI::Option* add_kernel_option(CLI::App& verb, model::KernelVersion& kernel) {
  return verb.add_option_function<std::string>(
          "--kernel", [&kernel](const std::string& text) { kernel = *model::parse_kernel_version(text); },
          "the kernel whose vfio_ap the reference follows: latest (the default) or a profile of an older "
          "one (" + std::string(model::kernel_version_names()) + "; 6.1 and 6.12 are Debian's kernels, the "
          "others mainline releases; profiles other than latest run on the model: " +
              data_paths().doc("kernel-versions.md") + ")")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (model::parse_kernel_version(text)) return {};
            return "'" + text + "' is not a kernel version apcb follows (" +
                   std::string(model::kernel_version_names()) + ")";
          },
          "VERSION"));
}

bool follow_plugin_kernel(const std::string& verb, const std::string& plugin_path,
                          std::chrono::milliseconds time_limit, bool kernel_given, model::KernelVersion& kernel) {
  const auto declared = sut::declared_kernel_version(plugin_path, time_limit);
  if (!declared) return true;
  const auto profile = model::parse_kernel_version(*declared);
  if (!profile) {
    std::cerr << verb << ": " << plugin_path << " declares kernel '" << *declared << "', which apcb has no profile for ("
              << model::kernel_version_names() << "); give --kernel\n";
    return false;
  }
  if (!kernel_given) {
    kernel = *profile;
    std::cerr << verb << ": " << plugin_path << " declares kernel " << *declared
              << ": the reference follows that profile (--kernel overrides)\n";
  } else if (*profile != kernel) {
    std::cerr << verb << ": " << plugin_path << " declares kernel " << *declared << ", but --kernel "
              << model::kernel_version_name(kernel) << " was given: following --kernel\n";
  }
  return true;
}

}  // namespace apcb::cli
