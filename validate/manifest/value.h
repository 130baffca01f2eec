#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validate/manifest/source.h"

namespace agw::manifest {

struct MapEntry;

// A JSON-shaped value decoded from YAML or JSON that remembers where each node came from.
// Maps keep their keys in source order (as `kubectl apply` sends them), and scalars keep the
// text they were written as, so a diagnostic can quote what the user wrote.
class Value {
 public:
  enum class Type { kNull, kBool, kInt, kFloat, kString, kSequence, kMap };

  Value() = default;
  static Value Null(Position position);
  static Value Bool(bool value, std::string text, Position position);
  static Value Int(std::int64_t value, std::string text, Position position);
  static Value Float(double value, std::string text, Position position);
  static Value String(std::string value, Position position);
  static Value Sequence(Position position);
  static Value Map(Position position);

  Type type() const { return type_; }
  const Position& position() const { return position_; }
  void set_position(Position position) { position_ = position; }

  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_number() const { return type_ == Type::kInt || type_ == Type::kFloat; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_sequence() const { return type_ == Type::kSequence; }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_scalar() const { return !is_sequence() && !is_map(); }

  bool bool_value() const { return bool_; }
  std::int64_t int_value() const { return int_; }
  double float_value() const { return type_ == Type::kInt ? static_cast<double>(int_) : float_; }
  // For strings the string itself; for other scalars the text as written.
  const std::string& text() const { return text_; }

  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& mutable_items() { return items_; }
  const std::vector<MapEntry>& entries() const { return entries_; }
  std::vector<MapEntry>& mutable_entries() { return entries_; }

  // Map lookup; nullptr when this is not a map or has no such key.
  const Value* Find(std::string_view key) const;
  Value* FindMutable(std::string_view key);
  const MapEntry* FindEntry(std::string_view key) const;
  // Appends (or replaces) a map entry; returns the stored value.
  Value& Set(std::string key, Value value, Position key_position = {});
  void Push(Value value);

  // The JSON type name the Kubernetes API server uses in messages: "string", "integer",
  // "number", "boolean", "array", "object", "null".
  std::string_view JsonTypeName() const;

  nlohmann::ordered_json ToJson() const;
  // Builds a Value from JSON; every node gets `position` (used for defaults the API server
  // would insert, which have no source of their own).
  static Value FromJson(const nlohmann::ordered_json& json, Position position);

 private:
  Type type_ = Type::kNull;
  Position position_;
  bool bool_ = false;
  std::int64_t int_ = 0;
  double float_ = 0;
  std::string text_;
  std::vector<Value> items_;
  std::vector<MapEntry> entries_;
};

struct MapEntry {
  std::string key;
  Position key_position;
  Value value;
};

// Defined once MapEntry is complete: clang instantiates the members of vector<MapEntry> for the
// move of a Value in push_back, and rejects an incomplete element type there.
inline void Value::Push(Value value) { items_.push_back(std::move(value)); }

}  // namespace agw::manifest
