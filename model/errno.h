// apcb — operation results: 0 or a Linux errno, by the numbers s390x Linux uses.
#ifndef APCB_MODEL_ERRNO_H_
#define APCB_MODEL_ERRNO_H_

#include <optional>
#include <string_view>

namespace apcb::model {

// The result of one operation of the alphabet. Values are Linux's errno numbers so a plugin
// for a real kernel can report `-errno` unchanged. Names are lower case to keep clear of the
// <cerrno> macros.
enum class Errno : int {
  ok = 0,
  eperm = 1,
  enoent = 2,
  eio = 5,
  enomem = 12,
  ebusy = 16,
  eexist = 17,
  enodev = 19,
  einval = 22,
  erange = 34,
  eaddrinuse = 98,
  eaddrnotavail = 99,
};

// "0" for ok, otherwise the errno's symbolic name ("EINVAL"): the trace format's spelling.
// Example: errno_name(Errno::einval) == "EINVAL", errno_name(Errno::ok) == "0".
std::string_view errno_name(Errno e);
// Inverse of errno_name; nullopt for an unknown name.
// Names are case-sensitive ("ebusy" is unknown); "0" gives Errno::ok.
// Example: errno_from_name("EBUSY") == Errno::ebusy, errno_from_name("EFOO") == std::nullopt.
std::optional<Errno> errno_from_name(std::string_view name);

}  // namespace apcb::model

#endif  // APCB_MODEL_ERRNO_H_
