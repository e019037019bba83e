// readers/allow_list.h: known differences are read strictly, and the globs match as documented.
#include "readers/allow_list.h"

#include <gtest/gtest.h>

#include <string>

namespace apcb::readers {
namespace {

std::string error_of(std::string_view text) {
  auto parsed = parse_allow_list(text, "a.json");
  if (auto* e = std::get_if<trace::TraceError>(&parsed)) return e->to_string();
  return "(parsed)";
}

TEST(GlobMatch, ContractExamples) {
  EXPECT_TRUE(glob_match("attr_write assign_*", "attr_write assign_domain"));
  EXPECT_FALSE(glob_match("result ? vs *", "result EBUSY vs EIO"));
  EXPECT_TRUE(glob_match("result ????? vs *", "result EBUSY vs EIO"));
}

TEST(GlobMatch, WholeTextOnlyAndStarsCrossLines) {
  EXPECT_FALSE(glob_match("attr_write", "attr_write assign_domain"));  // no implicit trailing *
  EXPECT_FALSE(glob_match("assign_*", "attr_write assign_domain"));    // no implicit leading *
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("?", ""));
  EXPECT_TRUE(glob_match("= EBUSY*commit*", "= EBUSY\ncommit guest=1 ...\n"));
  EXPECT_TRUE(glob_match("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXbYbZ"));
}

TEST(GlobMatch, HostilePatternsEndQuickly) {
  // The classic exponential case for a recursive matcher: here it is quadratic at worst.
  const std::string text(5000, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_TRUE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*", text));
}

TEST(AllowList, ContractExample) {
  EXPECT_EQ(error_of("{\"allow\": [{\"id\": \"x\", \"op\": \"atr_write*\", \"cause\": \"*\", \"reason\": \"r\"}]}"),
            "a.json:1:30: not an allow list: \"op\" pattern \"atr_write*\" matches no operation (they are named "
            "as `apcb check` reports them, e.g. \"attr_write assign_adapter\", \"device_reset\")");
}

TEST(AllowList, AValidListParsesInOrderWithLinesAndDefaults) {
  auto parsed = parse_allow_list(
      "{\n \"about\": \"x\",\n \"allow\": [\n  {\"id\": \"a\", \"op\": \"attr_write assign_*\", \"cause\": \"result "
      "EBUSY vs EADDRINUSE\", \"reason\": \"5.x\"},\n  {\"id\": \"b\", \"op\": \"read_mdev matrix\", \"cause\": "
      "\"output\", \"implementation\": \"| *\", \"reason\": \"short APQNs\"}\n ]\n}\n",
      "a.json");
  ASSERT_TRUE(std::holds_alternative<AllowList>(parsed)) << std::get<trace::TraceError>(parsed).to_string();
  const AllowList& list = std::get<AllowList>(parsed);
  ASSERT_EQ(list.entries.size(), 2u);
  EXPECT_EQ(list.file, "a.json");
  EXPECT_EQ(list.entries[0].id, "a");
  EXPECT_EQ(list.entries[0].line, 4);
  EXPECT_EQ(list.entries[0].implementation, "*");
  EXPECT_EQ(list.entries[1].line, 5);
  const AllowEntry* m = list.first_match("attr_write assign_domain", "result EBUSY vs EADDRINUSE", "= EBUSY\n",
                                         "= EADDRINUSE\n");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->id, "a");
  EXPECT_EQ(list.first_match("attr_write unassign_domain", "result EBUSY vs EADDRINUSE", "= EBUSY\n", "= 0\n"),
            nullptr);
  // The observation pattern narrows the entry: an empty output is not "| ...".
  EXPECT_EQ(list.first_match("read_mdev matrix", "output", "= 0\n", "= 0\n| 05.0004\n"), nullptr);
  EXPECT_NE(list.first_match("read_mdev matrix", "output", "| 05.4\n", "= 0\n| 05.0004\n"), nullptr);
}

TEST(AllowList, EveryFaultIsPositionedAndNamed) {
  EXPECT_EQ(error_of("[]"), "a.json:1:1: not an allow list: the allow list is a JSON object with an \"allow\" array");
  EXPECT_EQ(error_of("{}"), "a.json:1:1: not an allow list: no \"allow\" array");
  EXPECT_EQ(error_of("{\"allow\": {}}"), "a.json:1:11: not an allow list: no \"allow\" array");
  EXPECT_EQ(error_of("{\"alow\": []}"),
            "a.json:1:2: not an allow list: unknown key \"alow\" (an allow list has \"about\" and \"allow\")");
  EXPECT_EQ(error_of("{\"allow\": [1]}"), "a.json:1:12: not an allow list: an entry of \"allow\" is an object");
  EXPECT_EQ(error_of("{\"allow\": [{\"id\": \"x\", \"op\": \"*\", \"cause\": \"*\"}]}"),
            "a.json:1:12: not an allow list: an entry needs \"reason\"");
  EXPECT_EQ(error_of("{\"allow\": [{\"id\": \"x\", \"op\": \"*\", \"cause\": \"*\", \"reason\": \"\"}]}"),
            "a.json:1:59: not an allow list: \"reason\" must not be empty");
  EXPECT_EQ(error_of("{\"allow\": [{\"id\": 1, \"op\": \"*\", \"cause\": \"*\", \"reason\": \"r\"}]}"),
            "a.json:1:19: not an allow list: \"id\" must be a string");
  EXPECT_EQ(error_of("{\"allow\": [{\"id\": \"x\", \"op\": \"*\", \"cause\": \"*\", \"reason\": \"r\", \"why\": \"\"}]}"),
            "a.json:1:64: not an allow list: unknown key \"why\" in an entry (id, op, cause, implementation, "
            "reference, reason)");
  EXPECT_EQ(error_of("{\"allow\": [{\"id\": \"x\", \"op\": \"*\", \"cause\": \"*\", \"reason\": \"r\"},\n"
                     "{\"id\": \"x\", \"op\": \"*\", \"cause\": \"*\", \"reason\": \"r\"}]}"),
            "a.json:2:8: not an allow list: a second entry with id \"x\"");
  EXPECT_EQ(error_of("{\"allow\": [,]}"), error_of("{\"allow\": [,]}"));
  EXPECT_NE(error_of("{\"allow\": [,]}").find("(not an allow list)"), std::string::npos);
}

}  // namespace
}  // namespace apcb::readers
