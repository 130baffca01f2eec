// ValidateListTypes: x-kubernetes-list-type uniqueness (apiextensions-apiserver
// pkg/apiserver/schema/listtype/validation.go).

#include <algorithm>

#include "validate/schema/validator.h"

namespace agw::validate::schema {
namespace {

using manifest::Value;

// The key fields an item of a map list has (absent ones left out), as a map value.
Value KeyOf(const Value& item, const std::vector<std::string>& keys) {
  Value key = Value::Map(item.position());
  for (const std::string& name : keys) {
    if (const Value* field = item.Find(name)) {
      key.Set(name, *field);
    }
  }
  return key;
}

void Walk(const Value& data, const Schema& schema, const std::string& path,
          std::vector<FieldError>& errors) {
  if (data.is_sequence()) {
    const std::vector<Value>& items = data.items();
    auto duplicate = [&](std::size_t index, const Value& shown) {
      FieldError error;
      error.type = FieldError::Type::kDuplicate;
      error.path = path + "[" + std::to_string(index) + "]";
      error.value = GoValue(shown);
      error.position = items[index].position();
      errors.push_back(std::move(error));
    };
    if (schema.list_type == "set") {
      for (std::size_t i = 1; i < items.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (manifest::SameJson(items[j], items[i])) {
            duplicate(i, items[i]);
            break;
          }
        }
      }
    } else if (schema.list_type == "map" && !schema.list_map_keys.empty()) {
      std::vector<Value> keys;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_map()) {
          continue;
        }
        Value key = KeyOf(items[i], schema.list_map_keys);
        bool seen = std::any_of(keys.begin(), keys.end(), [&](const Value& earlier) {
          return manifest::SameJson(earlier, key);
        });
        if (seen) {
          duplicate(i, key);
        } else {
          keys.push_back(std::move(key));
        }
      }
    }
    if (schema.items) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        Walk(items[i], *schema.items, path + "[" + std::to_string(i) + "]", errors);
      }
    }
    return;
  }
  if (!data.is_map()) {
    return;
  }
  std::vector<const manifest::MapEntry*> entries;
  for (const manifest::MapEntry& entry : data.entries()) {
    entries.push_back(&entry);
  }
  std::sort(
      entries.begin(), entries.end(),
      [](const manifest::MapEntry* a, const manifest::MapEntry* b) { return a->key < b->key; });
  for (const manifest::MapEntry* entry : entries) {
    if (const Schema* property = schema.Property(entry->key)) {
      Walk(entry->value, *property, path.empty() ? entry->key : path + "." + entry->key, errors);
    } else if (schema.additional_properties) {
      // field.Path's Key(): a map key in brackets.
      Walk(entry->value, *schema.additional_properties, path + "[" + entry->key + "]", errors);
    }
  }
}

}  // namespace

std::vector<FieldError> ValidateListTypes(const Schema& root, const manifest::Value& object) {
  std::vector<FieldError> errors;
  Walk(object, root, "", errors);
  return errors;
}

}  // namespace agw::validate::schema
