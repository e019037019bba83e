#include "proofs/prover.h"

#include "model/output_file.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <ostream>

namespace apcb::proofs::detail {

namespace {

// A file-name-safe rendering of a label.
std::string file_safe(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

bool write_text(const std::string& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  return !model::write_file_atomically(path, text);
}

}  // namespace

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

z3enc::Shape shape_of(const Options& options) {
  const auto max = static_cast<model::ApId>(options.width - 1);
  if (!options.apxa && options.width < 64)
    throw std::invalid_argument("a non-APXA host (adapters up to 63) needs --width 64 or 256");
  const model::HostParams host = options.apxa ? model::HostParams{true, max, max}
                                              : model::HostParams{false, 63, 15};
  return z3enc::Shape{options.width, options.mdevs, options.guests, host, options.kernel};
}

Prover::Prover(const Options& options, std::string obligation)
    : options_(options),
      name_(std::move(obligation)),
      enc_(ctx_, shape_of(options)),
      localize_(enc_),
      started_(now_seconds()) {}

z3::check_result Prover::solve(const z3::expr& f, const std::string& path,
                               std::optional<z3::model>* model) {
  z3::context& c = f.ctx();
  z3::solver solver(c);
  z3::params p(c);
  p.set("timeout", options_.timeout_ms);
  solver.set(p);
  solver.add(f);
  const z3::check_result r = solver.check();
  // The file records Z3's answer, not the one hoped for: a proof's first query (the
  // abstraction) may be sat, and scripts/cross-check-smt2 re-solves exactly the unsat ones.
  if (!path.empty()) {
    const char* answer = r == z3::unsat ? "unsat" : r == z3::sat ? "sat" : "unknown";
    if (write_text(path, solver.to_smt2(answer)))
      files_.push_back(path);
    else
      fail(Verdict::error, "cannot write " + path);
  }
  if (r == z3::unknown) last_reason_ = solver.reason_unknown();
  if (r == z3::sat && model != nullptr) *model = solver.get_model();
  return r;
}

std::string Prover::smt2_path(const std::string& label, const std::string& suffix) const {
  if (options_.smt2_dir.empty()) return "";
  return options_.smt2_dir + "/" + file_safe(name_ + (label.empty() ? "" : "." + label)) + suffix +
         ".smt2";
}

void Prover::timed(const std::string& label, double t0, z3::check_result r) {
  const double took = now_seconds() - t0;
  if (took > slowest_) {
    slowest_ = took;
    slowest_label_ = label;
  }
  if (r == z3::unknown) {
    const bool timed_out = last_reason_.find("timeout") != std::string::npos ||
                           last_reason_.find("canceled") != std::string::npos;
    fail(timed_out ? Verdict::timeout : Verdict::unknown,
         label + ": Z3 answered unknown (" + last_reason_ + ") after " + std::to_string(took) + " s");
  }
}

z3::check_result Prover::check(const std::string& label, const z3::expr& formula,
                               const char* expected, std::optional<z3::model>* model) {
  ++queries_;
  const double t0 = now_seconds();
  const z3::expr local = localize_(formula);
  z3::check_result r = z3::unknown;
  // A proof goes through the abstraction first: unsat there is unsat here (localize.h).
  const bool want_sat = std::string(expected) == "sat";
  if (!want_sat) r = solve(localize_.abstracted(), smt2_path(label, ""), nullptr);
  if (r != z3::unsat) r = solve(local, smt2_path(label, want_sat ? "" : ".exact"), model);
  timed(label, t0, r);
  return r;
}

std::optional<z3::model> Prover::search(const std::string& label, const z3::expr& formula,
                                        bool required) {
  ++queries_;
  const double t0 = now_seconds();
  std::optional<z3::model> model;
  const z3::check_result r = solve(formula, smt2_path(label, ".search"), &model);
  timed(label, t0, r);
  if (r == z3::unsat && required) fail(label + ": no model (unsat)");
  return r == z3::sat ? model : std::nullopt;
}

z3::check_result Prover::decide(const std::string& label, const z3::expr& formula,
                                std::optional<z3::model>* model) {
  ++queries_;
  const double t0 = now_seconds();
  const z3::check_result r = solve(formula, smt2_path(label, ""), model);
  timed(label, t0, r);
  return r;
}

bool Prover::check_abstract(const std::string& label, const z3::expr& formula) {
  ++queries_;
  const double t0 = now_seconds();
  (void)localize_(formula);
  const z3::check_result r = solve(localize_.abstracted(), smt2_path(label, ""), nullptr);
  const double took = now_seconds() - t0;
  if (took > slowest_) {
    slowest_ = took;
    slowest_label_ = label;
  }
  return r == z3::unsat;
}

bool Prover::prove(const std::string& label, const z3::expr& hyps, const z3::expr& goal,
                   std::optional<z3::model>* cex) {
  const z3::check_result r = check(label, hyps && !goal, "unsat", cex);
  if (r == z3::sat) fail(label + ": counterexample (sat)");
  return r == z3::unsat;
}

std::optional<z3::model> Prover::find(const std::string& label, const z3::expr& formula) {
  std::optional<z3::model> model;
  const z3::check_result r = check(label, formula, "sat", &model);
  if (r == z3::unsat) fail(label + ": no model (unsat)");
  return r == z3::sat ? model : std::nullopt;
}

void Prover::fail(const std::string& why) { fail(Verdict::fails, why); }

void Prover::fail(Verdict verdict, const std::string& why) {
  if (verdict_ == Verdict::holds) {
    verdict_ = verdict;
    failure_ = why;
  } else {
    notes_.push_back(why);
  }
  log("  " + name_ + ": " + why + "\n");
}

void Prover::note(const std::string& what) { notes_.push_back(what); }

void Prover::log(const std::string& text) const {
  // Obligations may run on several threads and share the stream.
  static std::mutex mutex;
  if (options_.log == nullptr) return;
  const std::lock_guard<std::mutex> lock(mutex);
  *options_.log << text << std::flush;
}

std::string Prover::save(const std::string& suffix, const std::string& text) {
  if (options_.cex_dir.empty()) return "";
  const std::string path = options_.cex_dir + "/" + file_safe(name_ + suffix);
  if (!write_text(path, text)) {
    fail(Verdict::error, "cannot write " + path);
    return "";
  }
  files_.push_back(path);
  return path;
}

Result Prover::finish() {
  Result r;
  r.name = name_;
  r.verdict = verdict_;
  r.seconds = now_seconds() - started_;
  r.queries = queries_;
  std::string detail = failure_;
  for (const std::string& n : notes_) detail += (detail.empty() ? "" : "; ") + n;
  if (queries_ == 1) {
    detail += (detail.empty() ? "" : "; ") + std::string("1 query") +
              (slowest_label_.empty() ? "" : " (" + slowest_label_ + ")");
  } else if (queries_ > 1 && slowest_ > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%d queries, slowest %.2f s", queries_, slowest_);
    detail += (detail.empty() ? "" : "; ") + std::string(buf) +
              (slowest_label_.empty() ? "" : " (" + slowest_label_ + ")");
  }
  r.detail = detail;
  r.files = files_;
  return r;
}

}  // namespace apcb::proofs::detail
