// The Kubernetes format library (k8s.io/apiserver/pkg/cel/library format.go): format.named,
// the thirteen named formats and <format>.validate. The name rules answer with apimachinery's
// messages as Kubernetes 1.31 to 1.34 word them (k8s.io/apimachinery pkg/util/validation and
// pkg/api/validation); 1.35 moved qualifiedName and labelValue to api/validate/content, which
// says "a valid label key" and "bytes" instead. The CRD formats follow kube-openapi's strfmt.

#include <re2/re2.h>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "validate/cel/library.h"

namespace agw::validate::cel::library {
namespace {

using Problems = std::vector<std::string>;

enum class FormatKind {
  kDns1123Label,
  kDns1123Subdomain,
  kDns1035Label,
  kQualifiedName,
  kDns1123LabelPrefix,
  kDns1123SubdomainPrefix,
  kDns1035LabelPrefix,
  kLabelValue,
  kUri,
  kUuid,
  kByte,
  kDate,
  kDatetime,
};

struct FormatName {
  std::string_view name;  // as format.named and the format.<name>() constructors spell it
  FormatKind kind;
};

constexpr std::array<FormatName, 13> kFormats = {{
    {"dns1123Label", FormatKind::kDns1123Label},
    {"dns1123Subdomain", FormatKind::kDns1123Subdomain},
    {"dns1035Label", FormatKind::kDns1035Label},
    {"qualifiedName", FormatKind::kQualifiedName},
    {"dns1123LabelPrefix", FormatKind::kDns1123LabelPrefix},
    {"dns1123SubdomainPrefix", FormatKind::kDns1123SubdomainPrefix},
    {"dns1035LabelPrefix", FormatKind::kDns1035LabelPrefix},
    {"labelValue", FormatKind::kLabelValue},
    {"uri", FormatKind::kUri},
    {"uuid", FormatKind::kUuid},
    {"byte", FormatKind::kByte},
    {"date", FormatKind::kDate},
    {"datetime", FormatKind::kDatetime},
}};

// The API server's *Format value: two are equal when they are the same format.
class NamedFormat : public OpaqueValue {
 public:
  explicit NamedFormat(FormatKind kind) : kind_(kind) {}
  std::string_view TypeName() const override { return "kubernetes.NamedFormat"; }
  bool Equals(const OpaqueValue& other) const override {
    const auto* format = dynamic_cast<const NamedFormat*>(&other);
    return format != nullptr && format->kind_ == kind_;
  }
  FormatKind kind() const { return kind_; }

 private:
  FormatKind kind_;
};

// The regular expressions as apimachinery quotes them in its messages.
constexpr char kLabelRegex[] = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr char kSubdomainRegex[] =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr char kDns1035Regex[] = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr char kQualifiedNameRegex[] = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr char kLabelValueRegex[] = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

constexpr char kLabelRule[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr char kSubdomainRule[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr char kDns1035Rule[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
constexpr char kQualifiedNameRule[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr char kLabelValueRule[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";

constexpr std::size_t kLabelMaxLength = 63;
constexpr std::size_t kSubdomainMaxLength = 253;

// apimachinery's RegexError, double space after each example's comma included: the server's
// text is what users grep for, so it is kept as the server prints it.
std::string RegexError(std::string_view rule, std::string_view regex,
                       std::initializer_list<std::string_view> examples) {
  std::string text(rule);
  text += " (e.g. ";
  bool first = true;
  for (std::string_view example : examples) {
    if (!first) {
      text += " or ";
    }
    first = false;
    text += "'";
    text += example;
    text += "', ";
  }
  text += "regex used for validation is '";
  text += regex;
  text += "')";
  return text;
}

std::string MaxLenError(std::size_t length) {
  return "must be no more than " + std::to_string(length) + " characters";
}

// Lengths are counted in bytes, as Go's len() counts them.
bool IsLabel(std::string_view text) {
  static const RE2 kRegex(kLabelRegex);
  return RE2::FullMatch(text, kRegex);
}

bool IsSubdomain(std::string_view text) {
  static const RE2 kRegex(kSubdomainRegex);
  return RE2::FullMatch(text, kRegex);
}

Problems Dns1123LabelProblems(std::string_view text) {
  Problems problems;
  if (text.size() > kLabelMaxLength) {
    problems.push_back(MaxLenError(kLabelMaxLength));
  }
  if (!IsLabel(text)) {
    // A subdomain that is no label has dots, which deserves a plainer message.
    problems.push_back(IsSubdomain(text)
                           ? std::string("must not contain dots")
                           : RegexError(kLabelRule, kLabelRegex, {"my-name", "123-abc"}));
  }
  return problems;
}

Problems Dns1123SubdomainProblems(std::string_view text) {
  Problems problems;
  if (text.size() > kSubdomainMaxLength) {
    problems.push_back(MaxLenError(kSubdomainMaxLength));
  }
  if (!IsSubdomain(text)) {
    problems.push_back(RegexError(kSubdomainRule, kSubdomainRegex, {"example.com"}));
  }
  return problems;
}

Problems Dns1035LabelProblems(std::string_view text) {
  static const RE2 kRegex(kDns1035Regex);
  Problems problems;
  if (text.size() > kLabelMaxLength) {
    problems.push_back(MaxLenError(kLabelMaxLength));
  }
  if (!RE2::FullMatch(text, kRegex)) {
    problems.push_back(RegexError(kDns1035Rule, kDns1035Regex, {"my-name", "abc-123"}));
  }
  return problems;
}

// IsQualifiedName: a name, with an optional DNS subdomain prefix and '/'.
Problems QualifiedNameProblems(std::string_view text) {
  static const RE2 kRegex(kQualifiedNameRegex);
  Problems problems;
  std::string_view name = text;
  std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    if (text.find('/', slash + 1) != std::string_view::npos) {
      problems.push_back(
          "a qualified name " +
          RegexError(kQualifiedNameRule, kQualifiedNameRegex, {"MyName", "my.name", "123-abc"}) +
          " with an optional DNS subdomain prefix and '/' (e.g. "
          "'example.com/MyName')");
      return problems;
    }
    std::string_view prefix = text.substr(0, slash);
    name = text.substr(slash + 1);
    if (prefix.empty()) {
      problems.push_back("prefix part must be non-empty");
    } else {
      for (std::string& problem : Dns1123SubdomainProblems(prefix)) {
        problems.push_back("prefix part " + problem);
      }
    }
  }
  if (name.empty()) {
    problems.push_back("name part must be non-empty");
  } else if (name.size() > kLabelMaxLength) {
    problems.push_back("name part " + MaxLenError(kLabelMaxLength));
  }
  // The empty name fails the pattern too, so it draws both messages, as on the server.
  if (!RE2::FullMatch(name, kRegex)) {
    problems.push_back("name part " + RegexError(kQualifiedNameRule, kQualifiedNameRegex,
                                                 {"MyName", "my.name", "123-abc"}));
  }
  return problems;
}

Problems LabelValueProblems(std::string_view text) {
  static const RE2 kRegex(kLabelValueRegex);
  Problems problems;
  if (text.size() > kLabelMaxLength) {
    problems.push_back(MaxLenError(kLabelMaxLength));
  }
  if (!RE2::FullMatch(text, kRegex)) {
    problems.push_back(
        RegexError(kLabelValueRule, kLabelValueRegex, {"MyValue", "my_value", "12345"}));
  }
  return problems;
}

// The *Prefix formats check a name a suffix will be appended to (generateName): a trailing
// dash is allowed. apimachinery's maskTrailingDash swaps the last two bytes for an "a",
// which shortens the name by one; the length check sees the shorter name, as on the server.
std::string MaskTrailingDash(std::string_view text) {
  if (text.size() > 1 && text.back() == '-') {
    std::string masked(text.substr(0, text.size() - 2));
    masked += 'a';
    return masked;
  }
  return std::string(text);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (!IsDigit(c)) {
      return false;
    }
  }
  return true;
}

int TwoDigits(std::string_view text, std::size_t at) {
  return (text[at] - '0') * 10 + (text[at + 1] - '0');
}

// time.Parse with the layout "2006-01-02": exactly four, two and two ASCII digits, a month of
// 1-12 and a day that month has (February 29 only in leap years, year 0 being one).
bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2))) {
    return false;
  }
  int year = TwoDigits(text, 0) * 100 + TwoDigits(text, 2);
  int month = TwoDigits(text, 5);
  int day = TwoDigits(text, 8);
  if (month < 1 || month > 12) {
    return false;
  }
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  int days = kDays[static_cast<std::size_t>(month - 1)] + (month == 2 && leap ? 1 : 0);
  return day >= 1 && day <= days;
}

// How many bytes Go's utf8.DecodeRuneInString takes for the rune at the start of `text`
// (non-empty): a valid sequence whole, any invalid byte alone.
std::size_t RuneWidth(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  auto continuation = [&](std::size_t i, unsigned char low, unsigned char high) {
    return i < text.size() && byte(i) >= low && byte(i) <= high;
  };
  unsigned char lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xc2 && lead <= 0xdf) {
    return continuation(1, 0x80, 0xbf) ? 2 : 1;
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    unsigned char low = lead == 0xe0 ? 0xa0 : 0x80;
    unsigned char high = lead == 0xed ? 0x9f : 0xbf;
    return continuation(1, low, high) && continuation(2, 0x80, 0xbf) ? 3 : 1;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    unsigned char low = lead == 0xf0 ? 0x90 : 0x80;
    unsigned char high = lead == 0xf4 ? 0x8f : 0xbf;
    return continuation(1, low, high) && continuation(2, 0x80, 0xbf) && continuation(3, 0x80, 0xbf)
               ? 4
               : 1;
  }
  return 1;
}

bool IsZoneSuffix(std::string_view text) {
  if (text == "z" || text == "Z") {
    return true;
  }
  return text.size() == 6 && (text[0] == '+' || text[0] == '-') && IsDigit(text[1]) &&
         IsDigit(text[2]) && text[3] == ':' && IsDigit(text[4]) && IsDigit(text[5]);
}

// strfmt's IsDateTime: the lower-cased text is split at every 't'; the part before the first
// must be a date and the part after it (up to a second 't', whatever follows that) must match
// DateTimePattern, `^(\d{2}):(\d{2}):(\d{2})(.\d+)?(z|[+-]\d{2}:\d{2})$` with its '.' any
// character but a newline, and hours of at most 23, minutes and seconds of at most 59. The
// zone is required; its digits go unchecked.
bool IsDateTime(std::string_view text) {
  std::size_t t = text.find_first_of("tT");
  if (t == std::string_view::npos || !IsDate(text.substr(0, t))) {
    return false;
  }
  std::string_view time = text.substr(t + 1);
  time = time.substr(0, time.find_first_of("tT"));
  if (time.size() < 9 || time[2] != ':' || time[5] != ':' || !AllDigits(time.substr(0, 2)) ||
      !AllDigits(time.substr(3, 2)) || !AllDigits(time.substr(6, 2))) {
    return false;
  }
  if (TwoDigits(time, 0) > 23 || TwoDigits(time, 3) > 59 || TwoDigits(time, 6) > 59) {
    return false;
  }
  std::string_view rest = time.substr(8);
  if (IsZoneSuffix(rest)) {
    return true;
  }
  // A fraction: any one character, then digits, then the zone (which starts with no digit).
  if (rest.empty() || rest[0] == '\n') {
    return false;
  }
  rest.remove_prefix(RuneWidth(rest));
  std::size_t digits = 0;
  while (digits < rest.size() && IsDigit(rest[digits])) {
    ++digits;
  }
  return digits > 0 && IsZoneSuffix(rest.substr(digits));
}

// strfmt's UUIDPattern: the dashes are optional, the letters of either case.
bool IsUuid(std::string_view text) {
  static const RE2 kRegex(
      "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}");
  return RE2::FullMatch(text, kRegex);
}

// govalidator's IsBase64 (standard alphabet, padded): the empty string is not base64.
bool IsBase64(std::string_view text) {
  static const RE2 kRegex(
      "(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})");
  return RE2::FullMatch(text, kRegex);
}

// url.ParseRequestURI's error text, as the URL library (kubernetes_url.cc) reproduces it.
Problems UriProblems(std::string_view text) {
  const Value arg = Value::String(std::string(text));
  std::optional<Value> is_url = CallUrl("isURL", std::span<const Value>(&arg, 1));
  if (is_url && is_url->kind() == Value::Kind::kBool && is_url->bool_value()) {
    return {};
  }
  std::optional<Value> parsed = CallUrl("url", std::span<const Value>(&arg, 1));
  std::string message = parsed && parsed->is_error() ? parsed->text() : "invalid URI";
  constexpr std::string_view kConversion = "URL parse error during conversion from string: ";
  if (message.starts_with(kConversion)) {
    message.erase(0, kConversion.size());
  }
  return {message};
}

Problems Validate(FormatKind kind, std::string_view text) {
  switch (kind) {
    case FormatKind::kDns1123Label:
      return Dns1123LabelProblems(text);
    case FormatKind::kDns1123Subdomain:
      return Dns1123SubdomainProblems(text);
    case FormatKind::kDns1035Label:
      return Dns1035LabelProblems(text);
    case FormatKind::kQualifiedName:
      return QualifiedNameProblems(text);
    case FormatKind::kDns1123LabelPrefix:
      return Dns1123LabelProblems(MaskTrailingDash(text));
    case FormatKind::kDns1123SubdomainPrefix:
      return Dns1123SubdomainProblems(MaskTrailingDash(text));
    case FormatKind::kDns1035LabelPrefix:
      return Dns1035LabelProblems(MaskTrailingDash(text));
    case FormatKind::kLabelValue:
      return LabelValueProblems(text);
    case FormatKind::kUri:
      return UriProblems(text);
    case FormatKind::kUuid:
      return IsUuid(text) ? Problems() : Problems{"does not match the UUID format"};
    case FormatKind::kByte:
      return IsBase64(text) ? Problems() : Problems{"invalid base64"};
    case FormatKind::kDate:
      return IsDate(text) ? Problems() : Problems{"invalid date"};
    case FormatKind::kDatetime:
      return IsDateTime(text) ? Problems() : Problems{"invalid datetime"};
  }
  return {};
}

Value FormatValue(FormatKind kind) {
  return Value::Opaque(std::make_shared<const NamedFormat>(kind));
}

}  // namespace

std::optional<Value> CallFormatLibrary(std::string_view function, std::span<const Value> args) {
  if (function == "validate") {
    if (args.size() != 2 || args[0].kind() != Value::Kind::kOpaque ||
        args[1].kind() != Value::Kind::kString) {
      return std::nullopt;
    }
    const auto* format = dynamic_cast<const NamedFormat*>(&args[0].opaque());
    if (format == nullptr) {
      return std::nullopt;
    }
    Problems problems = Validate(format->kind(), args[1].text());
    if (problems.empty()) {
      return Value::Optional(std::nullopt);
    }
    ValueList list;
    list.reserve(problems.size());
    for (std::string& problem : problems) {
      list.push_back(Value::String(std::move(problem)));
    }
    return Value::Optional(Value::List(std::move(list)));
  }
  constexpr std::string_view kNamespace = "format.";
  if (!function.starts_with(kNamespace)) {
    return std::nullopt;
  }
  std::string_view name = function.substr(kNamespace.size());
  if (name == "named") {
    if (args.size() != 1 || args[0].kind() != Value::Kind::kString) {
      return std::nullopt;
    }
    for (const FormatName& format : kFormats) {
      if (format.name == args[0].text()) {
        return Value::Optional(FormatValue(format.kind));
      }
    }
    return Value::Optional(std::nullopt);
  }
  if (!args.empty()) {
    return std::nullopt;
  }
  for (const FormatName& format : kFormats) {
    if (format.name == name) {
      return FormatValue(format.kind);
    }
  }
  return std::nullopt;
}

}  // namespace agw::validate::cel::library
