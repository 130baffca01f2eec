// The strings extension's format, quote and reverse, as cel-go's ext/strings.go defines them.
// format follows the formatter that the CEL specification's conformance cases state (cel-go's
// "V2" formatter, strings version 4 and later): %s prints lists, maps, durations and timestamps
// in plain text, and %d, %f and %e take any number. Kubernetes itself configures strings version
// 2, whose older formatter quoted strings inside lists; the conformance behaviour is the one the
// CEL spec documents, so it is the one kept here.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "validate/cel/go_text.h"
#include "validate/cel/library.h"

namespace agw::validate::cel::library {
namespace {

using K = Value::Kind;
using Text = tl::expected<std::string, std::string>;

// cel-go (strings version 5 and later) refuses a precision above this; without a cap a
// "%.999999999f" clause would build a gigabyte string.
constexpr int kMaxPrecision = 100;
constexpr int kDefaultPrecision = 6;
// Lists and maps nest in %s; deeper values are refused rather than risk the stack.
constexpr int kMaxNesting = 100;

struct Rune {
  char32_t code_point;
  std::size_t width;
};

constexpr char32_t kRuneError = 0xFFFD;

// The code point at `at` as Go's utf8.DecodeRuneInString reads it: a byte that does not start
// a well-formed sequence (overlong forms, surrogates and values past U+10FFFF included) decodes
// as U+FFFD one byte wide.
Rune DecodeRune(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  if (lead < 0x80) {
    return {lead, 1};
  }
  std::size_t length = 0;
  char32_t value = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0F;
    if (lead == 0xE0) {
      low = 0xA0;
    }
    if (lead == 0xED) {
      high = 0x9F;
    }
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07;
    if (lead == 0xF0) {
      low = 0x90;
    }
    if (lead == 0xF4) {
      high = 0x8F;
    }
  } else {
    return {kRuneError, 1};
  }
  if (at + length > text.size()) {
    return {kRuneError, 1};
  }
  for (std::size_t k = 1; k < length; ++k) {
    unsigned char next = byte(at + k);
    unsigned char min = k == 1 ? low : 0x80;
    unsigned char max = k == 1 ? high : 0xBF;
    if (next < min || next > max) {
      return {kRuneError, 1};
    }
    value = (value << 6) | (next & 0x3F);
  }
  return {value, length};
}

void AppendRune(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::vector<char32_t> Runes(std::string_view text) {
  std::vector<char32_t> runes;
  for (std::size_t at = 0; at < text.size();) {
    Rune rune = DecodeRune(text, at);
    runes.push_back(rune.code_point);
    at += rune.width;
  }
  return runes;
}

// cel-go's strings.quote: Go's backslash escapes; everything else, invalid UTF-8 included (read
// as U+FFFD), as it is.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char32_t c : Runes(text)) {
    if (!go::AppendBackslashEscape(out, c)) {
      AppendRune(out, c);
    }
  }
  out += '"';
  return out;
}

std::string Reverse(std::string_view text) {
  std::vector<char32_t> runes = Runes(text);
  std::string out;
  out.reserve(text.size());
  for (auto it = runes.rbegin(); it != runes.rend(); ++it) {
    AppendRune(out, *it);
  }
  return out;
}

// NaN and the infinities as the formatter spells them, for every numeric clause.
std::optional<std::string> SpecialDouble(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "Infinity" : "-Infinity";
  }
  return std::nullopt;
}

// Go's strconv.FormatFloat(d, 'f', -1, 64): the fewest digits that read back as `d`, laid out
// without an exponent (1e21 prints as 1 and 21 zeros, not the binary value's exact digits).
std::string ShortestFixed(double d) {
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), d, std::chars_format::scientific);
  if (error != std::errc()) {
    return "NaN";
  }
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  std::string out;
  if (!text.empty() && text[0] == '-') {
    out.push_back('-');
    text.remove_prefix(1);
  }
  std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') {
      digits.push_back(c);
    }
  }
  int exponent = 0;
  std::string_view exponent_text = text.substr(e + 1);
  if (!exponent_text.empty() && exponent_text[0] == '+') {
    exponent_text.remove_prefix(1);
  }
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  // The value is 0.<digits> * 10^(exponent + 1); `point` digits stand before the decimal point.
  int point = exponent + 1;
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    out += digits;
    out.append(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(point));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(point));
  }
  return out;
}

// printf's correctly rounded %.Nf or %.Ne, which Go's fmt matches.
std::string PrintDouble(char conversion, int precision, double d) {
  char pattern[] = {'%', '.', '*', conversion, '\0'};
  int size = std::snprintf(nullptr, 0, pattern, precision, d);
  if (size < 0) {
    return {};
  }
  std::string out(static_cast<std::size_t>(size) + 1, '\0');
  std::snprintf(out.data(), out.size(), pattern, precision, d);
  out.resize(static_cast<std::size_t>(size));
  return out;
}

std::string IntegerText(std::uint64_t magnitude, bool negative, unsigned base, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string reversed;
  do {
    reversed.push_back(digits[magnitude % base]);
    magnitude /= base;
  } while (magnitude != 0);
  if (negative) {
    reversed.push_back('-');
  }
  return {reversed.rbegin(), reversed.rend()};
}

std::string IntegerText(const Value& v, unsigned base, bool upper = false) {
  if (v.kind() == K::kUint) {
    return IntegerText(v.uint_value(), false, base, upper);
  }
  std::int64_t i = v.int_value();
  // The magnitude of INT64_MIN does not fit an int64; computed in unsigned arithmetic.
  std::uint64_t magnitude =
      i < 0 ? ~static_cast<std::uint64_t>(i) + 1 : static_cast<std::uint64_t>(i);
  return IntegerText(magnitude, i < 0, base, upper);
}

std::string ClauseError(std::string_view clause_text, std::string_view type) {
  return std::string(clause_text) + ", was given " + std::string(type);
}

Text FormatString(const Value& v, int depth) {
  if (depth > kMaxNesting) {
    return tl::make_unexpected(std::string("value nested too deeply"));
  }
  switch (v.kind()) {
    case K::kBool:
      return v.bool_value() ? "true" : "false";
    case K::kInt:
    case K::kUint:
      return IntegerText(v, 10);
    case K::kDouble:
      if (std::optional<std::string> special = SpecialDouble(v.double_value())) {
        return *special;
      }
      return ShortestFixed(v.double_value());
    case K::kString:
    case K::kBytes:
    case K::kType:
      return v.text();
    case K::kNull:
      return "null";
    case K::kDuration:
      return DurationText(v.duration_nanos());
    case K::kTimestamp:
      return TimestampText(v.timestamp());
    case K::kList: {
      std::string out = "[";
      bool first = true;
      for (const Value& item : v.list()) {
        Text text = FormatString(item, depth + 1);
        if (!text) {
          return text;
        }
        if (!first) {
          out += ", ";
        }
        first = false;
        out += *text;
      }
      out += ']';
      return out;
    }
    case K::kMap: {
      std::vector<std::pair<std::string, std::string>> entries;
      for (const auto& [key, value] : v.map()) {
        Text key_text = FormatString(key, depth + 1);
        if (!key_text) {
          return key_text;
        }
        Text value_text = FormatString(value, depth + 1);
        if (!value_text) {
          return value_text;
        }
        entries.emplace_back(std::move(*key_text), std::move(*value_text));
      }
      // Keys in the byte order of their printed text, as cel-go sorts them.
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      std::string out = "{";
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) {
          out += ", ";
        }
        out += entries[i].first;
        out += ": ";
        out += entries[i].second;
      }
      out += '}';
      return out;
    }
    default:
      return tl::make_unexpected(ClauseError(
          "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, "
          "types, durations, and timestamps",
          v.TypeName()));
  }
}

// %f and %e: ints and uints print as doubles.
Text FormatFloating(const Value& v, char conversion, int precision) {
  double d = 0;
  if (v.kind() == K::kInt) {
    d = static_cast<double>(v.int_value());
  } else if (v.kind() == K::kUint) {
    d = static_cast<double>(v.uint_value());
  } else if (v.kind() == K::kDouble) {
    d = v.double_value();
    if (std::optional<std::string> special = SpecialDouble(d)) {
      return *special;
    }
  } else {
    return tl::make_unexpected(ClauseError(
        conversion == 'f' ? "fixed-point clause can only be used on ints, uints, and doubles"
                          : "scientific clause can only be used on ints, uints, and doubles",
        v.TypeName()));
  }
  return PrintDouble(conversion, precision, d);
}

Text FormatClause(char clause, int precision, const Value& v) {
  bool integer = v.kind() == K::kInt || v.kind() == K::kUint;
  switch (clause) {
    case 's':
      return FormatString(v, 0);
    case 'd':
      if (integer) {
        return IntegerText(v, 10);
      }
      if (v.kind() == K::kDouble) {
        if (std::optional<std::string> special = SpecialDouble(v.double_value())) {
          return *special;
        }
        return ShortestFixed(v.double_value());
      }
      return tl::make_unexpected(
          ClauseError("decimal clause can only be used on ints, uints, and doubles", v.TypeName()));
    case 'f':
    case 'e':
      return FormatFloating(v, clause, precision);
    case 'b':
      if (integer) {
        return IntegerText(v, 2);
      }
      if (v.kind() == K::kBool) {
        return v.bool_value() ? "1" : "0";
      }
      return tl::make_unexpected(
          ClauseError("only ints, uints, and bools can be formatted as binary", v.TypeName()));
    case 'o':
      if (integer) {
        return IntegerText(v, 8);
      }
      return tl::make_unexpected(
          ClauseError("octal clause can only be used on ints and uints", v.TypeName()));
    default: {  // 'x' or 'X'
      bool upper = clause == 'X';
      if (integer) {
        return IntegerText(v, 16, upper);
      }
      if (v.kind() == K::kString || v.kind() == K::kBytes) {
        const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        std::string out;
        out.reserve(v.text().size() * 2);
        for (unsigned char c : v.text()) {
          out.push_back(digits[c >> 4]);
          out.push_back(digits[c & 0xF]);
        }
        return out;
      }
      return tl::make_unexpected(ClauseError(
          "only ints, uints, bytes, and strings can be formatted as hex", v.TypeName()));
    }
  }
}

// The precision and conversion of the clause starting at `clause` (just after its '%'); the
// number of bytes they take, or the parse error.
struct Clause {
  std::size_t length = 0;
  int precision = kDefaultPrecision;
  char conversion = 's';
};

tl::expected<Clause, std::string> ParseClause(std::string_view clause) {
  Clause parsed;
  std::size_t i = 0;
  if (clause[0] == '.') {
    i = 1;
    while (i < clause.size() && clause[i] >= '0' && clause[i] <= '9') {
      ++i;
    }
    if (i >= clause.size()) {
      return tl::make_unexpected(
          std::string("error while parsing precision: could not find end of precision specifier"));
    }
    std::string_view digits = clause.substr(1, i - 1);
    auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), parsed.precision);
    if (digits.empty() || error != std::errc()) {
      return tl::make_unexpected(
          "error while parsing precision: error while converting precision "
          "to integer: strconv.Atoi: parsing \"" +
          std::string(digits) +
          "\": " + (digits.empty() ? "invalid syntax" : "value out of range"));
    }
    if (parsed.precision > kMaxPrecision) {
      return tl::make_unexpected(
          "error while parsing precision: precision " + std::to_string(parsed.precision) +
          " exceeds maximum allowed precision " + std::to_string(kMaxPrecision));
    }
  }
  char conversion = clause[i];
  static constexpr std::string_view kConversions = "sdfebxXo";
  if (kConversions.find(conversion) == std::string_view::npos) {
    // Go names the offending byte as if it were a code point.
    std::string name;
    AppendRune(name, static_cast<unsigned char>(conversion));
    return tl::make_unexpected("unrecognized formatting clause \"" + name + "\"");
  }
  parsed.conversion = conversion;
  parsed.length = i + 1;
  return parsed;
}

Value Format(std::string_view pattern, const ValueList& args) {
  std::string out;
  std::size_t next_arg = 0;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '%') {
      out.push_back(pattern[i]);
      ++i;
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
      out.push_back('%');
      i += 2;
      continue;
    }
    if (next_arg >= args.size()) {
      return Value::Error("index " + std::to_string(next_arg) + " out of range");
    }
    if (i + 1 >= pattern.size()) {
      return Value::Error("unexpected end of string");
    }
    tl::expected<Clause, std::string> clause = ParseClause(pattern.substr(i + 1));
    if (!clause) {
      return Value::Error("could not parse formatting clause: " + clause.error());
    }
    Text text = FormatClause(clause->conversion, clause->precision, args[next_arg]);
    if (!text) {
      return Value::Error("error during formatting: " + text.error());
    }
    out += *text;
    i += 1 + clause->length;
    ++next_arg;
  }
  return Value::String(std::move(out));
}

}  // namespace

std::optional<Value> CallStringFormat(std::string_view function, std::span<const Value> args) {
  if (function == "format" && args.size() == 2 && args[0].kind() == K::kString &&
      args[1].kind() == K::kList) {
    return Format(args[0].text(), args[1].list());
  }
  if (args.size() == 1 && args[0].kind() == K::kString) {
    if (function == "strings.quote") {
      return Value::String(Quote(args[0].text()));
    }
    if (function == "reverse") {
      return Value::String(Reverse(args[0].text()));
    }
  }
  return std::nullopt;
}

}  // namespace agw::validate::cel::library
