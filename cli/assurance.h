// apcb — assurance records: how the long tests that ctest runs (and `apcb verify` does not)
// tell `apcb verify` what they checked, so that the assurance ledger holds their bounds too.
//
// When the environment variable APCB_ASSURANCE_DIR is set (tests/property and
// tests/exhaustive set it to <build>/assurance for their ctests), the test deletes its record
// when it starts and, only when it passes, writes <dir>/<file>: one JSON object in the shape of
// a ledger check (layer, item, property, width, bound, seeds, budget), plus "measured" (figures
// that vary or are not compared: operations, faults, transitions, ...), "ctest" (the test's
// name) and "executable" (the test binary's path). `apcb verify` reads every record of the
// table below from <build>/assurance (--assurance-dir DIR) into its verdict table and ledger
// comparison; a record that is absent, or older than its executable, is a missing check.
// Header-only and dependency-free, so the tests include it without linking the CLI.
#ifndef APCB_CLI_ASSURANCE_H_
#define APCB_CLI_ASSURANCE_H_

namespace apcb::assurance {

inline constexpr const char* kDirEnv = "APCB_ASSURANCE_DIR";

// One long test whose passing run leaves an assurance record for `apcb verify`.
// Example: kStateful.file == "property-stateful.json"; `ctest -R property_Stateful.ImplAgrees`
//   writes it.
struct RecordedTest {
  const char* file;   // the record's file name in the assurance folder
  const char* layer;  // the ledger layer of its check
  const char* ctest;  // a `ctest -R` pattern that runs the test which writes it
};

// The RapidCheck stateful test (tests/property/stateful_test.cpp): seeds = sequences run,
// bound = the shortest sequence's length, width = 256.
inline constexpr RecordedTest kStateful{"property-stateful.json", "property/stateful",
                                        "property_Stateful.ImplAgrees"};
// The exhaustive small scope (tests/exhaustive/exhaustive_test.cpp): width 4, bound = depth,
// seeds = distinct model states reached.
inline constexpr RecordedTest kExhaustive{"exhaustive.json", "exhaustive", "exhaustive_"};

inline constexpr RecordedTest kRecordedTests[] = {kStateful, kExhaustive};

}  // namespace apcb::assurance

#endif  // APCB_CLI_ASSURANCE_H_
