#include "proofs/protocol.h"

#include <deque>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace apcb::proofs::detail {

namespace {

// vCPU program counters. A vCPU outside SIE is at kOut; in SIE it reads word pc − kRead.
constexpr int kOut = 0;
constexpr int kCheck = 1;  // PROG_IN_SIE announced, block bit not yet tested (block_all)
constexpr int kEnter = 1;  // block bit tested clear, PROG_IN_SIE not yet set (check_then_enter)
constexpr int kRead = 2;

// A state as bytes, so it can be hashed and stored as is:
//   [writer pc] [mem × W] [block × V] [in_sie × V] then per vCPU [pc] [entries] [buf × W].
class Layout {
 public:
  explicit Layout(const ProtocolBound& b) : b_(b) {}
  std::size_t size() const { return 1 + w() + 2 * v() + v() * (2 + w()); }
  std::size_t writer() const { return 0; }
  std::size_t mem(int i) const { return 1 + static_cast<std::size_t>(i); }
  std::size_t block(int c) const { return 1 + w() + static_cast<std::size_t>(c); }
  std::size_t in_sie(int c) const { return 1 + w() + v() + static_cast<std::size_t>(c); }
  std::size_t pc(int c) const { return 1 + w() + 2 * v() + static_cast<std::size_t>(c) * (2 + w()); }
  std::size_t entries(int c) const { return pc(c) + 1; }
  std::size_t buf(int c, int i) const { return pc(c) + 2 + static_cast<std::size_t>(i); }

 private:
  std::size_t w() const { return static_cast<std::size_t>(b_.words); }
  std::size_t v() const { return static_cast<std::size_t>(b_.vcpus); }
  const ProtocolBound& b_;
};

std::string word_name(const ProtocolBound& b, int i) {
  static const char* masks[] = {"apm", "aqm", "adm"};
  if (b.words == 3) return masks[i];
  if (b.words % 3 == 0) {
    const int per = b.words / 3;
    return std::string(masks[i / per]) + ".word" + std::to_string(i % per);
  }
  return "word" + std::to_string(i);
}

struct Successor {
  std::string state;
  std::string action;
  bool torn = false;
};

// The writer's steps of one commit, in order, as (kind, index): block v, wait v, write w,
// unblock v; only the writes without blocking.
struct WriterStep {
  enum Kind { block, wait, write, unblock } kind;
  int index;
};

std::vector<WriterStep> writer_program(Protocol p, const ProtocolBound& b) {
  std::vector<WriterStep> out;
  const bool blocks = p != Protocol::no_block;
  if (blocks)
    for (int v = 0; v < b.vcpus; ++v) out.push_back({WriterStep::block, v});
  if (blocks)
    for (int v = 0; v < b.vcpus; ++v) out.push_back({WriterStep::wait, v});
  for (int w = 0; w < b.words; ++w) out.push_back({WriterStep::write, w});
  if (blocks)
    for (int v = 0; v < b.vcpus; ++v) out.push_back({WriterStep::unblock, v});
  return out;
}

}  // namespace

ProtocolResult check_protocol(Protocol protocol, const ProtocolBound& b) {
  if (b.vcpus < 1 || b.vcpus > 3 || b.commits < 1 || b.commits > 3 || b.words < 1 ||
      b.words > 16 || b.entries < 1 || b.entries > 3)
    throw std::invalid_argument("check_protocol: bound out of range");
  const Layout at(b);
  const std::vector<WriterStep> program = writer_program(protocol, b);
  const int writer_end = static_cast<int>(program.size()) * b.commits;

  auto successors = [&](const std::string& s) {
    std::vector<Successor> out;
    auto u = [&](std::size_t i) { return static_cast<int>(static_cast<unsigned char>(s[i])); };
    auto with = [&](std::initializer_list<std::pair<std::size_t, int>> changes) {
      std::string t = s;
      for (auto [i, value] : changes) t[i] = static_cast<char>(value);
      return t;
    };
    // The writer.
    const int wpc = u(at.writer());
    if (wpc < writer_end) {
      const int commit = wpc / static_cast<int>(program.size()) + 1;
      const WriterStep step = program[static_cast<std::size_t>(wpc) % program.size()];
      const std::string who = "writer (APCB " + std::to_string(commit) + "): ";
      switch (step.kind) {
        case WriterStep::block:
          out.push_back({with({{at.writer(), wpc + 1}, {at.block(step.index), 1}}),
                         who + "set the block bit of vCPU " + std::to_string(step.index)});
          break;
        case WriterStep::wait:
          if (u(at.in_sie(step.index)) == 0)
            out.push_back({with({{at.writer(), wpc + 1}}),
                           who + "vCPU " + std::to_string(step.index) + " is out of SIE"});
          break;
        case WriterStep::write:
          out.push_back({with({{at.writer(), wpc + 1}, {at.mem(step.index), commit}}),
                         who + "write " + word_name(b, step.index)});
          break;
        case WriterStep::unblock:
          out.push_back({with({{at.writer(), wpc + 1}, {at.block(step.index), 0}}),
                         who + "clear the block bit of vCPU " + std::to_string(step.index)});
          break;
      }
    }
    // The vCPUs.
    for (int v = 0; v < b.vcpus; ++v) {
      const int pc = u(at.pc(v));
      const int done = u(at.entries(v));
      if (done == b.entries) continue;
      const std::string who = "vCPU " + std::to_string(v) + ": ";
      const bool blocked = u(at.block(v)) != 0;
      if (protocol == Protocol::check_then_enter) {
        if (pc == kOut && !blocked)
          out.push_back({with({{at.pc(v), kEnter}}), who + "block bit clear"});
        if (pc == kEnter)
          out.push_back({with({{at.pc(v), kRead}, {at.in_sie(v), 1}}), who + "set PROG_IN_SIE, enter SIE"});
      } else {
        if (pc == kOut)
          out.push_back({with({{at.pc(v), kCheck}, {at.in_sie(v), 1}}), who + "set PROG_IN_SIE"});
        if (pc == kCheck) {
          if (blocked)
            out.push_back({with({{at.pc(v), kOut}, {at.in_sie(v), 0}}),
                           who + "block bit set: clear PROG_IN_SIE, stay out"});
          else
            out.push_back({with({{at.pc(v), kRead}}), who + "block bit clear: enter SIE"});
        }
      }
      if (pc >= kRead && pc < kRead + b.words) {
        const int w = pc - kRead;
        const int value = u(at.mem(w));
        out.push_back({with({{at.pc(v), pc + 1}, {at.buf(v, w), value}}),
                       who + "read " + word_name(b, w) + " (from APCB " + std::to_string(value) +
                           ")"});
      }
      if (pc == kRead + b.words) {
        bool torn = false;
        std::string seen;
        for (int w = 0; w < b.words; ++w) {
          torn |= u(at.buf(v, w)) != u(at.buf(v, 0));
          seen += (w == 0 ? "" : "/") + std::to_string(u(at.buf(v, w)));
        }
        std::string t = with({{at.pc(v), kOut}, {at.in_sie(v), 0}, {at.entries(v), done + 1}});
        for (int w = 0; w < b.words; ++w) t[at.buf(v, w)] = 0;
        out.push_back({t,
                       who + "leave SIE having read APCBs " + seen +
                           (torn ? ": TORN (a mix of two commits)" : ""),
                       torn});
      }
    }
    return out;
  };

  ProtocolResult result;
  const std::string init(at.size(), '\0');
  // Parent links for the schedule: state → (parent, action).
  std::unordered_map<std::string, std::pair<std::string, std::string>> parent;
  parent.emplace(init, std::make_pair(std::string(), std::string()));
  std::deque<std::string> queue{init};
  auto schedule_to = [&](const std::string& last, const std::string& action) {
    std::vector<std::string> steps{action};
    std::string s = last;
    while (s != init) {
      const auto& [p, a] = parent.at(s);
      steps.push_back(a);
      s = p;
    }
    return std::vector<std::string>(steps.rbegin(), steps.rend());
  };
  while (!queue.empty()) {
    const std::string s = queue.front();
    queue.pop_front();
    ++result.states;
    const std::vector<Successor> next = successors(s);
    if (next.empty()) {
      // Terminal: everyone must be done.
      bool all_done = static_cast<unsigned char>(s[at.writer()]) == writer_end;
      for (int v = 0; v < b.vcpus; ++v)
        all_done &= static_cast<unsigned char>(s[at.entries(v)]) == b.entries;
      if (!all_done) {
        result.deadlock = true;
        result.schedule = schedule_to(s, "(no thread can move: deadlock)");
        return result;
      }
    }
    for (const Successor& n : next) {
      ++result.transitions;
      if (n.action.find("leave SIE having read") != std::string::npos) ++result.reads;
      if (n.torn) {
        result.torn = true;
        result.schedule = schedule_to(s, n.action);
        return result;
      }
      if (parent.emplace(n.state, std::make_pair(s, n.action)).second) queue.push_back(n.state);
    }
  }
  return result;
}

}  // namespace apcb::proofs::detail
