#pragma once

#include <vector>

#include "validate/manifest/diagnostic.h"
#include "validate/manifest/loader.h"
#include "validate/manifest/value.h"
#include "validate/schema/catalog.h"

// What `kubectl apply` and the API server make of each resource before any controller sees it:
// the REST mapping of its kind and version, strict decoding (unknown fields), defaulting, and the
// checks of ObjectMeta, the CRD's structural schema and its list types (CEL rules: not yet).
namespace agw::schema {

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

// Checks every resource of `manifest` against `catalog` and the built-in kinds, in order, and
// reports what the API server and kubectl would say to `sink`: field errors with the server's
// messages (grouped under `The <Kind> "<name>" is invalid:`), strict decoding errors, unknown
// kinds and versions (with the closest known kind), and once per kind or group what was not
// checked. Returns one entry per resource, in the manifest's order.
std::vector<AdmittedResource> Admit(const manifest::Manifest& manifest, const CrdCatalog& catalog,
                                    manifest::DiagnosticSink& sink);

}  // namespace agw::schema
