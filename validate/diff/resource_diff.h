#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/manifest/value.h"
#include "validate/schema/catalog.h"
#include "validate/schema/schema.h"

// The resource diff of `kubectl agentgateway diff`: which fields of which objects would change on
// the API server if one manifest set replaced another. Both sides are compared as the server
// stores them (defaults applied, server-owned fields dropped, a Secret's stringData folded into
// data), so what a reviewer sees is what `kubectl apply` would really change.
namespace agw::validate::diff {

// One object as the API server would store it.
struct StoredObject {
  manifest::ResourceId id;  // namespace "" exactly when the kind is cluster-scoped
  manifest::Value object;   // normalised: see StoreSide
  // The schema of its kind and version (for list-map keys and map-typed fields); null for kinds
  // without a CRD here, which are compared as written.
  std::shared_ptr<const schema::Schema> schema;
  // The kubectl.kubernetes.io/last-applied-configuration annotation, parsed (a live object's
  // record of what `kubectl apply` last sent); null when absent or not JSON.
  std::optional<manifest::Value> last_applied;
};

// One manifest set, in load order.
struct Side {
  std::vector<StoredObject> objects;
};

// Stores every resource of `manifest` the way the API server would: admitted with `catalog`
// (schema defaults applied; the server's findings go to `sink`), scoped by the CRD's `namespaced`
// flag, metadata.namespace spelled out, server-owned fields and the last-applied annotation
// dropped, empty labels and annotations dropped, a Secret's stringData folded into base64 `data`
// and its type defaulted to Opaque. Borrows `catalog` and `sink`; the result owns its values.
Side StoreSide(const manifest::Manifest& manifest, const schema::CrdCatalog& catalog,
               manifest::DiagnosticSink& sink);

// The same for objects already admitted (resolve::Pipeline::stored_objects, index for index
// with `manifest.resources`): scoped, normalised and paired with their schemas, not admitted
// again. Takes the stored objects over.
Side StoreSide(const manifest::Manifest& manifest, std::vector<manifest::Value> stored_objects,
               const schema::CrdCatalog& catalog);

// Makes each `desired` object the object `kubectl apply` would leave on the cluster, given the
// `live` one: applying removes only the fields the last-applied configuration held, so a field of
// the live object that the desired object lacks and the last-applied configuration never held (a
// controller's finalizer, another team's annotation or label) is copied into the desired object.
// Maps are followed field by field; lists are replaced whole. Desired objects that are not live
// are left alone.
void KeepUnappliedLiveFields(const Side& live, Side& desired);

enum class FieldChangeKind { kAdded, kRemoved, kChanged };

struct FieldChange {
  FieldChangeKind kind = FieldChangeKind::kChanged;
  // The API server's field path: `spec.rules[0].backendRefs[0].weight`,
  // `metadata.labels[app]`. Items of keyed lists are named by their index on the new side
  // (on the old side when removed).
  std::string path;
  // Scalars as JSON (`3`, `"gpt-4o"`), collections summarised (`{2 fields}`, `[3 items]`);
  // "" on the side where the field is absent, and on both sides when `sensitive`.
  std::string old_value;
  std::string new_value;
  bool sensitive = false;  // a Secret value: say that it changed, never what it is
};

enum class ResourceChangeKind { kAdded, kRemoved, kChanged, kUnchanged };

struct ResourceChange {
  ResourceChangeKind kind = ResourceChangeKind::kUnchanged;
  manifest::ResourceId id;
  std::vector<FieldChange> fields;  // only for kChanged, in the new object's field order
  // Why the API server would refuse this update, in its words (`spec.controllerName: Invalid
  // value: "string": Value is immutable`): the CRD's transition rules, which see the old object.
  std::vector<std::string> refused;
};

struct ResourceDiff {
  std::vector<ResourceChange> resources;  // every object of either side, sorted by id
  int added = 0;
  int removed = 0;
  int changed = 0;
  int unchanged = 0;

  bool HasDifferences() const { return added + removed + changed > 0; }
};

// Matches the objects of both sides by (group, kind, namespace, name) and compares each pair
// field by field. Lists of x-kubernetes-list-type map are matched item by item by their
// x-kubernetes-list-map-keys (reordering them is no change), lists of type set by their items
// (order is no change); other lists by index. A null
// field counts as absent. A changed object is checked against its CRD's transition rules
// (schema::ValidateTransitions), as the API server checks an update. Pure: values in, a value
// out.
ResourceDiff DiffResources(const Side& old_side, const Side& new_side);

}  // namespace agw::validate::diff
