#include "validate/schema/format.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <string>

namespace agw::validate::schema {
namespace {

std::string WithoutDashes(std::string_view format) {
  std::string name(format);
  name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
  return name;
}

bool ParseIpv6(std::string_view text) {
  std::string copy(text);
  unsigned char address[16];
  return inet_pton(AF_INET6, copy.c_str(), address) == 1;
}

// Go's net.ParseIP for a dotted quad: four decimal parts of 0-255, leading zeros allowed
// (ParseIPSloppy, which the API server uses).
bool ParseDottedQuad(std::string_view text) {
  int parts = 0;
  while (true) {
    std::size_t dot = text.find('.');
    std::string_view part = text.substr(0, dot);
    if (part.empty() || part.size() > 3) {
      return false;
    }
    int number = 0;
    auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), number);
    if (error != std::errc() || end != part.data() + part.size() || number > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) {
      break;
    }
    text.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool IsIpv4(std::string_view text) {
  if (text.find('.') == std::string_view::npos) {
    return false;
  }
  return text.find(':') != std::string_view::npos ? ParseIpv6(text) : ParseDottedQuad(text);
}

bool IsIpv6(std::string_view text) {
  return text.find(':') != std::string_view::npos && ParseIpv6(text);
}

bool IsCidr(std::string_view text) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return false;
  }
  std::string_view address = text.substr(0, slash), bits = text.substr(slash + 1);
  int prefix = 0;
  auto [end, error] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (bits.empty() || error != std::errc() || end != bits.data() + bits.size()) {
    return false;
  }
  if (address.find(':') != std::string_view::npos) {
    return ParseIpv6(address) && prefix <= 128;
  }
  return ParseDottedQuad(address) && prefix <= 32;
}

bool IsDate(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (!MatchesWhole(text, R"(\d{4}-\d{2}-\d{2})")) {
    return false;
  }
  std::from_chars(text.data(), text.data() + 4, year);
  std::from_chars(text.data() + 5, text.data() + 7, month);
  std::from_chars(text.data() + 8, text.data() + 10, day);
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) {
    return false;
  }
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

// strfmt's date-time layouts: RFC 3339 with optional fractional seconds, a zone as Z or
// ±hh:mm (or ±hhmm), or none.
bool IsDateTime(std::string_view text) {
  if (text.size() < 19 || !IsDate(text.substr(0, 10))) {
    return false;
  }
  std::string_view rest = text.substr(10);
  if (!MatchesWhole(
          rest,
          R"([Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)?)")) {
    return false;
  }
  return true;
}

// Go's url.Parse accepts nearly any text: it refuses control characters, a malformed
// percent-escape, and a scheme or host it cannot split.
bool IsUri(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) {
      return false;
    }
    if (byte == '%') {
      if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        return false;
      }
    }
  }
  return !text.starts_with(':');  // "missing protocol scheme"
}

// govalidator.IsBase64, which strfmt's "byte" uses: whole groups of four, padding only at the
// end, and at least one group (the empty string is not base64 there).
bool IsBase64(std::string_view text) {
  return MatchesWhole(
      text, R"((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4}))");
}

}  // namespace

bool MatchesWhole(std::string_view text, const char* pattern) {
  static thread_local std::map<const char*, std::unique_ptr<RE2>> compiled;
  std::unique_ptr<RE2>& regex = compiled[pattern];
  if (!regex) {
    regex = std::make_unique<RE2>(pattern);
  }
  return RE2::FullMatch(text, *regex);
}

bool IsCheckedFormat(std::string_view format) {
  static const std::array<std::string_view, 24> kChecked = {
      "bsonobjectid", "uri",    "email",    "hostname",   "ipv4",     "ipv6",
      "cidr",         "mac",    "uuid",     "uuid3",      "uuid4",    "uuid5",
      "isbn",         "isbn10", "isbn13",   "creditcard", "ssn",      "hexcolor",
      "rgbcolor",     "byte",   "password", "date",       "duration", "datetime"};
  std::string name = WithoutDashes(format);
  return std::find(kChecked.begin(), kChecked.end(), name) != kChecked.end();
}

bool FormatAccepts(std::string_view format, std::string_view text) {
  std::string name = WithoutDashes(format);
  if (name == "ipv4") {
    return IsIpv4(text);
  }
  if (name == "ipv6") {
    return IsIpv6(text);
  }
  if (name == "cidr") {
    return IsCidr(text);
  }
  if (name == "datetime") {
    return IsDateTime(text);
  }
  if (name == "date") {
    return IsDate(text);
  }
  if (name == "uri") {
    return IsUri(text);
  }
  // strfmt's patterns: dashes optional, any case, the version digit (and variant) checked for
  // uuid3, uuid4 and uuid5.
  if (name == "uuid") {
    return MatchesWhole(text,
                        R"((?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})");
  }
  if (name == "uuid3") {
    return MatchesWhole(text,
                        R"((?i)[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12})");
  }
  if (name == "uuid4" || name == "uuid5") {
    return MatchesWhole(
        text,
        name == "uuid4"
            ? R"((?i)[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12})"
            : R"((?i)[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12})");
  }
  if (name == "byte") {
    return IsBase64(text);
  }
  if (name == "hostname") {
    return text.size() <= 255 &&
           MatchesWhole(
               text,
               R"([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\.?)");
  }
  if (name == "email") {
    return MatchesWhole(text, R"([^@\s]+@[^@\s]+)");
  }
  if (name == "mac") {
    return MatchesWhole(text, R"(([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2})");
  }
  if (name == "hexcolor") {
    return MatchesWhole(text, R"(#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}))");
  }
  return true;
}

}  // namespace agw::validate::schema
