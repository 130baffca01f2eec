// cel-go's optional types (cel.OptionalTypes), which the Kubernetes CEL environment enables for
// CRD rules: optional.of, optional.none, optional.ofNonZeroValue, hasValue, value, orValue, or,
// and the optional selection and indexing the parser makes of `a.?b` and `a[?k]`.

#include "validate/cel/library.h"

namespace agw::validate::cel::library {
namespace {

using K = Value::Kind;

Value None() { return Value::Optional(std::nullopt); }

// Whether `v` is its type's zero value, which optional.ofNonZeroValue turns into none.
bool IsZeroValue(const Value& v) {
  switch (v.kind()) {
    case K::kNull:
      return true;
    case K::kBool:
      return !v.bool_value();
    case K::kInt:
      return v.int_value() == 0;
    case K::kUint:
      return v.uint_value() == 0;
    case K::kDouble:
      return v.double_value() == 0;
    case K::kString:
    case K::kBytes:
      return v.text().empty();
    case K::kList:
      return v.list().empty();
    case K::kMap:
      return v.map().empty();
    case K::kDuration:
      return v.duration_nanos() == 0;
    case K::kTimestamp:
      return v.timestamp().seconds == 0 && v.timestamp().nanos == 0;
    case K::kOptional:
      return v.optional_value() == nullptr;
    default:
      return false;
  }
}

// `operand.?field` and `operand[?key]`: the entry as an optional, none when it is absent; an
// optional operand is looked into, none staying none.
std::optional<Value> OptionalEntry(const Value& operand, const Value& key, bool by_index) {
  if (operand.kind() == K::kOptional) {
    if (operand.optional_value() == nullptr) {
      return operand;
    }
    return OptionalEntry(*operand.optional_value(), key, by_index);
  }
  if (operand.kind() == K::kMap) {
    const Value* found = FindInMap(operand.map(), key);
    return found != nullptr ? Value::Optional(*found) : None();
  }
  if (by_index && operand.kind() == K::kList && key.kind() == K::kInt) {
    std::int64_t index = key.int_value();
    if (index < 0 || index >= static_cast<std::int64_t>(operand.list().size())) {
      return None();
    }
    return Value::Optional(operand.list()[static_cast<std::size_t>(index)]);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Value> CallOptional(std::string_view function, std::span<const Value> args) {
  if (function == "optional.none" && args.empty()) {
    return None();
  }
  if (args.size() == 1 && function == "optional.of") {
    return Value::Optional(args[0]);
  }
  if (args.size() == 1 && function == "optional.ofNonZeroValue") {
    return IsZeroValue(args[0]) ? None() : Value::Optional(args[0]);
  }
  if (args.size() == 2 && (function == "_?._" || function == "_[?_]")) {
    return OptionalEntry(args[0], args[1], function == "_[?_]");
  }
  if (args.empty() || args[0].kind() != K::kOptional) {
    return std::nullopt;
  }
  const Value* held = args[0].optional_value();
  if (args.size() == 1 && function == "hasValue") {
    return Value::Bool(held != nullptr);
  }
  if (args.size() == 1 && function == "value") {
    return held != nullptr ? *held : Value::Error("optional.none() dereference");
  }
  if (args.size() == 2 && function == "orValue") {
    return held != nullptr ? *held : args[1];
  }
  if (args.size() == 2 && function == "or" && args[1].kind() == K::kOptional) {
    return held != nullptr ? args[0] : args[1];
  }
  return std::nullopt;
}

}  // namespace agw::validate::cel::library
