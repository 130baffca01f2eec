// The Kubernetes IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library ip.go and cidr.go), over
// addresses parsed as Go's net/netip parses them, since the API server's verdicts and error
// texts come from there. Also home of the Go text helpers of go_text.h.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <tl/expected.hpp>

#include "validate/cel/go_text.h"
#include "validate/cel/library.h"

namespace agw::validate::cel::library {
namespace go {

// Go's unicode.IsPrint for a non-ASCII code point, approximated by the ranges Go reports as
// unprintable that can plausibly appear in manifests: C1 controls, the Unicode spaces other
// than U+0020, format characters, private use and noncharacters.
bool IsPrintNonAscii(char32_t r) {
  if (r < 0xA0 || r == 0xA0 || r == 0xAD) {
    return false;
  }
  if (r == 0x1680 || (r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F)) {
    return false;
  }
  if ((r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF) {
    return false;
  }
  if ((r >= 0xE000 && r <= 0xF8FF) || (r >= 0xFFF0 && r <= 0xFFFB) || r >= 0xF0000) {
    return false;
  }
  if ((r & 0xFFFE) == 0xFFFE) {
    return false;
  }
  return true;
}

// One UTF-8 sequence at the front of `s` as Go's utf8.DecodeRuneInString reads it: the code
// point and its length, or length 1 and nullopt for an invalid byte.
std::pair<std::optional<char32_t>, std::size_t> DecodeRune(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  if (c < 0x80) {
    return {c, 1};
  }
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || s.size() < n) {
    return {std::nullopt, 1};
  }
  unsigned char lo = 0x80, hi = 0xBF;
  if (c == 0xE0) {
    lo = 0xA0;
  }
  if (c == 0xED) {
    hi = 0x9F;
  }
  if (c == 0xF0) {
    lo = 0x90;
  }
  if (c == 0xF4) {
    hi = 0x8F;
  }
  if (b(1) < lo || b(1) > hi) {
    return {std::nullopt, 1};
  }
  char32_t r = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (std::size_t i = 1; i < n; ++i) {
    if (i > 1 && (b(i) < 0x80 || b(i) > 0xBF)) {
      return {std::nullopt, 1};
    }
    r = (r << 6) | (b(i) & 0x3F);
  }
  return {r, n};
}

bool AppendBackslashEscape(std::string& out, char32_t c) {
  static constexpr std::pair<char32_t, const char*> kEscapes[] = {
      {'\a', "\\a"}, {'\b', "\\b"}, {'\f', "\\f"},  {'\n', "\\n"}, {'\r', "\\r"},
      {'\t', "\\t"}, {'\v', "\\v"}, {'\\', "\\\\"}, {'"', "\\\""}};
  for (const auto& [character, escape] : kEscapes) {
    if (c == character) {
      out += escape;
      return true;
    }
  }
  return false;
}

// strconv.Quote: the form every Go error here uses for the text it quotes (%q).
std::string Quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    auto [rune, width] = DecodeRune(s.substr(i));
    if (!rune) {
      auto c = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      i += width;
      continue;
    }
    char32_t r = *rune;
    if (AppendBackslashEscape(out, r)) {
      i += width;
      continue;
    }
    if (r >= 0x20 && r < 0x7F) {
      out += static_cast<char>(r);
    } else if (r >= 0x80 && IsPrintNonAscii(r)) {
      out.append(s.substr(i, width));
    } else {
      int digits = r < 0x80 ? 2 : r < 0x10000 ? 4 : 8;
      out += digits == 2 ? "\\x" : digits == 4 ? "\\u" : "\\U";
      for (int d = digits - 1; d >= 0; --d) {
        out += kHex[(r >> (4 * d)) & 15];
      }
    }
    i += width;
  }
  out += '"';
  return out;
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace go

namespace {

// A netip.Addr: 16 bytes, IPv4 in the last four with is4 set, and an IPv6 zone.
struct Addr {
  std::array<std::uint8_t, 16> bytes{};
  bool is4 = false;
  std::string zone;

  std::uint16_t Group(int i) const {
    return static_cast<std::uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  }
  bool Is4In6() const {
    if (is4) {
      return false;
    }
    for (int i = 0; i < 10; ++i) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == 0xFF && bytes[11] == 0xFF;
  }
  int BitLen() const { return is4 ? 32 : 128; }
  // Bit `i` from the top of the address (IPv4 counts from its first octet).
  bool Bit(int i) const {
    int byte = (is4 ? 12 : 0) + i / 8;
    return (bytes[byte] >> (7 - i % 8)) & 1;
  }
  bool operator==(const Addr& other) const = default;
};

std::string AddrError(std::string_view in, std::string_view msg, std::string_view at = {}) {
  std::string out = "ParseAddr(" + go::Quote(in) + "): " + std::string(msg);
  if (!at.empty()) {
    out += " (at " + go::Quote(at) + ")";
  }
  return out;
}

// netip's parseIPv4Fields over in[begin, end), writing four octets to `out`.
std::optional<std::string> ParseIpv4Fields(std::string_view in, std::size_t begin, std::size_t end,
                                           std::uint8_t* out) {
  std::string_view s = in.substr(begin, end - begin);
  int val = 0, pos = 0, digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (digits == 1 && val == 0) {
        return AddrError(in, "IPv4 field has octet with leading zero");
      }
      val = val * 10 + (c - '0');
      ++digits;
      if (val > 255) {
        return AddrError(in, "IPv4 field has value >255");
      }
    } else if (c == '.') {
      if (i == 0 || i == s.size() - 1 || s[i - 1] == '.') {
        return AddrError(in, "IPv4 field must have at least one digit", s.substr(i));
      }
      if (pos == 3) {
        return AddrError(in, "IPv4 address too long");
      }
      out[pos++] = static_cast<std::uint8_t>(val);
      val = 0;
      digits = 0;
    } else {
      return AddrError(in, "unexpected character", s.substr(i));
    }
  }
  if (pos < 3) {
    return AddrError(in, "IPv4 address too short");
  }
  out[3] = static_cast<std::uint8_t>(val);
  return std::nullopt;
}

tl::expected<Addr, std::string> ParseIpv6(std::string_view in) {
  Addr addr;
  std::string_view s = in;
  if (std::size_t percent = s.find('%'); percent != std::string_view::npos) {
    addr.zone = std::string(s.substr(percent + 1));
    s = s.substr(0, percent);
    if (addr.zone.empty()) {
      return tl::unexpected(AddrError(in, "zone must be a non-empty string"));
    }
  }
  int ellipsis = -1;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) {
      return addr;
    }
  }
  int i = 0;
  while (i < 16) {
    std::size_t off = 0;
    std::uint32_t acc = 0;
    for (; off < s.size(); ++off) {
      int d = go::HexDigitValue(s[off]);
      if (d < 0) {
        break;
      }
      acc = (acc << 4) + static_cast<std::uint32_t>(d);
      if (off > 3) {
        return tl::unexpected(AddrError(in, "each group must have 4 or less digits", s));
      }
      if (acc > 0xFFFF) {
        return tl::unexpected(AddrError(in, "IPv6 field has value >=2^16", s));
      }
    }
    if (off == 0) {
      return tl::unexpected(
          AddrError(in, "each colon-separated field must have at least one digit", s));
    }
    if (off < s.size() && s[off] == '.') {
      if (ellipsis < 0 && i != 12) {
        return tl::unexpected(AddrError(
            in, "embedded IPv4 address must replace the final 2 fields of the address", s));
      }
      if (i + 4 > 16) {
        return tl::unexpected(AddrError(
            in, "too many hex fields to fit an embedded IPv4 at the end of the address", s));
      }
      std::size_t end = in.size() - (addr.zone.empty() ? 0 : addr.zone.size() + 1);
      if (auto error = ParseIpv4Fields(in, end - s.size(), end, &addr.bytes[i])) {
        return tl::unexpected(*error);
      }
      s = {};
      i += 4;
      break;
    }
    addr.bytes[i] = static_cast<std::uint8_t>(acc >> 8);
    addr.bytes[i + 1] = static_cast<std::uint8_t>(acc);
    i += 2;
    s.remove_prefix(off);
    if (s.empty()) {
      break;
    }
    if (s[0] != ':') {
      return tl::unexpected(AddrError(in, "unexpected character, want colon", s));
    }
    if (s.size() == 1) {
      return tl::unexpected(AddrError(in, "colon must be followed by more characters", s));
    }
    s.remove_prefix(1);
    if (s[0] == ':') {
      if (ellipsis >= 0) {
        return tl::unexpected(AddrError(in, "multiple :: in address", s));
      }
      ellipsis = i;
      s.remove_prefix(1);
      if (s.empty()) {
        break;
      }
    }
  }
  if (!s.empty()) {
    return tl::unexpected(AddrError(in, "trailing garbage after address", s));
  }
  if (i < 16) {
    if (ellipsis < 0) {
      return tl::unexpected(AddrError(in, "address string too short"));
    }
    int n = 16 - i;
    for (int j = i - 1; j >= ellipsis; --j) {
      addr.bytes[j + n] = addr.bytes[j];
    }
    for (int j = ellipsis; j < ellipsis + n; ++j) {
      addr.bytes[j] = 0;
    }
  } else if (ellipsis >= 0) {
    return tl::unexpected(AddrError(in, "the :: must expand to at least one field of zeros"));
  }
  return addr;
}

// netip.ParseAddr.
tl::expected<Addr, std::string> ParseAddr(std::string_view s) {
  for (char c : s) {
    if (c == '.') {
      Addr addr;
      addr.is4 = true;
      if (auto error = ParseIpv4Fields(s, 0, s.size(), &addr.bytes[12])) {
        return tl::unexpected(*error);
      }
      return addr;
    }
    if (c == ':') {
      return ParseIpv6(s);
    }
    if (c == '%') {
      return tl::unexpected(AddrError(s, "missing IPv6 address"));
    }
  }
  return tl::unexpected(AddrError(s, "unable to parse IP"));
}

// netip.Addr.String.
std::string AddrString(const Addr& addr) {
  std::string out;
  if (addr.is4) {
    for (int i = 12; i < 16; ++i) {
      if (i > 12) {
        out += '.';
      }
      out += std::to_string(addr.bytes[i]);
    }
    return out;
  }
  if (addr.Is4In6()) {
    out = "::ffff:";
    for (int i = 12; i < 16; ++i) {
      if (i > 12) {
        out += '.';
      }
      out += std::to_string(addr.bytes[i]);
    }
  } else {
    // RFC 5952: the first longest run of two or more zero groups becomes "::".
    int zero_start = -1, zero_end = -1;
    for (int i = 0; i < 8; ++i) {
      int j = i;
      while (j < 8 && addr.Group(j) == 0) {
        ++j;
      }
      if (j - i >= 2 && j - i > zero_end - zero_start) {
        zero_start = i;
        zero_end = j;
      }
    }
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) {
      if (i == zero_start) {
        out += "::";
        i = zero_end;
        if (i >= 8) {
          break;
        }
      } else if (i > 0) {
        out += ':';
      }
      std::uint16_t group = addr.Group(i);
      bool started = false;
      for (int shift = 12; shift >= 0; shift -= 4) {
        int d = (group >> shift) & 15;
        if (d != 0 || started || shift == 0) {
          out += kHex[d];
          started = true;
        }
      }
    }
  }
  if (!addr.zone.empty()) {
    out += "%" + addr.zone;
  }
  return out;
}

// The library's parseIPAddr: netip's grammar without zones or IPv4-mapped IPv6.
tl::expected<Addr, std::string> ParseIp(std::string_view raw) {
  auto addr = ParseAddr(raw);
  if (!addr) {
    return tl::unexpected("IP Address " + go::Quote(raw) +
                          " parse error during conversion from string: " + addr.error());
  }
  if (!addr->zone.empty()) {
    return tl::unexpected("IP address " + go::Quote(raw) + " with zone value is not allowed");
  }
  if (addr->Is4In6()) {
    return tl::unexpected("IPv4-mapped IPv6 address " + go::Quote(raw) + " is not allowed");
  }
  return addr;
}

struct Prefix {
  Addr addr;
  int bits = 0;
  bool operator==(const Prefix& other) const = default;
};

// netip.ParsePrefix, then the library's parseCIDR.
tl::expected<Prefix, std::string> ParseCidr(std::string_view raw) {
  auto fail = [&](const std::string& msg) {
    return tl::unexpected("network address parse error during conversion from string: " +
                          std::string("netip.ParsePrefix(") + go::Quote(raw) + "): " + msg);
  };
  std::size_t slash = raw.rfind('/');
  if (slash == std::string_view::npos) {
    return fail("no '/'");
  }
  auto addr = ParseAddr(raw.substr(0, slash));
  if (!addr) {
    return fail(addr.error());
  }
  if (!addr->is4 && !addr->zone.empty()) {
    return fail("IPv6 zones cannot be present in a prefix");
  }
  std::string_view bits_text = raw.substr(slash + 1);
  std::string bad_bits = "bad bits after slash: " + go::Quote(bits_text);
  // strconv.Atoi would take a sign or leading zeros; ParsePrefix refuses both.
  if (bits_text.size() > 1 && (bits_text[0] < '1' || bits_text[0] > '9')) {
    return fail(bad_bits);
  }
  if (bits_text.empty() || bits_text.size() > 19) {
    return fail(bad_bits);
  }
  std::uint64_t bits = 0;
  for (char c : bits_text) {
    if (c < '0' || c > '9') {
      return fail(bad_bits);
    }
    bits = bits * 10 + static_cast<std::uint64_t>(c - '0');
  }
  // Beyond int64 Atoi fails; below it the length is merely out of range.
  if (bits > 9223372036854775807u) {
    return fail(bad_bits);
  }
  if (bits > static_cast<std::uint64_t>(addr->BitLen())) {
    return fail("prefix length out of range");
  }
  if (addr->Is4In6()) {
    return tl::unexpected("IPv4-mapped IPv6 address " + go::Quote(raw) + " is not allowed");
  }
  return Prefix{*addr, static_cast<int>(bits)};
}

Addr Masked(const Addr& addr, int bits) {
  Addr out = addr;
  int first = addr.is4 ? 12 : 0;
  for (int i = 0; i < addr.BitLen(); ++i) {
    if (i >= bits) {
      out.bytes[first + i / 8] &= static_cast<std::uint8_t>(~(0x80 >> (i % 8)));
    }
  }
  return out;
}

// netip.Prefix.Contains.
bool Contains(const Prefix& prefix, const Addr& ip) {
  if (!ip.zone.empty() || ip.is4 != prefix.addr.is4) {
    return false;
  }
  for (int i = 0; i < prefix.bits; ++i) {
    if (ip.Bit(i) != prefix.addr.Bit(i)) {
      return false;
    }
  }
  return true;
}

class IpValue : public OpaqueValue {
 public:
  explicit IpValue(Addr addr) : addr_(std::move(addr)) {}
  std::string_view TypeName() const override { return "net.IP"; }
  bool Equals(const OpaqueValue& other) const override {
    const auto* ip = dynamic_cast<const IpValue*>(&other);
    return ip != nullptr && ip->addr_ == addr_;
  }
  const Addr& addr() const { return addr_; }

 private:
  Addr addr_;
};

class CidrValue : public OpaqueValue {
 public:
  explicit CidrValue(Prefix prefix) : prefix_(std::move(prefix)) {}
  std::string_view TypeName() const override { return "net.CIDR"; }
  bool Equals(const OpaqueValue& other) const override {
    const auto* cidr = dynamic_cast<const CidrValue*>(&other);
    return cidr != nullptr && cidr->prefix_ == prefix_;
  }
  const Prefix& prefix() const { return prefix_; }

 private:
  Prefix prefix_;
};

const IpValue* AsIp(const Value& v) {
  if (v.kind() != Value::Kind::kOpaque) {
    return nullptr;
  }
  return dynamic_cast<const IpValue*>(&v.opaque());
}

const CidrValue* AsCidr(const Value& v) {
  if (v.kind() != Value::Kind::kOpaque) {
    return nullptr;
  }
  return dynamic_cast<const CidrValue*>(&v.opaque());
}

Value IpOf(Addr addr) { return Value::Opaque(std::make_shared<const IpValue>(std::move(addr))); }

Value CidrOf(Prefix prefix) {
  return Value::Opaque(std::make_shared<const CidrValue>(std::move(prefix)));
}

Value StringToIp(const std::string& text) {
  auto addr = ParseIp(text);
  if (!addr) {
    return Value::Error(addr.error());
  }
  return IpOf(std::move(*addr));
}

Value StringToCidr(const std::string& text) {
  auto prefix = ParseCidr(text);
  if (!prefix) {
    return Value::Error("network address parse error during conversion from string: " +
                        prefix.error());
  }
  return CidrOf(std::move(*prefix));
}

std::optional<Value> CallOnIp(std::string_view f, const Addr& a) {
  auto is_loopback = [&] {
    if (a.is4) {
      return a.bytes[12] == 127;
    }
    for (int i = 0; i < 15; ++i) {
      if (a.bytes[i] != 0) {
        return false;
      }
    }
    return a.bytes[15] == 1;
  };
  auto is_link_local_unicast = [&] {
    if (a.is4) {
      return a.bytes[12] == 169 && a.bytes[13] == 254;
    }
    return (a.Group(0) & 0xFFC0) == 0xFE80;
  };
  auto is_unspecified = [&] {
    for (std::uint8_t b : a.bytes) {
      if (b != 0) {
        return false;
      }
    }
    return a.zone.empty();
  };
  if (f == "string") {
    return Value::String(AddrString(a));
  }
  if (f == "family") {
    return Value::Int(a.is4 ? 4 : 6);
  }
  if (f == "isUnspecified") {
    return Value::Bool(is_unspecified());
  }
  if (f == "isLoopback") {
    return Value::Bool(is_loopback());
  }
  if (f == "isLinkLocalUnicast") {
    return Value::Bool(is_link_local_unicast());
  }
  if (f == "isLinkLocalMulticast") {
    if (a.is4) {
      return Value::Bool(a.bytes[12] == 224 && a.bytes[13] == 0 && a.bytes[14] == 0);
    }
    return Value::Bool((a.Group(0) & 0xFF0F) == 0xFF02);
  }
  if (f == "isGlobalUnicast") {
    bool multicast = a.is4 ? (a.bytes[12] & 0xF0) == 0xE0 : a.bytes[0] == 0xFF;
    bool broadcast = a.is4 && a.bytes[12] == 255 && a.bytes[13] == 255 && a.bytes[14] == 255 &&
                     a.bytes[15] == 255;
    return Value::Bool(!is_unspecified() && !broadcast && !is_loopback() && !multicast &&
                       !is_link_local_unicast());
  }
  return std::nullopt;
}

std::optional<Value> CallOnCidr(std::string_view f, const Prefix& p, std::span<const Value> rest) {
  if (rest.empty()) {
    if (f == "string") {
      return Value::String(AddrString(p.addr) + "/" + std::to_string(p.bits));
    }
    if (f == "ip") {
      return IpOf(p.addr);
    }
    if (f == "prefixLength") {
      return Value::Int(p.bits);
    }
    if (f == "masked") {
      return CidrOf(Prefix{Masked(p.addr, p.bits), p.bits});
    }
    return std::nullopt;
  }
  if (rest.size() != 1) {
    return std::nullopt;
  }
  const Value& other = rest[0];
  if (f == "containsIP") {
    if (const IpValue* ip = AsIp(other)) {
      return Value::Bool(Contains(p, ip->addr()));
    }
    if (other.kind() == Value::Kind::kString) {
      // The library passes the parse result on unchecked, so a bad string reports the
      // overload error of the IP overload rather than the parse error.
      auto addr = ParseIp(other.text());
      if (!addr) {
        return Value::Error("no such overload");
      }
      return Value::Bool(Contains(p, *addr));
    }
    return std::nullopt;
  }
  if (f == "containsCIDR") {
    const Prefix* inner = nullptr;
    Value parsed;
    if (const CidrValue* cidr = AsCidr(other)) {
      inner = &cidr->prefix();
    } else if (other.kind() == Value::Kind::kString) {
      parsed = StringToCidr(other.text());
      if (parsed.is_error()) {
        return parsed;
      }
      inner = &AsCidr(parsed)->prefix();
    } else {
      return std::nullopt;
    }
    // As the library: the other network's address must equal this one's masked address (it is
    // not masked itself), and its prefix must be at least as long.
    Addr masked = Masked(p.addr, p.bits);
    bool equal = masked.is4 == inner->addr.is4 && masked.bytes == inner->addr.bytes &&
                 inner->addr.zone.empty();
    return Value::Bool(equal && p.bits <= inner->bits);
  }
  return std::nullopt;
}

}  // namespace

namespace go {

// netip.ParseAddr's error text for `s`, or "" when it parses; sets *is_ipv4 on success.
std::string NetipParseAddrError(std::string_view s, bool* is_ipv4) {
  auto addr = ParseAddr(s);
  if (!addr) {
    return addr.error();
  }
  *is_ipv4 = addr->is4;
  return "";
}

}  // namespace go

std::optional<Value> CallNet(std::string_view function, std::span<const Value> args) {
  if (args.empty()) {
    return std::nullopt;
  }
  const Value& first = args[0];
  if (first.kind() == Value::Kind::kString && args.size() == 1) {
    const std::string& text = first.text();
    if (function == "isIP") {
      return Value::Bool(ParseIp(text).has_value());
    }
    if (function == "ip") {
      return StringToIp(text);
    }
    if (function == "ip.isCanonical") {
      auto addr = ParseIp(text);
      if (!addr) {
        return Value::Error(addr.error());
      }
      return Value::Bool(AddrString(*addr) == text);
    }
    if (function == "isCIDR") {
      return Value::Bool(ParseCidr(text).has_value());
    }
    if (function == "cidr") {
      return StringToCidr(text);
    }
    return std::nullopt;
  }
  if (const IpValue* ip = AsIp(first)) {
    if (args.size() != 1) {
      return std::nullopt;
    }
    return CallOnIp(function, ip->addr());
  }
  if (const CidrValue* cidr = AsCidr(first)) {
    return CallOnCidr(function, cidr->prefix(), args.subspan(1));
  }
  return std::nullopt;
}

}  // namespace agw::validate::cel::library
