#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "validate/cel/ast.h"

namespace re2 {
class RE2;
}

namespace agw::validate::schema {

// CRDs are read as nlohmann::json (keys sorted, as Go serialises maps): parsing them with
// ordered_json, whose objects find keys by linear search, took 20 ms for the 200 KB compact
// AgentgatewayBackend CRD against 2 ms.
using Json = nlohmann::json;

// A CEL expression of a CRD, parsed on first use: once, by whichever thread needs it first, and
// shared by every rule of the CRD with the same text. Rules on fields a manifest never sets are
// never parsed (the built-in sets have about 3,000 rules; a run uses a few of them).
class RuleProgram {
 public:
  explicit RuleProgram(std::string source) : source_(std::move(source)) {}
  RuleProgram(const RuleProgram&) = delete;
  RuleProgram& operator=(const RuleProgram&) = delete;

  // The parsed expression, or null when it does not parse (see error()).
  const cel::Ast* ast() const;
  // The parse error ("1:7: Syntax error: ..."), or "".
  const std::string& error() const;
  // Whether the expression reads `oldSelf` (a transition rule).
  bool reads_old_self() const;

 private:
  void ParseOnce() const;

  std::string source_;
  mutable std::once_flag parsed_;
  mutable std::unique_ptr<const cel::Ast> ast_;
  mutable std::string error_;
  mutable bool reads_old_self_ = false;
};

// One `x-kubernetes-validations` entry, kept as written for the CEL evaluator.
struct ValidationRule {
  std::string rule;
  std::string message;
  std::string message_expression;
  std::string reason;      // FieldValueInvalid (default), FieldValueForbidden, ...
  std::string field_path;  // where the error is reported, relative to the node
  bool optional_old_self = false;

  std::shared_ptr<const RuleProgram> program;          // of `rule`
  std::shared_ptr<const RuleProgram> message_program;  // of message_expression, when set
};

// One node of a CRD's structural OpenAPI v3 schema, compiled once for validation: the
// keywords the API server enforces on custom resources (apiextensions-apiserver), with the
// documentation (`description`, `example`, `externalDocs`) left out. Immutable after
// CompileSchema; safe to share between threads.
struct Schema {
  enum class Type : std::uint8_t { kUnset, kObject, kArray, kString, kInteger, kNumber, kBoolean };

  Type type = Type::kUnset;
  bool nullable = false;
  bool int_or_string = false;            // x-kubernetes-int-or-string
  bool preserve_unknown_fields = false;  // x-kubernetes-preserve-unknown-fields
  bool embedded_resource = false;        // x-kubernetes-embedded-resource
  std::string format;                    // as written; which formats are checked is the validator's

  // Objects. Properties by name: the validator visits them in this (sorted) order, since the
  // API server's own order is that of a Go map, different on every request.
  std::map<std::string, Schema, std::less<>> properties;
  // The schema of keys not in `properties`: null when additionalProperties is absent or a
  // boolean (see additional_properties_allowed).
  std::unique_ptr<Schema> additional_properties;
  // additionalProperties: true (any value) or a schema; false when absent or `false`.
  bool additional_properties_allowed = false;
  std::vector<std::string> required;  // in the schema's order, the order errors come in
  std::optional<std::int64_t> min_properties, max_properties;

  // Arrays.
  std::unique_ptr<Schema> items;
  std::optional<std::int64_t> min_items, max_items;
  std::string list_type;                   // x-kubernetes-list-type: "", atomic, set or map
  std::vector<std::string> list_map_keys;  // x-kubernetes-list-map-keys

  // Strings. `pattern` is an unanchored RE2 search, as Go's regexp.MatchString; compiled once.
  std::optional<std::int64_t> min_length, max_length;
  std::string pattern;
  std::shared_ptr<const re2::RE2> pattern_regex;  // null when there is no pattern

  // Numbers.
  std::optional<double> minimum, maximum, multiple_of;
  bool exclusive_minimum = false, exclusive_maximum = false;

  // Any type.
  std::vector<Json> enum_values;
  std::optional<nlohmann::ordered_json> default_value;  // what manifest::Value::FromJson reads
  std::vector<Schema> all_of, any_of, one_of;
  std::unique_ptr<Schema> not_schema;
  std::vector<ValidationRule> rules;
  bool rules_below = false;  // this node or one below it has rules (set by CompileSchema)
  // A rule of this node or one below it mentions oldSelf (a transition rule).
  bool transition_rules_below = false;

  Schema() = default;
  Schema(Schema&&) = default;
  Schema& operator=(Schema&&) = default;

  // The property `name`, or null.
  const Schema* Property(std::string_view name) const;
  // The OpenAPI type name of `type` ("object", "string", ...; "" when unset).
  std::string_view TypeName() const;
  // Whether this node or any node below it has x-kubernetes-validations rules.
  bool HasRules() const;
};

// Compiles one schema node (an openAPIV3Schema or any node below it) from its JSON form. Fails
// with a message naming the JSON path of a keyword of the wrong shape or a pattern RE2 cannot
// compile (the API server would not have accepted such a CRD either).
tl::expected<Schema, std::string> CompileSchema(const Json& node);

}  // namespace agw::validate::schema
