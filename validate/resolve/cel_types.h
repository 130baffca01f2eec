#pragma once

// Internal to validate/resolve: the type check of the runtime CEL fields of agentgateway's
// policies, beyond the controller's syntax check (cel_fields.cc).

#include <cstddef>
#include <string_view>

#include "validate/manifest/source.h"
#include "validate/model/model.h"
#include "validate/resolve/resolve.h"

namespace agw::validate::resolve::internal {

// Adds a `cel-type` warning to `resolution.findings` for each problem the CEL type checker
// (validate/cel/checker.h) finds in a runtime CEL field of an AgentgatewayPolicy (traffic,
// frontend and backend sections) or an AgentgatewayBackend (its policies, its providers' and its
// MCP targets' policies), checked against the variables agentgateway provides in the phase where
// the field runs (validate/cel/agentgateway_env.h). The cluster accepts such a policy; the
// expression fails when a request evaluates it. Fields that do not parse are left to the
// controller's syntax check.
void CheckCelTypes(const model::Model& model, Resolution& resolution);

// Where byte `offset` of the expression `text` is in the file, given the position of the YAML
// scalar that holds it: the offset is added to the column when the scalar is a plain or a
// single-line quoted scalar whose text is `text` (escapes counted); otherwise, as for block
// scalars, the scalar's own position.
manifest::Position ExpressionPosition(const manifest::Position& scalar, std::string_view text,
                                      std::size_t offset);

}  // namespace agw::validate::resolve::internal
