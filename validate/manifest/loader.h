#pragma once

#include <memory>
#include <string>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/error.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/source.h"
#include "validate/manifest/symptoms.h"
#include "validate/manifest/value.h"

namespace agw::validate::manifest {

// What makes two documents the same object on a cluster. The version is not part of it:
// gateway.networking.k8s.io/v1 and /v1beta1 HTTPRoute "x" are one object.
struct ResourceId {
  std::string group;  // "" for the core group (apiVersion "v1")
  std::string kind;
  std::string namespace_;  // "" for cluster-scoped kinds
  std::string name;

  bool operator<(const ResourceId& other) const;
  bool operator==(const ResourceId& other) const = default;
  // "HTTPRoute agentgateway-system/openai", "GatewayClass agentgateway".
  std::string ToString() const;
};

// One object from the manifests, with its identity resolved.
struct Resource {
  std::string api_version;
  ResourceId id;
  Value object;       // the whole document (or List item) as written
  Position position;  // the object's first field
};

// Splits "group/version" ("v1" is the core group).
std::string GroupOf(std::string_view api_version);
std::string VersionOf(std::string_view api_version);

// Kubernetes kinds that live outside namespaces (their namespace is ignored).
bool IsClusterScoped(std::string_view group, std::string_view kind);

struct LoadOptions {
  std::vector<std::string> paths;  // files, directories, or "-" for stdin
  // Descend into subdirectories. kubectl needs -R for that; validators (kubectl-validate,
  // kubeconform) do it by default, and so does this tool, so `-f manifests/` checks a tree.
  bool recursive = true;
  // -n/--namespace: the namespace for objects that name none. When `namespace_explicit`, an
  // object that names a different one is an error, as with kubectl apply.
  std::string namespace_ = "default";
  bool namespace_explicit = false;
  // Read every file of a directory, whatever its name: `kubectl diff` hands KUBECTL_EXTERNAL_DIFF
  // two folders of objects named <group>.<version>.<kind>.<namespace>.<name>, with no extension.
  bool any_extension = false;
};

// Everything loaded from the inputs. Owns the source text that Positions point into, so it
// must outlive every Diagnostic and Value taken from it. Movable, not copyable.
struct Manifest {
  std::vector<std::unique_ptr<SourceFile>> files;  // in load order
  std::vector<Resource> resources;                 // in load order, duplicates removed
  std::vector<Error> unreadable;                   // paths that could not be read at all
  // Documents left out for a syntax error or lost indentation, with the namespace kubectl
  // would give them: later stages leave out findings that only follow from their absence.
  std::vector<BrokenDocument> broken_documents;

  std::vector<const SourceFile*> FileOrder() const;
};

// Reads every input the way `kubectl apply -f` does: a directory contributes its .yaml, .yml
// and .json files in name order (subdirectories when `recursive`), a named file is read
// whatever its extension, "-" reads stdin. Multi-document YAML and List kinds are expanded,
// empty documents skipped. Findings (syntax, missing apiVersion/kind/name, duplicates,
// namespace mismatches) go to `sink`; a file that cannot be read goes to `unreadable` and the
// other inputs are still loaded.
Manifest Load(const LoadOptions& options, const FileSystem& file_system, DiagnosticSink& sink);

// Loads one in-memory text as if it were a file called `path` (for tests and stdin).
void LoadText(Manifest& manifest, std::string path, std::string text, const LoadOptions& options,
              DiagnosticSink& sink);

}  // namespace agw::validate::manifest
