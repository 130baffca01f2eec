#include "validate/diff/resource_diff.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>

#include "validate/manifest/base64.h"
#include "validate/schema/admission.h"
#include "validate/schema/validator.h"

namespace agw::validate::diff {
namespace {

using manifest::MapEntry;
using manifest::ResourceId;
using manifest::Value;

// Deeper than any real object (the loader refuses far less deep YAML): below this the walk
// compares whole values and reports one change, so the recursion stays bounded.
constexpr int kMaxDepth = 64;

// What the API server sets itself and `kubectl diff` shows as noise (metav1.ObjectMeta fields
// that are read-only to clients).
constexpr std::array<std::string_view, 8> kServerOwnedMetadata = {
    "managedFields",     "resourceVersion",           "uid",
    "generation",        "creationTimestamp",         "selfLink",
    "deletionTimestamp", "deletionGracePeriodSeconds"};

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

bool IsSecret(const ResourceId& id) { return id.group.empty() && id.kind == "Secret"; }

void Erase(Value& map, std::string_view key) {
  std::vector<MapEntry>& entries = map.mutable_entries();
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [key](const MapEntry& entry) { return entry.key == key; }),
                entries.end());
}

// Go's base64.StdEncoding: how encoding/json writes the []byte values of a Secret's `data`.
std::string EncodeBase64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t group = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) {
      group |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    }
    if (i + 2 < bytes.size()) {
      group |= static_cast<std::uint8_t>(bytes[i + 2]);
    }
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(group >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[group & 63] : '=';
  }
  return out;
}

// The Secret as the server stores it: stringData is write-only and merged into data (its keys
// win, pkg/apis/core/v1 conversion), data is re-encoded canonically (the decoder skips line
// breaks, the encoder writes none), and `type` defaults to Opaque.
void FoldSecret(Value& object) {
  Value* data = object.FindMutable("data");
  if (data != nullptr && data->is_map()) {
    for (MapEntry& entry : data->mutable_entries()) {
      if (!entry.value.is_string()) {
        continue;
      }
      manifest::Base64Result decoded = manifest::DecodeBase64(entry.value.text());
      if (!decoded.error_offset) {
        entry.value = Value::String(EncodeBase64(decoded.bytes), entry.value.position());
      }
    }
  }
  const Value* string_data = object.Find("stringData");
  if (string_data != nullptr && string_data->is_map() && !string_data->entries().empty()) {
    if (data == nullptr || !data->is_map()) {
      data = &object.Set("data", Value::Map(string_data->position()));
    }
    for (const MapEntry& entry : string_data->entries()) {
      data->Set(entry.key, Value::String(EncodeBase64(entry.value.text()), entry.value.position()));
    }
  }
  Erase(object, "stringData");
  const Value* type = object.Find("type");
  if (type == nullptr || type->is_null() || (type->is_string() && type->text().empty())) {
    object.Set("type", Value::String("Opaque", object.position()));
  }
}

// What the API server fills in on a Service that the manifest leaves out (SetDefaults_Service,
// SetDefaults_ServicePort) and what it allocates (cluster IPs, IP families): both sides compare
// as stored, and an allocation is not something a manifest change does.
void DefaultService(Value& object) {
  Value* spec = object.FindMutable("spec");
  if (spec == nullptr || !spec->is_map()) {
    return;
  }
  for (std::string_view allocated : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"}) {
    Erase(*spec, allocated);
  }
  auto default_string = [](Value& map, const char* key, const char* value) {
    const Value* current = map.Find(key);
    if (current == nullptr || current->is_null()) {
      map.Set(key, Value::String(value, map.position()));
    }
  };
  default_string(*spec, "type", "ClusterIP");
  default_string(*spec, "sessionAffinity", "None");
  const Value* type = spec->Find("type");
  if (type != nullptr && type->is_scalar() && type->text() != "ExternalName") {
    default_string(*spec, "internalTrafficPolicy", "Cluster");
  }
  Value* ports = spec->FindMutable("ports");
  if (ports == nullptr || !ports->is_sequence()) {
    return;
  }
  for (Value& port : ports->mutable_items()) {
    if (!port.is_map()) {
      continue;
    }
    default_string(port, "protocol", "TCP");
    const Value* target = port.Find("targetPort");
    const Value* number = port.Find("port");
    if ((target == nullptr || target->is_null()) && number != nullptr) {
      port.Set("targetPort", *number);
    }
  }
}

std::optional<Value> LastApplied(const Value& object) {
  const Value* metadata = object.Find("metadata");
  const Value* annotations = metadata != nullptr ? metadata->Find("annotations") : nullptr;
  const Value* text =
      annotations != nullptr && annotations->is_map() ? annotations->Find(kLastApplied) : nullptr;
  if (text == nullptr || !text->is_scalar()) {
    return std::nullopt;
  }
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(text->text(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return std::nullopt;
  }
  return Value::FromJson(json, text->position());
}

// Copies into `desired` the fields of `live` that `desired` lacks and `applied` (the
// last-applied configuration at this level, or null) does not hold: applying keeps them. Follows
// maps present on both sides, and maps that were applied but are now absent (applying removes
// only the keys it once set).
void KeepUnapplied(const Value& live, Value& desired, const Value* applied, int depth) {
  if (depth > kMaxDepth || !live.is_map() || !desired.is_map()) {
    return;
  }
  for (const MapEntry& entry : live.entries()) {
    const Value* was_applied =
        applied != nullptr && applied->is_map() ? applied->Find(entry.key) : nullptr;
    Value* wanted = desired.FindMutable(entry.key);
    if (wanted == nullptr || wanted->is_null()) {
      if (was_applied == nullptr) {
        desired.Set(entry.key, entry.value);
      } else if (entry.value.is_map() && was_applied->is_map()) {
        Value kept = Value::Map(entry.value.position());
        KeepUnapplied(entry.value, kept, was_applied, depth + 1);
        if (!kept.entries().empty()) {
          desired.Set(entry.key, std::move(kept));
        }
      }
      continue;
    }
    KeepUnapplied(entry.value, *wanted, was_applied, depth + 1);
  }
}

void Normalise(Value& object, const ResourceId& id) {
  Erase(object, "status");
  Value* metadata = object.FindMutable("metadata");
  if (metadata == nullptr || !metadata->is_map()) {
    return;
  }
  for (std::string_view field : kServerOwnedMetadata) {
    Erase(*metadata, field);
  }
  // The loader resolved the namespace (default, -n, or none for cluster-scoped kinds); the
  // stored object always says it, so writing `namespace: default` or not is no change.
  if (id.namespace_.empty()) {
    Erase(*metadata, "namespace");
  } else {
    metadata->Set("namespace", Value::String(id.namespace_, metadata->position()));
  }
  if (Value* annotations = metadata->FindMutable("annotations"); annotations != nullptr) {
    Erase(*annotations, kLastApplied);
  }
  // ObjectMeta's labels and annotations are `omitempty`: an empty map is not stored.
  for (std::string_view field : {"labels", "annotations"}) {
    const Value* map = metadata->Find(field);
    if (map != nullptr && (map->is_null() || (map->is_map() && map->entries().empty()))) {
      Erase(*metadata, field);
    }
  }
  if (IsSecret(id)) {
    FoldSecret(object);
  }
  if (id.group.empty() && id.kind == "Service") {
    DefaultService(object);
  }
}

bool IsAbsent(const Value* value) { return value == nullptr || value->is_null(); }

bool DeepEqual(const Value& a, const Value& b, int depth) {
  if (depth > kMaxDepth) {
    return false;
  }
  if (a.is_map() && b.is_map()) {
    // Null fields count as absent on either side.
    for (const MapEntry& entry : a.entries()) {
      const Value* other = b.Find(entry.key);
      if (IsAbsent(other) != entry.value.is_null()) {
        return false;
      }
      if (other != nullptr && !entry.value.is_null() &&
          !DeepEqual(entry.value, *other, depth + 1)) {
        return false;
      }
    }
    for (const MapEntry& entry : b.entries()) {
      if (!entry.value.is_null() && IsAbsent(a.Find(entry.key))) {
        return false;
      }
    }
    return true;
  }
  if (a.is_sequence() && b.is_sequence()) {
    if (a.items().size() != b.items().size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.items().size(); ++i) {
      if (!DeepEqual(a.items()[i], b.items()[i], depth + 1)) {
        return false;
      }
    }
    return true;
  }
  if (a.is_scalar() && b.is_scalar()) {
    return manifest::SameJson(a, b);
  }
  return false;
}

std::string Plural(std::size_t count, std::string_view one, std::string_view many) {
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

std::string Summary(const Value& value) {
  if (value.is_map()) {
    return value.entries().empty() ? "{}"
                                   : "{" + Plural(value.entries().size(), "field", "fields") + "}";
  }
  if (value.is_sequence()) {
    return value.items().empty() ? "[]" : "[" + Plural(value.items().size(), "item", "items") + "]";
  }
  return value.ToJson().dump();
}

// Walks two stored objects and collects their differences. One per ResourceChange.
class Walker {
 public:
  Walker(bool secret, std::vector<FieldChange>& out) : secret_(secret), out_(out) {}

  void Compare(const Value& old_value, const Value& new_value, const schema::Schema* schema,
               const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      if (!DeepEqual(old_value, new_value, 0)) {
        Changed(path, &old_value, &new_value);
      }
      return;
    }
    if (old_value.is_map() && new_value.is_map()) {
      CompareMaps(old_value, new_value, schema, path, depth);
    } else if (old_value.is_sequence() && new_value.is_sequence()) {
      CompareLists(old_value, new_value, schema, path, depth);
    } else if (!(old_value.is_scalar() && new_value.is_scalar() &&
                 manifest::SameJson(old_value, new_value))) {
      Changed(path, &old_value, &new_value);
    }
  }

 private:
  void CompareMaps(const Value& old_map, const Value& new_map, const schema::Schema* schema,
                   const std::string& path, int depth) {
    for (const MapEntry& entry : new_map.entries()) {
      if (path.empty() && (entry.key == "apiVersion" || entry.key == "kind")) {
        continue;  // the same object whichever version it is written in
      }
      const Value* old_child = old_map.Find(entry.key);
      std::string child_path = ChildPath(path, entry.key, schema);
      if (entry.value.is_null()) {
        if (!IsAbsent(old_child)) {
          Changed(child_path, old_child, nullptr);
        }
      } else if (IsAbsent(old_child)) {
        Changed(child_path, nullptr, &entry.value);
      } else {
        Compare(*old_child, entry.value, ChildSchema(schema, entry.key), child_path, depth + 1);
      }
    }
    for (const MapEntry& entry : old_map.entries()) {
      if (path.empty() && (entry.key == "apiVersion" || entry.key == "kind")) {
        continue;
      }
      if (!entry.value.is_null() && new_map.Find(entry.key) == nullptr) {
        Changed(ChildPath(path, entry.key, schema), &entry.value, nullptr);
      }
    }
  }

  void CompareLists(const Value& old_list, const Value& new_list, const schema::Schema* schema,
                    const std::string& path, int depth) {
    const schema::Schema* items = schema != nullptr ? schema->items.get() : nullptr;
    if (schema != nullptr && schema->list_type == "map" && !schema->list_map_keys.empty()) {
      std::map<std::string, std::size_t> old_index = KeyIndex(old_list, schema->list_map_keys);
      std::map<std::string, std::size_t> new_index = KeyIndex(new_list, schema->list_map_keys);
      // Duplicate keys are refused by the server; if one got here, fall back to positions.
      if (old_index.size() == old_list.items().size() &&
          new_index.size() == new_list.items().size()) {
        for (std::size_t j = 0; j < new_list.items().size(); ++j) {
          const Value& item = new_list.items()[j];
          std::string item_path = path + "[" + std::to_string(j) + "]";
          auto old = old_index.find(KeyOf(item, schema->list_map_keys));
          if (old == old_index.end()) {
            Changed(item_path, nullptr, &item);
          } else {
            Compare(old_list.items()[old->second], item, items, item_path, depth + 1);
          }
        }
        for (std::size_t i = 0; i < old_list.items().size(); ++i) {
          const Value& item = old_list.items()[i];
          if (new_index.count(KeyOf(item, schema->list_map_keys)) == 0) {
            Changed(path + "[" + std::to_string(i) + "]", &item, nullptr);
          }
        }
        return;
      }
    }
    if (schema != nullptr && schema->list_type == "set") {
      // A set's order means nothing to the server: only items gained or lost are changes.
      auto holds = [](const Value& list, const Value& item) {
        return std::any_of(list.items().begin(), list.items().end(),
                           [&](const Value& other) { return manifest::SameJson(other, item); });
      };
      for (std::size_t j = 0; j < new_list.items().size(); ++j) {
        if (!holds(old_list, new_list.items()[j])) {
          Changed(path + "[" + std::to_string(j) + "]", nullptr, &new_list.items()[j]);
        }
      }
      for (std::size_t i = 0; i < old_list.items().size(); ++i) {
        if (!holds(new_list, old_list.items()[i])) {
          Changed(path + "[" + std::to_string(i) + "]", &old_list.items()[i], nullptr);
        }
      }
      return;
    }
    std::size_t common = std::min(old_list.items().size(), new_list.items().size());
    for (std::size_t i = 0; i < common; ++i) {
      Compare(old_list.items()[i], new_list.items()[i], items, path + "[" + std::to_string(i) + "]",
              depth + 1);
    }
    for (std::size_t i = common; i < new_list.items().size(); ++i) {
      Changed(path + "[" + std::to_string(i) + "]", nullptr, &new_list.items()[i]);
    }
    for (std::size_t i = common; i < old_list.items().size(); ++i) {
      Changed(path + "[" + std::to_string(i) + "]", &old_list.items()[i], nullptr);
    }
  }

  static std::string KeyOf(const Value& item, const std::vector<std::string>& keys) {
    std::string key;
    for (const std::string& name : keys) {
      const Value* field = item.Find(name);
      key += IsAbsent(field) ? "null" : field->ToJson().dump();
      key += '\x1f';
    }
    return key;
  }

  static std::map<std::string, std::size_t> KeyIndex(const Value& list,
                                                     const std::vector<std::string>& keys) {
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < list.items().size(); ++i) {
      index.emplace(KeyOf(list.items()[i], keys), i);
    }
    return index;
  }

  static const schema::Schema* ChildSchema(const schema::Schema* schema, std::string_view key) {
    if (schema == nullptr) {
      return nullptr;
    }
    if (const schema::Schema* property = schema->Property(key); property != nullptr) {
      return property;
    }
    return schema->additional_properties.get();
  }

  // field.Path's forms: `.name` for a field of a struct, `[key]` for a key of a map (labels,
  // annotations, a Secret's data, any additionalProperties object).
  static std::string ChildPath(const std::string& path, const std::string& key,
                               const schema::Schema* schema) {
    bool keyed =
        path == "metadata.labels" || path == "metadata.annotations" ||
        (schema == nullptr && (path == "data" || path == "binaryData")) ||
        (schema != nullptr && schema->properties.empty() && schema->additional_properties_allowed);
    if (keyed) {
      return path + "[" + key + "]";
    }
    return path.empty() ? key : path + "." + key;
  }

  void Changed(const std::string& path, const Value* old_value, const Value* new_value) {
    FieldChange change;
    change.kind = old_value == nullptr   ? FieldChangeKind::kAdded
                  : new_value == nullptr ? FieldChangeKind::kRemoved
                                         : FieldChangeKind::kChanged;
    change.path = path;
    change.sensitive = secret_ && (path == "data" || path.starts_with("data["));
    if (!change.sensitive) {
      if (old_value != nullptr) {
        change.old_value = Summary(*old_value);
      }
      if (new_value != nullptr) {
        change.new_value = Summary(*new_value);
      }
    }
    out_.push_back(std::move(change));
  }

  bool secret_;
  std::vector<FieldChange>& out_;
};

}  // namespace

Side StoreSide(const manifest::Manifest& manifest, std::vector<manifest::Value> stored_objects,
               const schema::CrdCatalog& catalog) {
  Side side;
  side.objects.reserve(manifest.resources.size());
  for (std::size_t i = 0; i < manifest.resources.size(); ++i) {
    const manifest::Resource& resource = manifest.resources[i];
    StoredObject stored;
    stored.id = resource.id;
    std::shared_ptr<const schema::Crd> crd = catalog.Find(resource.id.group, resource.id.kind);
    if (crd != nullptr) {
      if (!crd->namespaced) {
        stored.id.namespace_.clear();
      }
      if (const schema::CrdVersion* version =
              crd->Version(manifest::VersionOf(resource.api_version));
          version != nullptr) {
        stored.schema = version->schema;
      }
    }
    stored.object =
        i < stored_objects.size() ? std::move(stored_objects[i]) : manifest::Value(resource.object);
    stored.last_applied = LastApplied(stored.object);
    Normalise(stored.object, stored.id);
    side.objects.push_back(std::move(stored));
  }
  return side;
}

Side StoreSide(const manifest::Manifest& manifest, const schema::CrdCatalog& catalog,
               manifest::DiagnosticSink& sink) {
  std::vector<manifest::Value> stored_objects;
  stored_objects.reserve(manifest.resources.size());
  schema::Admitter admitter(catalog, sink);
  for (const manifest::Resource& resource : manifest.resources) {
    stored_objects.push_back(admitter.Admit(resource).object);
  }
  return StoreSide(manifest, std::move(stored_objects), catalog);
}

void KeepUnappliedLiveFields(const Side& live, Side& desired) {
  std::map<ResourceId, const StoredObject*> live_by_id;
  for (const StoredObject& object : live.objects) {
    live_by_id[object.id] = &object;
  }
  for (StoredObject& object : desired.objects) {
    auto found = live_by_id.find(object.id);
    if (found == live_by_id.end()) {
      continue;
    }
    const StoredObject& current = *found->second;
    const Value* applied = current.last_applied ? &*current.last_applied : nullptr;
    KeepUnapplied(current.object, object.object, applied, 0);
  }
}

ResourceDiff DiffResources(const Side& old_side, const Side& new_side) {
  std::map<ResourceId, std::pair<const StoredObject*, const StoredObject*>> pairs;
  for (const StoredObject& object : old_side.objects) {
    pairs[object.id].first = &object;
  }
  for (const StoredObject& object : new_side.objects) {
    pairs[object.id].second = &object;
  }

  ResourceDiff diff;
  for (const auto& [id, pair] : pairs) {
    const auto& [old_object, new_object] = pair;
    ResourceChange change;
    change.id = id;
    if (old_object == nullptr) {
      change.kind = ResourceChangeKind::kAdded;
      ++diff.added;
    } else if (new_object == nullptr) {
      change.kind = ResourceChangeKind::kRemoved;
      ++diff.removed;
    } else {
      const schema::Schema* schema =
          new_object->schema != nullptr ? new_object->schema.get() : old_object->schema.get();
      Walker(IsSecret(id), change.fields)
          .Compare(old_object->object, new_object->object, schema, "", 0);
      change.kind =
          change.fields.empty() ? ResourceChangeKind::kUnchanged : ResourceChangeKind::kChanged;
      // What kubectl apply would hear back: transition rules (oldSelf) hold trivially for an
      // object that does not change, so only changed objects are checked.
      if (schema != nullptr && change.kind == ResourceChangeKind::kChanged) {
        for (const schema::FieldError& error :
             schema::ValidateTransitions(*schema, new_object->object, old_object->object)) {
          change.refused.push_back(error.Render());
        }
      }
      ++(change.fields.empty() ? diff.unchanged : diff.changed);
    }
    diff.resources.push_back(std::move(change));
  }
  return diff;
}

}  // namespace agw::validate::diff
