// ValidateRules: the API server's x-kubernetes-validations pass over a custom resource on
// create (apiextensions-apiserver pkg/apiserver/schema/cel/validation.go, Kubernetes 1.32/1.33),
// with `self` built the way k8s.io/apiserver/pkg/cel/common's UnstructuredToVal types the
// object by its schema. See ../shared/reference/gateway-api.md §3.4 and §4.3.

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "validate/cel/eval.h"
#include "validate/cel/time.h"
#include "validate/manifest/base64.h"
#include "validate/schema/validator.h"

namespace agw::validate::schema {
namespace {

using manifest::Value;

// Where the walk is, written out only for an error: field.Path's `a.b`, `[0]` and `[key]`.
struct PathLink {
  const PathLink* parent = nullptr;
  enum class Kind { kField, kIndex, kKey } kind = Kind::kField;
  std::string_view name;
  std::size_t index = 0;

  std::string ToString() const {
    std::string before = parent != nullptr ? parent->ToString() : std::string();
    switch (kind) {
      case Kind::kIndex:
        return before + "[" + std::to_string(index) + "]";
      case Kind::kKey:
        return before + "[" + std::string(name) + "]";
      case Kind::kField:
        break;
    }
    return before.empty() ? std::string(name) : before + "." + std::string(name);
  }
};

std::string PathText(const PathLink* path) { return path != nullptr ? path->ToString() : ""; }

// The CEL words a property name may not be used as, so that `namespace` is read as
// `self.__namespace__` (k8s.io/apiserver/pkg/cel escaping.go).
constexpr std::array<std::string_view, 21> kReservedWords = {
    "true",     "false",   "null",      "in",       "as",  "break",  "const",
    "continue", "else",    "for",       "function", "if",  "import", "let",
    "loop",     "package", "namespace", "return",   "var", "void",   "while"};

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

// The CEL field name of property `name`: itself when it is a plain identifier; with `__` as
// `__underscores__`, `.` `__dot__`, `-` `__dash__` and `/` `__slash__`; a reserved word as
// `__word__`. Empty when the name has other characters (CEL cannot read it).
std::string EscapedName(std::string_view name) {
  if (name.empty()) {
    return {};
  }
  if (std::find(kReservedWords.begin(), kReservedWords.end(), name) != kReservedWords.end()) {
    return "__" + std::string(name) + "__";
  }
  bool plain = IsIdentStart(name[0]) && name.find("__") == std::string_view::npos &&
               std::all_of(name.begin(), name.end(), IsIdentChar);
  if (plain) {
    return std::string(name);
  }
  auto allowed = [](char c) { return IsIdentChar(c) || c == '.' || c == '-' || c == '/'; };
  if (!(IsIdentStart(name[0]) || name[0] == '.' || name[0] == '-' || name[0] == '/') ||
      !std::all_of(name.begin(), name.end(), allowed)) {
    return {};
  }
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.compare(i, 2, "__") == 0) {
      out += "__underscores__";
      ++i;
    } else if (name[i] == '.') {
      out += "__dot__";
    } else if (name[i] == '-') {
      out += "__dash__";
    } else if (name[i] == '/') {
      out += "__slash__";
    } else {
      out.push_back(name[i]);
    }
  }
  return out;
}

cel::Value Untyped(const Value& value);

cel::Value Scalar(const Value& value) {
  switch (value.type()) {
    case Value::Type::kBool:
      return cel::Value::Bool(value.bool_value());
    case Value::Type::kInt:
      return cel::Value::Int(value.int_value());
    case Value::Type::kFloat:
      return cel::Value::Double(value.float_value());
    case Value::Type::kString:
      return cel::Value::String(value.text());
    default:
      return cel::Value();
  }
}

// A value under no schema (x-kubernetes-preserve-unknown-fields without a type): as decoded.
cel::Value Untyped(const Value& value) {
  if (value.is_sequence()) {
    cel::ValueList items;
    items.reserve(value.items().size());
    for (const Value& item : value.items()) {
      items.push_back(Untyped(item));
    }
    return cel::Value::List(std::move(items));
  }
  if (value.is_map()) {
    cel::ValueMap entries;
    entries.reserve(value.entries().size());
    for (const manifest::MapEntry& entry : value.entries()) {
      entries.emplace_back(cel::Value::String(entry.key), Untyped(entry.value));
    }
    return cel::Value::Map(std::move(entries));
  }
  return Scalar(value);
}

// A string of format duration, date, date-time or byte as the CEL type the server gives it;
// an error value when it does not read as one (the schema check reports such a value first).
cel::Value FormattedString(const Schema& schema, const Value& value) {
  const std::string& text = value.text();
  if (schema.format == "duration") {
    std::optional<std::int64_t> nanos = cel::ParseGoDuration(text);
    if (nanos) {
      return cel::Value::Duration(*nanos);
    }
    return cel::Value::Error("Invalid duration " + text);
  }
  if (schema.format == "date-time" || schema.format == "date") {
    std::optional<cel::Timestamp> time =
        cel::ParseTimestamp(schema.format == "date" ? text + "T00:00:00Z" : text);
    if (time && (schema.format == "date-time" || text.size() == 10)) {
      return cel::Value::TimestampOf(*time);
    }
    return cel::Value::Error("Invalid " + schema.format + " formatted value " + text);
  }
  if (schema.format == "byte") {
    manifest::Base64Result decoded = manifest::DecodeBase64(text);
    if (!decoded.error_offset) {
      return cel::Value::Bytes(std::move(decoded.bytes));
    }
    return cel::Value::Error("Invalid byte formatted value " + text);
  }
  return Scalar(value);
}

// `value` as CEL sees it under `schema`: objects with properties as objects whose fields are
// the escaped property names (other keys are invisible), objects with additionalProperties as
// maps, integers as int, numbers as double, strings of format duration, date, date-time and
// byte as durations, timestamps and bytes. The root of a resource (and an embedded resource)
// shows apiVersion, kind and of its metadata only name and generateName.
cel::Value ToCel(const Schema& schema, const Value& value, bool resource_root) {
  if (value.is_null()) {
    return cel::Value();
  }
  if (schema.int_or_string) {
    return Scalar(value);
  }
  switch (schema.type) {
    case Schema::Type::kObject: {
      if (!value.is_map()) {
        return Untyped(value);
      }
      bool resource = resource_root || schema.embedded_resource;
      cel::ValueMap entries;
      if (!schema.properties.empty() || resource) {
        entries.reserve(value.entries().size());
        for (const manifest::MapEntry& entry : value.entries()) {
          if (resource && (entry.key == "apiVersion" || entry.key == "kind")) {
            entries.emplace_back(cel::Value::String(entry.key), Scalar(entry.value));
            continue;
          }
          if (resource && entry.key == "metadata") {
            cel::ValueMap metadata;
            for (std::string_view field : {"name", "generateName"}) {
              if (const Value* text = entry.value.Find(field);
                  text != nullptr && text->is_string()) {
                metadata.emplace_back(cel::Value::String(std::string(field)), Scalar(*text));
              }
            }
            entries.emplace_back(cel::Value::String(entry.key),
                                 cel::Value::Map(std::move(metadata)));
            continue;
          }
          const Schema* property = schema.Property(entry.key);
          // A null field of an object reads as absent: has() is false, as on the server.
          if (property == nullptr || entry.value.is_null()) {
            continue;
          }
          std::string name = EscapedName(entry.key);
          if (name.empty()) {
            continue;
          }
          entries.emplace_back(cel::Value::String(std::move(name)),
                               ToCel(*property, entry.value, false));
        }
      } else if (schema.additional_properties) {
        entries.reserve(value.entries().size());
        for (const manifest::MapEntry& entry : value.entries()) {
          entries.emplace_back(cel::Value::String(entry.key),
                               ToCel(*schema.additional_properties, entry.value, false));
        }
      } else if (!schema.preserve_unknown_fields) {
        return Untyped(value);
      }
      // An object that only preserves unknown fields reads as empty, as on the server.
      return cel::Value::Map(std::move(entries));
    }
    case Schema::Type::kArray: {
      if (!value.is_sequence() || !schema.items) {
        return Untyped(value);
      }
      cel::ValueList items;
      items.reserve(value.items().size());
      for (const Value& item : value.items()) {
        items.push_back(ToCel(*schema.items, item, false));
      }
      if (schema.list_type == "set") {
        return cel::Value::SetList(std::move(items));
      }
      if (schema.list_type == "map") {
        return cel::Value::MapList(std::move(items), schema.list_map_keys);
      }
      return cel::Value::List(std::move(items));
    }
    case Schema::Type::kInteger:
      if (value.type() == Value::Type::kFloat) {
        return cel::Value::Int(static_cast<std::int64_t>(value.float_value()));
      }
      return Scalar(value);
    case Schema::Type::kNumber:
      if (value.is_int()) {
        return cel::Value::Double(static_cast<double>(value.int_value()));
      }
      return Scalar(value);
    case Schema::Type::kString:
      if (value.is_string() && !schema.format.empty()) {
        return FormattedString(schema, value);
      }
      return Scalar(value);
    default:
      return Untyped(value);
  }
}

// The field `name` of a converted object, or null.
const cel::Value* FieldOf(const cel::Value* object, std::string_view name) {
  if (object == nullptr || object->kind() != cel::Value::Kind::kMap) {
    return nullptr;
  }
  for (const auto& [key, field] : object->map()) {
    if (key.kind() == cel::Value::Kind::kString && key.text() == name) {
      return &field;
    }
  }
  return nullptr;
}

std::string TrimSpace(std::string_view text) {
  const std::string_view space = " \t\n\v\f\r";
  std::size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) {
    return {};
  }
  return std::string(text.substr(begin, text.find_last_not_of(space) - begin + 1));
}

// The rule's message, or its text when it has none (ruleErrorString).
std::string RuleName(const ValidationRule& rule) {
  return TrimSpace(rule.message.empty() ? rule.rule : rule.message);
}

// The item of `old_items` that a map-list item correlates with: the one with equal values in
// every x-kubernetes-list-map-keys field (the API server's correlation on update).
const Value* CorrelatedItem(const Schema& types, const Value& item, const Value* old_items) {
  if (old_items == nullptr || !old_items->is_sequence() || types.list_type != "map" ||
      types.list_map_keys.empty() || !item.is_map()) {
    return nullptr;
  }
  for (const Value& candidate : old_items->items()) {
    if (!candidate.is_map()) {
      continue;
    }
    bool same = std::all_of(types.list_map_keys.begin(), types.list_map_keys.end(),
                            [&](const std::string& key) {
                              const Value* mine = item.Find(key);
                              const Value* theirs = candidate.Find(key);
                              if (mine == nullptr || theirs == nullptr) {
                                return mine == theirs;
                              }
                              return manifest::SameJson(*mine, *theirs);
                            });
    if (same) {
      return &candidate;
    }
  }
  return nullptr;
}

class RuleWalker {
 public:
  RuleWalker(std::vector<FieldError>& errors, const RuleObserver& observer,
             bool transitions_only = false)
      : errors_(errors), observer_(observer), transitions_only_(transitions_only) {}

  // `rules` holds the rules to run (the node's schema, or one of its allOf branches), `types`
  // the schema the value is typed by. `self` is the node's converted value when an ancestor
  // already converted it. `old` is the value the node correlates with in the old object (on
  // update): the same field, map key, or map-list item with the same keys; null when none.
  void Visit(const Schema& rules, const Schema& types, const Value& value, const cel::Value* self,
             const PathLink* path, bool resource_root, const Value* old = nullptr) {
    if (stopped_ || value.is_null() || !rules.rules_below) {
      return;
    }
    if (transitions_only_ && (old == nullptr || !rules.transition_rules_below)) {
      return;
    }
    // Converting a node costs; on update only the nodes with transition rules need it.
    bool runs_rules = transitions_only_
                          ? std::any_of(rules.rules.begin(), rules.rules.end(),
                                        [](const ValidationRule& rule) {
                                          return rule.rule.find("oldSelf") != std::string::npos;
                                        })
                          : !rules.rules.empty();
    cel::Value converted;
    if (self == nullptr && (runs_rules || (!transitions_only_ && !rules.all_of.empty()))) {
      converted = ToCel(types, value, resource_root);
      self = &converted;
    }
    if (runs_rules) {
      RunRules(rules, types, value, *self, path, old, resource_root);
    }
    for (const Schema& branch : rules.all_of) {
      Visit(branch, types, value, self, path, resource_root, old);
    }
    auto old_field = [old](const std::string& key) -> const Value* {
      return old != nullptr && old->is_map() ? old->Find(key) : nullptr;
    };
    if (value.is_map()) {
      if (rules.additional_properties && types.additional_properties) {
        for (const manifest::MapEntry& entry : value.entries()) {
          PathLink child{path, PathLink::Kind::kKey, entry.key};
          Visit(*rules.additional_properties, *types.additional_properties, entry.value,
                FieldOf(self, entry.key), &child, false, old_field(entry.key));
        }
      }
      if (!rules.properties.empty()) {
        for (const manifest::MapEntry& entry : value.entries()) {
          const Schema* rule_child = rules.Property(entry.key);
          const Schema* type_child = types.Property(entry.key);
          if (rule_child == nullptr || type_child == nullptr || !rule_child->rules_below ||
              (transitions_only_ && !rule_child->transition_rules_below)) {
            continue;
          }
          PathLink child{path, PathLink::Kind::kField, entry.key};
          const cel::Value* child_self = nullptr;
          if (self != nullptr) {
            std::string name = EscapedName(entry.key);
            child_self = FieldOf(self, name);
          }
          Visit(*rule_child, *type_child, entry.value, child_self, &child, false,
                old_field(entry.key));
        }
      }
    } else if (value.is_sequence() && rules.items && types.items) {
      const cel::ValueList* items =
          self != nullptr && self->kind() == cel::Value::Kind::kList ? &self->list() : nullptr;
      for (std::size_t i = 0; i < value.items().size(); ++i) {
        PathLink child{path, PathLink::Kind::kIndex, {}, i};
        const cel::Value* item = items != nullptr && i < items->size() ? &(*items)[i] : nullptr;
        Visit(*rules.items, *types.items, value.items()[i], item, &child, false,
              CorrelatedItem(types, value.items()[i], old));
      }
    }
  }

 private:
  std::vector<FieldError>& errors_;
  const RuleObserver& observer_;
  bool stopped_ = false;  // the cost limit ended validation
  // Only the rules that read oldSelf, against the correlated old values (ValidateTransitions).
  bool transitions_only_ = false;

  void Add(FieldError::Type type, const PathLink* path, const Schema& types, std::string detail,
           const Value& at) {
    errors_.push_back(Made(type, PathText(path), types, std::move(detail), at));
  }

  void RunRules(const Schema& rules, const Schema& types, const Value& value,
                const cel::Value& self, const PathLink* path, const Value* old,
                bool resource_root) {
    cel::Activation vars;
    vars.Bind("self", self);
    cel::Activation optional_old_self(&vars);
    // On create there is no old object: `oldSelf` is optional.none() for the rules that ask
    // for an optional one, and the other transition rules do not run.
    optional_old_self.Bind("oldSelf", cel::Value::Optional(std::nullopt));
    // On update (transitions_only_, `old` set) oldSelf is the correlated old value, for the
    // rule and its messageExpression alike.
    cel::Value old_self;
    cel::Activation with_old_self(&vars);
    if (transitions_only_ && old != nullptr) {
      old_self = ToCel(types, *old, resource_root);
      with_old_self.Bind("oldSelf", old_self);
      optional_old_self.Bind("oldSelf", cel::Value::Optional(old_self));
    }
    for (const ValidationRule& rule : rules.rules) {
      if (transitions_only_ && !rule.program->reads_old_self()) {
        continue;
      }
      const cel::Ast* program = rule.program->ast();
      const cel::Ast* message_program =
          rule.message_program ? rule.message_program->ast() : nullptr;
      if (program == nullptr || (rule.message_program && message_program == nullptr)) {
        std::string error = program == nullptr
                                ? rule.program->error()
                                : "messageExpression: " + rule.message_program->error();
        Add(FieldError::Type::kInvalid, path, types, "rule compile error: " + error, value);
        continue;
      }
      if (rule.program->reads_old_self() && !rule.optional_old_self && !transitions_only_) {
        continue;
      }
      const cel::Activation& activation = rule.optional_old_self ? optional_old_self
                                          : transitions_only_    ? with_old_self
                                                                 : vars;
      cel::Value result = cel::Evaluate(*program->root, activation);
      if (observer_) {
        observer_(rule, self, result);
      }
      if (result.is_error()) {
        const std::string& message = result.text();
        if (message.starts_with("no such overload")) {
          Add(FieldError::Type::kInvalid, path, types,
              "'" + message +
                  "': call arguments did not match a supported operator, function or macro "
                  "signature for rule: " +
                  RuleName(rule),
              value);
        } else if (message.starts_with("operation cancelled: actual cost limit exceeded")) {
          Add(FieldError::Type::kInvalid, path, types,
              "'" + message +
                  "': no further validation rules will be run due to call cost exceeds limit "
                  "for rule: " +
                  RuleName(rule),
              value);
          stopped_ = true;
          return;
        } else {
          Add(FieldError::Type::kInvalid, path, types,
              message + " evaluating rule: " + RuleName(rule), value);
        }
        continue;
      }
      if (result.kind() == cel::Value::Kind::kBool && result.bool_value()) {
        continue;
      }
      // Message expressions never see oldSelf on create, even for optionalOldSelf rules.
      Fail(rule, types, value, transitions_only_ ? with_old_self : vars, path);
      if (stopped_) {
        return;
      }
    }
  }

  // The error of a rule that evaluated to false: at the node, or at its fieldPath.
  void Fail(const ValidationRule& rule, const Schema& types, const Value& value,
            const cel::Activation& activation, const PathLink* path) {
    std::string where = PathText(path);
    const Value* at = &value;
    if (!rule.field_path.empty()) {
      std::string suffix = FollowFieldPath(rule.field_path, types, at);
      // The server appends the normalized path as one child segment, so a map key right below
      // the node prints as `spec.labels.[k]`.
      where = where.empty() ? suffix : where + "." + suffix;
    }
    std::string detail;
    if (const cel::Ast* message_program =
            rule.message_program ? rule.message_program->ast() : nullptr) {
      cel::Value message = cel::Evaluate(*message_program->root, activation);
      if (message.is_error() &&
          message.text().starts_with("operation cancelled: actual cost limit exceeded")) {
        errors_.push_back(Made(FieldError::Type::kInvalid, where, types,
                               "no further validation rules will be run due to call cost exceeds "
                               "limit for messageExpression: " +
                                   GoQuote(rule.message_expression),
                               *at));
        stopped_ = true;
        return;
      }
      // Otherwise a message expression that fails, is not a string, is empty or spans lines
      // falls back to the message.
      if (message.kind() == cel::Value::Kind::kString) {
        std::string text = TrimSpace(message.text());
        if (!text.empty() && text.find('\n') == std::string::npos && text.size() <= 5 * 1024) {
          detail = std::move(text);
        }
      }
    }
    if (detail.empty()) {
      detail = rule.message.empty() ? "failed rule: " + RuleName(rule) : TrimSpace(rule.message);
    }
    FieldError::Type type = FieldError::Type::kInvalid;
    if (rule.reason == "FieldValueForbidden") {
      type = FieldError::Type::kForbidden;
    }
    if (rule.reason == "FieldValueRequired") {
      type = FieldError::Type::kRequired;
    }
    if (rule.reason == "FieldValueDuplicate") {
      type = FieldError::Type::kDuplicate;
      detail.clear();
    }
    errors_.push_back(Made(type, where, types, std::move(detail), *at));
  }

  static FieldError Made(FieldError::Type type, std::string path, const Schema& types,
                         std::string detail, const Value& at) {
    FieldError error;
    error.type = type;
    error.path = std::move(path);
    if (type == FieldError::Type::kInvalid || type == FieldError::Type::kDuplicate) {
      error.value = GoQuote(types.TypeName());
    }
    error.detail = std::move(detail);
    error.position = at.position();
    return error;
  }

  // A rule's fieldPath (`.a.b`, `.a['b.c']`, `['k']`) as field.Path renders it below the node,
  // and the node it names in `at` when the object has it. The API server checked the path
  // against the schema when the CRD was created.
  static std::string FollowFieldPath(std::string_view field_path, const Schema& types,
                                     const Value*& at) {
    std::string out;
    const Schema* schema = &types;
    const Value* node = at;
    std::size_t i = 0;
    while (i < field_path.size()) {
      std::string name;
      if (field_path[i] == '.') {
        std::size_t end = field_path.find_first_of(".[", i + 1);
        if (end == std::string_view::npos) {
          end = field_path.size();
        }
        name = std::string(field_path.substr(i + 1, end - i - 1));
        i = end;
      } else if (field_path.compare(i, 2, "['") == 0) {
        std::size_t end = field_path.find("']", i + 2);
        if (end == std::string_view::npos) {
          break;
        }
        name = std::string(field_path.substr(i + 2, end - i - 2));
        i = end + 2;
      } else {
        break;
      }
      bool named = schema != nullptr && !schema->properties.empty();
      if (named) {
        out += out.empty() ? name : "." + name;
        schema = schema->Property(name);
      } else {
        out += "[" + name + "]";
        schema = schema != nullptr ? schema->additional_properties.get() : nullptr;
      }
      node = node != nullptr ? node->Find(name) : nullptr;
      if (node != nullptr) {
        at = node;
      }
    }
    return out;
  }
};

}  // namespace

std::vector<FieldError> ValidateRules(const Schema& root, const manifest::Value& object,
                                      const RuleObserver& observer) {
  std::vector<FieldError> errors;
  RuleWalker(errors, observer).Visit(root, root, object, nullptr, nullptr, true);
  return errors;
}

std::vector<FieldError> ValidateTransitions(const Schema& root, const manifest::Value& object,
                                            const manifest::Value& old_object) {
  std::vector<FieldError> errors;
  RuleWalker(errors, {}, /*transitions_only=*/true)
      .Visit(root, root, object, nullptr, nullptr, true, &old_object);
  return errors;
}

}  // namespace agw::validate::schema
