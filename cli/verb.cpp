#include <map>

#include "cli/data_paths.h"
#include "cli/verb.h"

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

}  // namespace apcb::cli
