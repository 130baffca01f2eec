#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/value.h"

namespace agw::model {

// A `default:` from a CRD's OpenAPI schema: at `path` (".spec.rules[*].matches", "[*]" for
// every array item) the API server writes `json` when the field is absent or null and its
// parent object exists. Arrays are defaulted only when absent, never when empty.
struct SchemaDefault {
  std::string group;
  std::string kind;
  std::string path;
  std::string json;
};

// Every spec default of the kinds the model decodes: Gateway API v1.4.0 standard
// (Gateway, HTTPRoute, GRPCRoute) and agentgateway v1.4.1 (AgentgatewayBackend,
// AgentgatewayPolicy). Kept in code so a build without the CRDs defaults like the cluster does;
// tests/model/defaults_test.cc checks this table against the real CRDs.
const std::vector<SchemaDefault>& SchemaDefaults();

// Applies the defaults of `group`/`kind` to `object` top-down, as the API server does before
// the controller sees the object. Inserted values take the position of the object that
// received them.
void ApplySchemaDefaults(std::string_view group, std::string_view kind, manifest::Value& object);

}  // namespace agw::model
