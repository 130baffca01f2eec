#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/manifest/value.h"
#include "validate/schema/catalog.h"
#include "validate/schema/field_error.h"

// What `kubectl apply` and the API server make of each resource before any controller sees it:
// the REST mapping of its kind and version, strict decoding (unknown fields), defaulting, and the
// checks of ObjectMeta, the CRD's structural schema, its list types and its CEL rules.
namespace agw::validate::schema {

enum class AdmissionOutcome {
  kAdmitted,    // the server would store it (as `object`)
  kRejected,    // the server would refuse it; `object` is still the best reading of it
  kUnmapped,    // kubectl cannot map its kind or version: it never reaches the server
  kNotChecked,  // no schema for it here (an unknown group, or a built-in kind not modelled)
};

struct AdmittedResource {
  AdmissionOutcome outcome = AdmissionOutcome::kNotChecked;
  // The object as the server stores it: defaults applied, status of a status subresource
  // dropped. As written when it was not checked or could not be mapped.
  manifest::Value object;
};

// Admits resources one at a time, in the manifest's order, so that a caller can decode each
// stored object and drop it before the next (a copy of every object at once doubled the memory
// of large inputs). Reports to `sink` as Admit does. Borrows `catalog` and `sink`.
class Admitter {
 public:
  Admitter(const CrdCatalog& catalog, manifest::DiagnosticSink& sink)
      : catalog_(catalog), sink_(sink) {}
  AdmittedResource Admit(const manifest::Resource& resource);

 private:
  AdmittedResource AdmitCustom(const manifest::Resource& resource, const Crd& crd);
  AdmittedResource AdmitCoreKind(const manifest::Resource& resource);
  void UnknownKind(const manifest::Resource& resource);
  void UnservedVersion(const manifest::Resource& resource, const Crd& crd);
  void NotChecked(const manifest::Resource& resource);
  void ReportInvalid(const manifest::Resource& resource, std::vector<FieldError> errors);

  const CrdCatalog& catalog_;
  manifest::DiagnosticSink& sink_;
  std::set<std::pair<std::string, std::string>> reported_kinds_;  // "not checked", said once
  std::set<std::string> reported_groups_;
};

// Checks every resource of `manifest` against `catalog` and the built-in kinds, in order, and
// reports what the API server and kubectl would say to `sink`: field errors with the server's
// messages (grouped under `The <Kind> "<name>" is invalid:`), strict decoding errors, unknown
// kinds and versions (with the closest known kind), and once per kind or group what was not
// checked. Returns one entry per resource, in the manifest's order.
std::vector<AdmittedResource> Admit(const manifest::Manifest& manifest, const CrdCatalog& catalog,
                                    manifest::DiagnosticSink& sink);

}  // namespace agw::validate::schema
