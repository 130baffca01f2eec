// The Kubernetes format library through the parser and the evaluator: the examples of
// format.go's doc comment and of the "CEL in Kubernetes" page, the messages apimachinery gives
// for invalid names (Kubernetes 1.31 to 1.34 wording), and those of the CRD formats.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "validate/cel/eval.h"
#include "validate/cel/parser.h"

namespace agw::validate::cel {
namespace {

Value Eval(const std::string& text, const Activation& activation = Activation()) {
  auto ast = Parse(text);
  INFO(text);
  REQUIRE(ast.has_value());
  return Evaluate(*ast->root, activation);
}

bool True(const std::string& text, const Activation& activation = Activation()) {
  Value v = Eval(text, activation);
  INFO(text << " -> " << (v.is_error() ? v.text() : std::string(v.TypeName())));
  REQUIRE(v.kind() == Value::Kind::kBool);
  return v.bool_value();
}

std::string Str(const std::string& text, const Activation& activation = Activation()) {
  Value v = Eval(text, activation);
  INFO(text << (v.is_error() ? " -> " + v.text() : ""));
  REQUIRE(v.kind() == Value::Kind::kString);
  return v.text();
}

// What `format.<name>().validate('<input>')` gives: the error strings, none when valid.
std::vector<std::string> Problems(const std::string& format, const std::string& input) {
  Activation vars;
  vars.Bind("input", Value::String(input));
  std::string text = "format." + format + "().validate(input)";
  Value v = Eval(text, vars);
  INFO(text << " with " << input << (v.is_error() ? " -> " + v.text() : ""));
  REQUIRE(v.kind() == Value::Kind::kOptional);
  std::vector<std::string> problems;
  if (v.optional_value() == nullptr) {
    return problems;
  }
  REQUIRE(v.optional_value()->kind() == Value::Kind::kList);
  for (const Value& item : v.optional_value()->list()) {
    REQUIRE(item.kind() == Value::Kind::kString);
    problems.push_back(item.text());
  }
  REQUIRE_FALSE(problems.empty());
  return problems;
}

using Messages = std::vector<std::string>;

const char kLabelMessage[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char kSubdomainMessage[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char kDns1035Message[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const char kQualifiedNameRule[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const char kLabelValueMessage[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

TEST_CASE("Format library: the examples of format.go's doc comment are valid") {
  CHECK(Problems("dns1123Label", "my-label-name").empty());
  CHECK(Problems("dns1123Subdomain", "apiextensions.k8s.io").empty());
  CHECK(Problems("dns1035Label", "my-label-name").empty());
  CHECK(Problems("qualifiedName", "apiextensions.k8s.io/v1beta1").empty());
  CHECK(Problems("dns1123LabelPrefix", "my-label-prefix-").empty());
  CHECK(Problems("dns1123SubdomainPrefix", "mysubdomain.prefix.-").empty());
  CHECK(Problems("dns1035LabelPrefix", "my-label-prefix-").empty());
  CHECK(Problems("uri", "http://example.com").empty());
  CHECK(Problems("uuid", "123e4567-e89b-12d3-a456-426614174000").empty());
  CHECK(Problems("byte", "aGVsbG8=").empty());
  CHECK(Problems("date", "2021-01-01").empty());
  CHECK(Problems("datetime", "2021-01-01T00:00:00Z").empty());
  CHECK(Problems("labelValue", "my-cool-label-Value").empty());
  CHECK(True("!format.dns1123Label().validate('my-label-name').hasValue()"));
}

TEST_CASE("Format library: the examples of the CEL in Kubernetes page") {
  auto with_name = [](const std::string& name) {
    Activation vars;
    vars.Bind("self", Value::Map({{Value::String("metadata"),
                                   Value::Map({{Value::String("name"), Value::String(name)}})}}));
    return vars;
  };
  const std::string rule = "!format.dns1123Label().validate(self.metadata.name).hasValue()";
  const std::string message =
      R"(format.dns1123Label().validate(self.metadata.name).orValue([]).join("\n"))";
  CHECK(True(rule, with_name("my-app")));
  CHECK(Str(message, with_name("my-app")).empty());
  CHECK_FALSE(True(rule, with_name("My_App")));
  CHECK(Str(message, with_name("My_App")) == kLabelMessage);
  std::string long_dotted(62, 'a');
  long_dotted += ".b";
  CHECK(Str(message, with_name(long_dotted)) ==
        "must be no more than 63 characters\nmust not contain dots");
}

TEST_CASE("Format library: format.named finds the thirteen formats and no other") {
  const char* names[] = {"dns1123Label",
                         "dns1123Subdomain",
                         "dns1035Label",
                         "qualifiedName",
                         "dns1123LabelPrefix",
                         "dns1123SubdomainPrefix",
                         "dns1035LabelPrefix",
                         "labelValue",
                         "uri",
                         "uuid",
                         "byte",
                         "date",
                         "datetime"};
  for (const char* lhs : names) {
    std::string named = std::string("format.named('") + lhs + "')";
    CHECK(True(named + ".hasValue()"));
    CHECK(True(named + ".value() == format." + lhs + "()"));
    Value type = Eval("type(format." + std::string(lhs) + "())");
    REQUIRE(type.kind() == Value::Kind::kType);
    CHECK(type.text() == "kubernetes.NamedFormat");
    for (const char* rhs : names) {
      if (std::string(lhs) != rhs) {
        CHECK_FALSE(True(std::string("format.") + lhs + "() == format." + rhs + "()"));
      }
    }
  }
  CHECK_FALSE(True("format.named('unknown').hasValue()"));
  // Names are case-sensitive, and the constructors are the map's keys, not the Go Name field.
  CHECK_FALSE(True("format.named('DNS1123Label').hasValue()"));
  CHECK(Eval("format.DNS1123Label()").is_error());
  CHECK(Eval("format.nope()").is_error());
  CHECK(True("format.named('uuid').value().validate('x').hasValue()"));
}

TEST_CASE("Format library: arguments of the wrong type have no overload") {
  CHECK(Eval("format.named(1)").is_error());
  CHECK(Eval("format.dns1123Label().validate(1)").is_error());
  CHECK(Eval("'x'.validate('y')").is_error());
  CHECK(Eval("format.dns1123Label('x')").is_error());
}

TEST_CASE("Format library: DNS-1123 labels") {
  CHECK(Problems("dns1123Label", "contains a space") == Messages{kLabelMessage});
  CHECK(Problems("dns1123Label", "-abc") == Messages{kLabelMessage});
  CHECK(Problems("dns1123Label", "") == Messages{kLabelMessage});
  CHECK(Problems("dns1123Label", "a.b") == Messages{"must not contain dots"});
  CHECK(Problems("dns1123Label", std::string(63, 'a')).empty());
  CHECK(Problems("dns1123Label", std::string(64, 'a')) ==
        Messages{"must be no more than 63 characters"});
  CHECK(Problems("dns1123Label", std::string(64, 'A')) ==
        Messages{"must be no more than 63 characters", kLabelMessage});
  CHECK(Problems("dns1123Label", "123").empty());
}

TEST_CASE("Format library: DNS-1123 subdomains") {
  CHECK(Problems("dns1123Subdomain", "contains a space") == Messages{kSubdomainMessage});
  CHECK(Problems("dns1123Subdomain", "Example.com") == Messages{kSubdomainMessage});
  CHECK(Problems("dns1123Subdomain", "a..b") == Messages{kSubdomainMessage});
  CHECK(Problems("dns1123Subdomain", "example.com").empty());
  std::string longest;
  while (longest.size() < 253) {
    longest += longest.empty() ? "a" : ".a";
  }
  CHECK(Problems("dns1123Subdomain", longest).empty());
  CHECK(Problems("dns1123Subdomain", longest + "a") ==
        Messages{"must be no more than 253 characters"});
  CHECK(Problems("dns1123Subdomain", longest + "-") ==
        Messages{"must be no more than 253 characters", kSubdomainMessage});
}

TEST_CASE("Format library: DNS-1035 labels") {
  CHECK(Problems("dns1035Label", "contains a space") == Messages{kDns1035Message});
  CHECK(Problems("dns1035Label", "123-abc") == Messages{kDns1035Message});
  CHECK(Problems("dns1035Label", "abc-123").empty());
  CHECK(Problems("dns1035Label", "a" + std::string(63, 'b')) ==
        Messages{"must be no more than 63 characters"});
}

TEST_CASE("Format library: qualified names") {
  const std::string name_rule = std::string("name part ") + kQualifiedNameRule;
  CHECK(Problems("qualifiedName", "contains a space") == Messages{name_rule});
  CHECK(Problems("qualifiedName", "my.name").empty());
  CHECK(Problems("qualifiedName", "MyName_1").empty());
  CHECK(Problems("qualifiedName", "example.com/MyName").empty());
  CHECK(Problems("qualifiedName", "a/b/c") ==
        Messages{std::string("a qualified name ") + kQualifiedNameRule +
                 " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"});
  CHECK(Problems("qualifiedName", "/name") == Messages{"prefix part must be non-empty"});
  CHECK(Problems("qualifiedName", "Example.com/name") ==
        Messages{std::string("prefix part ") + kSubdomainMessage});
  CHECK(Problems("qualifiedName", "example.com/") ==
        Messages{"name part must be non-empty", name_rule});
  CHECK(Problems("qualifiedName", "") == Messages{"name part must be non-empty", name_rule});
  CHECK(Problems("qualifiedName", std::string(64, 'a')) ==
        Messages{"name part must be no more than 63 characters"});
  CHECK(Problems("qualifiedName", "-a") == Messages{name_rule});
}

TEST_CASE("Format library: prefixes may end with a dash") {
  CHECK(Problems("dns1123LabelPrefix", "contains a space-") == Messages{kLabelMessage});
  CHECK(Problems("dns1123SubdomainPrefix", "contains a space-") == Messages{kSubdomainMessage});
  CHECK(Problems("dns1035LabelPrefix", "contains a space-") == Messages{kDns1035Message});
  CHECK(Problems("dns1123LabelPrefix", "a-").empty());
  CHECK(Problems("dns1123LabelPrefix", "web-").empty());
  // A lone dash is not masked.
  CHECK(Problems("dns1123LabelPrefix", "-") == Messages{kLabelMessage});
  CHECK(Problems("dns1123LabelPrefix", "-abc") == Messages{kLabelMessage});
  CHECK(Problems("dns1035LabelPrefix", "1abc-") == Messages{kDns1035Message});
  // The mask drops two bytes for one, so a 64-byte prefix ending in a dash still fits.
  CHECK(Problems("dns1123LabelPrefix", std::string(63, 'a') + "-").empty());
  CHECK(Problems("dns1123LabelPrefix", std::string(64, 'a') + "-") ==
        Messages{"must be no more than 63 characters"});
  CHECK(Problems("dns1123Label", "web-") == Messages{kLabelMessage});
}

TEST_CASE("Format library: label values") {
  CHECK(Problems("labelValue", "my-cool-label-Value!!\n\n!!!") == Messages{kLabelValueMessage});
  CHECK(Problems("labelValue", "").empty());
  CHECK(Problems("labelValue", "my_value").empty());
  CHECK(Problems("labelValue", "_x") == Messages{kLabelValueMessage});
  CHECK(Problems("labelValue", std::string(64, 'a')) ==
        Messages{"must be no more than 63 characters"});
  CHECK(Problems("labelValue", std::string(64, '-')) ==
        Messages{"must be no more than 63 characters", kLabelValueMessage});
}

TEST_CASE("Format library: URIs as url.ParseRequestURI reads them") {
  CHECK(Problems("uri", "https://example.com/path?q=1").empty());
  CHECK(Problems("uri", "/absolute/path").empty());
  CHECK(Problems("uri", "not a uri") == Messages{"parse \"not a uri\": invalid URI for request"});
  CHECK(Problems("uri", "") == Messages{"parse \"\": empty url"});
  CHECK(Problems("uri", "http://[::1") == Messages{"parse \"http://[::1\": missing ']' in host"});
  CHECK(Problems("uri", "http://example.com/%zz") ==
        Messages{"parse \"http://example.com/%zz\": invalid URL escape \"%zz\""});
}

TEST_CASE("Format library: UUIDs") {
  CHECK(Problems("uuid", "123E4567-E89B-12D3-A456-426614174000").empty());
  // strfmt's pattern makes every dash optional.
  CHECK(Problems("uuid", "123e4567e89b12d3a456426614174000").empty());
  CHECK(Problems("uuid", "not-a-uuid") == Messages{"does not match the UUID format"});
  CHECK(Problems("uuid", "123e4567-e89b-12d3-a456-42661417400") ==
        Messages{"does not match the UUID format"});
  CHECK(Problems("uuid", "123e4567-e89b-12d3-a456-42661417400g") ==
        Messages{"does not match the UUID format"});
}

TEST_CASE("Format library: base64") {
  CHECK(Problems("byte", "aGVsbG8") == Messages{"invalid base64"});
  CHECK(Problems("byte", "") == Messages{"invalid base64"});
  CHECK(Problems("byte", "aGVsbA==").empty());
  CHECK(Problems("byte", "a+/=").empty());
  CHECK(Problems("byte", "aGVsbG8_") == Messages{"invalid base64"});
  CHECK(Problems("byte", "aGVs bG8=") == Messages{"invalid base64"});
}

TEST_CASE("Format library: dates") {
  CHECK(Problems("date", "2020-01-01").empty());
  CHECK(Problems("date", "2020-01-32") == Messages{"invalid date"});
  CHECK(Problems("date", "2020-02-29").empty());
  CHECK(Problems("date", "2000-02-29").empty());
  CHECK(Problems("date", "1900-02-29") == Messages{"invalid date"});
  CHECK(Problems("date", "2021-02-29") == Messages{"invalid date"});
  CHECK(Problems("date", "2021-04-31") == Messages{"invalid date"});
  CHECK(Problems("date", "2021-13-01") == Messages{"invalid date"});
  CHECK(Problems("date", "2021-00-10") == Messages{"invalid date"});
  CHECK(Problems("date", "2021-1-01") == Messages{"invalid date"});
  CHECK(Problems("date", "2021-01-01T00:00:00Z") == Messages{"invalid date"});
  CHECK(Problems("date", "") == Messages{"invalid date"});
}

TEST_CASE("Format library: date-times as strfmt reads them") {
  CHECK(Problems("datetime", "2020-01-01T00:00:00Z").empty());
  CHECK(Problems("datetime", "2020-01-32T00:00:00Z") == Messages{"invalid datetime"});
  CHECK(Problems("datetime", "2021-01-01t23:59:59.999999z").empty());
  CHECK(Problems("datetime", "2021-01-01T12:00:00+05:30").empty());
  CHECK(Problems("datetime", "2021-01-01T12:00:00.5-08:00").empty());
  CHECK(Problems("datetime", "2021-01-01T24:00:00Z") == Messages{"invalid datetime"});
  CHECK(Problems("datetime", "2021-01-01T00:60:00Z") == Messages{"invalid datetime"});
  CHECK(Problems("datetime", "2021-01-01T00:00:60Z") == Messages{"invalid datetime"});
  CHECK(Problems("datetime", "2021-01-01T00:00:00") == Messages{"invalid datetime"});
  CHECK(Problems("datetime", "2021-01-01 00:00:00Z") == Messages{"invalid datetime"});
  CHECK(Problems("datetime", "2021-01-01T00:00:00.Z") == Messages{"invalid datetime"});
  CHECK(Problems("datetime", "2021-01-01T00:00:00+0530") == Messages{"invalid datetime"});
  CHECK(Problems("datetime", "") == Messages{"invalid datetime"});
  // The pattern's '.' is any character, the zone's digits go unchecked, and text after a
  // second 't' is never looked at.
  CHECK(Problems("datetime", "2021-01-01T00:00:00,5Z").empty());
  CHECK(Problems("datetime",
                 "2021-01-01T00:00:00\xc3\xa9"
                 "5Z")
            .empty());
  CHECK(Problems("datetime", "2021-01-01T00:00:00+99:99").empty());
  CHECK(Problems("datetime", "2021-01-01T00:00:00ZTanything").empty());
  CHECK(Problems("datetime", "2021-01-01T00:00:00\n5Z") == Messages{"invalid datetime"});
}

}  // namespace
}  // namespace agw::validate::cel
