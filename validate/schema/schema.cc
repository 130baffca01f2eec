#include "validate/schema/schema.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "validate/cel/parser.h"

namespace agw::validate::schema {
namespace {

// Where the compiler is, as a chain of segments written out only for an error message (building
// the path string of every keyword was half the time of compiling a CRD).
struct Path {
  const Path* parent = nullptr;
  std::string_view name;  // a member; unused for an index
  std::size_t index = 0;
  bool is_index = false;

  std::string ToString() const {
    std::string before = parent != nullptr ? parent->ToString() : std::string();
    if (is_index) {
      return before + "[" + std::to_string(index) + "]";
    }
    return before.empty() ? std::string(name) : before + "." + std::string(name);
  }
};

// Compiles nodes, remembering the JSON path of the node being read for error messages.
class Compiler {
 public:
  tl::expected<Schema, std::string> Compile(const Json& node, const Path& path) {
    if (!node.is_object()) {
      return Fail(path, "a schema must be an object");
    }
    Schema schema;
    for (const auto& [key, value] : node.items()) {
      Path at{&path, key};
      if (auto done = Keyword(schema, key, value, at); !done) {
        return tl::unexpected(done.error());
      }
    }
    schema.rules_below = !schema.rules.empty() || Below(schema, &Schema::rules_below);
    // Textual, so that no rule is parsed for it: a rule that reads oldSelf names it.
    schema.transition_rules_below =
        std::any_of(schema.rules.begin(), schema.rules.end(),
                    [](const ValidationRule& rule) {
                      return rule.rule.find("oldSelf") != std::string::npos;
                    }) ||
        Below(schema, &Schema::transition_rules_below);
    return schema;
  }

 private:
  using Status = tl::expected<void, std::string>;

  static tl::unexpected<std::string> Fail(const Path& path, std::string_view problem) {
    return tl::unexpected(path.ToString() + ": " + std::string(problem));
  }

  static Status Flag(bool& out, const Json& value, const Path& at) {
    if (!value.is_boolean()) {
      return Fail(at, "must be a boolean");
    }
    out = value.get<bool>();
    return {};
  }
  static Status Count(std::optional<std::int64_t>& out, const Json& value, const Path& at) {
    if (!value.is_number_integer()) {
      return Fail(at, "must be an integer");
    }
    out = value.get<std::int64_t>();
    return {};
  }
  static Status Number(std::optional<double>& out, const Json& value, const Path& at) {
    if (!value.is_number()) {
      return Fail(at, "must be a number");
    }
    out = value.get<double>();
    return {};
  }
  static Status Text(std::string& out, const Json& value, const Path& at) {
    if (!value.is_string()) {
      return Fail(at, "must be a string");
    }
    out = value.get<std::string>();
    return {};
  }
  static Status Texts(std::vector<std::string>& out, const Json& value, const Path& at) {
    if (!value.is_array()) {
      return Fail(at, "must be a list of strings");
    }
    for (const Json& item : value) {
      if (!item.is_string()) {
        return Fail(at, "must be a list of strings");
      }
      out.push_back(item.get<std::string>());
    }
    return {};
  }

  Status Child(std::unique_ptr<Schema>& out, const Json& value, const Path& at) {
    auto child = Compile(value, at);
    if (!child) {
      return tl::unexpected(child.error());
    }
    out = std::make_unique<Schema>(std::move(*child));
    return {};
  }
  Status Children(std::vector<Schema>& out, const Json& value, const Path& at) {
    if (!value.is_array()) {
      return Fail(at, "must be a list of schemas");
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      auto child = Compile(value[i], Path{&at, {}, i, true});
      if (!child) {
        return tl::unexpected(child.error());
      }
      out.push_back(std::move(*child));
    }
    return {};
  }

  static Status TypeOf(Schema& schema, const Json& value, const Path& at) {
    static const std::pair<std::string_view, Schema::Type> kTypes[] = {
        {"object", Schema::Type::kObject}, {"array", Schema::Type::kArray},
        {"string", Schema::Type::kString}, {"integer", Schema::Type::kInteger},
        {"number", Schema::Type::kNumber}, {"boolean", Schema::Type::kBoolean}};
    if (!value.is_string()) {
      return Fail(at, "must be a string");
    }
    for (const auto& [name, type] : kTypes) {
      if (value.get_ref<const std::string&>() == name) {
        schema.type = type;
        return {};
      }
    }
    return Fail(at, "unknown type \"" + value.get<std::string>() + "\"");
  }

  // Whether some child of `schema` has `flag` set.
  static bool Below(const Schema& schema, bool Schema::*flag) {
    for (const auto& [name, property] : schema.properties) {
      if (property.*flag) {
        return true;
      }
    }
    auto any = [flag](const std::vector<Schema>& schemas) {
      return std::any_of(schemas.begin(), schemas.end(),
                         [flag](const Schema& child) { return child.*flag; });
    };
    return (schema.additional_properties && (*schema.additional_properties).*flag) ||
           (schema.items && (*schema.items).*flag) ||
           (schema.not_schema && (*schema.not_schema).*flag) || any(schema.all_of) ||
           any(schema.any_of) || any(schema.one_of);
  }

  // The program of `source`, shared by every rule of the CRD with the same text (the
  // AgentgatewayBackend CRD repeats `duration(self) >= duration('1s')` 156 times).
  std::shared_ptr<const RuleProgram> Program(const std::string& source) {
    std::shared_ptr<const RuleProgram>& program = programs_[source];
    if (!program) {
      program = std::make_shared<const RuleProgram>(source);
    }
    return program;
  }

  Status Rules(Schema& schema, const Json& value, const Path& at) {
    if (!value.is_array()) {
      return Fail(at, "must be a list of rules");
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      const Json& entry = value[i];
      Path entry_at{&at, {}, i, true};
      if (!entry.is_object()) {
        return Fail(entry_at, "a rule must be an object");
      }
      ValidationRule rule;
      for (const auto& [key, field] : entry.items()) {
        Path field_at{&entry_at, key};
        Status done;
        if (key == "rule") {
          done = Text(rule.rule, field, field_at);
        } else if (key == "message") {
          done = Text(rule.message, field, field_at);
        } else if (key == "messageExpression") {
          done = Text(rule.message_expression, field, field_at);
        } else if (key == "reason") {
          done = Text(rule.reason, field, field_at);
        } else if (key == "fieldPath") {
          done = Text(rule.field_path, field, field_at);
        } else if (key == "optionalOldSelf") {
          done = Flag(rule.optional_old_self, field, field_at);
        }
        if (!done) {
          return done;
        }
      }
      if (rule.rule.empty()) {
        return Fail(entry_at, "a rule needs `rule`");
      }
      rule.program = Program(rule.rule);
      if (!rule.message_expression.empty()) {
        rule.message_program = Program(rule.message_expression);
      }
      schema.rules.push_back(std::move(rule));
    }
    return {};
  }

  Status Keyword(Schema& schema, const std::string& key, const Json& value, const Path& at) {
    if (key == "type") {
      return TypeOf(schema, value, at);
    }
    if (key == "nullable") {
      return Flag(schema.nullable, value, at);
    }
    if (key == "x-kubernetes-int-or-string") {
      return Flag(schema.int_or_string, value, at);
    }
    if (key == "x-kubernetes-preserve-unknown-fields") {
      return Flag(schema.preserve_unknown_fields, value, at);
    }
    if (key == "x-kubernetes-embedded-resource") {
      return Flag(schema.embedded_resource, value, at);
    }
    if (key == "format") {
      return Text(schema.format, value, at);
    }
    if (key == "properties") {
      if (!value.is_object()) {
        return Fail(at, "must map names to schemas");
      }
      for (const auto& [name, property] : value.items()) {
        auto child = Compile(property, Path{&at, name});
        if (!child) {
          return tl::unexpected(child.error());
        }
        schema.properties.emplace(name, std::move(*child));
      }
      return {};
    }
    if (key == "additionalProperties") {
      if (value.is_boolean()) {
        schema.additional_properties_allowed = value.get<bool>();
        return {};
      }
      schema.additional_properties_allowed = true;
      return Child(schema.additional_properties, value, at);
    }
    if (key == "required") {
      return Texts(schema.required, value, at);
    }
    if (key == "minProperties") {
      return Count(schema.min_properties, value, at);
    }
    if (key == "maxProperties") {
      return Count(schema.max_properties, value, at);
    }
    if (key == "items") {
      return Child(schema.items, value, at);
    }
    if (key == "minItems") {
      return Count(schema.min_items, value, at);
    }
    if (key == "maxItems") {
      return Count(schema.max_items, value, at);
    }
    if (key == "x-kubernetes-list-type") {
      return Text(schema.list_type, value, at);
    }
    if (key == "x-kubernetes-list-map-keys") {
      return Texts(schema.list_map_keys, value, at);
    }
    if (key == "minLength") {
      return Count(schema.min_length, value, at);
    }
    if (key == "maxLength") {
      return Count(schema.max_length, value, at);
    }
    if (key == "pattern") {
      if (auto done = Text(schema.pattern, value, at); !done) {
        return done;
      }
      // A CRD repeats its patterns (names, durations) under many parents: compile each once.
      std::shared_ptr<const RE2>& regex = patterns_[schema.pattern];
      if (!regex) {
        RE2::Options options;
        options.set_log_errors(false);
        regex = std::make_shared<const RE2>(schema.pattern, options);
      }
      if (!regex->ok()) {
        return Fail(at, "pattern does not compile: " + regex->error());
      }
      schema.pattern_regex = regex;
      return {};
    }
    if (key == "minimum") {
      return Number(schema.minimum, value, at);
    }
    if (key == "maximum") {
      return Number(schema.maximum, value, at);
    }
    if (key == "multipleOf") {
      return Number(schema.multiple_of, value, at);
    }
    if (key == "exclusiveMinimum") {
      return Flag(schema.exclusive_minimum, value, at);
    }
    if (key == "exclusiveMaximum") {
      return Flag(schema.exclusive_maximum, value, at);
    }
    if (key == "enum") {
      if (!value.is_array()) {
        return Fail(at, "must be a list");
      }
      schema.enum_values.assign(value.begin(), value.end());
      return {};
    }
    if (key == "default") {
      schema.default_value = value;
      return {};
    }
    if (key == "allOf") {
      return Children(schema.all_of, value, at);
    }
    if (key == "anyOf") {
      return Children(schema.any_of, value, at);
    }
    if (key == "oneOf") {
      return Children(schema.one_of, value, at);
    }
    if (key == "not") {
      return Child(schema.not_schema, value, at);
    }
    if (key == "x-kubernetes-validations") {
      return Rules(schema, value, at);
    }
    // description, example, externalDocs, title, x-kubernetes-map-type and the like do not
    // take part in validation.
    return {};
  }

  std::map<std::string, std::shared_ptr<const RE2>> patterns_;
  std::map<std::string, std::shared_ptr<const RuleProgram>> programs_;
};

bool ReadsOldSelf(const cel::Expr& expr) {
  if (expr.kind == cel::Expr::Kind::kIdent && expr.name == "oldSelf") {
    return true;
  }
  auto reads = [](const cel::ExprPtr& child) { return child && ReadsOldSelf(*child); };
  if (reads(expr.target)) {
    return true;
  }
  for (const cel::ExprPtr& arg : expr.args) {
    if (reads(arg)) {
      return true;
    }
  }
  for (const cel::Entry& entry : expr.entries) {
    if (reads(entry.key) || reads(entry.value)) {
      return true;
    }
  }
  if (const cel::Comprehension* c = expr.comprehension.get()) {
    return reads(c->iter_range) || reads(c->accu_init) || reads(c->loop_condition) ||
           reads(c->loop_step) || reads(c->result);
  }
  return false;
}

}  // namespace

void RuleProgram::ParseOnce() const {
  std::call_once(parsed_, [this] {
    cel::ParseOptions options;
    options.enable_optional_syntax = true;  // the Kubernetes CEL environment's OptionalTypes
    options.enable_two_var_comprehensions = true;
    auto parsed = cel::Parse(source_, options);
    if (!parsed) {
      error_ = parsed.error().ToString();
      return;
    }
    ast_ = std::make_unique<const cel::Ast>(std::move(*parsed));
    reads_old_self_ = ReadsOldSelf(*ast_->root);
  });
}

const cel::Ast* RuleProgram::ast() const {
  ParseOnce();
  return ast_.get();
}

const std::string& RuleProgram::error() const {
  ParseOnce();
  return error_;
}

bool RuleProgram::reads_old_self() const {
  ParseOnce();
  return reads_old_self_;
}

const Schema* Schema::Property(std::string_view name) const {
  auto found = properties.find(name);
  return found == properties.end() ? nullptr : &found->second;
}

bool Schema::HasRules() const { return rules_below; }

std::string_view Schema::TypeName() const {
  switch (type) {
    case Type::kObject:
      return "object";
    case Type::kArray:
      return "array";
    case Type::kString:
      return "string";
    case Type::kInteger:
      return "integer";
    case Type::kNumber:
      return "number";
    case Type::kBoolean:
      return "boolean";
    case Type::kUnset:
      break;
  }
  return "";
}

tl::expected<Schema, std::string> CompileSchema(const Json& node) {
  return Compiler().Compile(node, Path{nullptr, "openAPIV3Schema"});
}

}  // namespace agw::validate::schema
