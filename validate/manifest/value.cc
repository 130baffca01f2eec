#include "validate/manifest/value.h"

#include <algorithm>

namespace agw::validate::manifest {

Value Value::Null(Position position) {
  Value v;
  v.type_ = Type::kNull;
  v.position_ = position;
  v.text_ = "null";
  return v;
}

Value Value::Bool(bool value, std::string text, Position position) {
  Value v;
  v.type_ = Type::kBool;
  v.scalar_.boolean = value;
  v.text_ = std::move(text);
  v.position_ = position;
  return v;
}

Value Value::Int(std::int64_t value, std::string text, Position position) {
  Value v;
  v.type_ = Type::kInt;
  v.scalar_.integer = value;
  v.text_ = std::move(text);
  v.position_ = position;
  return v;
}

Value Value::Float(double value, std::string text, Position position) {
  Value v;
  v.type_ = Type::kFloat;
  v.scalar_.number = value;
  v.text_ = std::move(text);
  v.position_ = position;
  return v;
}

Value Value::String(std::string value, Position position) {
  Value v;
  v.type_ = Type::kString;
  v.text_ = std::move(value);
  v.position_ = position;
  return v;
}

Value Value::Sequence(Position position) {
  Value v;
  v.type_ = Type::kSequence;
  v.position_ = position;
  return v;
}

Value Value::Map(Position position) {
  Value v;
  v.type_ = Type::kMap;
  v.position_ = position;
  return v;
}

const MapEntry* Value::FindEntry(std::string_view key) const {
  if (type_ != Type::kMap) {
    return nullptr;
  }
  for (const MapEntry& entry : entries()) {
    if (entry.key == key) {
      return &entry;
    }
  }
  return nullptr;
}

const Value* Value::Find(std::string_view key) const {
  const MapEntry* entry = FindEntry(key);
  return entry == nullptr ? nullptr : &entry->value;
}

Value* Value::FindMutable(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->Find(key));
}

Value& Value::Set(std::string key, Value value, Position key_position) {
  if (Value* existing = FindMutable(key)) {
    *existing = std::move(value);
    return *existing;
  }
  std::vector<MapEntry>& entries = mutable_entries();
  entries.push_back(MapEntry{std::move(key), key_position, std::move(value)});
  return entries.back().value;
}

std::string_view Value::JsonTypeName() const {
  switch (type_) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kInt:
      return "integer";
    case Type::kFloat:
      return "number";
    case Type::kString:
      return "string";
    case Type::kSequence:
      return "array";
    case Type::kMap:
      return "object";
  }
  return "null";
}

nlohmann::ordered_json Value::ToJson() const {
  switch (type_) {
    case Type::kNull:
      return nullptr;
    case Type::kBool:
      return scalar_.boolean;
    case Type::kInt:
      return scalar_.integer;
    case Type::kFloat:
      return scalar_.number;
    case Type::kString:
      return text_;
    case Type::kSequence: {
      auto array = nlohmann::ordered_json::array();
      for (const Value& item : items()) {
        array.push_back(item.ToJson());
      }
      return array;
    }
    case Type::kMap: {
      auto object = nlohmann::ordered_json::object();
      for (const MapEntry& entry : entries()) {
        object[entry.key] = entry.value.ToJson();
      }
      return object;
    }
  }
  return nullptr;
}

Value Value::FromJson(const nlohmann::ordered_json& json, Position position) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return Bool(json.get<bool>(), json.dump(), position);
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return Int(json.get<std::int64_t>(), json.dump(), position);
    case nlohmann::json::value_t::number_float:
      return Float(json.get<double>(), json.dump(), position);
    case nlohmann::json::value_t::string:
      return String(json.get<std::string>(), position);
    case nlohmann::json::value_t::array: {
      Value v = Sequence(position);
      for (const auto& item : json) {
        v.Push(FromJson(item, position));
      }
      return v;
    }
    case nlohmann::json::value_t::object: {
      Value v = Map(position);
      for (const auto& [key, item] : json.items()) {
        v.Set(key, FromJson(item, position), position);
      }
      return v;
    }
    default:
      return Null(position);
  }
}

bool SameJson(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) {
      return a.int_value() == b.int_value();
    }
    return a.float_value() == b.float_value();
  }
  if (a.type() != b.type()) {
    return false;
  }
  switch (a.type()) {
    case Value::Type::kNull:
      return true;
    case Value::Type::kBool:
      return a.bool_value() == b.bool_value();
    case Value::Type::kString:
      return a.text() == b.text();
    case Value::Type::kSequence:
      return std::equal(a.items().begin(), a.items().end(), b.items().begin(), b.items().end(),
                        SameJson);
    case Value::Type::kMap: {
      if (a.entries().size() != b.entries().size()) {
        return false;
      }
      for (const MapEntry& entry : a.entries()) {
        const Value* other = b.Find(entry.key);
        if (other == nullptr || !SameJson(entry.value, *other)) {
          return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace agw::validate::manifest
