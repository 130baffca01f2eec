#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "validate/schema/schema.h"

namespace agw::validate::schema {

// One version of a CustomResourceDefinition (spec.versions[]).
struct CrdVersion {
  std::string name;  // "v1", "v1alpha1"
  bool served = false;
  bool storage = false;
  bool deprecated = false;
  std::string deprecation_warning;
  bool status_subresource = false;       // the API server drops `status` on create
  std::shared_ptr<const Schema> schema;  // openAPIV3Schema; null when the version has none
  bool has_rules = false;                // the schema has x-kubernetes-validations rules
};

// What validation needs of a CustomResourceDefinition: its names, scope and per-version
// schemas. Immutable once built; shared between threads through shared_ptr<const Crd>.
struct Crd {
  std::string group;
  std::string kind;
  std::string plural;
  std::string list_kind;
  bool namespaced = true;  // spec.scope: Namespaced (else Cluster)
  std::vector<CrdVersion> versions;
  // Where it came from, for messages: "gateway-api-v1.6.1" (built in) or a file path.
  std::string source;

  // The version named `name`, or null.
  const CrdVersion* Version(std::string_view name) const;
};

// Builds a Crd from a CustomResourceDefinition object (apiextensions.k8s.io/v1) in JSON form,
// compiling every version's schema. The error names what is missing or malformed.
tl::expected<Crd, std::string> CrdFromJson(const Json& object, std::string source);

// The CRD object `crd` with what validation never reads taken out: the documentation of every
// schema node (description, example, externalDocs, title), metadata other than the name and
// annotations, and status. A property that is *named* `description` stays. This is the compact
// form the build embeds (crd_compiler.cc); CrdFromJson reads it as it reads the original.
Json CompactCrd(const Json& crd);

}  // namespace agw::validate::schema
