#include "validate/model/reader.h"

#include <limits>

namespace agw::validate::model {

Reader::Reader(const Value* value, std::string path, Context& context)
    : value_(value != nullptr && value->is_null() ? nullptr : value),
      path_(std::move(path)),
      context_(&context) {}

Position Reader::position() const {
  return value_ != nullptr ? value_->position() : context_->fields.Find(path_);
}

std::string Reader::ChildPath(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const Value* Reader::Field(std::string_view key) const {
  if (value_ == nullptr || !value_->is_map()) {
    return nullptr;
  }
  const Value* child = value_->Find(key);
  if (child == nullptr || child->is_null()) {
    return nullptr;
  }
  return child;
}

void Reader::Error(std::string_view code, std::string_view field_path, Position position,
                   std::string message) const {
  manifest::Diagnostic d;
  d.code = std::string(code);
  d.message = std::move(message);
  d.position = position;
  d.field_path = std::string(field_path);
  d.resource = context_->resource;
  context_->sink.Add(std::move(d));
}

bool Reader::Expect(const Value& child, std::string_view child_path, Value::Type type,
                    std::string_view type_name) const {
  if (child.type() == type) {
    return true;
  }
  if (!context_->report_schema_errors) {
    return false;
  }
  // kube-openapi: `<path> in body must be of type <type>: "<actual>"`.
  std::string actual(child.JsonTypeName());
  Error("invalid-type", child_path, child.position(),
        std::string(child_path) + ": Invalid value: \"" + actual +
            "\": " + std::string(child_path) + " in body must be of type " +
            std::string(type_name) + ": \"" + actual + "\"");
  return false;
}

Reader Reader::Object(std::string_view key) const {
  std::string child_path = ChildPath(key);
  const Value* child = Field(key);
  if (child == nullptr || !Expect(*child, child_path, Value::Type::kMap, "object")) {
    return Reader(nullptr, child_path, *context_);
  }
  return Reader(child, child_path, *context_);
}

std::vector<Reader> Reader::Objects(std::string_view key) const {
  std::vector<Reader> items;
  std::string child_path = ChildPath(key);
  const Value* child = Field(key);
  if (child == nullptr || !Expect(*child, child_path, Value::Type::kSequence, "array")) {
    return items;
  }
  for (std::size_t i = 0; i < child->items().size(); ++i) {
    const Value& item = child->items()[i];
    std::string item_path = child_path + "[" + std::to_string(i) + "]";
    if (item.is_null()) {
      continue;
    }
    if (!Expect(item, item_path, Value::Type::kMap, "object")) {
      continue;
    }
    items.emplace_back(&item, item_path, *context_);
  }
  return items;
}

std::optional<std::string> Reader::String(std::string_view key) const {
  const Value* child = Field(key);
  if (child == nullptr || !Expect(*child, ChildPath(key), Value::Type::kString, "string")) {
    return std::nullopt;
  }
  return child->text();
}

std::string Reader::StringOr(std::string_view key, std::string fallback) const {
  return String(key).value_or(std::move(fallback));
}

void Reader::RequiredError(std::string_view key) const {
  if (!context_->report_schema_errors) {
    return;
  }
  std::string child_path = ChildPath(key);
  Error("required", child_path, position(), child_path + ": Required value");
}

std::string Reader::RequiredString(std::string_view key) const {
  if (!Has(key)) {
    if (present()) {
      RequiredError(key);
    }
    return {};
  }
  return String(key).value_or("");
}

std::optional<std::int64_t> Reader::Int(std::string_view key) const {
  const Value* child = Field(key);
  if (child == nullptr || !Expect(*child, ChildPath(key), Value::Type::kInt, "integer")) {
    return std::nullopt;
  }
  return child->int_value();
}

std::optional<std::int32_t> Reader::Int32(std::string_view key) const {
  std::optional<std::int64_t> value = Int(key);
  if (!value) {
    return std::nullopt;
  }
  if (*value < std::numeric_limits<std::int32_t>::min() ||
      *value > std::numeric_limits<std::int32_t>::max()) {
    std::string child_path = ChildPath(key);
    if (!context_->report_schema_errors) {
      return std::nullopt;
    }
    Error("invalid-value", child_path, Field(key)->position(),
          child_path + ": Invalid value: " + std::to_string(*value) +
              ": must fit in a 32-bit integer");
    return std::nullopt;
  }
  return static_cast<std::int32_t>(*value);
}

std::optional<bool> Reader::Bool(std::string_view key) const {
  const Value* child = Field(key);
  if (child == nullptr || !Expect(*child, ChildPath(key), Value::Type::kBool, "boolean")) {
    return std::nullopt;
  }
  return child->bool_value();
}

std::vector<std::string> Reader::Strings(std::string_view key) const {
  std::vector<std::string> result;
  std::string child_path = ChildPath(key);
  const Value* child = Field(key);
  if (child == nullptr || !Expect(*child, child_path, Value::Type::kSequence, "array")) {
    return result;
  }
  for (std::size_t i = 0; i < child->items().size(); ++i) {
    const Value& item = child->items()[i];
    std::string item_path = child_path + "[" + std::to_string(i) + "]";
    if (Expect(item, item_path, Value::Type::kString, "string")) {
      result.push_back(item.text());
    }
  }
  return result;
}

std::map<std::string, std::string> Reader::StringMap(std::string_view key) const {
  std::map<std::string, std::string> result;
  std::string child_path = ChildPath(key);
  const Value* child = Field(key);
  if (child == nullptr || !Expect(*child, child_path, Value::Type::kMap, "object")) {
    return result;
  }
  for (const manifest::MapEntry& entry : child->entries()) {
    std::string entry_path = child_path + "[" + entry.key + "]";
    if (entry.value.is_null()) {
      continue;
    }
    if (Expect(entry.value, entry_path, Value::Type::kString, "string")) {
      result[entry.key] = entry.value.text();
    }
  }
  return result;
}

std::optional<Value> Reader::Raw(std::string_view key) const {
  const Value* child = Field(key);
  if (child == nullptr) {
    return std::nullopt;
  }
  return *child;
}

bool Reader::Has(std::string_view key) const {
  if (value_ == nullptr || !value_->is_map()) {
    return false;
  }
  const Value* child = value_->Find(key);
  return child != nullptr && !child->is_null();
}

}  // namespace agw::validate::model
