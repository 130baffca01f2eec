// What the API server does to a custom resource before validating it (apiextensions-apiserver
// pkg/apiserver/schema: pruning/algorithm.go, defaulting/prunenulls.go, defaulting/algorithm.go,
// and the strict metadata decoding of customresource_handler.go).

#include <algorithm>
#include <array>

#include "validate/schema/suggest.h"
#include "validate/schema/validator.h"

namespace agw::validate::schema {
namespace {

using manifest::Value;

// ObjectMeta's fields: any other key under the root's metadata is unknown.
constexpr std::array<std::string_view, 15> kObjectMetaFields = {"name",
                                                                "generateName",
                                                                "namespace",
                                                                "selfLink",
                                                                "uid",
                                                                "resourceVersion",
                                                                "generation",
                                                                "creationTimestamp",
                                                                "deletionTimestamp",
                                                                "deletionGracePeriodSeconds",
                                                                "labels",
                                                                "annotations",
                                                                "ownerReferences",
                                                                "finalizers",
                                                                "managedFields"};

// The known field of `schema` closest to `key`, for the hint of an unknown field.
std::string Suggestion(const Schema* schema, std::string_view key) {
  if (schema == nullptr) {
    return {};
  }
  std::vector<std::string_view> names;
  names.reserve(schema->properties.size());
  for (const auto& [name, property] : schema->properties) {
    names.push_back(name);
  }
  return ClosestName(key, names);
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void Prune(const Value& data, const Schema* schema, bool resource_root, const std::string& path,
           std::vector<UnknownField>& unknown) {
  if (data.is_sequence()) {
    const std::vector<Value>& items = data.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
      Prune(items[i], schema != nullptr ? schema->items.get() : nullptr, false,
            path + "[" + std::to_string(i) + "]", unknown);
    }
    return;
  }
  if (!data.is_map()) {
    return;
  }
  bool embedded = resource_root || (schema != nullptr && schema->embedded_resource);
  for (const manifest::MapEntry& entry : data.entries()) {
    if (embedded && (entry.key == "apiVersion" || entry.key == "kind" || entry.key == "metadata")) {
      continue;  // a resource's own header: checked as ObjectMeta, not pruned
    }
    std::string at = Child(path, entry.key);
    if (schema == nullptr) {
      unknown.push_back({at, entry.key_position, {}});
      continue;
    }
    if (const Schema* property = schema->Property(entry.key)) {
      Prune(entry.value, property, false, at, unknown);
    } else if (schema->additional_properties_allowed) {
      Prune(entry.value, schema->additional_properties.get(), false, at, unknown);
    } else if (!schema->preserve_unknown_fields) {
      unknown.push_back({at, entry.key_position, Suggestion(schema, entry.key)});
    }
  }
}

// The schema of `key` in an object of `schema`: its property, else additionalProperties.
const Schema* MemberSchema(const Schema& schema, std::string_view key) {
  if (const Schema* property = schema.Property(key)) {
    return property;
  }
  return schema.additional_properties.get();
}

void PruneNulls(Value& data, const Schema& schema) {
  if (data.is_sequence()) {
    if (schema.items) {
      for (Value& item : data.mutable_items()) {
        PruneNulls(item, *schema.items);
      }
    }
    return;
  }
  if (!data.is_map()) {
    return;
  }
  std::vector<manifest::MapEntry>& entries = data.mutable_entries();
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const manifest::MapEntry& entry) {
                                 const Schema* member = MemberSchema(schema, entry.key);
                                 return entry.value.is_null() && member != nullptr &&
                                        !member->nullable && !member->default_value;
                               }),
                entries.end());
  for (manifest::MapEntry& entry : entries) {
    if (const Schema* member = MemberSchema(schema, entry.key)) {
      PruneNulls(entry.value, *member);
    }
  }
}

void Default(Value& data, const Schema& schema) {
  if (data.is_sequence()) {
    if (!schema.items) {
      return;
    }
    for (Value& item : data.mutable_items()) {
      if (item.is_null() && !schema.items->nullable && schema.items->default_value) {
        item = Value::FromJson(*schema.items->default_value, data.position());
      }
      Default(item, *schema.items);
    }
    return;
  }
  if (!data.is_map()) {
    return;
  }
  for (const auto& [name, property] : schema.properties) {
    if (!property.default_value) {
      continue;
    }
    const Value* present = data.Find(name);
    if (present == nullptr || (present->is_null() && !property.nullable)) {
      data.Set(name, Value::FromJson(*property.default_value, data.position()), data.position());
    }
  }
  for (manifest::MapEntry& entry : data.mutable_entries()) {
    const Schema* member = MemberSchema(schema, entry.key);
    if (member == nullptr) {
      continue;
    }
    if (entry.value.is_null() && !member->nullable && member->default_value &&
        schema.Property(entry.key) == nullptr) {
      entry.value = Value::FromJson(*member->default_value, data.position());
    }
    Default(entry.value, *member);
  }
}

}  // namespace

std::vector<UnknownField> FindUnknownFields(const Schema& root, const manifest::Value& object) {
  std::vector<UnknownField> metadata;
  if (const Value* meta = object.Find("metadata"); meta != nullptr && meta->is_map()) {
    for (const manifest::MapEntry& entry : meta->entries()) {
      if (std::find(kObjectMetaFields.begin(), kObjectMetaFields.end(), entry.key) ==
          kObjectMetaFields.end()) {
        std::vector<std::string_view> known(kObjectMetaFields.begin(), kObjectMetaFields.end());
        metadata.push_back(
            {"metadata." + entry.key, entry.key_position, ClosestName(entry.key, known)});
      }
    }
    std::sort(metadata.begin(), metadata.end(),
              [](const UnknownField& a, const UnknownField& b) { return a.path < b.path; });
  }
  std::vector<UnknownField> pruned;
  Prune(object, &root, true, "", pruned);
  std::stable_sort(pruned.begin(), pruned.end(),
                   [](const UnknownField& a, const UnknownField& b) { return a.path < b.path; });
  metadata.insert(metadata.end(), pruned.begin(), pruned.end());
  return metadata;
}

std::string StrictDecodingMessage(std::string_view kind, std::string_view version,
                                  const std::vector<UnknownField>& unknown) {
  std::string message = std::string(kind) + " in version \"" + std::string(version) +
                        "\" cannot be handled as a " + std::string(kind) +
                        ": strict decoding error: ";
  bool first = true;
  for (const UnknownField& field : unknown) {
    if (!first) {
      message += ", ";
    }
    first = false;
    message += "unknown field \"" + field.path + "\"";
  }
  return message;
}

void ApplyDefaults(const Schema& root, manifest::Value& object) {
  PruneNulls(object, root);
  Default(object, root);
}

}  // namespace agw::validate::schema
