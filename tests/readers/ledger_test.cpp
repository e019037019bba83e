// readers/ledger.h: the floor is read strictly; every fault is positioned.
#include "readers/ledger.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace apcb::readers {
namespace {

std::string error_of(std::string_view text) {
  auto parsed = parse_ledger(text, "l.json");
  if (auto* e = std::get_if<trace::TraceError>(&parsed)) return e->to_string();
  return "(parsed)";
}

TEST(Ledger, TheCommittedFloorParses) {
  std::ifstream in(APCB_SOURCE_DIR "/.ci/assurance-ledger.json");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_ledger(text.str(), "assurance-ledger.json");
  ASSERT_TRUE(std::holds_alternative<nlohmann::json>(parsed)) << std::get<trace::TraceError>(parsed).to_string();
  EXPECT_GT(std::get<nlohmann::json>(parsed).at("checks").size(), 100u);
}

TEST(Ledger, ContractExample) {
  EXPECT_EQ(error_of("{\n  \"mutation_score\": \"high\",\n  \"checks\": []\n}"),
            "l.json:2:21: not a ledger: \"mutation_score\" must be a number >= 0 or null");
}

TEST(Ledger, ASecondChecksKeyIsAnErrorNotAnEmptyFloor) {
  EXPECT_EQ(error_of("{\"checks\": [{\"layer\": \"a\", \"item\": \"b\"}], \"checks\": []}"),
            "l.json:1:43: duplicate key \"checks\" (first at line 1, column 2) (not a ledger)");
}

TEST(Ledger, EveryFieldIsTyped) {
  EXPECT_EQ(error_of("{\"checks\": [{\"layer\": \"a\", \"item\": \"b\", \"budget\": -1}]}"),
            "l.json:1:51: not a ledger: \"budget\" must be a number >= 0");
  EXPECT_EQ(error_of("{\"checks\": [{\"layer\": \"a\"}]}"), "l.json:1:13: not a ledger: a check needs a string \"item\"");
  EXPECT_EQ(error_of("{\"checks\": [{\"layer\": \"a\", \"item\": \"b\", \"seed\": 1}]}"),
            "l.json:1:41: not a ledger: unknown key \"seed\" in a check");
  EXPECT_EQ(error_of("{\"checks\": {}}"), "l.json:1:12: not a ledger: no \"checks\" array");
  EXPECT_EQ(error_of("[]"), "l.json:1:1: not a ledger: the ledger is a JSON object");
  EXPECT_EQ(error_of("{\"reasons\": [1], \"checks\": []}"), "l.json:1:14: not a ledger: \"reasons\" must be an array of strings");
  EXPECT_EQ(error_of("{\"checks\": [], \"mutation_score\": null, \"about\": \"x\", \"z3_version\": \"4.8\", \"reasons\": []}"),
            "(parsed)");
}

}  // namespace
}  // namespace apcb::readers
