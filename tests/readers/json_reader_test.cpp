// Tests of readers/json_reader.h: the values it builds (equal to nlohmann's own parse), positions of
// values and keys, JSON pointers, every kind of refusal with its line and column (duplicate
// keys, nesting beyond the limit, the grammar, UTF-8, numbers), and time linear in the input.
#include "readers/json_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/sanitized.h"

namespace apcb::readers {
namespace {

using nlohmann::json;

JsonDocument read_ok(std::string_view text) {
  auto r = read_json(text, "f.json");
  if (auto* e = std::get_if<trace::TraceError>(&r)) {
    ADD_FAILURE() << e->to_string();
    return std::get<JsonDocument>(read_json("null", "f.json"));
  }
  return std::get<JsonDocument>(std::move(r));
}

// "file:line:column: message" of a refused text, or "accepted".
std::string error_of(std::string_view text, const JsonLimits& limits = {}) {
  auto r = read_json(text, "f.json", limits);
  if (auto* e = std::get_if<trace::TraceError>(&r)) return e->to_string();
  return "accepted";
}

TEST(JsonReader, BuildsWhatNlohmannBuilds) {
  for (const std::string_view text :
       {"null", "true", "false", "0", "-0", "17", "-17", "18446744073709551615", "-9223372036854775808",
        "18446744073709551616", "-9223372036854775809", "1.5", "-2.5e-3", "1E+2", "1e-400", "\"\"",
        "\"a\\\"\\\\\\/\\b\\f\\n\\r\\tz\"", "\"\\u00e9\\u20ac\\ud83d\\ude00\\u0000\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
        "[]", "{}", " [1, [2, [3]], {\"a\": {\"b\": []}}] ", "{\"b\": 1, \"a\": 2}", "\xEF\xBB\xBF{\"bom\": true}"}) {
    SCOPED_TRACE(std::string(text));
    const JsonDocument doc = read_ok(text);
    const json expected = json::parse(text);
    EXPECT_EQ(doc.root(), expected);
    EXPECT_EQ(doc.root().type(), expected.type());
  }
  // Integers keep nlohmann's types: unsigned when non-negative, signed when negative.
  EXPECT_TRUE(read_ok("5").root().is_number_unsigned());
  EXPECT_TRUE(read_ok("-5").root().is_number_integer() && !read_ok("-5").root().is_number_unsigned());
  EXPECT_TRUE(read_ok("18446744073709551616").root().is_number_float());
}

TEST(JsonReader, PositionsOfValuesAndKeys) {
  const JsonDocument doc = read_ok("{\n  \"a\": [true, {\"b\": \"x\"}],\n\t\"c\":-1\n}");
  const json& root = doc.root();
  EXPECT_EQ(doc.position_of(root), (JsonPosition{1, 1}));
  EXPECT_EQ(doc.position_of(root.at("a")), (JsonPosition{2, 8}));
  EXPECT_EQ(doc.position_of(root.at("a").at(0)), (JsonPosition{2, 9}));
  EXPECT_EQ(doc.position_of(root.at("a").at(1)), (JsonPosition{2, 15}));
  EXPECT_EQ(doc.position_of(root.at("a").at(1).at("b")), (JsonPosition{2, 21}));
  EXPECT_EQ(doc.position_of(root.at("c")), (JsonPosition{3, 6}));
  EXPECT_EQ(doc.key_position_of(root.at("a")), (JsonPosition{2, 3}));
  EXPECT_EQ(doc.key_position_of(root.at("a").at(1).at("b")), (JsonPosition{2, 16}));
  EXPECT_EQ(doc.key_position_of(root.at("c")), (JsonPosition{3, 2}));
  EXPECT_EQ(doc.key_position_of(root), std::nullopt);
  EXPECT_EQ(doc.key_position_of(root.at("a").at(0)), std::nullopt);
  // A value not inside the document (a copy) answers the document's start.
  const json copy = root.at("c");
  EXPECT_EQ(doc.position_of(copy), (JsonPosition{1, 1}));
  // A leading byte order mark does not count as columns.
  const JsonDocument bom = read_ok("\xEF\xBB\xBF[1, 2]");
  EXPECT_EQ(bom.position_of(bom.root().at(1)), (JsonPosition{1, 5}));
}

TEST(JsonReader, PositionsSurviveMovingTheDocument) {
  auto r = read_json("[[1], {\"k\": [2]}]", "f.json");
  ASSERT_TRUE(std::holds_alternative<JsonDocument>(r));
  JsonDocument moved = std::get<JsonDocument>(std::move(r));
  JsonDocument again = std::move(moved);
  EXPECT_EQ(again.position_of(again.root()), (JsonPosition{1, 1}));
  EXPECT_EQ(again.position_of(again.root()[0][0]), (JsonPosition{1, 3}));
  EXPECT_EQ(again.position_of(again.root()[1]["k"][0]), (JsonPosition{1, 14}));
}

TEST(JsonReader, JsonPointers) {
  const JsonDocument doc = read_ok(R"({"a": [5, {"x/y": 1, "m~n": 2, "": 3}]})");
  EXPECT_EQ(doc.find(""), &doc.root());
  EXPECT_EQ(*doc.find("/a/0"), 5);
  EXPECT_EQ(*doc.find("/a/1/x~1y"), 1);
  EXPECT_EQ(*doc.find("/a/1/m~0n"), 2);
  EXPECT_EQ(*doc.find("/a/1/"), 3);
  EXPECT_EQ(doc.position_at("/a/0"), (JsonPosition{1, 8}));
  EXPECT_EQ(doc.position_at("/a/1/m~0n"), (JsonPosition{1, 29}));
  for (const char* none : {"a", "/b", "/a/2", "/a/01", "/a/-", "/a/x", "/a/0/0", "/a/1/~2", "/a/1/x~"}) {
    EXPECT_EQ(doc.find(none), nullptr) << none;
    EXPECT_EQ(doc.position_at(none), std::nullopt) << none;
  }
  EXPECT_EQ(json_pointer_token("a/b~c"), "a~1b~0c");
  EXPECT_EQ(*doc.find("/a/1/" + json_pointer_token("x/y")), 1);
}

TEST(JsonReader, ErrorsAtTheValueOrKey) {
  const JsonDocument doc = read_ok("{\"score\": \"high\",\n \"chekcs\": []}");
  EXPECT_EQ(doc.error_at(doc.root().at("score"), "\"score\" must be a number").to_string(),
            "f.json:1:11: \"score\" must be a number");
  EXPECT_EQ(doc.error_at_key(doc.root().at("chekcs"), "unknown key").to_string(), "f.json:2:2: unknown key");
  EXPECT_EQ(doc.error_at_key(doc.root(), "not a ledger").to_string(), "f.json:1:1: not a ledger");
  EXPECT_EQ(doc.file(), "f.json");
}

TEST(JsonReader, DuplicateKeysAreErrorsAtTheSecond) {
  EXPECT_EQ(error_of("{\"a\": 1, \"a\": 2}"), "f.json:1:10: duplicate key \"a\" (first at line 1, column 2)");
  EXPECT_EQ(error_of("{\"checks\": [1],\n  \"x\": 0,\n  \"checks\": []}"),
            "f.json:3:3: duplicate key \"checks\" (first at line 1, column 2)");
  // Equal after unescaping is equal.
  EXPECT_EQ(error_of(R"({"ab": 1, "a\u0062": 2})"), "f.json:1:11: duplicate key \"ab\" (first at line 1, column 2)");
  EXPECT_EQ(error_of("[{\"a\": {\"b\": 1, \"b\": 1}}]"), "f.json:1:17: duplicate key \"b\" (first at line 1, column 9)");
  // Keys are quoted printably.
  EXPECT_EQ(error_of("{\"\\u0001\\n\": 1, \"\\u0001\\n\": 2}"),
            "f.json:1:17: duplicate key \"\\x01\\n\" (first at line 1, column 2)");
  // The same key in different objects is fine.
  EXPECT_EQ(error_of("[{\"a\": 1}, {\"a\": 2}]"), "accepted");
}

TEST(JsonReader, NestingBeyondTheLimit) {
  const std::string at_limit = std::string(64, '[') + std::string(64, ']');
  EXPECT_EQ(error_of(at_limit), "accepted");
  EXPECT_EQ(error_of(std::string(65, '[') + std::string(65, ']')),
            "f.json:1:65: arrays and objects nested deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < 70; ++i) objects += "{\"k\":";
  EXPECT_EQ(error_of(objects), "f.json:1:321: arrays and objects nested deeper than 64 levels");
  EXPECT_EQ(error_of("[[[1]]]", JsonLimits{2}), "f.json:1:3: arrays and objects nested deeper than 2 levels");
  EXPECT_EQ(error_of("[1]", JsonLimits{64, 2}), "f.json:1:1: larger than 2 bytes: not a JSON input apcb reads");
}

TEST(JsonReader, GrammarErrorsAtTheOffendingByte) {
  EXPECT_EQ(error_of(""), "f.json:1:1: invalid JSON: the text ends where a value should start");
  EXPECT_EQ(error_of("  \n "), "f.json:2:2: invalid JSON: the text ends where a value should start");
  EXPECT_EQ(error_of("[1,]"), "f.json:1:4: invalid JSON: expected a value after ',', found ']' (JSON has no trailing commas)");
  EXPECT_EQ(error_of("{\"a\": 1,}"), "f.json:1:9: invalid JSON: expected a key after ',', found '}' (JSON has no trailing commas)");
  EXPECT_EQ(error_of("[1 2]"), "f.json:1:4: invalid JSON: expected ',' or ']' after an array element, found '2'");
  EXPECT_EQ(error_of("[1"), "f.json:1:3: invalid JSON: expected ',' or ']' after an array element, found the end of the text");
  EXPECT_EQ(error_of("{\"a\" 1}"), "f.json:1:6: invalid JSON: expected ':' after the key \"a\", found '1'");
  EXPECT_EQ(error_of("{\"a\": 1 \"b\": 2}"), "f.json:1:9: invalid JSON: expected ',' or '}' after an object member, found '\"'");
  EXPECT_EQ(error_of("{a: 1}"), "f.json:1:2: invalid JSON: expected a string key, found 'a'");
  EXPECT_EQ(error_of("[,]"), "f.json:1:2: invalid JSON: expected a value, found ','");
  EXPECT_EQ(error_of("{} {}"), "f.json:1:4: invalid JSON: unexpected '{' after the JSON value");
  EXPECT_EQ(error_of("[tru]"), "f.json:1:2: invalid JSON: 'tru' is not a value (did you mean true?)");
  EXPECT_EQ(error_of("nul"), "f.json:1:1: invalid JSON: 'nul' is not a value (did you mean null?)");
  EXPECT_EQ(error_of("// comment\n{}"), "f.json:1:1: invalid JSON: expected a value, found '/'");
  EXPECT_EQ(error_of("[\x01]"), "f.json:1:2: invalid JSON: expected a value, found byte \\x01");
}

TEST(JsonReader, StringErrors) {
  EXPECT_EQ(error_of("[\"abc"), "f.json:1:2: invalid JSON: the string starting here is never closed");
  EXPECT_EQ(error_of("\"a\nb\""), "f.json:1:3: invalid JSON: control byte \\n inside a string (it must be written as an escape)");
  EXPECT_EQ(error_of(std::string("\"a\0b\"", 5)),
            "f.json:1:3: invalid JSON: control byte \\x00 inside a string (it must be written as an escape)");
  EXPECT_EQ(error_of("\"\\q\""), "f.json:1:2: invalid JSON: unknown escape '\\q'");
  EXPECT_EQ(error_of("\"\\\xff\""), "f.json:1:2: invalid JSON: unknown escape '\\\\xff'");
  EXPECT_EQ(error_of("\"\\u12g4\""), "f.json:1:2: invalid JSON: \\u must be followed by four hex digits");
  EXPECT_EQ(error_of("\"\\u12"), "f.json:1:2: invalid JSON: \\u must be followed by four hex digits");
  EXPECT_EQ(error_of("\"\\"), "f.json:1:2: invalid JSON: the text ends inside an escape");
  EXPECT_EQ(error_of("\"\\udc00\""), "f.json:1:2: invalid JSON: \\udc00 is a UTF-16 low surrogate without a high surrogate before it");
  EXPECT_EQ(error_of("\"x\\ud83dx\""),
            "f.json:1:3: invalid JSON: \\ud83d is a UTF-16 high surrogate not followed by a low surrogate \\uDC00..\\uDFFF");
  EXPECT_EQ(error_of("\"\\ud83d\\u0041\""),
            "f.json:1:2: invalid JSON: \\ud83d is a UTF-16 high surrogate not followed by a low surrogate \\uDC00..\\uDFFF");
  // UTF-8: stray continuation bytes, overlong forms, surrogates, beyond U+10FFFF, truncation.
  for (const char* bad : {"\"\x80\"", "\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
                          "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"", "\"\xc3\"", "\"\xe2\x82\""}) {
    const std::string e = error_of(bad);
    EXPECT_EQ(e.substr(0, 30), "f.json:1:2: invalid JSON: byte") << bad;
    EXPECT_NE(e.find("is not valid UTF-8 here"), std::string::npos) << e;
  }
  EXPECT_EQ(error_of("\"ok \xff\""), "f.json:1:5: invalid JSON: byte \\xff is not valid UTF-8 here");
}

TEST(JsonReader, NumberErrors) {
  EXPECT_EQ(error_of("01"), "f.json:1:1: invalid JSON: a leading zero in the number '01'");
  EXPECT_EQ(error_of("[-]"), "f.json:1:2: invalid JSON: no digit in the number '-'");
  EXPECT_EQ(error_of("-a"), "f.json:1:1: invalid JSON: no digit in the number '-'");
  EXPECT_EQ(error_of("1."), "f.json:1:1: invalid JSON: no digit after '.' in the number '1.'");
  EXPECT_EQ(error_of("1e+"), "f.json:1:1: invalid JSON: no digit in the exponent in the number '1e+'");
  EXPECT_EQ(error_of("[1e999]"), "f.json:1:2: invalid JSON: a value beyond the range of a double in the number '1e999'");
  EXPECT_EQ(error_of("-1e999"), "f.json:1:1: invalid JSON: a value beyond the range of a double in the number '-1e999'");
  EXPECT_EQ(error_of(".5"), "f.json:1:1: invalid JSON: expected a value, found '.'");
  EXPECT_EQ(error_of("+5"), "f.json:1:1: invalid JSON: expected a value, found '+'");
  EXPECT_EQ(error_of(std::string(60, '9') + "e9999"),
            "f.json:1:1: invalid JSON: a value beyond the range of a double in the number '" + std::string(40, '9') + "...'");
  EXPECT_EQ(read_ok("1e-400").root(), 0.0);
}

// Time linear in the input: 30,000 nested levels, 200,000 array elements and objects with
// 100,000 keys. The old reader (nlohmann plus a position pass keyed by JSON-pointer strings)
// took 18 s and 1.9 GB for the first. Measured here (g++ RelWithDebInfo, 2 shared cores):
// about 1.4 s for the three together. The bounds are generous (x10 under a sanitizer) so a
// slow CI machine does not fail, yet far below a quadratic cost (the old reader needed over
// 120 s for 20,000 mdevctl devices).
TEST(JsonReader, LinearInTheInput) {
  const double slack = apcb::testing::kSanitized ? 10.0 : 1.0;
  const auto seconds = [](auto&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  EXPECT_LT(seconds([&] { EXPECT_NE(error_of(deep), "accepted"); }), 0.5 * slack);

  std::string wide = "[";
  for (int i = 0; i < 200000; ++i) wide += (i ? ",{\"k\":[" : "{\"k\":[") + std::to_string(i) + "]}";
  wide += "]";
  EXPECT_LT(seconds([&] {
              const JsonDocument doc = read_ok(wide);
              ASSERT_EQ(doc.root().size(), 200000u);
              EXPECT_EQ(doc.position_of(doc.root()[199999]["k"][0]).column,
                        static_cast<int>(wide.size()) - static_cast<int>(std::string("199999]}]").size()) + 1);
            }),
            5.0 * slack);

  std::string keys = "{";
  for (int i = 0; i < 100000; ++i) keys += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  keys += "}";
  EXPECT_LT(seconds([&] { EXPECT_EQ(read_ok(keys).root().size(), 100000u); }), 5.0 * slack);
}

}  // namespace
}  // namespace apcb::readers
