#pragma once

// Go text the Kubernetes libraries quote in their error messages, shared by the URL and the IP
// libraries. Internal to agw_cel; defined in kubernetes_net.cc.

#include <string>
#include <string_view>

namespace agw::validate::cel::library::go {

// Go's backslash escape of `c` for \a \b \f \n \r \t \v, '\\' and '"', appended to `out`;
// false, with nothing appended, for any other character.
bool AppendBackslashEscape(std::string& out, char32_t c);

// The value of hex digit `c` (0 to 15), or -1 when `c` is not one.
int HexDigitValue(char c);

// strconv.Quote: double quotes, Go's escapes, invalid UTF-8 as \x escapes.
std::string Quote(std::string_view s);

// The error net/netip.ParseAddr gives for `s`; sets *is_ipv4 when `s` was read as IPv4.
std::string NetipParseAddrError(std::string_view s, bool* is_ipv4);

}  // namespace agw::validate::cel::library::go
