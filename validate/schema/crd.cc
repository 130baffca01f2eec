#include "validate/schema/crd.h"

#include <utility>

namespace agw::validate::schema {
namespace {

const Json* Member(const Json& object, std::string_view key) {
  if (!object.is_object()) {
    return nullptr;
  }
  auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

std::string StringMember(const Json& object, std::string_view key) {
  const Json* value = Member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

bool BoolMember(const Json& object, std::string_view key) {
  const Json* value = Member(object, key);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

// The schema keywords that hold schemas, by how: one schema, a list of schemas, or a map of
// names to schemas. Everything else in a node is a keyword value, copied as it is.
enum class Holds { kNothing, kSchema, kSchemaList, kSchemaMap, kSchemaOrBool };

Holds KeywordHolds(std::string_view key) {
  if (key == "items" || key == "not") {
    return Holds::kSchema;
  }
  if (key == "additionalProperties") {
    return Holds::kSchemaOrBool;
  }
  if (key == "allOf" || key == "anyOf" || key == "oneOf") {
    return Holds::kSchemaList;
  }
  if (key == "properties" || key == "patternProperties" || key == "definitions") {
    return Holds::kSchemaMap;
  }
  return Holds::kNothing;
}

bool IsDocumentation(std::string_view key) {
  return key == "description" || key == "example" || key == "externalDocs" || key == "title";
}

Json CompactSchema(const Json& node) {
  if (!node.is_object()) {
    return node;
  }
  Json out = Json::object();
  for (const auto& [key, value] : node.items()) {
    if (IsDocumentation(key)) {
      continue;
    }
    switch (KeywordHolds(key)) {
      case Holds::kSchema:
        out[key] = CompactSchema(value);
        break;
      case Holds::kSchemaOrBool:
        out[key] = value.is_boolean() ? value : CompactSchema(value);
        break;
      case Holds::kSchemaList: {
        Json list = Json::array();
        if (value.is_array()) {
          for (const Json& item : value) {
            list.push_back(CompactSchema(item));
          }
        }
        out[key] = std::move(list);
        break;
      }
      case Holds::kSchemaMap: {
        Json map = Json::object();
        if (value.is_object()) {
          for (const auto& [name, item] : value.items()) {
            map[name] = CompactSchema(item);
          }
        }
        out[key] = std::move(map);
        break;
      }
      case Holds::kNothing:
        out[key] = value;
        break;
    }
  }
  return out;
}

}  // namespace

const CrdVersion* Crd::Version(std::string_view name) const {
  for (const CrdVersion& version : versions) {
    if (version.name == name) {
      return &version;
    }
  }
  return nullptr;
}

tl::expected<Crd, std::string> CrdFromJson(const Json& object, std::string source) {
  const Json* spec = Member(object, "spec");
  const Json* names = spec != nullptr ? Member(*spec, "names") : nullptr;
  if (spec == nullptr || names == nullptr) {
    return tl::unexpected(source + ": not a CustomResourceDefinition (no spec.names)");
  }
  Crd crd;
  crd.source = std::move(source);
  crd.group = StringMember(*spec, "group");
  crd.kind = StringMember(*names, "kind");
  crd.plural = StringMember(*names, "plural");
  crd.list_kind = StringMember(*names, "listKind");
  crd.namespaced = StringMember(*spec, "scope") != "Cluster";
  if (crd.group.empty() || crd.kind.empty()) {
    return tl::unexpected(crd.source + ": spec.group and spec.names.kind are required");
  }
  const Json* versions = Member(*spec, "versions");
  if (versions == nullptr || !versions->is_array()) {
    return tl::unexpected(crd.source + ": " + crd.kind + " has no spec.versions");
  }
  for (const Json& entry : *versions) {
    CrdVersion version;
    version.name = StringMember(entry, "name");
    version.served = BoolMember(entry, "served");
    version.storage = BoolMember(entry, "storage");
    version.deprecated = BoolMember(entry, "deprecated");
    version.deprecation_warning = StringMember(entry, "deprecationWarning");
    if (const Json* subresources = Member(entry, "subresources")) {
      version.status_subresource = Member(*subresources, "status") != nullptr;
    }
    const Json* schema = Member(entry, "schema");
    if (const Json* open_api = schema != nullptr ? Member(*schema, "openAPIV3Schema") : nullptr) {
      auto compiled = CompileSchema(*open_api);
      if (!compiled) {
        return tl::unexpected(crd.source + ": " + crd.kind + " " + version.name + ": " +
                              compiled.error());
      }
      version.has_rules = compiled->HasRules();
      version.schema = std::make_shared<const Schema>(std::move(*compiled));
    }
    crd.versions.push_back(std::move(version));
  }
  return crd;
}

Json CompactCrd(const Json& crd) {
  Json out = Json::object();
  for (const auto& [key, value] : crd.items()) {
    if (key == "status") {
      continue;
    }
    if (key == "metadata") {
      Json metadata = Json::object();
      if (const Json* name = Member(value, "name")) {
        metadata["name"] = *name;
      }
      if (const Json* annotations = Member(value, "annotations")) {
        metadata["annotations"] = *annotations;
      }
      out[key] = std::move(metadata);
      continue;
    }
    if (key != "spec" || !value.is_object()) {
      out[key] = value;
      continue;
    }
    Json spec = value;
    if (auto versions = spec.find("versions"); versions != spec.end() && versions->is_array()) {
      for (Json& version : *versions) {
        if (!version.is_object()) {
          continue;
        }
        auto schema = version.find("schema");
        if (schema == version.end() || !schema->is_object()) {
          continue;
        }
        auto open_api = schema->find("openAPIV3Schema");
        if (open_api != schema->end()) {
          *open_api = CompactSchema(*open_api);
        }
      }
    }
    out[key] = std::move(spec);
  }
  return out;
}

}  // namespace agw::validate::schema
