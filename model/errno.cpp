#include "model/errno.h"

#include <array>
#include <utility>

namespace apcb::model {
namespace {
constexpr std::array<std::pair<Errno, std::string_view>, 12> kNames{{
    {Errno::ok, "0"},
    {Errno::eperm, "EPERM"},
    {Errno::enoent, "ENOENT"},
    {Errno::eio, "EIO"},
    {Errno::enomem, "ENOMEM"},
    {Errno::ebusy, "EBUSY"},
    {Errno::eexist, "EEXIST"},
    {Errno::enodev, "ENODEV"},
    {Errno::einval, "EINVAL"},
    {Errno::erange, "ERANGE"},
    {Errno::eaddrinuse, "EADDRINUSE"},
    {Errno::eaddrnotavail, "EADDRNOTAVAIL"},
}};
}  // namespace

std::string_view errno_name(Errno e) {
  for (const auto& [value, name] : kNames)
    if (value == e) return name;
  return "E?";
}

std::optional<Errno> errno_from_name(std::string_view name) {
  for (const auto& [value, n] : kNames)
    if (n == name) return value;
  return std::nullopt;
}

}  // namespace apcb::model
