// Admit: the API server's create path for each resource (apiextensions-apiserver's
// customresource handler and strategy for custom resources, core validation for the built-in
// kinds) and kubectl's REST mapping before it. See ../shared/reference/gateway-api.md §4.

#include "validate/schema/admission.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <utility>

#include "validate/schema/core_kinds.h"
#include "validate/schema/suggest.h"
#include "validate/schema/validator.h"

namespace agw::validate::schema {
namespace {

using manifest::Diagnostic;
using manifest::Resource;
using manifest::Severity;
using manifest::Value;

// The API groups Kubernetes serves itself; kinds of these groups are never custom resources.
constexpr std::array<std::string_view, 23> kKubernetesGroups = {"",
                                                                "admissionregistration.k8s.io",
                                                                "apiextensions.k8s.io",
                                                                "apiregistration.k8s.io",
                                                                "apps",
                                                                "authentication.k8s.io",
                                                                "authorization.k8s.io",
                                                                "autoscaling",
                                                                "batch",
                                                                "certificates.k8s.io",
                                                                "coordination.k8s.io",
                                                                "discovery.k8s.io",
                                                                "events.k8s.io",
                                                                "flowcontrol.apiserver.k8s.io",
                                                                "internal.apiserver.k8s.io",
                                                                "networking.k8s.io",
                                                                "node.k8s.io",
                                                                "policy",
                                                                "rbac.authorization.k8s.io",
                                                                "resource.k8s.io",
                                                                "scheduling.k8s.io",
                                                                "storage.k8s.io",
                                                                "storagemigration.k8s.io"};

// The groups of the CRD sets this tool builds in.
constexpr std::array<std::string_view, 2> kBuiltinGroups = {"gateway.networking.k8s.io",
                                                            "agentgateway.dev"};

bool Contains(const auto& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

void Append(std::vector<FieldError>& errors, std::vector<FieldError> more) {
  for (FieldError& error : more) {
    errors.push_back(std::move(error));
  }
}

// The field error reasons of the API server's `details.causes[].reason`, used as codes.
std::string_view ReasonOf(FieldError::Type type) {
  switch (type) {
    case FieldError::Type::kInvalid:
      return "FieldValueInvalid";
    case FieldError::Type::kTypeInvalid:
      return "FieldValueTypeInvalid";
    case FieldError::Type::kRequired:
      return "FieldValueRequired";
    case FieldError::Type::kNotSupported:
      return "FieldValueNotSupported";
    case FieldError::Type::kTooLong:
      return "FieldValueTooLong";
    case FieldError::Type::kTooMany:
      return "FieldValueTooMany";
    case FieldError::Type::kDuplicate:
      return "FieldValueDuplicate";
    case FieldError::Type::kForbidden:
      return "FieldValueForbidden";
  }
  return "FieldValueInvalid";
}

Diagnostic Finding(const Resource& resource, Severity severity, std::string code,
                   std::string message, manifest::Position position, std::string field_path) {
  Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.message = std::move(message);
  d.position = position;
  d.field_path = std::move(field_path);
  d.resource = resource.id.ToString();
  return d;
}

manifest::Position FieldPosition(const Resource& resource, std::string_view key) {
  const Value* value = resource.object.Find(key);
  return value != nullptr ? value->position() : resource.position;
}

}  // namespace

AdmittedResource Admitter::Admit(const Resource& resource) {
  const std::string& group = resource.id.group;
  const std::string& kind = resource.id.kind;
  if (std::shared_ptr<const Crd> crd = catalog_.Find(group, kind)) {
    return AdmitCustom(resource, *crd);
  }
  if (catalog_.KnowsGroup(group)) {
    UnknownKind(resource);
    return {AdmissionOutcome::kUnmapped, resource.object};
  }
  if (IsCheckedCoreKind(group, kind)) {
    return AdmitCoreKind(resource);
  }
  NotChecked(resource);
  return {AdmissionOutcome::kNotChecked, resource.object};
}

// kubectl's NoKindMatchError, for a kind of a group whose CRDs are known.
void Admitter::UnknownKind(const Resource& resource) {
  Diagnostic d = Finding(resource, Severity::kError, "unknown-kind",
                         "no matches for kind \"" + resource.id.kind + "\" in version \"" +
                             resource.api_version + "\"",
                         FieldPosition(resource, "kind"), "kind");
  std::vector<std::string> kinds = catalog_.KindsOf(resource.id.group);
  std::vector<std::string_view> names(kinds.begin(), kinds.end());
  std::string closest = ClosestName(resource.id.kind, names);
  if (!closest.empty()) {
    d.hint = "did you mean " + closest + "?";
  } else {
    std::string list;
    for (const std::string& name : kinds) {
      list += (list.empty() ? "" : ", ") + name;
    }
    d.hint = "the kinds of " + resource.id.group + " are " + list;
  }
  sink_.Add(std::move(d));
}

void Admitter::UnservedVersion(const Resource& resource, const Crd& crd) {
  Diagnostic d = Finding(resource, Severity::kError, "unknown-version",
                         "no matches for kind \"" + resource.id.kind + "\" in version \"" +
                             resource.api_version + "\"",
                         FieldPosition(resource, "apiVersion"), "apiVersion");
  std::string served;
  for (const CrdVersion& version : crd.versions) {
    if (!version.served) {
      continue;
    }
    served += (served.empty() ? "" : ", ") + crd.group + "/" + version.name;
  }
  d.hint = "served versions: " + served + " (CRDs: " + crd.source + ")";
  sink_.Add(std::move(d));
}

// A kind this tool has no schema for: said once per kind (Kubernetes kinds, info) or per
// group (others, a warning that says how to add the schema).
void Admitter::NotChecked(const Resource& resource) {
  const std::string& group = resource.id.group;
  const std::string& kind = resource.id.kind;
  if (Contains(kKubernetesGroups, group)) {
    if (!reported_kinds_.insert({group, kind}).second) {
      return;
    }
    sink_.Add(Finding(resource, Severity::kInfo, "not-checked",
                      kind + " (" + resource.api_version +
                          ") is not checked: the Kubernetes built-in kinds checked here are "
                          "Secret, ConfigMap, Service and Namespace",
                      FieldPosition(resource, "kind"), "kind"));
    return;
  }
  if (!reported_groups_.insert(group).second) {
    return;
  }
  Diagnostic d;
  if (Contains(kBuiltinGroups, group)) {
    d = Finding(resource, Severity::kInfo, "not-checked",
                "the schema checks and defaults of " + group +
                    " were skipped: this build has no CRDs of it",
                FieldPosition(resource, "apiVersion"), "apiVersion");
    d.hint =
        "pass --crds DIR with the project's CustomResourceDefinitions, or build with "
        "-DAGW_CRDS_DIR";
  } else {
    d = Finding(resource, Severity::kWarning, "unknown-group",
                "no CustomResourceDefinition of " + group + " is known: " + kind +
                    " and the other kinds of the group are not checked",
                FieldPosition(resource, "apiVersion"), "apiVersion");
    d.hint = "pass --crds DIR with the CustomResourceDefinitions of " + group;
  }
  sink_.Add(std::move(d));
}

// The 422 causes of one object, under kubectl's heading.
void Admitter::ReportInvalid(const Resource& resource, std::vector<FieldError> errors) {
  std::set<std::string> seen;
  std::string heading = "The " + resource.id.kind + " \"" + resource.id.name + "\" is invalid:";
  for (FieldError& error : errors) {
    std::string text = error.Render();
    if (!seen.insert(text).second) {
      continue;  // the server's aggregate drops repeats
    }
    Diagnostic d =
        Finding(resource, Severity::kError, std::string(ReasonOf(error.type)), std::move(text),
                error.position.line > 0 ? error.position : resource.position, error.path);
    d.hint = std::move(error.hint);
    d.heading = heading;
    sink_.Add(std::move(d));
  }
}

AdmittedResource Admitter::AdmitCustom(const Resource& resource, const Crd& crd) {
  std::string version_name = manifest::VersionOf(resource.api_version);
  const CrdVersion* version = crd.Version(version_name);
  if (version == nullptr || !version->served) {
    UnservedVersion(resource, crd);
    return {AdmissionOutcome::kUnmapped, resource.object};
  }
  AdmittedResource admitted{AdmissionOutcome::kAdmitted, resource.object};
  if (!version->schema) {
    return admitted;
  }
  const Schema& schema = *version->schema;
  std::vector<UnknownField> unknown = FindUnknownFields(schema, resource.object);
  for (const UnknownField& field : unknown) {
    Diagnostic d = Finding(resource, Severity::kError, "strict-decoding",
                           StrictDecodingMessage(resource.id.kind, version_name, {field}),
                           field.position, field.path);
    if (!field.suggestion.empty()) {
      d.hint = "did you mean " + field.suggestion + "?";
    }
    sink_.Add(std::move(d));
  }
  ApplyDefaults(schema, admitted.object);
  if (!unknown.empty()) {
    // A 400: the server stops here. The defaulted object is still what the model reads.
    admitted.outcome = AdmissionOutcome::kRejected;
    return admitted;
  }
  // On create the server drops the status of a kind with a status subresource before
  // validating. The model still reads it: a status in the inputs stands for what other
  // controllers already wrote on the cluster.
  std::optional<manifest::MapEntry> status;
  std::vector<manifest::MapEntry>& entries = admitted.object.mutable_entries();
  auto status_entry = std::find_if(entries.begin(), entries.end(),
                                   [](const manifest::MapEntry& e) { return e.key == "status"; });
  if (version->status_subresource && status_entry != entries.end()) {
    status = std::move(*status_entry);
    entries.erase(status_entry);
  }
  std::vector<FieldError> errors = ValidateObjectMeta(admitted.object, crd.namespaced);
  Append(errors, ValidateStructure(schema, admitted.object));
  Append(errors, ValidateListTypes(schema, admitted.object));
  bool blocks_cel = std::any_of(errors.begin(), errors.end(),
                                [](const FieldError& error) { return error.BlocksCel(); });
  if (!blocks_cel && version->has_rules) {
    Append(errors, ValidateRules(schema, admitted.object));
  }
  if (status) {
    admitted.object.mutable_entries().push_back(std::move(*status));
  }
  if (blocks_cel && version->has_rules) {
    FieldError skipped;
    skipped.value = "\"null\"";
    skipped.detail =
        "some validation rules were not checked because the object was invalid; correct the "
        "existing errors to complete validation";
    // kubectl prints it last: place it with the last error so that sorting keeps it there.
    skipped.position = resource.position;
    for (const FieldError& error : errors) {
      const manifest::Position& at = error.position;
      if (at.line > skipped.position.line ||
          (at.line == skipped.position.line && at.column > skipped.position.column)) {
        skipped.position = at;
      }
    }
    errors.push_back(std::move(skipped));
  }
  if (!errors.empty()) {
    admitted.outcome = AdmissionOutcome::kRejected;
    ReportInvalid(resource, std::move(errors));
  }
  return admitted;
}

AdmittedResource Admitter::AdmitCoreKind(const Resource& resource) {
  CoreKindCheck check = CheckCoreKind(resource.id.kind, resource.object);
  for (DecodingError& error : check.decoding) {
    sink_.Add(Finding(resource, Severity::kError, "decoding", std::move(error.message),
                      error.position, std::move(error.path)));
  }
  bool rejected = !check.decoding.empty() || !check.errors.empty();
  ReportInvalid(resource, std::move(check.errors));
  return {rejected ? AdmissionOutcome::kRejected : AdmissionOutcome::kAdmitted, resource.object};
}

std::vector<AdmittedResource> Admit(const manifest::Manifest& manifest, const CrdCatalog& catalog,
                                    manifest::DiagnosticSink& sink) {
  Admitter admitter(catalog, sink);
  std::vector<AdmittedResource> admitted;
  admitted.reserve(manifest.resources.size());
  for (const Resource& resource : manifest.resources) {
    admitted.push_back(admitter.Admit(resource));
  }
  return admitted;
}

}  // namespace agw::validate::schema
