#include "validate/manifest/loader.h"

#include <algorithm>
#include <map>
#include <set>

#include "validate/manifest/yaml_reader.h"

namespace agw::validate::manifest {

bool ResourceId::operator<(const ResourceId& other) const {
  return std::tie(group, kind, namespace_, name) <
         std::tie(other.group, other.kind, other.namespace_, other.name);
}

std::string ResourceId::ToString() const {
  if (namespace_.empty()) {
    return kind + " " + name;
  }
  return kind + " " + namespace_ + "/" + name;
}

std::string GroupOf(std::string_view api_version) {
  std::size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? "" : std::string(api_version.substr(0, slash));
}

std::string VersionOf(std::string_view api_version) {
  std::size_t slash = api_version.find('/');
  return std::string(slash == std::string_view::npos ? api_version : api_version.substr(slash + 1));
}

bool IsClusterScoped(std::string_view group, std::string_view kind) {
  static const std::set<std::pair<std::string_view, std::string_view>> kClusterScoped = {
      {"", "Namespace"},
      {"", "Node"},
      {"", "PersistentVolume"},
      {"", "ComponentStatus"},
      {"gateway.networking.k8s.io", "GatewayClass"},
      {"rbac.authorization.k8s.io", "ClusterRole"},
      {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
      {"apiextensions.k8s.io", "CustomResourceDefinition"},
      {"apiregistration.k8s.io", "APIService"},
      {"storage.k8s.io", "StorageClass"},
      {"storage.k8s.io", "CSIDriver"},
      {"storage.k8s.io", "CSINode"},
      {"storage.k8s.io", "VolumeAttachment"},
      {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"},
      {"admissionregistration.k8s.io", "MutatingWebhookConfiguration"},
      {"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"},
      {"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"},
      {"scheduling.k8s.io", "PriorityClass"},
      {"networking.k8s.io", "IngressClass"},
      {"node.k8s.io", "RuntimeClass"},
      {"certificates.k8s.io", "CertificateSigningRequest"},
      {"flowcontrol.apiserver.k8s.io", "FlowSchema"},
      {"flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"},
  };
  return kClusterScoped.count({group, kind}) != 0;
}

std::vector<const SourceFile*> Manifest::FileOrder() const {
  std::vector<const SourceFile*> order;
  for (const auto& file : files) {
    order.push_back(file.get());
  }
  return order;
}

namespace {

bool HasManifestExtension(const std::string& path) {
  for (std::string_view extension : {".yaml", ".yml", ".json"}) {
    if (path.size() >= extension.size() &&
        path.compare(path.size() - extension.size(), extension.size(), extension) == 0) {
      return true;
    }
  }
  return false;
}

// Collects the files a -f argument stands for, in the order kubectl visits them
// (filepath.Walk: lexical order, depth first).
void ExpandPath(const std::string& path, bool is_root, const LoadOptions& options,
                const FileSystem& file_system, std::vector<std::string>& files,
                std::vector<Error>& errors) {
  switch (file_system.Stat(path)) {
    case FileSystem::Kind::kMissing:
      errors.push_back(Error{"the path \"" + path + "\" does not exist"});
      return;
    case FileSystem::Kind::kFile:
      if (is_root || options.any_extension || HasManifestExtension(path)) {
        files.push_back(path);
      }
      return;
    case FileSystem::Kind::kDirectory:
      break;
  }
  if (!is_root && !options.recursive) {
    return;
  }
  auto entries = file_system.ListDirectory(path);
  if (!entries) {
    errors.push_back(entries.error());
    return;
  }
  std::sort(entries->begin(), entries->end());
  for (const std::string& entry : *entries) {
    ExpandPath(entry, /*is_root=*/false, options, file_system, files, errors);
  }
}

class DocumentLoader {
 public:
  DocumentLoader(Manifest& manifest, const LoadOptions& options, DiagnosticSink& sink)
      : manifest_(manifest), options_(options), sink_(sink) {
    for (const Resource& resource : manifest_.resources) {
      seen_.emplace(resource.id, resource.position);
    }
  }

  void AddDocument(Value object) { AddObject(std::move(object), /*depth=*/0); }

 private:
  // Returns the string at `key`, reporting a non-string value; nullptr when absent.
  const Value* StringField(const Value& object, std::string_view key, std::string_view path) {
    const Value* value = object.Find(key);
    if (value == nullptr || value->is_null()) {
      return nullptr;
    }
    if (!value->is_string()) {
      sink_.Error("invalid-field", value->position(),
                  std::string(path) + ": Invalid value: \"" + std::string(value->JsonTypeName()) +
                      "\": " + std::string(path) + " in body must be of type string: \"" +
                      std::string(value->JsonTypeName()) + "\"",
                  std::string(path));
      return nullptr;
    }
    return value;
  }

  void AddObject(Value object, int depth) {
    if (!object.is_map()) {
      sink_.Error("invalid-document", object.position(),
                  "document is not an object: found " + std::string(object.JsonTypeName()));
      return;
    }
    const Value* api_version = StringField(object, "apiVersion", "apiVersion");
    const Value* kind = StringField(object, "kind", "kind");
    // kubectl reports both at once: "error validating data: [apiVersion not set, kind not set]".
    bool missing_api_version = api_version == nullptr || api_version->text().empty();
    bool missing_kind = kind == nullptr || kind->text().empty();
    bool incomplete = missing_api_version || missing_kind;
    if (missing_api_version && missing_kind) {
      sink_.Error("missing-type", object.position(), "apiVersion not set, kind not set");
    } else if (missing_api_version) {
      sink_.Error("missing-type", object.position(), "apiVersion not set", "apiVersion");
    } else if (missing_kind) {
      sink_.Error("missing-type", object.position(), "kind not set", "kind");
    }
    if (incomplete) {
      return;
    }
    std::string kind_name = kind->text();
    const Value* items = object.Find("items");
    bool is_list = kind_name == "List" ||
                   (kind_name.size() > 4 && kind_name.ends_with("List") && items != nullptr);
    if (is_list) {
      ExpandList(object, depth);
      return;
    }
    AddResource(std::move(object), api_version->text(), kind_name);
  }

  void ExpandList(Value& list, int depth) {
    const Value* items = list.Find("items");
    if (items == nullptr || items->is_null()) {
      return;
    }
    if (!items->is_sequence()) {
      sink_.Error("invalid-field", items->position(),
                  "items: Invalid value: \"" + std::string(items->JsonTypeName()) +
                      "\": items in body must be of type array: \"" +
                      std::string(items->JsonTypeName()) + "\"",
                  "items");
      return;
    }
    if (depth > 16) {
      sink_.Error("invalid-document", list.position(), "Lists are nested too deeply");
      return;
    }
    for (Value& item : list.FindMutable("items")->mutable_items()) {
      AddObject(std::move(item), depth + 1);
    }
  }

  void AddResource(Value object, const std::string& api_version, const std::string& kind) {
    Resource resource;
    resource.api_version = api_version;
    resource.id.group = GroupOf(api_version);
    resource.id.kind = kind;
    resource.position = object.position();

    const Value* metadata = object.Find("metadata");
    if (metadata != nullptr && !metadata->is_null() && !metadata->is_map()) {
      sink_.Error("invalid-field", metadata->position(),
                  "metadata: Invalid value: \"" + std::string(metadata->JsonTypeName()) +
                      "\": metadata in body must be of type object: \"" +
                      std::string(metadata->JsonTypeName()) + "\"",
                  "metadata");
      return;
    }
    const Value* name = metadata ? StringField(*metadata, "name", "metadata.name") : nullptr;
    if (name == nullptr && metadata != nullptr && metadata->Find("name") != nullptr &&
        !metadata->Find("name")->is_null()) {
      return;  // a name of the wrong type, already reported
    }
    if (name == nullptr || name->text().empty()) {
      Position where = metadata ? metadata->position() : object.position();
      sink_.Error("missing-name", where,
                  "metadata.name: Required value: name or generateName is required",
                  "metadata.name");
      return;
    }
    resource.id.name = name->text();
    resource.position = name->position();

    const Value* namespace_value =
        metadata ? StringField(*metadata, "namespace", "metadata.namespace") : nullptr;
    if (IsClusterScoped(resource.id.group, kind)) {
      resource.id.namespace_.clear();
    } else if (namespace_value != nullptr && !namespace_value->text().empty()) {
      resource.id.namespace_ = namespace_value->text();
      if (options_.namespace_explicit && resource.id.namespace_ != options_.namespace_) {
        sink_.Error("namespace-mismatch", namespace_value->position(),
                    "the namespace from the provided object \"" + resource.id.namespace_ +
                        "\" does not match the namespace \"" + options_.namespace_ +
                        "\". You must pass '--namespace=" + resource.id.namespace_ +
                        "' to perform this operation.",
                    "metadata.namespace");
      }
    } else {
      resource.id.namespace_ = options_.namespace_;
    }

    auto [it, inserted] = seen_.emplace(resource.id, resource.position);
    if (!inserted) {
      Diagnostic d;
      d.code = "duplicate-resource";
      d.message = "duplicate resource " + resource.id.ToString();
      d.position = resource.position;
      d.field_path = "metadata.name";
      d.resource = resource.id.ToString();
      d.notes.push_back(Note{it->second, "first defined here"});
      d.hint = "each object may appear once; the later definition is ignored";
      sink_.Add(std::move(d));
      return;
    }
    resource.object = std::move(object);
    manifest_.resources.push_back(std::move(resource));
  }

  Manifest& manifest_;
  const LoadOptions& options_;
  DiagnosticSink& sink_;
  std::map<ResourceId, Position> seen_;
};

}  // namespace

void LoadText(Manifest& manifest, std::string path, std::string text, const LoadOptions& options,
              DiagnosticSink& sink) {
  manifest.files.push_back(std::make_unique<SourceFile>(std::move(path), text));
  // The SourceFile holds the decoded text; the bytes read are not needed while parsing.
  std::string().swap(text);
  const SourceFile& file = *manifest.files.back();
  DocumentLoader loader(manifest, options, sink);
  std::size_t broken_before = manifest.broken_documents.size();
  std::vector<Document> documents = ParseDocuments(file, sink, &manifest.broken_documents);
  for (std::size_t i = broken_before; i < manifest.broken_documents.size(); ++i) {
    BrokenDocument& broken = manifest.broken_documents[i];
    if (IsClusterScoped(GroupOf(broken.api_version), broken.kind)) {
      broken.namespace_.clear();
    } else if (broken.namespace_.empty()) {
      broken.namespace_ = options.namespace_;
    }
  }
  manifest.resources.reserve(manifest.resources.size() + documents.size());
  for (Document& document : documents) {
    loader.AddDocument(std::move(document.root));
  }
}

Manifest Load(const LoadOptions& options, const FileSystem& file_system, DiagnosticSink& sink) {
  Manifest manifest;
  bool stdin_read = false;
  for (const std::string& path : options.paths) {
    if (path == "-") {
      if (stdin_read) {
        continue;
      }
      stdin_read = true;
      auto text = file_system.ReadStdin();
      if (!text) {
        manifest.unreadable.push_back(text.error());
        continue;
      }
      LoadText(manifest, "<stdin>", std::move(*text), options, sink);
      continue;
    }
    std::vector<std::string> files;
    ExpandPath(path, /*is_root=*/true, options, file_system, files, manifest.unreadable);
    for (const std::string& file : files) {
      auto text = file_system.ReadFile(file);
      if (!text) {
        manifest.unreadable.push_back(text.error());
        continue;
      }
      LoadText(manifest, file, std::move(*text), options, sink);
    }
  }
  return manifest;
}

}  // namespace agw::validate::manifest
