#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/source.h"
#include "validate/manifest/value.h"

namespace agw::validate::schema {

// One error as the Kubernetes API server reports it (apimachinery's field.Error), rendered the
// way a 1.32/1.33 server renders it: Go %q strings, %v numbers, Go %#v maps and lists.
struct FieldError {
  enum class Type {
    kInvalid,       // "Invalid value"
    kTypeInvalid,   // "Invalid value" (a wrong JSON type or format; stops CEL)
    kRequired,      // "Required value"
    kNotSupported,  // "Unsupported value" (enum)
    kTooLong,       // "Too long"
    kTooMany,       // "Too many"
    kDuplicate,     // "Duplicate value"
    kForbidden,     // "Forbidden"
  };

  Type type = Type::kInvalid;
  std::string path;   // "spec.listeners[0].port"; empty renders as "<nil>"
  std::string value;  // the bad value as rendered ("\"Foo\"", "70000"); unused by some types
  std::string detail;
  manifest::Position position;  // where the finding points in the manifest
  std::string hint;             // advice beyond the server's words ("did you mean ..."), or ""

  // "<path>: <body>", e.g. `spec.listeners[0].port: Invalid value: 70000: spec.listeners[0].port
  // in body should be less than or equal to 65535`.
  std::string Render() const;
  // The body alone: "Invalid value: 70000: ...".
  std::string Body() const;
  // Whether the API server skips CEL rules after this error (NotSupported, Required, TooLong,
  // TooMany, TypeInvalid).
  bool BlocksCel() const;
};

// Go's %q of a string: double quotes, with \" \\ and escapes of control characters.
std::string GoQuote(std::string_view text);
// Go's %v of a float64: the shortest form that reads back, with an exponent (1e+06) when the
// decimal exponent is below -4 or 6 and above.
std::string GoFloat(double value);
// A manifest value as the API server prints a bad value: strings %q, numbers and booleans %v,
// null as "null", maps and lists Go %#v (`map[string]interface {}{"name":"http"}`).
std::string GoValue(const manifest::Value& value);

}  // namespace agw::validate::schema
