#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/value.h"
#include "validate/schema/field_error.h"

// The API server's checks of the Kubernetes built-in kinds this tool reads: core/v1 Secret,
// ConfigMap, Service and Namespace (pkg/apis/core/validation). Only the fields the tool uses are
// checked; unknown fields of these kinds are not (that would need their whole OpenAPI schema).
namespace agw::validate::schema {

// Whether `group`/`kind` is one of the built-in kinds checked here.
bool IsCheckedCoreKind(std::string_view group, std::string_view kind);

// A request the server refuses before validating (400 BadRequest): the typed decoding failed.
struct DecodingError {
  std::string message;  // `Secret in version "v1" cannot be handled as a Secret: illegal ...`
  std::string path;     // the field, for positions and JSON output
  manifest::Position position;
};

struct CoreKindCheck {
  std::vector<DecodingError> decoding;  // when not empty, `errors` is empty: the server stops
  std::vector<FieldError> errors;       // the 422 Invalid causes, in the server's order
};

// Checks `object` (a core/v1 `kind` as written; the server's own defaults, such as a Service
// port's protocol TCP, are taken into account).
CoreKindCheck CheckCoreKind(std::string_view kind, const manifest::Value& object);

}  // namespace agw::validate::schema
