// The kernel's sysfs parsers: every vector of kernel-vfio-ap.md §7.1 and §7.2 and the accepted
// and rejected edge cases of each grammar.
#include "model/parse.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "model/render.h"

namespace apcb::model {
namespace {

using namespace std::string_literals;

std::string zeros(int n) { return std::string(static_cast<std::size_t>(n), '0'); }

// ---- kstrtoul (assign/unassign attributes) -------------------------------------------------

std::uint64_t ok_value(std::string_view text) {
  const auto p = parse_kstrtoul(text);
  EXPECT_TRUE(p.ok()) << "input \"" << text << "\" gave " << errno_name(p.error);
  return p.value;
}

Errno error_of(std::string_view text) { return parse_kstrtoul(text).error; }

TEST(ParseKstrtoul, AcceptsDecimalHexAndOctalSpellingsOfFive) {
  EXPECT_EQ(ok_value("5"), 5U);
  EXPECT_EQ(ok_value("0x05"), 5U);
  EXPECT_EQ(ok_value("0X05"), 5U);
  EXPECT_EQ(ok_value("05"), 5U);
  EXPECT_EQ(ok_value("+5"), 5U);
  EXPECT_EQ(ok_value("5\n"), 5U);
  EXPECT_EQ(ok_value("+0x5\n"), 5U);
}

TEST(ParseKstrtoul, LeadingZeroMeansOctal) {
  EXPECT_EQ(ok_value("010"), 8U);
  EXPECT_EQ(ok_value("0"), 0U);
  EXPECT_EQ(ok_value("00"), 0U);
  EXPECT_EQ(ok_value("0377"), 255U);
  EXPECT_EQ(error_of("08"), Errno::einval);
  EXPECT_EQ(error_of("09\n"), Errno::einval);
}

TEST(ParseKstrtoul, HexDigitsOfEitherCase) {
  EXPECT_EQ(ok_value("0xab"), 0xabU);
  EXPECT_EQ(ok_value("0xAB"), 0xabU);
  EXPECT_EQ(ok_value("0XaB\n"), 0xabU);
  EXPECT_EQ(ok_value("0x0"), 0U);
}

TEST(ParseKstrtoul, RejectsEmptyInputAndLoneSeparators) {
  EXPECT_EQ(error_of(""), Errno::einval);
  EXPECT_EQ(error_of("\n"), Errno::einval);
  EXPECT_EQ(error_of("+"), Errno::einval);
  EXPECT_EQ(error_of("+\n"), Errno::einval);
}

TEST(ParseKstrtoul, RejectsSignsOtherThanOneLeadingPlus) {
  EXPECT_EQ(error_of("-5"), Errno::einval);
  EXPECT_EQ(error_of("-0"), Errno::einval);
  EXPECT_EQ(error_of("++5"), Errno::einval);
  EXPECT_EQ(error_of("+-5"), Errno::einval);
}

TEST(ParseKstrtoul, RejectsSpacesAndTrailingBytes) {
  EXPECT_EQ(error_of(" 5"), Errno::einval);
  EXPECT_EQ(error_of("5 "), Errno::einval);
  EXPECT_EQ(error_of("5\n\n"), Errno::einval);
  EXPECT_EQ(error_of("5\r\n"), Errno::einval);
  EXPECT_EQ(error_of("5,6"), Errno::einval);
  EXPECT_EQ(error_of("5 6"), Errno::einval);
  EXPECT_EQ(error_of("\n5"), Errno::einval);
  EXPECT_EQ(error_of("5a"), Errno::einval);
  EXPECT_EQ(error_of("0x5g"), Errno::einval);
}

TEST(ParseKstrtoul, HexPrefixWithoutHexDigitIsOctalZeroFollowedByJunk) {
  // "0x" is a prefix only when a hex digit follows; otherwise "0" is read as octal and the
  // 'x' is a trailing byte.
  EXPECT_EQ(error_of("0x"), Errno::einval);
  EXPECT_EQ(error_of("0x\n"), Errno::einval);
  EXPECT_EQ(error_of("0xg"), Errno::einval);
  EXPECT_EQ(error_of("0x0x5"), Errno::einval);
  EXPECT_EQ(error_of("x5"), Errno::einval);
}

TEST(ParseKstrtoul, FullSixtyFourBitRangeAndOverflowIsErange) {
  EXPECT_EQ(ok_value("18446744073709551615"), 18446744073709551615ULL);
  EXPECT_EQ(ok_value("0xffffffffffffffff"), ~0ULL);
  EXPECT_EQ(ok_value("01777777777777777777777"), ~0ULL);
  EXPECT_EQ(error_of("18446744073709551616"), Errno::erange);
  EXPECT_EQ(error_of("0x10000000000000000"), Errno::erange);
  EXPECT_EQ(error_of("02000000000000000000000"), Errno::erange);
  EXPECT_EQ(error_of("99999999999999999999999999\n"), Errno::erange);
  // Leading zeros do not count towards overflow.
  EXPECT_EQ(ok_value("0x00000000000000000000000000000001"), 1U);
}

TEST(ParseKstrtoul, OverflowIsReportedBeforeTrailingJunk) {
  EXPECT_EQ(error_of("18446744073709551616junk"), Errno::erange);
}

TEST(ParseKstrtoul, EmbeddedNulEndsTheInput) {
  // The kernel parses a NUL-terminated copy of the write.
  EXPECT_EQ(ok_value("5\0junk"s), 5U);
  EXPECT_EQ(ok_value("5\n\0\n"s), 5U);
  EXPECT_EQ(error_of("\0"s + "5"), Errno::einval);
}

// ---- /sys/bus/ap/apmask and aqmask ---------------------------------------------------------

Mask bus_ok(std::string_view text, const Mask& current = Mask::all()) {
  const auto p = parse_bus_mask(text, current);
  EXPECT_TRUE(p.ok()) << "input \"" << text << "\" gave " << errno_name(p.error);
  return p.value;
}

Errno bus_error(std::string_view text, const Mask& current = Mask::all()) {
  return parse_bus_mask(text, current).error;
}

TEST(ParseBusMaskDocVectors, Apmask7dSetsAdapters1To5And7) {
  EXPECT_EQ(bus_ok("0x7d" + zeros(62)), Mask::of({1, 2, 3, 4, 5, 7}));
}

TEST(ParseBusMaskDocVectors, Aqmask80SetsDomainZero) {
  EXPECT_EQ(bus_ok("0x80" + zeros(62)), Mask::single(0));
}

TEST(ParseBusMaskDocVectors, ShortStringIsPaddedOnTheRight) {
  EXPECT_EQ(bus_ok("0x41"), Mask::of({1, 7}));
}

TEST(ParseBusMaskDocVectors, KernelParameterPair) {
  // ap.apmask=0xffff ap.aqmask=0x40 start from all zero and apply the same parser.
  EXPECT_EQ(bus_ok("0xffff", Mask()), Mask::range(0, 15));
  EXPECT_EQ(bus_ok("0x40", Mask()), Mask::single(1));
}

TEST(ParseBusMaskDocVectors, ApmaskF9ClearsAdapters5And6) {
  EXPECT_EQ(bus_ok("0xf9" + std::string(62, 'f')), Mask::all() - Mask::of({5, 6}));
}

TEST(ParseBusMaskDocVectors, AqmaskWithFourDomainsCleared) {
  EXPECT_EQ(bus_ok("0xf7fffffffffffffffeffffffffffffffffffffffffeffffffffffffffffffffe"),
            Mask::all() - Mask::of({4, 0x47, 0xab, 0xff}));
}

TEST(ParseBusMaskDocVectors, RelativeTermsSetAndClearOnlyTheNamedIds) {
  const Mask current = Mask::of({6, 100, 240});
  EXPECT_EQ(bus_ok("+0,-6,+0x47,-0xf0", current), Mask::of({0, 71, 100}));
  EXPECT_EQ(bus_ok("+0,-6,+0x47,-0xf0\n", Mask::all()), Mask::all() - Mask::of({6, 240}));
}

TEST(ParseBusMaskDocVectors, ThreeGuestExampleMaskWrites) {
  // §7.2: echo -5,-6 > apmask; echo -4,-0x47,-0xab,-0xff > aqmask (from the defaults).
  EXPECT_EQ(bus_ok("-5,-6\n"), Mask::all() - Mask::of({5, 6}));
  EXPECT_EQ(bus_ok("-4,-0x47,-0xab,-0xff\n"), Mask::all() - Mask::of({4, 0x47, 0xab, 0xff}));
}

TEST(ParseBusMaskRelative, RangesAndLastTermWins) {
  EXPECT_EQ(bus_ok("+0-255,-128", Mask()), Mask::all() - Mask::single(128));
  EXPECT_EQ(bus_ok("-0-255"), Mask());
  EXPECT_EQ(bus_ok("+5,-5", Mask()), Mask());
  EXPECT_EQ(bus_ok("-5,+5", Mask()), Mask::single(5));
  EXPECT_EQ(bus_ok("+0x10-0x1f", Mask()), Mask::range(16, 31));
  EXPECT_EQ(bus_ok("+7-7", Mask()), Mask::single(7));
  EXPECT_EQ(bus_ok("+255", Mask()), Mask::single(255));
  EXPECT_EQ(bus_ok("+0-255", Mask()), Mask::all());
}

TEST(ParseBusMaskRelative, RejectsBadRanges) {
  EXPECT_EQ(bus_error("+10-5"), Errno::einval);
  EXPECT_EQ(bus_error("+256"), Errno::einval);
  EXPECT_EQ(bus_error("+1-256"), Errno::einval);
  EXPECT_EQ(bus_error("-0x100"), Errno::einval);
  EXPECT_EQ(bus_error("+5-"), Errno::einval);
  EXPECT_EQ(bus_error("+5-\n"), Errno::einval);
  // The range end is read without a sign, so "--6" has no number.
  EXPECT_EQ(bus_error("+5--6"), Errno::einval);
}

TEST(ParseBusMaskRelative, NumbersUseBaseZeroWithOctal) {
  EXPECT_EQ(bus_ok("+010", Mask()), Mask::single(8));
  EXPECT_EQ(bus_ok("+0377", Mask()), Mask::single(255));
  EXPECT_EQ(bus_ok("+0", Mask()), Mask::single(0));
  EXPECT_EQ(bus_ok("+00", Mask()), Mask::single(0));
  EXPECT_EQ(bus_ok("+0XfF", Mask()), Mask::single(255));  // any case, either prefix case
  EXPECT_EQ(bus_error("+0400"), Errno::einval);           // 256
  // "08": octal "0", then '8' must start a new term and is no sign.
  EXPECT_EQ(bus_error("+08"), Errno::einval);
  EXPECT_EQ(bus_error("+1a"), Errno::einval);
}

TEST(ParseBusMaskRelative, HexPrefixWithoutDigitLeavesAnXThatIsNoSign) {
  // simple_strtoul only treats "0x" as a prefix when a hex digit follows, so "+0x" reads the
  // octal number 0 and stops at 'x'. After a term the parser skips separators and expects the
  // next term's sign; 'x' is not one, so the whole write is EINVAL (and nothing is applied,
  // not even the +0 already read).
  EXPECT_EQ(bus_error("+0x"), Errno::einval);
  EXPECT_EQ(bus_error("+0x\n"), Errno::einval);
  EXPECT_EQ(bus_error("+0x,+1"), Errno::einval);
  EXPECT_EQ(bus_error("+1-0x"), Errno::einval);
  EXPECT_EQ(bus_error("+0xg"), Errno::einval);
}

TEST(ParseBusMaskRelative, NumbersWrapModulo2To64WithoutOverflowCheck) {
  // simple_strtoul has no overflow detection: 2^64 reads as 0 and 2^64 + 255 as 255, and only
  // then is the value checked against 256.
  EXPECT_EQ(bus_ok("+18446744073709551616", Mask()), Mask::single(0));
  EXPECT_EQ(bus_ok("+18446744073709551871", Mask()), Mask::single(255));
  EXPECT_EQ(bus_ok("+0x10000000000000005", Mask()), Mask::single(5));
  EXPECT_EQ(bus_error("+18446744073709551615"), Errno::einval);
  EXPECT_EQ(bus_error("+18446744073709551872"), Errno::einval);
}

TEST(ParseBusMaskRelative, EveryTermNeedsItsOwnSign) {
  EXPECT_EQ(bus_error("+1,2"), Errno::einval);
  EXPECT_EQ(bus_error("+"), Errno::einval);
  EXPECT_EQ(bus_error("-"), Errno::einval);
  EXPECT_EQ(bus_error("+\n"), Errno::einval);
  EXPECT_EQ(bus_error("+,5"), Errno::einval);
  EXPECT_EQ(bus_error("++5"), Errno::einval);
  EXPECT_EQ(bus_error("+-5"), Errno::einval);
}

TEST(ParseBusMaskRelative, SeparatorRunsOfCommasAndNewlinesMayBeEmpty) {
  EXPECT_EQ(bus_ok("+5,,\n,+6\n\n", Mask()), Mask::of({5, 6}));
  EXPECT_EQ(bus_ok("+5,,\n", Mask()), Mask::single(5));
  // The run after a term may be empty: the next sign starts the next term.
  EXPECT_EQ(bus_ok("+5+6", Mask()), Mask::of({5, 6}));
  // '-' right after a number is a range, so "+1-3-5" is "+1-3" then "-5".
  EXPECT_EQ(bus_ok("+1-3-5", Mask::single(5)), Mask::range(1, 3));
}

TEST(ParseBusMaskRelative, RejectsSpacesAndOtherSeparators) {
  EXPECT_EQ(bus_error("+5 "), Errno::einval);
  EXPECT_EQ(bus_error("+5, +6"), Errno::einval);
  EXPECT_EQ(bus_error("+5;+6"), Errno::einval);
  EXPECT_EQ(bus_error("+5\r\n"), Errno::einval);
  EXPECT_EQ(bus_error("+ 5"), Errno::einval);
}

TEST(ParseBusMaskRelative, UnnamedIdsKeepTheirCurrentValue) {
  const Mask current = Mask::of({0, 63, 64, 200});
  EXPECT_EQ(bus_ok("+1", current), current | Mask::single(1));
  EXPECT_EQ(bus_ok("-63-64", current), Mask::of({0, 200}));
}

TEST(ParseBusMaskAbsolute, DigitsFillFromIdZeroAndIgnoreCurrent) {
  EXPECT_EQ(bus_ok("5", Mask::all()), Mask::of({1, 3}));
  EXPECT_EQ(bus_ok("0xf", Mask::single(200)), Mask::range(0, 3));
  EXPECT_EQ(bus_ok("xf"), Mask::range(0, 3));
  EXPECT_EQ(bus_ok("0xF\n"), Mask::range(0, 3));
  EXPECT_EQ(bus_ok("0xAbCd"), bus_ok("0xabcd"));
  EXPECT_EQ(bus_ok("0"), Mask());
}

TEST(ParseBusMaskAbsolute, EmptyInputsAreAllZero) {
  EXPECT_EQ(bus_ok(""), Mask());
  EXPECT_EQ(bus_ok("\n"), Mask());
  EXPECT_EQ(bus_ok("0x"), Mask());
  EXPECT_EQ(bus_ok("0x\n"), Mask());
  EXPECT_EQ(bus_ok("x"), Mask());
}

TEST(ParseBusMaskAbsolute, SixtyFourDigitsIsTheMaximum) {
  EXPECT_EQ(bus_ok("0x" + std::string(64, 'f') + "\n", Mask()), Mask::all());
  EXPECT_EQ(bus_ok(std::string(64, 'F')), Mask::all());
  EXPECT_EQ(bus_ok(zeros(63) + "1"), Mask::single(255));
  EXPECT_EQ(bus_error("0x" + std::string(65, 'f')), Errno::einval);
  EXPECT_EQ(bus_error(zeros(65)), Errno::einval);
  EXPECT_EQ(bus_error("0x" + zeros(65) + "\n"), Errno::einval);
}

TEST(ParseBusMaskAbsolute, RejectsOtherBytes) {
  EXPECT_EQ(bus_error("0x5\n\n"), Errno::einval);
  EXPECT_EQ(bus_error("0x5 "), Errno::einval);
  EXPECT_EQ(bus_error(" 0x5"), Errno::einval);
  EXPECT_EQ(bus_error("0x5,6"), Errno::einval);
  EXPECT_EQ(bus_error("0xg"), Errno::einval);
  EXPECT_EQ(bus_error("00x5"), Errno::einval);
  EXPECT_EQ(bus_error("0xx5"), Errno::einval);
  EXPECT_EQ(bus_error("xx5"), Errno::einval);
  EXPECT_EQ(bus_error("\n5"), Errno::einval);
}

TEST(ParseBusMaskAbsolute, OnlyLowerCaseXIsAPrefix) {
  // The bitmap reader compares with 'x' literally: "0X5" is the digit 0 followed by 'X'.
  EXPECT_EQ(bus_error("0X5"), Errno::einval);
  EXPECT_EQ(bus_error("X5"), Errno::einval);
}

TEST(ParseBusMask, EmbeddedNulEndsTheInput) {
  EXPECT_EQ(bus_ok("+5\0garbage"s, Mask()), Mask::single(5));
  EXPECT_EQ(bus_ok("0x8\0garbage"s), Mask::single(0));
  EXPECT_EQ(bus_ok("\0+5"s), Mask());  // empty absolute
}

TEST(ParseBusMask, RenderedMaskParsesBack) {
  for (const Mask& m : {Mask(), Mask::all(), Mask::of({0, 7, 63, 64, 128, 255}),
                        Mask::all() - Mask::of({4, 0x47, 0xab, 0xff})})
    EXPECT_EQ(bus_ok(render_bus_mask(m), Mask::single(9)), m);
}

TEST(ParseHexMask, IsTheAbsoluteGrammarEvenForASign) {
  EXPECT_EQ(parse_hex_mask("+5").error, Errno::einval);
  EXPECT_EQ(parse_hex_mask("0x41").value, Mask::of({1, 7}));
  EXPECT_TRUE(parse_hex_mask("").ok());
}

// ---- ap_config -----------------------------------------------------------------------------

const std::string kMdev1Config =
    "0x0600000000000000000000000000000000000000000000000000000000000000,"
    "0x0800000000000000000000000000000000000000001000000000000000000000,"
    "0x0000000000000000000000000000000000000000000000000000000000000000\n";
const std::string kMdev2Config =
    "0x04" + zeros(62) +
    ",0x0000000000000000010000000000000000000000000000000000000000000001"
    ",0x" +
    zeros(64) + "\n";

Matrix config_ok(std::string_view text) {
  const auto p = parse_ap_config(text);
  EXPECT_TRUE(p.ok()) << "input \"" << text << "\" gave " << errno_name(p.error);
  return p.value;
}

Errno config_error(std::string_view text) { return parse_ap_config(text).error; }

TEST(ParseApConfigDocVectors, ThreeGuestExampleStringsRoundTrip) {
  const Matrix mdev1 = config_ok(kMdev1Config);
  EXPECT_EQ(mdev1.adapters, Mask::of({5, 6}));
  EXPECT_EQ(mdev1.domains, Mask::of({4, 0xab}));
  EXPECT_TRUE(mdev1.control_domains.empty());
  EXPECT_EQ(render_ap_config(mdev1), kMdev1Config);

  const Matrix mdev2 = config_ok(kMdev2Config);
  EXPECT_EQ(mdev2.adapters, Mask::single(5));
  EXPECT_EQ(mdev2.domains, Mask::of({0x47, 0xff}));
  EXPECT_TRUE(mdev2.control_domains.empty());
  EXPECT_EQ(render_ap_config(mdev2), kMdev2Config);
}

TEST(ParseApConfig, ShortFieldsAndBothSeparators) {
  const Matrix m = config_ok("0x8,4\n0x2");
  EXPECT_EQ(m.adapters, Mask::single(0));
  EXPECT_EQ(m.domains, Mask::single(1));
  EXPECT_EQ(m.control_domains, Mask::single(2));
  EXPECT_EQ(config_ok("0x8\n4\n0x2\n"), m);
  EXPECT_EQ(config_ok("x8,x4,x2"), m);
}

TEST(ParseApConfig, EmptyFieldsAreAllZero) {
  EXPECT_EQ(config_ok(",,"), Matrix{});
  EXPECT_EQ(config_ok(",,\n"), Matrix{});
  EXPECT_EQ(config_ok("0x,0x,0x\n"), Matrix{});
  EXPECT_EQ(config_ok("\n\n\n"), Matrix{});
}

TEST(ParseApConfig, MissingFieldIsEinval) {
  EXPECT_EQ(config_error(""), Errno::einval);
  EXPECT_EQ(config_error("\n"), Errno::einval);
  EXPECT_EQ(config_error("0x8"), Errno::einval);
  EXPECT_EQ(config_error("0x8,0x4"), Errno::einval);
  EXPECT_EQ(config_error(","), Errno::einval);
}

TEST(ParseApConfig, NewlineAfterTheSecondFieldOpensAnEmptyThirdField) {
  // Fields are split like strsep: "a,b\n" has three fields, the last one empty.
  const Matrix m = config_ok("0x8,0x4\n");
  EXPECT_EQ(m.adapters, Mask::single(0));
  EXPECT_EQ(m.domains, Mask::single(1));
  EXPECT_TRUE(m.control_domains.empty());
}

TEST(ParseApConfig, BytesAfterTheThirdSeparatorAreIgnored) {
  const Matrix expected{Mask::single(0), Mask::single(1), Mask::single(2)};
  EXPECT_EQ(config_ok("8,4,2,junk"), expected);
  EXPECT_EQ(config_ok("8,4,2\njunk with spaces"), expected);
  EXPECT_EQ(config_ok("8,4,2,,,"), expected);
  EXPECT_EQ(config_ok("8,4,2\n" + std::string(1000, 'z')), expected);
}

TEST(ParseApConfig, BytesBeyond201AreIgnored) {
  // A rendered ap_config is exactly 201 bytes, the kernel's AP_CONFIG_STRLEN.
  const Matrix m{Mask::all(), Mask::of({0, 255}), Mask::range(100, 140)};
  const std::string rendered = render_ap_config(m);
  ASSERT_EQ(rendered.size(), 201U);
  EXPECT_EQ(config_ok(rendered + "0123456789abcdef"), m);
  EXPECT_EQ(config_ok(rendered + std::string(5000, 'f')), m);
  std::string without_newline = rendered.substr(0, 200);
  EXPECT_EQ(config_ok(without_newline), m);
  // Byte 201 is still read: a 65th digit in the third field is one too many.
  EXPECT_EQ(config_error(without_newline + "f"), Errno::einval);
}

TEST(ParseApConfig, MalformedFieldIsEinval) {
  EXPECT_EQ(config_error("0x" + std::string(65, 'f') + ",0,0"), Errno::einval);
  EXPECT_EQ(config_error("0,0x" + std::string(65, 'f') + ",0"), Errno::einval);
  EXPECT_EQ(config_error("0,0,0x" + std::string(65, 'f')), Errno::einval);
  EXPECT_EQ(config_error("0,0,0 "), Errno::einval);
  EXPECT_EQ(config_error(" 0,0,0"), Errno::einval);
  EXPECT_EQ(config_error("+5,0,0"), Errno::einval);  // no relative syntax here
  EXPECT_EQ(config_error("0X8,0,0"), Errno::einval);
  EXPECT_EQ(config_error("0,g,0"), Errno::einval);
}

TEST(ParseApConfig, EmbeddedNulEndsTheInput) {
  EXPECT_EQ(config_error("8,4\0,2"s), Errno::einval);
  EXPECT_EQ(config_ok("8,4,2\0garbage"s),
            (Matrix{Mask::single(0), Mask::single(1), Mask::single(2)}));
}

}  // namespace
}  // namespace apcb::model
