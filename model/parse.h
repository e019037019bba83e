// apcb — the kernel's parsers for sysfs input, byte-exact.
//
// Each parser takes the raw bytes a `write(2)` hands to sysfs (so `echo 5 > f` arrives as
// "5\n") and either yields the value the kernel would use or the errno the write returns.
// The kernel parses a NUL-terminated copy of the write, so an embedded NUL ends the input.
// They are written from the kernel's documented and observed behaviour (kernel-vfio-ap.md §2,
// ecosystem.md §1.2), not from its code.
#ifndef APCB_MODEL_PARSE_H_
#define APCB_MODEL_PARSE_H_

#include <cstdint>
#include <string_view>

#include "model/errno.h"
#include "model/mask.h"
#include "model/state.h"

namespace apcb::model {

// A parse result: `value` is meaningful only when `error == Errno::ok`.
// Example: parse_kstrtoul("7\n") == Parsed<std::uint64_t>{7, Errno::ok}, so .ok() is true.
template <typename T>
struct Parsed {
  T value{};
  Errno error = Errno::ok;
  // True when the parse succeeded and `value` holds the result.
  // Example: parse_kstrtoul("x").ok() == false.
  bool ok() const { return error == Errno::ok; }
};

// kstrtoul(text, 0, &v): an optional '+', then a base-0 number (`0x`/`0X` + hex digit → hex,
// a leading `0` → octal, else decimal), then at most one '\n', then the end. EINVAL for
// anything else (empty input, signs, spaces, a digit invalid for the base, trailing bytes);
// ERANGE when the value does not fit in 64 bits.
// Example: parse_kstrtoul("0x10\n").value == 16, parse_kstrtoul("010").value == 8,
//   parse_kstrtoul("5 ").error == Errno::einval, parse_kstrtoul("18446744073709551616").error ==
//   Errno::erange.
Parsed<std::uint64_t> parse_kstrtoul(std::string_view text);

// ap_hex2bitmap on one field: an optional `0x` (lower-case x only; `0X5` is EINVAL) or a lone
// `x`, then up to 64 hex digits
// (either case) filling IDs 0,1,2,… from the left, then at most one '\n'. Missing digits are
// zero (short strings pad on the right). EINVAL for more than 64 digits or any other byte.
// Example: parse_hex_mask("0x8\n").value == Mask::single(0);
//   parse_hex_mask("0X5").error == Errno::einval.
Parsed<Mask> parse_hex_mask(std::string_view field);

// A write to /sys/bus/ap/apmask or aqmask. Starting with '+' or '-' it is relative and applies
// to `current`: terms `±a` or `±a-z` (each number decimal, `0x` hex or `0` octal as the
// kernel's simple_strtoul reads them: `0x`/`0X` only when a hex digit follows, no overflow
// check, the value wrapping modulo 2^64 before a ≤ z < 256 is tested), separated by a possibly
// empty run of ',' or '\n' (`+5+6` is two terms; `+1-3-5` sets 1..3, then clears 5); terms
// apply left to right, and nothing applies unless all parse. Otherwise the write is absolute
// (parse_hex_mask; an empty write is all zero). EINVAL on any error.
// Example: parse_bus_mask("+5-7", Mask{}).value == Mask::range(5, 7);
//   parse_bus_mask("-0", Mask::all()).value == Mask::range(1, 255);
//   parse_bus_mask("+300", m).error == Errno::einval.
Parsed<Mask> parse_bus_mask(std::string_view text, const Mask& current);

// A write to an mdev's ap_config: the first 201 bytes (AP_CONFIG_STRLEN) are used; three
// fields split on ',' or '\n' the way strsep splits (adapters, usage domains, control
// domains), each parse_hex_mask; an empty field is all zero, so `a,b\n` is accepted and `a,b`
// is not; bytes after the third field's separator are ignored. EINVAL when a field is missing
// or malformed.
// Example: parse_ap_config("0x4,0x8,\n").value == Matrix{Mask::single(1), Mask::single(0), {}};
//   parse_ap_config("0x4,0x8").error == Errno::einval (the third field is missing).
Parsed<Matrix> parse_ap_config(std::string_view text);

}  // namespace apcb::model

#endif  // APCB_MODEL_PARSE_H_
