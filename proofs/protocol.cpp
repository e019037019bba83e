#include "proofs/protocol.h"

#include <deque>
#include <set>
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
  ProtocolBound b_;
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
  int thread = -1;  // -1 the writer, v >= 0 vCPU v
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

void check_bound(const ProtocolBound& b) {
  if (b.vcpus < 1 || b.vcpus > 3 || b.commits < 1 || b.commits > 3 || b.words < 1 ||
      b.words > 16 || b.entries < 1 || b.entries > 3)
    throw std::invalid_argument("check_protocol: bound out of range");
}

// The transition system of one protocol within one bound, on byte-string states.
class Machine {
 public:
  Machine(Protocol protocol, const ProtocolBound& bound)
      : protocol_(protocol), b(bound), at(b), program(writer_program(protocol, b)),
        writer_end(static_cast<int>(program.size()) * b.commits) {
    check_bound(b);
  }
  std::string initial() const { return std::string(at.size(), '\0'); }
  bool all_done(const std::string& s) const {
    bool done = static_cast<unsigned char>(s[at.writer()]) == writer_end;
    for (int v = 0; v < b.vcpus; ++v) done &= static_cast<unsigned char>(s[at.entries(v)]) == b.entries;
    return done;
  }
  std::vector<Successor> successors(const std::string& s) const;
  ProtocolSnapshot snapshot(const std::string& s) const;

 private:
  Protocol protocol_;
  ProtocolBound b;
  Layout at;
  std::vector<WriterStep> program;
  int writer_end;
};

std::vector<Successor> Machine::successors(const std::string& s) const {
  const Protocol protocol = protocol_;
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
        out.push_back({with({{at.pc(v), kEnter}}), who + "block bit clear", false, v});
      if (pc == kEnter)
        out.push_back({with({{at.pc(v), kRead}, {at.in_sie(v), 1}}), who + "set PROG_IN_SIE, enter SIE", false, v});
    } else {
      if (pc == kOut)
        out.push_back({with({{at.pc(v), kCheck}, {at.in_sie(v), 1}}), who + "set PROG_IN_SIE", false, v});
      if (pc == kCheck) {
        if (blocked)
          out.push_back({with({{at.pc(v), kOut}, {at.in_sie(v), 0}}),
                         who + "block bit set: clear PROG_IN_SIE, stay out", false, v});
        else
          out.push_back({with({{at.pc(v), kRead}}), who + "block bit clear: enter SIE", false, v});
      }
    }
    if (pc >= kRead && pc < kRead + b.words) {
      const int w = pc - kRead;
      const int value = u(at.mem(w));
      out.push_back({with({{at.pc(v), pc + 1}, {at.buf(v, w), value}}),
                     who + "read " + word_name(b, w) + " (from APCB " + std::to_string(value) +
                         ")", false, v});
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
                     torn, v});
    }
  }
  return out;
  return out;
}

ProtocolSnapshot Machine::snapshot(const std::string& s) const {
  auto u = [&](std::size_t i) { return static_cast<int>(static_cast<unsigned char>(s[i])); };
  const int V = b.vcpus, W = b.words, P = static_cast<int>(program.size());
  ProtocolSnapshot out;
  out.block.assign(static_cast<std::size_t>(V), false);
  out.in_sie = out.waited = out.block;
  out.pc.assign(static_cast<std::size_t>(V), 0);
  out.read.assign(static_cast<std::size_t>(V), std::vector<bool>(static_cast<std::size_t>(W), false));
  out.buf.assign(static_cast<std::size_t>(V), std::vector<int>(static_cast<std::size_t>(W), 0));
  out.written.assign(static_cast<std::size_t>(W), false);
  out.mem.assign(static_cast<std::size_t>(W), 0);
  const int wpc = u(at.writer());
  const int i = wpc == writer_end ? 0 : wpc % P;
  const int commit = wpc == writer_end ? b.commits + 1 : wpc / P + 1;  // the one at position i
  out.gen = i == 0 ? commit - 1 : commit;
  auto all = [](std::vector<bool>& v, auto pred) {
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = pred(static_cast<int>(k));
  };
  if (i == 0) {
    out.phase = 0;
  } else if (protocol_ == Protocol::no_block) {
    out.phase = 2;
    all(out.written, [&](int w) { return w < i; });
  } else if (i < 2 * V) {
    out.phase = 1;
    all(out.waited, [&](int v) { return v < i - V; });
  } else if (i <= 2 * V + W) {
    out.phase = 2;
    all(out.waited, [](int) { return true; });
    all(out.written, [&](int w) { return w < i - 2 * V; });
  } else {
    out.phase = 3;
    all(out.waited, [&](int v) { return v >= i - 2 * V - W; });
    all(out.written, [](int) { return true; });
  }
  for (int w = 0; w < W; ++w) out.mem[static_cast<std::size_t>(w)] = u(at.mem(w));
  for (int v = 0; v < V; ++v) {
    const auto k = static_cast<std::size_t>(v);
    out.block[k] = u(at.block(v)) != 0;
    out.in_sie[k] = u(at.in_sie(v)) != 0;
    const int pc = u(at.pc(v));
    out.pc[k] = pc >= kRead ? 2 : pc;
    for (int w = 0; w < W; ++w) {
      const bool read = pc >= kRead && w < pc - kRead;
      out.read[k][static_cast<std::size_t>(w)] = read;
      out.buf[k][static_cast<std::size_t>(w)] = read ? u(at.buf(v, w)) : 0;
    }
  }
  return out;
}

}  // namespace

ProtocolResult check_protocol(Protocol protocol, const ProtocolBound& b) {
  const Machine m(protocol, b);
  ProtocolResult result;
  const std::string init = m.initial();
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
    const std::vector<Successor> next = m.successors(s);
    if (next.empty()) {
      // Terminal: everyone must be done.
      if (!m.all_done(s)) {
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

std::size_t for_each_reachable(Protocol protocol, const ProtocolBound& b,
                               const std::function<void(const ProtocolSnapshot&)>& visit) {
  const Machine m(protocol, b);
  std::set<std::string> seen{m.initial()};
  std::deque<std::string> queue{m.initial()};
  while (!queue.empty()) {
    const std::string s = queue.front();
    queue.pop_front();
    visit(m.snapshot(s));
    for (const Successor& n : m.successors(s))
      if (seen.insert(n.state).second) queue.push_back(n.state);
  }
  return seen.size();
}

ProtocolResult replay_schedule(Protocol protocol, const ProtocolBound& b, const Schedule& schedule) {
  const Machine m(protocol, b);
  ProtocolResult result;
  std::string s = m.initial();
  for (std::size_t k = 0; k < schedule.size(); ++k) {
    const std::vector<Successor> next = m.successors(s);
    const Successor* taken = nullptr;
    for (const Successor& n : next)
      if (n.thread == schedule[k]) taken = &n;
    if (taken == nullptr)
      throw std::invalid_argument("replay_schedule: step " + std::to_string(k + 1) + ": " +
                                  (schedule[k] < 0 ? std::string("the writer")
                                                   : "vCPU " + std::to_string(schedule[k])) +
                                  " cannot move");
    ++result.transitions;
    if (taken->action.find("leave SIE having read") != std::string::npos) ++result.reads;
    result.torn |= taken->torn;
    result.schedule.push_back(taken->action);
    s = taken->state;
  }
  result.states = schedule.size() + 1;
  return result;
}

ProtocolProjection canonical(Protocol protocol, ProtocolProjection p) {
  if (protocol == Protocol::no_block) {
    if (p.phase == 2 && !p.written[0] && !p.written[1]) p.phase = 0;
  } else {
    if (p.phase == 1 && p.waited) {
      p.phase = 2;
      p.written[0] = p.written[1] = false;
    }
    if (p.phase == 3) {
      p.phase = p.block ? 2 : 0;
      p.written[0] = p.written[1] = p.block;
    }
  }
  if (p.phase != 2) p.written[0] = p.written[1] = false;
  if (p.phase != 1) p.waited = false;
  if (p.pc != 2) p.read[0] = p.read[1] = false;
  return p;
}

ProtocolProjection project(Protocol protocol, const ProtocolSnapshot& s, int vcpu, int w0, int w1) {
  const auto v = static_cast<std::size_t>(vcpu);
  const auto a = static_cast<std::size_t>(w0), c = static_cast<std::size_t>(w1);
  ProtocolProjection p;
  p.phase = s.phase;
  p.written[0] = s.written[a];
  p.written[1] = s.written[c];
  p.pc = s.pc[v];
  p.in_sie = s.in_sie[v];
  p.block = s.block[v];
  p.waited = s.waited[v];
  p.read[0] = s.read[v][a];
  p.read[1] = s.read[v][c];
  return canonical(protocol, p);
}

std::optional<Schedule> find_tearing_schedule(Protocol protocol, const ProtocolBound& b,
                                              const ProtocolProjection& pre_raw,
                                              const ProtocolProjection& post_raw) {
  if (b.words < 2) throw std::invalid_argument("find_tearing_schedule: needs two words");
  const Machine m(protocol, b);
  const ProtocolProjection pre = canonical(protocol, pre_raw), post = canonical(protocol, post_raw);
  // Search nodes: the state and a stage byte appended (0 before `pre`, 1 after it, 2 after
  // `post`); the stage advances on arriving at a matching state.
  auto advance = [&](std::string node) {
    const std::string s = node.substr(0, node.size() - 1);
    char& stage = node.back();
    const ProtocolProjection here = project(protocol, m.snapshot(s), 0, 0, 1);
    if (stage == 0 && here == pre) stage = 1;
    if (stage == 1 && here == post) stage = 2;
    return node;
  };
  const std::string start = advance(m.initial() + std::string(1, '\0'));
  std::unordered_map<std::string, std::pair<std::string, int>> parent;
  parent.emplace(start, std::make_pair(std::string(), 0));
  std::deque<std::string> queue{start};
  auto path_to = [&](std::string node, int last) {
    Schedule out{last};
    while (node != start) {
      const auto& [p, t] = parent.at(node);
      out.push_back(t);
      node = p;
    }
    return Schedule(out.rbegin(), out.rend());
  };
  while (!queue.empty()) {
    const std::string node = queue.front();
    queue.pop_front();
    const std::string s = node.substr(0, node.size() - 1);
    for (const Successor& n : m.successors(s)) {
      if (n.torn && node.back() == 2) return path_to(node, n.thread);
      const std::string next = advance(n.state + std::string(1, node.back()));
      if (parent.emplace(next, std::make_pair(node, n.thread)).second) queue.push_back(next);
    }
  }
  return std::nullopt;
}

}  // namespace apcb::proofs::detail
