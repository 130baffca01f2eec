#include "validate/schema/field_error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace agw::validate::schema {

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char byte : text) {
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
          out += escaped;
        } else {
          out.push_back(static_cast<char>(byte));
        }
    }
  }
  return out + "\"";
}

std::string GoFloat(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  if (value == 0) {
    return std::signbit(value) ? "-0" : "0";
  }
  // The shortest digits that read back, and their decimal exponent, from to_chars' scientific
  // form ("-1.2345e+06").
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string scientific(buffer, end);
  bool negative = scientific.front() == '-';
  if (negative) {
    scientific.erase(0, 1);
  }
  std::size_t e = scientific.find('e');
  std::string digits = scientific.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exponent = std::stoi(scientific.substr(e + 1));
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) {
      out += "." + digits.substr(1);
    }
    std::string magnitude = std::to_string(std::abs(exponent));
    if (magnitude.size() < 2) {
      magnitude.insert(0, "0");
    }
    return out + "e" + (exponent < 0 ? "-" : "+") + magnitude;
  }
  if (exponent < 0) {
    return out + "0." + std::string(-exponent - 1, '0') + digits;
  }
  std::size_t whole = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= whole) {
    return out + digits + std::string(whole - digits.size(), '0');
  }
  return out + digits.substr(0, whole) + "." + digits.substr(whole);
}

namespace {

// Go's %#v of a decoded JSON value held in an interface{}.
std::string GoSyntax(const manifest::Value& value) {
  using Type = manifest::Value::Type;
  switch (value.type()) {
    case Type::kNull:
      return "interface {}(nil)";
    case Type::kBool:
      return value.bool_value() ? "true" : "false";
    case Type::kInt:
      return std::to_string(value.int_value());
    case Type::kFloat:
      return GoFloat(value.float_value());
    case Type::kString:
      return GoQuote(value.text());
    case Type::kSequence: {
      std::string out = "[]interface {}{";
      bool first = true;
      for (const manifest::Value& item : value.items()) {
        if (!first) {
          out += ", ";
        }
        first = false;
        out += GoSyntax(item);
      }
      return out + "}";
    }
    case Type::kMap: {
      // Go prints map keys sorted.
      std::vector<const manifest::MapEntry*> entries;
      for (const manifest::MapEntry& entry : value.entries()) {
        entries.push_back(&entry);
      }
      std::sort(
          entries.begin(), entries.end(),
          [](const manifest::MapEntry* a, const manifest::MapEntry* b) { return a->key < b->key; });
      std::string out = "map[string]interface {}{";
      bool first = true;
      for (const manifest::MapEntry* entry : entries) {
        if (!first) {
          out += ", ";
        }
        first = false;
        out += GoQuote(entry->key) + ":" + GoSyntax(entry->value);
      }
      return out + "}";
    }
  }
  return "";
}

}  // namespace

std::string GoValue(const manifest::Value& value) {
  // A nil bad value prints as the string "null"; anything else as its Go syntax.
  return value.is_null() ? "\"null\"" : GoSyntax(value);
}

std::string FieldError::Body() const {
  std::string body;
  switch (type) {
    case Type::kRequired:
      body = "Required value";
      break;
    case Type::kTooLong:
      body = "Too long";
      break;
    case Type::kForbidden:
      body = "Forbidden";
      break;
    case Type::kInvalid:
    case Type::kTypeInvalid:
      body = "Invalid value: " + value;
      break;
    case Type::kNotSupported:
      body = "Unsupported value: " + value;
      break;
    case Type::kTooMany:
      body = "Too many: " + value;
      break;
    case Type::kDuplicate:
      body = "Duplicate value: " + value;
      break;
  }
  if (!detail.empty()) {
    body += ": " + detail;
  }
  return body;
}

std::string FieldError::Render() const { return (path.empty() ? "<nil>" : path) + ": " + Body(); }

bool FieldError::BlocksCel() const {
  return type == Type::kNotSupported || type == Type::kRequired || type == Type::kTooLong ||
         type == Type::kTooMany || type == Type::kTypeInvalid;
}

}  // namespace agw::validate::schema
