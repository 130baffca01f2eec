#pragma once

// Internal to validate/resolve: how the resolver and the lints describe a finding.

#include <string>

#include "validate/manifest/diagnostic.h"
#include "validate/model/object.h"

namespace agw::validate::resolve::internal {

// A finding about `object` at `field_path`. It points at `position` when given, else at the
// field, else (a field the API server defaulted has no text) at the object's metadata.name.
inline manifest::Diagnostic MakeFinding(const model::ObjectBase& object,
                                        manifest::Severity severity, std::string code,
                                        std::string message, const std::string& field_path,
                                        std::string hint = {}, manifest::Position position = {}) {
  manifest::Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.message = std::move(message);
  d.position = position.known() ? position : object.PositionOf(field_path);
  if (!d.position.known()) {
    d.position = object.position;
  }
  d.field_path = field_path;
  d.resource = object.id.ToString();
  d.hint = std::move(hint);
  return d;
}

}  // namespace agw::validate::resolve::internal
