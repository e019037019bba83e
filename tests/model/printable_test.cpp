// model::printable: outside text quoted in messages and trace comments.
#include "model/printable.h"

#include <gtest/gtest.h>

#include <string>

namespace apcb::model {
namespace {

TEST(Printable, KeepsPrintableAsciiAsIs) {
  EXPECT_EQ(printable("assign_adapter 0x3f ~!'\""), "assign_adapter 0x3f ~!'\"");
  EXPECT_EQ(printable(""), "");
}

TEST(Printable, EscapesNewlineAndBackslashReadably) {
  EXPECT_EQ(printable("1\n"), "1\\n");
  EXPECT_EQ(printable("a\\b"), "a\\\\b");
}

TEST(Printable, EscapesEveryOtherByteAsLowerCaseHex) {
  EXPECT_EQ(printable(std::string("\0\t\r\x1b\x7f", 5)), "\\x00\\x09\\x0d\\x1b\\x7f");
  EXPECT_EQ(printable("\xc3\xa9"), "\\xc3\\xa9");  // UTF-8 is escaped byte by byte
  EXPECT_EQ(printable("\xff"), "\\xff");
}

TEST(Printable, OutputIsAlwaysPrintableAscii) {
  std::string every;
  for (int c = 0; c < 256; ++c) every += static_cast<char>(c);
  for (char ch : printable(every)) {
    const auto c = static_cast<unsigned char>(ch);
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(c);
  }
}

}  // namespace
}  // namespace apcb::model
