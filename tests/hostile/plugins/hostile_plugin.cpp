// A plugin that misbehaves, for the hostile-input suite (tests/hostile/plugins.cmake): the
// reference model through the C ABI, except for one misbehaviour chosen at build time.
//
//   HOSTILE_MODE         what it does (the names below), at step HOSTILE_STEP (1-based)
//   status42             apply returns 42, a code apcb_sut.h does not define
//   cannot_comply        answers APCB_SUT_CANNOT_COMPLY to every step
//   segfault             writes through a null pointer
//   hang                 never returns
//   exit0                calls exit(0)
//   stdout_garbage       writes to its standard output at every step (and is otherwise right)
//   create_null          create() returns NULL
//   crash_in_create      create() aborts
//   scribble_fds         writes a line to every descriptor from 3 to 63 (the protocol's too)
//   crash_in_load        apcb_sut_get_plugin aborts (the library is being loaded)
//   crash_in_destroy     destroy() aborts
//   unterminated_output  drops the last newline of a read's output
//   unnamed_errno        answers result 28 (ENOSPC), which the trace format has no name for
//   wrong_abi            apcb_sut_get_plugin returns NULL (it speaks no version apcb knows)
//
// One source, one library per mode, so that each report names its own plugin.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "model/step.h"
#include "sut/plugin.h"

#ifndef HOSTILE_MODE
#error "build with -DHOSTILE_MODE=<mode> (see the comment at the top)"
#endif
#ifndef HOSTILE_STEP
#define HOSTILE_STEP 3
#endif

#define HOSTILE_STRINGIFY2(x) #x
#define HOSTILE_STRINGIFY(x) HOSTILE_STRINGIFY2(x)

namespace {

constexpr const char* kMode = HOSTILE_STRINGIFY(HOSTILE_MODE);

bool mode_is(const char* name) { return std::strcmp(kMode, name) == 0; }

class ModelEngine {
 public:
  ModelEngine(const apcb::model::HostParams& params, const apcb::model::Matrix& config)
      : state_(apcb::model::State::initial(params, config)) {}
  std::optional<apcb::model::Observation> apply(const apcb::model::Op& op) {
    return apcb::model::apply(state_, op);
  }

 private:
  apcb::model::State state_;
};

using Adapter = apcb::sut::PluginAdapter<ModelEngine>;

// The steps applied so far, over every instance (apcb makes one per run).
unsigned steps = 0;

apcb_sut_instance* create(const apcb_sut_host* host) {
  if (mode_is("create_null")) return nullptr;
  if (mode_is("crash_in_create")) std::abort();
  return Adapter::create(host);
}

void destroy(apcb_sut_instance* instance) {
  if (mode_is("crash_in_destroy")) std::abort();
  Adapter::destroy(instance);
}

int apply(apcb_sut_instance* instance, const apcb_sut_op* op, apcb_sut_observation* out) {
  ++steps;
  if (mode_is("cannot_comply")) return APCB_SUT_CANNOT_COMPLY;
  if (mode_is("stdout_garbage")) {
    std::printf("= 0\nobservation 5\ngarbage from the plugin at step %u\n", steps);
    std::fflush(stdout);
    const char raw[] = "cannot-comply\nready\n";
    if (::write(STDOUT_FILENO, raw, sizeof raw - 1) < 0) return APCB_SUT_CANNOT_COMPLY;
  }
  if (steps == HOSTILE_STEP) {
    if (mode_is("status42")) return 42;
    if (mode_is("segfault")) {
      volatile int* volatile nowhere = nullptr;
      *nowhere = 1;
    }
    if (mode_is("hang"))
      for (;;) ::pause();
    if (mode_is("exit0")) std::exit(0);
    if (mode_is("scribble_fds"))
      for (int fd = 3; fd < 64; ++fd) (void)!::write(fd, "scribbled by the plugin\n", 24);
  }
  const int status = Adapter::apply(instance, op, out);
  if (status == APCB_SUT_OK && steps == HOSTILE_STEP) {
    if (mode_is("unterminated_output") && out->output_len > 0 && out->output[out->output_len - 1] == '\n')
      --out->output_len;
    if (mode_is("unnamed_errno")) out->result = 28;
  }
  return status;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const apcb_sut_plugin* apcb_sut_get_plugin(uint32_t abi_version) {
  static const apcb_sut_plugin plugin{APCB_SUT_ABI_VERSION, "hostile " HOSTILE_STRINGIFY(HOSTILE_MODE), &create,
                                      &destroy, &apply};
  if (mode_is("wrong_abi")) return nullptr;
  if (mode_is("crash_in_load")) std::abort();
  return abi_version == APCB_SUT_ABI_VERSION ? &plugin : nullptr;
}
