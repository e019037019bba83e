// apcb harness — THE generator of the operation alphabet (model/op.h), one family with knobs.
//
// `apcb gen` (generate_trace), the model's and the implementation's random tests, the stateful
// property test and the fuzz input decoder all draw operations from OpGenerator; they differ
// only in where the randomness comes from (the Entropy) and in the knobs (GeneratorKnobs and
// its presets). The biases are the ones that find bugs: few IDs reused (so APQNs are shared
// and conflicts happen), IDs at the word and format boundaries (15/16, 63/64, 127/128, 255),
// both attribute syntaxes and malformed input, and, given the model state, existing mdevs,
// guests and configured queues preferred so most operations get past "no such device".
//
// Entropy is anything with `int pick(int n)` returning a value in [0, n) for n >= 1:
//   SeededEntropy  std::mt19937_64, `rng() % n` (no std distributions: the same seed gives
//                  the same operations on every platform);
//   ByteEntropy    fuzz input bytes, one byte per pick (`byte % n`), zeros after the end;
//   RcEntropy      (tests/property/rc_entropy.h) `*rc::gen::inRange(0, n)`: every pick shrinks.
// Every pick is a choice among n alternatives and 0 is always the simplest one, so a shrinking
// entropy (or a zero-filled fuzz input) leads toward short, plain operations.
//
// Example:
//   harness::OpGenerator gen(harness::SeededEntropy(7), harness::GeneratorKnobs::defaults());
//   model::State s = model::State::initial(gen.params(), gen.config());
//   for (int i = 0; i < 100; ++i) model::apply(s, gen.next(s));
#ifndef APCB_HARNESS_GENERATE_H_
#define APCB_HARNESS_GENERATE_H_

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "model/op.h"
#include "model/state.h"

namespace apcb::harness {

// Anything that answers pick(n) with a value in [0, n).
// Example: struct Zero { int pick(int) { return 0; } };  // always the simplest choice
template <class E>
concept Entropy = requires(E& e, int n) {
  { e.pick(n) } -> std::convertible_to<int>;
};

// Seeded pseudo-randomness: portable (`rng() % n`; the bias is negligible for n <= 2^16).
// Example: SeededEntropy e(1); e.pick(6) is the same value on every platform.
class SeededEntropy {
 public:
  // Seeds std::mt19937_64 with `seed`: the same seed draws the same sequence everywhere.
  // Example: SeededEntropy e(1); e.pick(6) == 2.
  explicit SeededEntropy(std::uint64_t seed) : rng_(seed) {}
  // A value in [0, n); precondition n >= 1.
  // Example: SeededEntropy(1).pick(1) == 0.
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

 private:
  std::mt19937_64 rng_;
};

// A fuzz input: each pick reads the next byte (`byte % n`), zeros once the input is consumed.
// Choices with n > 256 are not all reachable from one byte; the presets keep n <= 256.
// Example: const std::uint8_t b[] = {7, 9}; ByteEntropy e(b, 2);
//          e.pick(4) == 3, e.pick(4) == 1, e.exhausted(), e.pick(4) == 0.
class ByteEntropy {
 public:
  // Reads `size` bytes at `data`, which must outlive the ByteEntropy (it keeps the pointer).
  // Example: ByteEntropy e(data, size);  // a libFuzzer input
  ByteEntropy(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  // The next byte modulo n, or 0 once every byte is read; precondition n >= 1.
  // Example: with bytes {7, 9}, pick(4) == 3, then pick(4) == 1, then pick(4) == 0.
  int pick(int n) { return pos_ < size_ ? data_[pos_++] % n : 0; }
  // Whether every byte has been read (further picks answer 0).
  // Example: ByteEntropy(b, 0).exhausted() == true.
  bool exhausted() const { return pos_ >= size_; }
  // How many bytes the picks have read so far.
  // Example: with bytes {7, 9}, consumed() == 0, and 1 after one pick.
  std::size_t consumed() const { return pos_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// The number of operation kinds (model::OpKind, the variant order of model::Op): weights are
// indexed by OpKind.
inline constexpr std::size_t kOpKinds = model::kOpKindCount;

// The interesting IDs: the first few (reused, so APQNs are shared across mdevs) and the
// boundaries of CRYCB format 0/1 (15/16, 63/64), of a mask word (63/64, 127/128) and of the ID
// space (255).
inline constexpr std::array<int, 10> kInterestingIds{0, 1, 2, 3, 15, 16, 63, 64, 128, 255};

// The k-th mdev UUID of a generator's pool (k >= 0): "11111111-1111-…" for k = 0, "2222…" for
// k = 1, … "ffff…" for k = 14, then "00000000-0000-0000-0000-0000000000NN" (NN = k in hex).
// Example: generator_uuid(2) == "33333333-3333-3333-3333-333333333333".
std::string generator_uuid(int k);

// `m` cut to what a machine with parameters `p` can configure: no ID beyond the AP bus's
// maxima (a non-APXA host has no adapter 64 and no domain 16).
// Example: within_host({{0, 64}, {3}, {3}}, {false, 63, 15}).adapters == Mask::of({0}).
model::Matrix within_host(const model::Matrix& m, const model::HostParams& p);

// The operation that starts a run of the focused universe: adapters 1..4 leave the host's
// default drivers (apmask), so their queues can go to vfio_ap.
// Example: host.apply(release_focused_adapters()).result == Errno::ok on a fresh host.
model::Op release_focused_adapters();

// The hosts a generator draws in params().
enum class HostShape : std::uint8_t {
  apxa,      // APXA, every ID (255/255)
  non_apxa,  // 63/15: no adapter 64, no domain 16, CRYCB format 0/1
  boundary,  // APXA with maxima 64/16, just past the format boundary: a test shape, no
             // machine reports it (Na = 64 is 65 adapters, Nd = 16 is 17 domains)
  random,    // apxa : non_apxa : boundary = 4 : 2 : 1 (the tests' and the fuzzer's mix)
  machines,  // shapes a real machine has: APXA 255/255 : APXA 255/84 : non-APXA 63/15 =
             // 2 : 1 : 1 (255/255 is what APXA can address, Nd = 84 the 85 usage domains of
             // a Crypto Express on IBM z14 and later, 63/15 a machine or guest without APXA)
};

// Where IDs come from.
enum class IdUniverse : std::uint8_t {
  interesting,  // 0..4 (half), kInterestingIds (a quarter), configured IDs (a quarter)
  focused,      // 1..4 (11 in 12), else one of 0, 15, 16, 63, 64, 255: deep states
};

// What an operation was drawn for: the existing mdev / guest picked from the state (empty when
// the operation names none that exists). A property test uses it as a precondition: when
// shrinking removes the target's creation the step is regenerated, not silently changed.
// Example: after next(s) drew an attribute write to existing mdev "1111…", targets().mdev ==
//   "1111…";
//   after a ConfigChange, targets().mdev is empty and targets().guest is nullopt.
struct Targets {
  std::string mdev;                     // non-empty: an existing mdev's UUID was drawn
  std::optional<model::GuestId> guest;  // an existing guest was drawn
};

// The knobs of the generator family. Start from a preset and change fields.
// Example: auto k = GeneratorKnobs::defaults(); k.weights[0] = 0;  // no ConfigChange
struct GeneratorKnobs {
  // Relative weights of the operation kinds, indexed by model::OpKind; 0 never draws
  // the kind. The sum must be >= 1 (and <= 256 for ByteEntropy to reach every kind).
  std::array<int, kOpKinds> weights{};
  // Example: knobs.weight(model::OpKind::read_queue_status) = 0;
  int& weight(model::OpKind k) { return weights[static_cast<std::size_t>(k)]; }
  HostShape host = HostShape::random;
  // The kernel profile whose behaviour the expectations follow (`apcb gen --kernel V`); the
  // draws themselves do not depend on it, so a seed gives the same operations for every V.
  model::KernelVersion kernel = model::KernelVersion::latest;
  int mdev_uuids = 3;  // the pool of fresh UUIDs (generator_uuid(0..n-1)); >= 1
  int guests = 2;      // guest ids 0..guests-1; >= 1
  IdUniverse ids = IdUniverse::interesting;
  bool syntax_variants = true;  // ID texts also in hex, octal, without the newline
  bool malformed = true;        // malformed texts and UUIDs, IDs beyond every maximum
  // The percentage of draws that are reads (the kinds model::is_mutating says are not, among
  // themselves by their weights); -1: reads draw by their weights like every kind.
  int read_percent = -1;
  // The percentage of ConfigChange draws that toggle one ID of one kind of the current
  // configuration; the others replace the configuration.
  int toggle_percent = 25;
  // The knobs below are off (0 / false) in every preset but defaults(): each draws extra
  // picks only when on, so the other presets' sequences (the fuzz decoder's byte layout, the
  // property test's seeds) are what they were before the knobs existed.
  // The percentage of toggles that take out one ID the configuration has (a member of the
  // toggled kind; with aim_percent, mostly one an mdev has assigned); the others toggle a
  // drawn ID, which mostly adds one.
  int toggle_member_percent = 0;
  // The percentage of MdevCreate draws (with a state) that name a pool UUID no existing mdev
  // has, while one is left; the others draw a UUID as every mdev operation does (mostly an
  // existing one: EEXIST).
  int fresh_mdev_percent = 0;
  // The percentage of read draws (with a state) whose argument is what the last mutation
  // affected: its mdev (read_mdev), its queue or a queue of its mdev (read_queue_status), its
  // guest or its mdev's guest (vcpu_observe; guest_aqic with that queue), its mask
  // (read_bus_mask). The read's kind is
  // still drawn by the weights, so a weight of 0 still never draws the kind.
  int follow_percent = 0;
  // Reset responses of every code the model distinguishes (model::response: 0x00 to 0x07
  // and 0x0A; 0x00 and the non-passable final answers 0x01, 0x06, 0x07 twice as often); off:
  // `pick(8)`, codes 0x00 to 0x07.
  bool every_reset_code = false;
  // The percentage of reset responses that are a sequence (2 to 5 answers of the reset's
  // successive instructions, drawn among the transient codes, the Secure Execution codes
  // 0x35/0x36 and the final ones; op::ResetResponse::then); 0: always one code.
  int reset_sequence_percent = 0;
  // With `malformed`, ID texts include a number beyond 64 bits (kstrtoul's ERANGE).
  bool overflow_text = false;
  // The percentage of single-ID attribute writes that assign (the others unassign; adapter,
  // domain and control domain alike); 0: the six attributes drawn alike.
  int assign_percent = 0;
  // The percentage of ID draws (with a state) that name an ID the host configuration has, on
  // top of the universe's own share of them.
  int configured_percent = 0;
  // The percentage of attribute writes and reset responses (with a state) aimed at what
  // matters: an assign_adapter/assign_domain names an ID another mdev holds (the sharing rules:
  // EADDRINUSE, or a legal share), an unassign one this mdev holds, a queue unbind a queue in
  // an mdev's shadow (the whole-adapter filter), a reset response a queue assigned to an mdev
  // (failed resets), a queue bind an unbound queue, an ap_config write a slice of the host's
  // configuration; and attribute writes, device resets and guest operations name the
  // mdev the last mutation affected (episodes on one mdev).
  int aim_percent = 0;
  // The percentage of draws (with a state) that, while the host lacks one, take the step an
  // administrator starts with instead: free configured adapters or domains for vfio_ap (an
  // apmask or aqmask write) while no queue is bound to vfio_ap, create a fresh mdev while there is none, create a
  // guest while there is none (in that order; a step whose kind weighs 0 is never taken).
  int setup_percent = 0;
  // At least this many adapters and as many usage domains in a drawn configuration (the
  // initial one and the replacements), so a replacement does not empty the host.
  int config_min_ids = 0;
  // Bus mask writes also release or reserve a range (`-a-z`, what administrators write to
  // free adapters for vfio_ap), reserve everything again (`+0-255`) and, with `malformed`,
  // are malformed now and then (EINVAL).
  bool mask_variants = false;

  // What finds bugs in another implementation (`apcb gen`, the model's random tests): every
  // kind, 35% reads, most of them reading what the last mutation affected; fresh UUIDs so two
  // or three mdevs (pool of 3) compete for the same adapters, three guests; configuration
  // changes that toggle one ID (adding or removing) as often as they replace it; every reset
  // response code; the wide ID universe and every text form; hosts of real machines' shapes.
  // Example: GeneratorKnobs::defaults().host == HostShape::machines, .read_percent == 35.
  static GeneratorKnobs defaults();
  // The wide random mix of the implementation's tests (differential, crycb, fault, stress):
  // the defaults() of before the knobs above existed (every kind, a pool of 3 UUIDs mostly
  // reused, two guests, hosts of HostShape::random) with a quarter of draws being reads.
  // Example: GeneratorKnobs::mix().read_percent == 25, .fresh_mdev_percent == 0.
  static GeneratorKnobs mix();
  // Deep states: the 1..4 universe, plain decimal texts, configuration changes that toggle
  // single IDs, failing reset responses, guests attached; start a run with
  // release_focused_adapters().
  // Example: GeneratorKnobs::focused().ids == IdUniverse::focused, .malformed == false.
  static GeneratorKnobs focused();
  // The stateful property test: attribute writes and the events that make the filter and
  // resets matter weighted up, three guests, hosts of every shape.
  // Example: GeneratorKnobs::property().guests == 3.
  static GeneratorKnobs property();
  // The fuzz decoder: weights summing to 32 (a kind byte reaches every kind), three guests.
  // Example: the weights of GeneratorKnobs::fuzz() sum to 32.
  static GeneratorKnobs fuzz();
};

// The options of `apcb gen` that turn GeneratorKnobs::defaults() into `k`, each with a leading
// space, in the order --weights (the kinds whose weight differs, by model::kAlphabet name),
// --mdevs, --guests, --host, --reads, --kernel; empty for defaults(). Knobs apcb gen has no option for
// (the ID universe, text forms, the follow/fresh/toggle percentages, the test-only host shapes)
// are not rendered.
// Example: auto k = GeneratorKnobs::defaults(); k.guests = 1;
//   k.weight(model::OpKind::read_features) = 0;
//   knob_flags(k) == " --weights read_features=0 --guests 1".
std::string knob_flags(const GeneratorKnobs& k);

// The generator: draws from E through the knobs. Not thread-safe; one per thread.
template <Entropy E>
// Example: OpGenerator<SeededEntropy> g(SeededEntropy(seed), GeneratorKnobs::focused());
//   auto params = g.params(); auto cfg = g.config(); model::Op op = g.next(state);
class OpGenerator {
 public:
  // Takes the entropy source and the knobs by value. Knobs outside their documented ranges (a zero
  // weight sum, mdev_uuids < 1) are the caller's error and are not checked here.
  // Example: OpGenerator g(ByteEntropy(data, size), GeneratorKnobs::fuzz());
  explicit OpGenerator(E entropy, GeneratorKnobs knobs = GeneratorKnobs::defaults())
      : e_(std::move(entropy)), k_(std::move(knobs)) {}

  // The host of a run, by the knobs' shape. Later config() and state-less next() keep to it
  // (APXA 255/255 until this is called).
  // Example: with HostShape::non_apxa knobs, g.params() == model::HostParams{false, 63, 15}.
  model::HostParams params() {
    switch (k_.host) {
      case HostShape::apxa: host_ = model::HostParams{true, 255, 255}; break;
      case HostShape::non_apxa: host_ = model::HostParams{false, 63, 15}; break;
      case HostShape::boundary: host_ = model::HostParams{true, 64, 16}; break;
      case HostShape::machines: {
        const int r = pick(4);
        host_ = r < 2 ? model::HostParams{true, 255, 255}
                      : r < 3 ? model::HostParams{true, 255, 84} : model::HostParams{false, 63, 15};
        break;
      }
      case HostShape::random: {
        const int r = pick(7);
        host_ = r < 4 ? model::HostParams{true, 255, 255}
                      : r < 6 ? model::HostParams{false, 63, 15} : model::HostParams{true, 64, 16};
        break;
      }
    }
    return host_;
  }
  // A QCI configuration the host drawn last can have; state-less toggles start from it.
  // Example: model::State s = model::State::initial(g.params(), g.config());
  model::Matrix config() {
    cfg_ = config_for(host_);
    return cfg_;
  }
  // The configuration state-less next() toggles from (e.g. the host's, after config()).
  // Example: g.set_config(trace.config); g.next() then toggles IDs of trace.config.
  void set_config(const model::Matrix& cfg) { cfg_ = cfg; }

  // An operation drawn with an eye on `s`: existing mdevs, guests and configured queues
  // preferred. targets() says which existing ones it was drawn for.
  // Example: model::Op op = g.next(s);
  //   if (!g.targets().mdev.empty()) assert(s.find_mdev(g.targets().mdev) != nullptr);
  model::Op next(const model::State& s) {
    s_ = &s;
    model::Op op = draw();
    s_ = nullptr;
    return op;
  }
  // An operation without a state (concurrent tests): the pool's UUIDs, any guest, IDs of the
  // universe; configuration toggles start from the last one this generator made.
  // Example: for (int i = 0; i < n; ++i) thread_ops.push_back(g.next());
  model::Op next() { return draw(); }

  // What the last next() drew its operation for (see Targets).
  // Example: g.next(s); const std::string uuid = g.targets().mdev;
  const Targets& targets() const { return targets_; }
  // The entropy source, e.g. to ask a ByteEntropy how much input the draws consumed.
  // Example: g.entropy().exhausted() once a fuzz input is used up.
  E& entropy() { return e_; }
  // The knobs the generator was built with.
  // Example: OpGenerator(SeededEntropy(1)).knobs().mdev_uuids == 3 (the defaults).
  const GeneratorKnobs& knobs() const { return k_; }

 private:
  int pick(int n) { return n <= 1 ? 0 : static_cast<int>(e_.pick(n)); }
  bool one_in(int n) { return pick(n) == 0; }

  // A kind by the weights, among those with `mutating` (or all when nullopt).
  model::OpKind kind(std::optional<bool> mutating) {
    auto counts = [&](std::size_t i) { return !mutating || model::kAlphabet[i].mutates == *mutating; };
    int total = 0;
    for (std::size_t i = 0; i < kOpKinds; ++i)
      if (counts(i)) total += k_.weights[i];
    if (total == 0) return kind(std::nullopt);
    int r = pick(total);
    for (std::size_t i = 0; i < kOpKinds; ++i) {
      if (!counts(i)) continue;
      if (r < k_.weights[i]) return static_cast<model::OpKind>(i);
      r -= k_.weights[i];
    }
    return model::OpKind{};
  }

  model::Op draw() {
    model::Op op = setup_needed() ? setup_op() : draw_op();
    if ((k_.follow_percent > 0 || k_.aim_percent > 0) && model::is_mutating(op)) focus_on(op);
    return op;
  }

  model::Op draw_op() {
    using namespace model;
    targets_ = Targets{};
    std::optional<bool> mutating;
    if (k_.read_percent >= 0) mutating = pick(100) >= k_.read_percent;
    switch (kind(mutating)) {
      case OpKind::config_change: return op::ConfigChange{config_change()};
      case OpKind::queue_bind: {
        const model::Apqn q = aim() ? unbound_queue().value_or(apqn()) : apqn();
        return op::QueueBind{q, driver()};
      }
      case OpKind::queue_unbind: {
        if (aim()) {
          if (std::optional<model::Apqn> q = shadow_queue()) return op::QueueUnbind{*q, Driver::vfio_ap};
        }
        return op::QueueUnbind{apqn(), driver()};
      }
      case OpKind::reset_response: {
        model::Apqn q = aim() ? assigned_queue().value_or(apqn()) : apqn();
        if (k_.reset_sequence_percent > 0 && pick(100) < k_.reset_sequence_percent) {
          // Transient answers most (they are what a sequence walks), then the SE and final ones.
          static constexpr std::array<std::uint8_t, 12> kAnswers{
              response::busy,         response::busy,         response::reset_in_progress,
              response::reset_in_progress, response::state_change_in_progress, response::normal,
              response::normal,       response::assoc_secret_not_unique, response::assoc_failed,
              response::deconfigured, response::checkstopped, response::q_not_avail};
          auto answer = [&] { return kAnswers[static_cast<std::size_t>(pick(static_cast<int>(kAnswers.size())))]; };
          op::ResetResponse r{q, answer()};
          const int more = 1 + pick(4);
          for (int i = 0; i < more; ++i) r.then.push_back(answer());
          return r;
        }
        if (k_.every_reset_code) {
          // NORMAL (restoring a queue) and the non-passable final answers twice as often.
          static constexpr std::array<std::uint8_t, 13> kCodes{
              response::normal,          response::normal,        response::q_not_avail,
              response::q_not_avail,     response::reset_in_progress, response::deconfigured,
              response::checkstopped,    response::busy,          response::invalid_address,
              response::invalid_address, response::otherwise_changed, response::otherwise_changed,
              response::state_change_in_progress};
          return op::ResetResponse{q, kCodes[static_cast<std::size_t>(pick(static_cast<int>(kCodes.size())))]};
        }
        return op::ResetResponse{q, static_cast<std::uint8_t>(pick(8))};
      }
      case OpKind::bus_mask_write: {
        const BusMask m = one_in(3) ? BusMask::aqmask : BusMask::apmask;
        return op::BusMaskWrite{m, mask_text()};
      }
      case OpKind::mdev_create: {
        if (k_.fresh_mdev_percent > 0 && s_ != nullptr) {
          const int r = pick(100);
          if (r < k_.fresh_mdev_percent) {
            std::vector<int> fresh;
            for (int i = 0; i < k_.mdev_uuids; ++i)
              if (s_->find_mdev(generator_uuid(i)) == nullptr) fresh.push_back(i);
            if (!fresh.empty())
              return op::MdevCreate{generator_uuid(fresh[static_cast<std::size_t>(pick(static_cast<int>(fresh.size())))])};
          } else if (k_.malformed && r >= 95) {
            return op::MdevCreate{one_in(2) ? "1111" : "11111111-1111-1111-1111-11111111111g"};  // EINVAL
          }
        }
        return op::MdevCreate{uuid()};
      }
      case OpKind::mdev_remove: return op::MdevRemove{uuid()};
      case OpKind::attr_write: {
        std::string u = focused_uuid();
        // After a queue operation on this mdev's queue: (un)assign that queue's domain or
        // adapter (kernel-vfio-ap.md §7.3.1: unassign a domain, unbind a queue, assign the
        // domain again; an unbound queue's domain unassigned leaves the shadow stale).
        if (focus_.apqn && u == focus_.mdev && aim()) {
          // The domain's unassignment twice as often as each other write.
          static constexpr std::array<MdevAttr, 5> kWrites{
              MdevAttr::unassign_domain, MdevAttr::unassign_domain, MdevAttr::assign_domain,
              MdevAttr::unassign_adapter, MdevAttr::assign_adapter};
          const MdevAttr attr = kWrites[static_cast<std::size_t>(pick(static_cast<int>(kWrites.size())))];
          const bool adapter = attr == MdevAttr::assign_adapter || attr == MdevAttr::unassign_adapter;
          const int id = adapter ? focus_.apqn->adapter : focus_.apqn->domain;
          return op::AttrWrite{std::move(u), attr, std::to_string(id) + "\n"};
        }
        if (one_in(7)) {
          // Aimed: a slice of the host's configuration at once (what an administrator hands a
          // guest; slices of two mdevs overlap: EADDRINUSE, or a legal share).
          if (aim()) {
            const model::Matrix slice{subset(s_->bus_adapters()), subset(s_->bus_domains()),
                                      subset(s_->cfg.control_domains)};
            return op::AttrWrite{std::move(u), MdevAttr::ap_config,
                                 "0x" + slice.adapters.hex() + ",0x" + slice.domains.hex() + ",0x" +
                                     slice.control_domains.hex() + "\n"};
          }
          return op::AttrWrite{std::move(u), MdevAttr::ap_config, ap_config_text()};
        }
        const auto attr = k_.assign_percent > 0
                              ? static_cast<MdevAttr>(2 * pick(3) + (pick(100) < k_.assign_percent ? 0 : 1))
                              : static_cast<MdevAttr>(pick(6));
        if (aim()) {
          if (std::optional<int> i = aimed_id(u, attr)) return op::AttrWrite{std::move(u), attr, std::to_string(*i) + "\n"};
        }
        return op::AttrWrite{std::move(u), attr, id_text()};
      }
      case OpKind::device_reset: return op::DeviceReset{focused_uuid()};
      case OpKind::guest_create: {
        const auto g = static_cast<GuestId>(pick(k_.guests));
        return op::GuestCreate{g, !one_in(4)};
      }
      case OpKind::guest_attach: {
        std::string u = focused_uuid();
        return op::GuestAttach{std::move(u), guest()};
      }
      case OpKind::guest_detach: return op::GuestDetach{focused_uuid()};
      case OpKind::guest_release: return op::GuestRelease{focused_uuid()};
      case OpKind::vcpu_observe: {
        if (follow()) {
          if (std::optional<GuestId> g = focus_guest()) return op::VcpuObserve{*g};
        }
        return op::VcpuObserve{guest()};
      }
      case OpKind::read_mdev: {
        std::string u = follow() && !focus_.mdev.empty() ? focus_.mdev : uuid();
        return op::ReadMdev{std::move(u), static_cast<MdevView>(pick(4))};
      }
      case OpKind::read_bus_mask:
        if (follow() && focus_.mask) return op::ReadBusMask{*focus_.mask};
        return op::ReadBusMask{one_in(2) ? BusMask::apmask : BusMask::aqmask};
      case OpKind::read_features: return op::ReadFeatures{};
      case OpKind::driver_override_write: {
        // The 6.19 regime: vfio_ap mostly (then an unbind and a bind move the queue), the
        // default driver's name, a clear; with `malformed` a name no driver has and a value
        // over the page limit (EINVAL).
        const model::Apqn q = follow() ? focus_queue().value_or(apqn()) : apqn();
        const int form = pick(10);
        if (k_.malformed && form == 0) return op::DriverOverrideWrite{q, one_in(2) ? "nosuchdriver\n" : std::string(model::kDriverOverrideMax, 'v')};
        if (form <= 2) return op::DriverOverrideWrite{q, "\n"};
        if (form == 3) return op::DriverOverrideWrite{q, "cex4queue\n"};
        return op::DriverOverrideWrite{q, "vfio_ap\n"};
      }
      case OpKind::driver_override_read: {
        if (follow()) {
          if (std::optional<model::Apqn> q = focus_queue()) return op::DriverOverrideRead{*q};
        }
        return op::DriverOverrideRead{apqn()};
      }
      case OpKind::guest_aqic: {
        // Following: the guest the last mutation affected and its queue, so the hook's mdev
        // and its queue table are what is asked about.
        if (follow()) {
          std::optional<GuestId> g = focus_guest();
          std::optional<model::Apqn> q = focus_queue();
          if (g) return op::GuestAqic{*g, q.value_or(apqn())};
        }
        return op::GuestAqic{guest(), apqn()};
      }
      case OpKind::read_queue_status: break;
    }
    if (follow()) {
      if (std::optional<model::Apqn> q = focus_queue()) return op::ReadQueueStatus{*q};
    }
    return op::ReadQueueStatus{apqn()};
  }

  // --- aimed arguments (aim_percent) ---------------------------------------------------------
  bool aim() { return k_.aim_percent > 0 && s_ != nullptr && pick(100) < k_.aim_percent; }
  // The ID an attribute write to mdev `uuid` aims at: for an assign, one another mdev holds
  // (of the attribute's kind); for an unassign, one this mdev holds; nullopt if there is none.
  std::optional<int> aimed_id(const std::string& uuid, model::MdevAttr attr) {
    using model::MdevAttr;
    const model::Mdev* self = s_->find_mdev(uuid);
    model::Mask pool;
    if (attr == MdevAttr::assign_adapter || attr == MdevAttr::assign_domain) {
      for (const model::Mdev& m : s_->mdevs)
        if (&m != self) pool |= attr == MdevAttr::assign_adapter ? m.assigned.adapters : m.assigned.domains;
    } else if (self != nullptr) {
      // After a queue operation on this mdev's queue, unassign that queue's adapter or domain
      // (an unbound or failed queue's domain unassigned leaves the shadow stale: S ⊊ F).
      if (focus_.apqn && focus_.mdev == self->uuid && one_in(2)) {
        if (attr == MdevAttr::unassign_adapter && self->assigned.adapters.test(focus_.apqn->adapter))
          return focus_.apqn->adapter;
        if (attr == MdevAttr::unassign_domain && self->assigned.domains.test(focus_.apqn->domain))
          return focus_.apqn->domain;
      }
      pool = attr == MdevAttr::unassign_adapter  ? self->assigned.adapters
             : attr == MdevAttr::unassign_domain ? self->assigned.domains
             : attr == MdevAttr::unassign_control_domain ? self->assigned.control_domains
                                                          : model::Mask{};
    }
    const int i = member(pool);
    if (i < 0) return std::nullopt;
    return i;
  }
  // The mdev the last mutation affected, if it still exists and this draw aims (episodes of
  // operations on one mdev reach the deep states); else uuid().
  std::string focused_uuid() {
    if (k_.aim_percent > 0 && s_ != nullptr && !focus_.mdev.empty() && s_->find_mdev(focus_.mdev) != nullptr &&
        pick(100) < k_.aim_percent) {
      targets_.mdev = focus_.mdev;
      return focus_.mdev;
    }
    return uuid();
  }
  // A queue device bound to no driver, if any.
  std::optional<model::Apqn> unbound_queue() {
    std::vector<model::Apqn> out;
    s_->bus_adapters().for_each([&](model::ApId a) {
      (s_->unbound[a] & s_->bus_domains()).for_each([&](model::ApId d) {
        if (s_->present(model::Apqn{a, d})) out.push_back(model::Apqn{a, d});
      });
    });
    if (out.empty()) return std::nullopt;
    return out[static_cast<std::size_t>(pick(static_cast<int>(out.size())))];
  }
  // Each member of m with probability 2/3.
  model::Mask subset(const model::Mask& m) {
    model::Mask out;
    m.for_each([&](model::ApId i) {
      if (!one_in(3)) out.set(i);
    });
    return out;
  }
  // A queue in some mdev's shadow (bound to vfio_ap, passed by the filter), if any.
  std::optional<model::Apqn> shadow_queue() {
    std::vector<model::Apqn> out;
    for (const model::Mdev& m : s_->mdevs)
      m.shadow.adapters.for_each([&](model::ApId a) {
        m.shadow.domains.for_each([&](model::ApId d) {
          if (s_->bound_to_vfio(model::Apqn{a, d})) out.push_back(model::Apqn{a, d});
        });
      });
    if (out.empty()) return std::nullopt;
    return out[static_cast<std::size_t>(pick(static_cast<int>(out.size())))];
  }
  // A queue assigned to some mdev (adapter and domain of the same mdev), if any.
  std::optional<model::Apqn> assigned_queue() {
    std::vector<const model::Mdev*> with;
    for (const model::Mdev& m : s_->mdevs)
      if (m.assigned.adapters.any() && m.assigned.domains.any()) with.push_back(&m);
    if (with.empty()) return std::nullopt;
    const model::Mdev& m = *with[static_cast<std::size_t>(pick(static_cast<int>(with.size())))];
    return model::Apqn{static_cast<model::ApId>(member(m.assigned.adapters)),
                       static_cast<model::ApId>(member(m.assigned.domains))};
  }

  // --- setup steps (setup_percent) ----------------------------------------------------------
  // Whether the state lacks a setup step and this draw takes it (a pick only when it lacks one).
  bool setup_needed() {
    if (k_.setup_percent <= 0 || s_ == nullptr) return false;
    if (!missing_setup()) return false;
    return pick(100) < k_.setup_percent;
  }
  // The first missing setup step: 1 no queue bound to vfio_ap, 2 no mdev, 3 no guest; 0 none.
  int missing_setup() const {
    // Whether any queue is bound to vfio_ap: a row test per adapter (State::vfio_row), stopping
    // at the first, and none when the masks reserve every present queue. A driver lookup per
    // APQN made this scan most of `apcb gen`'s time.
    bool bound = false;
    const model::Mask adapters = s_->bus_adapters();
    const model::Mask domains = s_->bus_domains();
    const model::Mask unreserved_domains = domains - s_->aqmask;
    if ((adapters - s_->apmask).any() || unreserved_domains.any())
      // Over the present adapters only (set bits), with vfio_row(a)'s masks computed once.
      for (int a = adapters.first(); a >= 0 && !bound; a = (adapters - model::Mask::up_to(a)).first()) {
        const auto id = static_cast<model::ApId>(a);
        bound = ((s_->apmask.test(id) ? unreserved_domains : domains) - s_->unbound[id]).any();
      }
    const bool releasable = (s_->cfg.adapters & model::Mask::up_to(s_->params.bus_max_adapter())).any() &&
                            (s_->cfg.domains & model::Mask::up_to(s_->params.bus_max_domain())).any();
    // A step whose kind weighs 0 is never taken (a weight of 0 never draws the kind).
    const auto weighs = [&](model::OpKind k) { return k_.weights[static_cast<std::size_t>(k)] > 0; };
    if (!bound && releasable && weighs(model::OpKind::bus_mask_write)) return 1;
    if (s_->mdevs.empty() && weighs(model::OpKind::mdev_create)) return 2;
    if (s_->guests.empty() && weighs(model::OpKind::guest_create)) return 3;
    return 0;
  }
  model::Op setup_op() {
    using namespace model;
    targets_ = Targets{};
    switch (missing_setup()) {
      case 1: {  // free one configured adapter or domain, or all of them
        const bool adapters = one_in(2);
        const int id = member(adapters ? s_->bus_adapters() : s_->bus_domains());
        return op::BusMaskWrite{adapters ? BusMask::apmask : BusMask::aqmask,
                                one_in(2) ? "-" + std::to_string(id) + "\n" : "0x0\n"};
      }
      case 2: return op::MdevCreate{generator_uuid(pick(k_.mdev_uuids))};
      default: return op::GuestCreate{static_cast<GuestId>(pick(k_.guests)), !one_in(4)};
    }
  }

  // --- follow-up reads (follow_percent) ------------------------------------------------------
  // What the last mutation drawn affected: its mdev, queue, guest or bus mask.
  struct Focus {
    std::string mdev;
    std::optional<model::Apqn> apqn;
    std::optional<model::GuestId> guest;
    std::optional<model::BusMask> mask;
  };
  // Whether this read follows up the last mutation (a pick only when the knob is on).
  bool follow() { return k_.follow_percent > 0 && s_ != nullptr && pick(100) < k_.follow_percent; }
  // Records what `op` (a mutation just drawn) affects; reads of it come after it is applied.
  void focus_on(const model::Op& op) {
    using namespace model;
    Focus f;
    const auto owner = [&](Apqn q) {
      const Mdev* m = s_ != nullptr ? s_->owner_of(q) : nullptr;
      return m != nullptr ? m->uuid : std::string{};
    };
    std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, op::QueueBind> || std::is_same_v<T, op::QueueUnbind> ||
                        std::is_same_v<T, op::ResetResponse>) {
            f.apqn = o.apqn;
            f.mdev = owner(o.apqn);
          } else if constexpr (std::is_same_v<T, op::BusMaskWrite>) {
            f.mask = o.mask;
          } else if constexpr (std::is_same_v<T, op::GuestCreate>) {
            f.guest = o.guest;
          } else if constexpr (std::is_same_v<T, op::GuestAttach>) {
            f.mdev = o.uuid;
            f.guest = o.guest;
          } else if constexpr (std::is_same_v<T, op::ConfigChange>) {
            // Every mdev may change: follow the newest (host events visit it first).
            if (s_ != nullptr && !s_->mdevs.empty()) f.mdev = s_->mdevs.back().uuid;
          } else if constexpr (requires { o.uuid; }) {
            f.mdev = o.uuid;
          }
        },
        op);
    focus_ = std::move(f);
  }
  // The guest the last mutation affected: its own, else the one attached to its mdev.
  std::optional<model::GuestId> focus_guest() const {
    if (focus_.guest) return focus_.guest;
    const model::Mdev* m = focus_.mdev.empty() ? nullptr : s_->find_mdev(focus_.mdev);
    if (m != nullptr && m->guest) return m->guest;
    return std::nullopt;
  }
  // The queue the last mutation affected: its own, else one assigned to its mdev.
  std::optional<model::Apqn> focus_queue() {
    if (focus_.apqn) return focus_.apqn;
    const model::Mdev* m = focus_.mdev.empty() ? nullptr : s_->find_mdev(focus_.mdev);
    if (m == nullptr) return std::nullopt;
    const int a = member(m->assigned.adapters);
    const int d = member(m->assigned.domains);
    if (a < 0 || d < 0) return std::nullopt;
    return model::Apqn{static_cast<model::ApId>(a), static_cast<model::ApId>(d)};
  }

  const model::HostParams& host() const { return s_ != nullptr ? s_->params : host_; }

  model::Matrix config_for(const model::HostParams& p) {
    if (k_.ids == IdUniverse::focused) {
      model::Matrix m{focused_ids(5), focused_ids(5), focused_ids(5)};
      return within_host(m, p);
    }
    model::Mask a = ids(), d = ids(), c = ids();
    model::Matrix m = within_host(model::Matrix{a, d, c}, p);
    // config_min_ids: add IDs the host has until the minimum (a bounded number of tries).
    for (int tries = 0; tries < 16 && (m.adapters.count() < k_.config_min_ids || m.domains.count() < k_.config_min_ids); ++tries) {
      if (m.adapters.count() < k_.config_min_ids) m.adapters.set(static_cast<model::ApId>(id()));
      if (m.domains.count() < k_.config_min_ids) m.domains.set(static_cast<model::ApId>(id()));
      m = within_host(m, p);
    }
    return m;
  }

  // A whole replacement, or one ID of one kind toggled in the current configuration.
  model::Matrix config_change() {
    const model::Matrix& now = s_ != nullptr ? s_->cfg : cfg_;
    if (pick(100) < k_.toggle_percent) {
      model::Matrix c = now;
      const int which = pick(3);
      model::Mask& m = which == 0 ? c.adapters : which == 1 ? c.domains : c.control_domains;
      int pick_id = -1;
      if (k_.toggle_member_percent > 0 && pick(100) < k_.toggle_member_percent) {
        // Aimed: an ID an mdev has assigned (the host takes away what a guest uses).
        if (s_ != nullptr && aim()) {
          model::Mask used;
          for (const model::Mdev& md : s_->mdevs)
            used |= which == 0 ? md.assigned.adapters : which == 1 ? md.assigned.domains : md.assigned.control_domains;
          pick_id = member(m & used);
        }
        if (pick_id < 0) pick_id = member(m);
      }
      const auto i = static_cast<model::ApId>(pick_id >= 0 ? pick_id : id());
      m.assign(i, !m.test(i));
      cfg_ = within_host(c, host());
    } else {
      cfg_ = config_for(host());
    }
    return cfg_;
  }

  // A member of m, or -1 when m is empty.
  int member(const model::Mask& m) {
    const int n = m.count();
    if (n == 0) return -1;
    int k = pick(n), found = -1;
    m.for_each([&](model::ApId i) {
      if (k-- == 0) found = i;
    });
    return found;
  }

  int focused_id() {
    static constexpr std::array<int, 6> kRare{0, 15, 16, 63, 64, 255};
    if (one_in(12)) return kRare[static_cast<std::size_t>(pick(6))];
    return 1 + pick(4);
  }
  // IDs 1..4 each with probability (n-1)/n, now and then a rare one.
  model::Mask focused_ids(int n) {
    model::Mask m;
    for (int i = 1; i <= 4; ++i)
      if (!one_in(n)) m.set(static_cast<model::ApId>(i));
    if (one_in(6)) m.set(static_cast<model::ApId>(focused_id()));
    return m;
  }

  int id() {
    if (k_.ids == IdUniverse::focused) return focused_id();
    if (k_.configured_percent > 0 && s_ != nullptr && pick(100) < k_.configured_percent) {
      const int c = member(s_->cfg.adapters | s_->cfg.domains | s_->cfg.control_domains);
      if (c >= 0) return c;
    }
    const int from = pick(4);
    if (from == 3 && s_ != nullptr) {
      const int c = member(s_->cfg.adapters | s_->cfg.domains | s_->cfg.control_domains);
      if (c >= 0) return c;
    }
    if (from == 2) return kInterestingIds[static_cast<std::size_t>(pick(static_cast<int>(kInterestingIds.size())))];
    return pick(5);
  }
  // Up to four IDs.
  model::Mask ids() {
    model::Mask m;
    for (int i = pick(5); i > 0; --i) m.set(static_cast<model::ApId>(id()));
    return m;
  }
  model::Apqn apqn() {
    if (s_ != nullptr && !one_in(4)) {
      const int a = member(s_->cfg.adapters);
      const int d = member(s_->cfg.domains);
      if (a >= 0 && d >= 0) return model::Apqn{static_cast<model::ApId>(a), static_cast<model::ApId>(d)};
    }
    const auto a = static_cast<model::ApId>(id());
    return model::Apqn{a, static_cast<model::ApId>(id())};
  }
  model::Driver driver() { return one_in(5) ? model::Driver::default_driver : model::Driver::vfio_ap; }

  std::string uuid() {
    if (s_ != nullptr && !s_->mdevs.empty() && !one_in(8)) {
      targets_.mdev = s_->mdevs[static_cast<std::size_t>(pick(static_cast<int>(s_->mdevs.size())))].uuid;
      return targets_.mdev;
    }
    if (k_.malformed && one_in(16)) {
      return one_in(2) ? "1111"                                   // malformed
                       : "AAAAAAAA-1111-1111-1111-111111111111";  // upper case: lower-cased
    }
    return generator_uuid(pick(k_.mdev_uuids));
  }
  model::GuestId guest() {
    if (s_ != nullptr && !s_->guests.empty() && !one_in(4)) {
      targets_.guest = s_->guests[static_cast<std::size_t>(pick(static_cast<int>(s_->guests.size())))].id;
      return *targets_.guest;
    }
    return static_cast<model::GuestId>(pick(k_.guests));
  }

  static std::string digits(int v, int base) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    do {
      out.insert(out.begin(), kDigits[v % base]);
      v /= base;
    } while (v != 0);
    return out;
  }
  // An ID attribute's text: decimal with the newline mostly; hex, octal, no newline
  // (syntax_variants); malformed, beyond every maximum, empty (malformed).
  std::string id_text() {
    const int form = pick(16);
    const int v = id();
    if (k_.syntax_variants) {
      if (form == 1) return "0x" + digits(v, 16) + "\n";
      if (form == 2) return "0" + digits(v, 8) + "\n";
      if (form == 3) return std::to_string(v);
    }
    if (k_.malformed) {
      if (form == 4) return "x" + std::to_string(v) + "\n";
      if (form == 5) return std::to_string(v + 256) + "\n";
      if (form == 6) return "\n";
      if (form == 7 && k_.overflow_text) return "18446744073709551616\n";  // 2^64: ERANGE
    }
    return std::to_string(v) + "\n";
  }
  // A bus mask write: relative (`-a,+b`, the administrator's usual form) or absolute hex.
  std::string mask_text() {
    if (k_.mask_variants) {
      const int form = pick(8);
      if (form == 0 && k_.malformed) {
        static constexpr std::array<const char*, 4> kBad{"+256\n", "0xg\n", "-\n", "+1 2\n"};
        return kBad[static_cast<std::size_t>(pick(static_cast<int>(kBad.size())))];
      }
      if (form == 1) return "+0-255\n";  // everything back to the host (the boot default)
      if (form <= 3) {  // a range: mostly released, the usual first step toward vfio_ap
        int a = id(), z = id();
        if (a > z) std::swap(a, z);
        return (one_in(4) ? "+" : "-") + std::to_string(a) + "-" + std::to_string(z) + "\n";
      }
    }
    if (!one_in(4)) {
      std::string out;
      for (int n = 1 + pick(3); n > 0; --n) {
        if (!out.empty()) out += ",";
        out += one_in(4) ? "+" : "-";
        out += std::to_string(id());
      }
      return out + "\n";
    }
    const bool complement = !one_in(2);
    const model::Mask m = ids();
    return "0x" + (complement ? ~m : m).hex() + "\n";
  }
  std::string ap_config_text() {
    if (k_.malformed && one_in(10)) return "0x1,0x2";  // malformed: two fields
    const model::Mask a = ids(), q = ids(), c = ids();
    return "0x" + a.hex() + ",0x" + q.hex() + ",0x" + c.hex() + "\n";
  }

  E e_;
  GeneratorKnobs k_;
  model::HostParams host_;        // the host params() drew last (APXA 255/255 before)
  model::Matrix cfg_;             // the configuration config()/set_config()/a change made last
  const model::State* s_ = nullptr;  // set during next(const State&)
  Targets targets_;
  Focus focus_;                   // what the last mutation affected (follow_percent)
};

}  // namespace apcb::harness

#endif  // APCB_HARNESS_GENERATE_H_
