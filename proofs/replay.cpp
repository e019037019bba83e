#include "proofs/replay.h"

#include <algorithm>
#include <stdexcept>
#include <cstdio>

#include "model/errno.h"
#include "model/filter.h"
#include "model/step.h"
#include "trace/trace.h"

namespace apcb::proofs::detail {

using model::Apqn;
using model::Errno;
using model::Mask;
using model::Matrix;
using model::Op;
using model::State;

namespace {

std::string hex3(const Matrix& m) {
  return "0x" + m.adapters.hex() + ",0x" + m.domains.hex() + ",0x" + m.control_domains.hex() +
         "\n";
}

std::string ids(const Mask& m) { return model::format_id_set(m, 2); }
std::string doms(const Mask& m) { return model::format_id_set(m, 4); }

std::string matrix_text(const Matrix& m) {
  return "adapters=" + ids(m.adapters) + " domains=" + doms(m.domains) +
         " control=" + doms(m.control_domains);
}

std::string apqn_text(Apqn q) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x.%04x", q.adapter, q.domain);
  return buf;
}

State sorted(State s) {
  std::sort(s.mdevs.begin(), s.mdevs.end(),
            [](const model::Mdev& a, const model::Mdev& b) { return a.uuid < b.uuid; });
  std::sort(s.guests.begin(), s.guests.end(),
            [](const model::Guest& a, const model::Guest& b) { return a.id < b.id; });
  return s;
}

// Why `target` cannot be built by construct(), or "" when it can be.
std::string unbuildable(const State& target) {
  if (!model::check_state(target, model::Strength::structural).empty())
    return "it breaks the structural invariant (" +
           violations_text(model::check_state(target, model::Strength::structural)) + ")";
  for (int a = 0; a < 256; ++a) {
    const Mask present = target.cfg.adapters.test(static_cast<model::ApId>(a))
                             ? target.cfg.domains
                             : Mask{};
    if ((target.unbound[static_cast<std::size_t>(a)] - present).any())
      return "a queue that is not configured is marked unbound";
  }
  for (const model::Mdev& m : target.mdevs) {
    if (m.shadow.domains != (m.assigned.domains & target.cfg.domains) ||
        m.shadow.control_domains != (m.assigned.control_domains & target.cfg.control_domains))
      return "mdev " + m.uuid + "'s shadow lacks an assigned configured (control) domain";
    if (m.shadow.domains.empty() && m.shadow.adapters != (m.assigned.adapters & target.cfg.adapters))
      return "mdev " + m.uuid + "'s shadow has no domain and lacks an adapter";
    if (m.released && !m.guest) return "mdev " + m.uuid + " is released but not attached";
  }
  for (const auto& [qid, rc] : target.last_response) {
    if (model::passable_status(target.kernel, rc)) continue;
    bool is_linked = false;
    for (const model::Mdev& m : target.mdevs) is_linked |= model::linked(target, m, Apqn::unpack(qid));
    if (!is_linked) return "queue " + apqn_text(Apqn::unpack(qid)) + " has a failed reset but no mdev";
  }
  return "";
}

}  // namespace

bool same_state(const State& a, const State& b) { return sorted(a) == sorted(b); }

std::string violations_text(const std::vector<model::Violation>& v) {
  std::string out;
  for (const model::Violation& x : v) out += (out.empty() ? "" : "; ") + x.property + ": " + x.detail;
  return out.empty() ? "none" : out;
}

std::vector<std::string> describe(const State& s) {
  std::vector<std::string> out;
  out.push_back("#   host cfg " + matrix_text(s.cfg));
  out.push_back("#   apmask " + ids(s.apmask) + " aqmask " + doms(s.aqmask));
  for (int a = 0; a < 256; ++a)
    if (s.unbound[static_cast<std::size_t>(a)].any())
      out.push_back("#   adapter " + ids(Mask::single(static_cast<model::ApId>(a))) +
                    ": queues of domains " + doms(s.unbound[static_cast<std::size_t>(a)]) +
                    " unbound by hand");
  for (int a = 0; a < 256; ++a)
    if (s.override_bound[static_cast<std::size_t>(a)].any())
      out.push_back("#   adapter " + ids(Mask::single(static_cast<model::ApId>(a))) +
                    ": queues of domains " + doms(s.override_bound[static_cast<std::size_t>(a)]) +
                    " bound to vfio_ap against the masks (an override, since cleared)");
  for (const auto& [qid, name] : s.driver_override)
    out.push_back("#   driver_override of " + apqn_text(Apqn::unpack(qid)) + " = " + name);
  auto table = [&](const char* what, const std::map<std::uint16_t, std::uint8_t>& t) {
    for (const auto& [qid, rc] : t) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "#   %s %s = 0x%02x", what, apqn_text(Apqn::unpack(qid)).c_str(),
                    rc);
      out.push_back(buf);
    }
  };
  for (const auto& [qid, answers] : s.hw_response) {
    std::string codes;
    for (std::uint8_t rc : answers) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%s0x%02x", codes.empty() ? "" : ",", rc);
      codes += buf;
    }
    out.push_back("#   reset of " + apqn_text(Apqn::unpack(qid)) + " = " + codes);
  }
  table("last reset status of", s.last_response);
  for (const model::Mdev& m : s.mdevs)
    out.push_back("#   mdev " + m.uuid + ": M " + matrix_text(m.assigned) + "; S " +
                  matrix_text(m.shadow) +
                  (m.guest ? "; guest " + std::to_string(*m.guest) : std::string("; no guest")) +
                  (m.released ? " (released)" : ""));
  for (const model::Guest& g : s.guests)
    out.push_back("#   guest " + std::to_string(g.id) + " msax3=" + (g.msax3 ? "1" : "0") +
                  ": CRYCB " + matrix_text(g.apcb) +
                  (g.pqap_hook ? "; PQAP hook " + *g.pqap_hook : std::string("; no PQAP hook")));
  return out;
}

std::optional<std::vector<Op>> construct(const State& target, int width, std::string* why) {
  namespace op = model::op;
  if (std::string reason = unbuildable(target); !reason.empty()) {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  }
  std::vector<Op> ops;
  State s = State::initial(target.params, target.cfg);
  s.kernel = target.kernel;
  const bool has_ap_config = model::behaviour(target.kernel).ap_config_attribute;
  std::string failed;
  auto run = [&](const Op& o) {
    if (!failed.empty()) return;
    ops.push_back(o);
    const model::Observation obs = model::apply(s, o);
    // A device reset of a queue whose reset answers non-zero reports EIO after the reset: the
    // construction relies on that reset, so EIO is as good as 0 there (model::completed).
    if (!model::completed(o, obs.result))
      failed = "step " + std::to_string(ops.size()) + " (" + trace::format_op(o) + ") answered " +
               std::string(model::errno_name(obs.result));
  };
  // Bus masks first, while no mdev holds anything: no veto, no refilter.
  if (s.apmask != target.apmask)
    run(op::BusMaskWrite{model::BusMask::apmask, "0x" + target.apmask.hex() + "\n"});
  if (s.aqmask != target.aqmask)
    run(op::BusMaskWrite{model::BusMask::aqmask, "0x" + target.aqmask.hex() + "\n"});
  for (int a = 0; a < 256; ++a)
    target.unbound[static_cast<std::size_t>(a)].for_each([&](model::ApId d) {
      const Apqn q{static_cast<model::ApId>(a), d};
      run(op::QueueUnbind{q, s.driver(q)});
    });
  // 6.19: queues bound to vfio_ap against the (all-ones) masks: each given to vfio_ap by an
  // override and rebound, before any mdev exists (nothing to filter); the overrides the target
  // lacks are cleared once the mdevs hold their queues (under all-ones masks an assignment
  // needs them: ownership is the override's), and the queues stay bound.
  std::vector<Apqn> clear_after_assigning;
  for (int a = 0; a < 256; ++a)
    target.override_bound[static_cast<std::size_t>(a)].for_each([&](model::ApId d) {
      const Apqn q{static_cast<model::ApId>(a), d};
      if (s.driver(q) == model::Driver::vfio_ap) return;
      run(op::DriverOverrideWrite{q, "vfio_ap\n"});
      if (s.driver(q) != model::Driver::none) run(op::QueueUnbind{q, s.driver(q)});
      run(op::QueueBind{q, model::Driver::vfio_ap});
      if (target.override_of(q) == nullptr) clear_after_assigning.push_back(q);
    });
  for (const auto& [qid, name] : target.driver_override)
    if (s.override_of(Apqn::unpack(qid)) == nullptr || *s.override_of(Apqn::unpack(qid)) != name)
      run(op::DriverOverrideWrite{Apqn::unpack(qid), name + "\n"});
  for (const model::Guest& g : target.guests) run(op::GuestCreate{g.id, g.msax3});
  // A full filter of mdev `uuid`'s matrix: an ap_config write of the same matrix, or before
  // 6.10 (no ap_config) a linked queue outside `avoid` unbound from vfio_ap and bound again
  // (its probe filters the whole matrix in every kernel: step.cpp probe_queue).
  auto refilter = [&](const std::string& uuid, const std::vector<Apqn>& avoid, const Mask& recheck) {
    if (!failed.empty()) return;
    const model::Mdev* cur = s.find_mdev(uuid);
    if (has_ap_config) {
      run(op::AttrWrite{uuid, model::MdevAttr::ap_config, hex3(cur->assigned)});
      return;
    }
    std::optional<Apqn> q;
    cur->assigned.adapters.for_each([&](model::ApId a) {
      model::linked_row(s, *cur, a).for_each([&](model::ApId d) {
        const Apqn c{a, d};
        if (!q && std::find(avoid.begin(), avoid.end(), c) == avoid.end()) q = c;
      });
    });
    if (!q && recheck.any()) {
      // The adapters to check again, each taken out and assigned again: its assignment
      // filters (the whole matrix from 6.8; before, its own row, which is what is asked here).
      recheck.for_each([&](model::ApId a) {
        const std::string id = std::to_string(a) + "\n";
        run(op::AttrWrite{uuid, model::MdevAttr::unassign_adapter, id});
        run(op::AttrWrite{uuid, model::MdevAttr::assign_adapter, id});
      });
      return;
    }
    if (!q && model::behaviour(target.kernel).full_filter) {
      // With the full filter any assignment refilters: take out and put back an assigned
      // domain (else adapter) the shadow does not hold, whose unassignment touches nothing.
      const Mask dom = cur->assigned.domains - cur->shadow.domains;
      const Mask ada = cur->assigned.adapters - cur->shadow.adapters;
      if (dom.any() || ada.any()) {
        const bool by_domain = dom.any();
        const std::string id = std::to_string(by_domain ? dom.first() : ada.first()) + "\n";
        run(op::AttrWrite{uuid, by_domain ? model::MdevAttr::unassign_domain : model::MdevAttr::unassign_adapter, id});
        run(op::AttrWrite{uuid, by_domain ? model::MdevAttr::assign_domain : model::MdevAttr::assign_adapter, id});
        return;
      }
    }
    if (!q) {
      failed = "no linked queue of mdev " + uuid + " to refilter it by (no ap_config before 6.10)";
      return;
    }
    run(op::QueueUnbind{*q, model::Driver::vfio_ap});
    run(op::QueueBind{*q, model::Driver::vfio_ap});
  };
  // Each assignment filters fully: the shadow is F with every queue passable. Before 6.10 the
  // IDs are written one by one (the delta filter of 6.0 can leave the shadow other than F:
  // one refilter puts it right).
  for (const model::Mdev& m : target.mdevs) {
    run(op::MdevCreate{m.uuid});
    if (m.assigned.empty()) continue;
    if (has_ap_config) {
      run(op::AttrWrite{m.uuid, model::MdevAttr::ap_config, hex3(m.assigned)});
      continue;
    }
    auto each = [&](const Mask& ids, model::MdevAttr attr) {
      ids.for_each([&](model::ApId id) { run(op::AttrWrite{m.uuid, attr, std::to_string(id) + "\n"}); });
    };
    each(m.assigned.control_domains, model::MdevAttr::assign_control_domain);
    each(m.assigned.adapters, model::MdevAttr::assign_adapter);
    // Configured domains last: the last one's delta filter checks every adapter's queue there
    // (with no linked queue, that is the full filter's answer).
    each(m.assigned.domains - target.cfg.domains, model::MdevAttr::assign_domain);
    each(m.assigned.domains & target.cfg.domains, model::MdevAttr::assign_domain);
    if (!failed.empty()) break;
    const model::Mdev* cur = s.find_mdev(m.uuid);
    if (cur->shadow.adapters != model::filter_matrix(s, *cur).adapters) refilter(m.uuid, {}, {});
  }
  // Adapters the target's shadow lacks: a failed reset of one of their queues, a refilter (an
  // ap_config write of the same matrix) takes them out; then the reset status is repaired.
  for (const model::Mdev& m : target.mdevs) {
    if (!failed.empty()) break;
    const model::Mdev* cur = s.find_mdev(m.uuid);
    const Mask drop = cur->shadow.adapters - m.shadow.adapters;
    if (drop.empty()) continue;
    const auto d0 = static_cast<model::ApId>(cur->shadow.domains.first());
    std::vector<Apqn> failing;
    drop.for_each([&](model::ApId a) { failing.push_back(Apqn{a, d0}); });
    for (Apqn q : failing) run(op::ResetResponse{q, z3enc::kNonPassableResponse});
    run(op::DeviceReset{m.uuid});
    refilter(m.uuid, failing, drop);
    drop.for_each([&](model::ApId a) { run(op::ResetResponse{Apqn{a, d0}, model::response::normal}); });
    run(op::DeviceReset{m.uuid});
  }
  // Failed last resets (all on linked queues): answer them on the next reset, reset, repair.
  for (const model::Mdev& m : target.mdevs) {
    if (!failed.empty()) break;
    std::vector<Apqn> bad;
    for (const auto& [qid, rc] : target.last_response)
      if (!model::passable_status(target.kernel, rc) &&
          model::linked(s, *s.find_mdev(m.uuid), Apqn::unpack(qid)))
        bad.push_back(Apqn::unpack(qid));
    if (bad.empty()) continue;
    for (Apqn q : bad) run(op::ResetResponse{q, target.last_response_of(q)});
    run(op::DeviceReset{m.uuid});
    for (Apqn q : bad) run(op::ResetResponse{q, model::response::normal});
  }
  // Every refilter above asked about ownership with the overrides still in place.
  for (Apqn q : clear_after_assigning) run(op::DriverOverrideWrite{q, "\n"});
  for (const auto& [qid, answers] : target.hw_response) {
    op::ResetResponse r{Apqn::unpack(qid), answers.front()};
    r.then.assign(answers.begin() + 1, answers.end());
    run(r);
  }
  for (const model::Mdev& m : target.mdevs) {
    if (!m.guest) continue;
    run(op::GuestAttach{m.uuid, *m.guest});
    if (m.released) run(op::GuestRelease{m.uuid});
  }
  if (failed.empty() && !same_state(model::z3enc::normalize(s, width),
                                    model::z3enc::normalize(target, width)))
    failed = "the state reached differs from the target";
  if (!failed.empty()) {
    if (why != nullptr) *why = failed;
    return std::nullopt;
  }
  return ops;
}

Replay replay(z3enc::Encoder& enc, const State& pre, const Op& op, const Mutation& mutate,
              const Claim& claim, bool* claim_holds, model::Strength strength,
              const std::vector<std::string>& comments) {
  Replay r;
  r.pre = z3enc::normalize(pre, enc.width());
  r.op = op;
  const auto [sym, slots] = enc.concretize(r.pre);
  const std::optional<z3enc::Lowered> low = z3enc::lower(enc, op, r.pre, slots);
  if (!low) throw std::invalid_argument("the operation is outside the encoding: " + trace::format_op(op));
  z3enc::Transition t = enc.step(sym, low->op);
  if (mutate) t = mutate(enc, sym, t);
  const z3enc::Transition closed = enc.close(t);
  const z3::expr result = closed.result.simplify();
  r.z3_result = static_cast<Errno>(result.get_numeral_uint64());
  r.z3_post = enc.extract(closed.post, [](const z3::expr& e) { return e.simplify(); },
                          low->post_slots);
  if (claim && claim_holds != nullptr) *claim_holds = claim(enc, sym, closed).simplify().is_true();
  State post = r.pre;
  r.observation = model::apply(post, r.op);
  r.post = z3enc::normalize(post, enc.width());
  r.matches = z3enc::result_agrees(r.pre.kernel, r.op, r.observation.result, r.z3_result) &&
              same_state(r.post, r.z3_post);
  r.pre_violations = model::check_state(r.pre, strength);
  r.post_violations = model::check_state(r.post, strength);
  r.z3_post_violations = model::check_state(r.z3_post, strength);
  r.step_violations = model::check_failure_atomicity(r.pre, r.post, r.op, r.observation);

  trace::Trace trace;
  trace.params = r.pre.params;
  trace.config = r.pre.cfg;
  std::string why;
  const std::optional<std::vector<Op>> steps = construct(r.pre, enc.width(), &why);
  r.constructed = steps.has_value();
  trace.comments = comments;
  // The expectations follow the profile: the trace header says which (docs/trace-format.md).
  if (r.pre.kernel != model::KernelVersion::latest)
    trace.comments.push_back("# kernel: " + std::string(model::kernel_version_name(r.pre.kernel)));
  State s = State::initial(trace.params, trace.config);
  s.kernel = r.pre.kernel;
  if (steps) {
    r.construction = "built from State::initial in " + std::to_string(steps->size()) + " steps";
    for (std::size_t i = 0; i < steps->size(); ++i) {
      trace::TraceStep step{(*steps)[i], model::apply(s, (*steps)[i]), 0, {}};
      if (i == 0)
        step.comments = {"# The pre-state, built by operations (proofs/replay.cpp, construct):"};
      trace.steps.push_back(std::move(step));
    }
    std::vector<std::string> before{"#", "# The pre-state is reached. It is:"};
    for (const std::string& line : describe(r.pre)) before.push_back(line);
    before.push_back("# The operation:");
    trace.steps.push_back(trace::TraceStep{r.op, model::apply(s, r.op), 0, before});
    // What the mdevs' guest_matrix shows now, so the outcome is visible in the trace itself.
    for (const model::Mdev& md : s.mdevs) {
      const Op read = model::op::ReadMdev{md.uuid, model::MdevView::guest_matrix};
      trace.steps.push_back(trace::TraceStep{read, model::apply(s, read), 0, {}});
    }
    // A guest whose PQAP hook the operation moved: its AQIC shows the handler it now reaches
    // (the hook is no view's; APQN 00.0000 is within every CRYCB format).
    for (const model::Guest& g : s.guests) {
      const model::Guest* was = r.pre.find_guest(g.id);
      if (was != nullptr && was->pqap_hook == g.pqap_hook &&
          was->pqap_hook_freed == g.pqap_hook_freed)
        continue;
      const Op aqic = model::op::GuestAqic{g.id, Apqn{0, 0}};
      trace.steps.push_back(trace::TraceStep{aqic, model::apply(s, aqic), 0, {}});
    }
    trace.trailing_comments.push_back("# model::apply's post-state: " +
                                      violations_text(r.post_violations));
    if (!r.step_violations.empty())
      trace.trailing_comments.push_back("# model::apply's operation: " +
                                        violations_text(r.step_violations));
  } else {
    r.construction = "not built by operations (" + why + "); the pre-state is printed in comments";
    trace.comments.push_back("# This trace does not reach the pre-state (" + why + "). It is:");
    for (const std::string& line : describe(r.pre)) trace.comments.push_back(line);
    trace.comments.push_back("# and the operation, applied to it, is:");
    trace.comments.push_back("#   " + trace::format_op(r.op));
    trace.comments.push_back("# model::apply's post-state: " + violations_text(r.post_violations));
    if (!r.step_violations.empty())
      trace.comments.push_back("# model::apply's operation: " + violations_text(r.step_violations));
  }
  if (!same_state(r.post, r.z3_post)) {
    trace.trailing_comments.push_back("# The encoding's post-state differs from model::apply's:");
    for (const std::string& line : describe(r.z3_post)) trace.trailing_comments.push_back(line);
    trace.trailing_comments.push_back("# and breaks: " + violations_text(r.z3_post_violations));
  }
  r.trace = trace::format_trace(trace);
  return r;
}

}  // namespace apcb::proofs::detail
