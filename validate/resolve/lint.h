#pragma once

// Internal to validate/resolve: checks users ask for that go beyond what the controller reports.

#include "validate/resolve/index.h"
#include "validate/resolve/resolve.h"

namespace agw::validate::resolve::internal {

// Adds lint findings about `model` to `resolution.findings`: rules and routes that can never be
// selected, listeners and backends nothing uses, credentials committed in Secrets, and AI
// backends that rewrite (or fail to rewrite) the path a route matched.
void Lint(const model::Model& model, const ObjectIndex& index, Resolution& resolution);

}  // namespace agw::validate::resolve::internal
