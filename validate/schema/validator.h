#pragma once

#include <functional>
#include <string>
#include <vector>

#include "validate/cel/value.h"
#include "validate/manifest/value.h"
#include "validate/schema/field_error.h"
#include "validate/schema/schema.h"

// What the API server does with a custom resource and its CRD version's schema before any CEL
// rule runs, step by step (apiextensions-apiserver on create, Kubernetes 1.32/1.33): find the
// fields strict decoding rejects, prune nulls and apply defaults, then check the structural
// schema (kube-openapi) and the list-type invariants. Each step is a pure function of the schema
// and the object; the caller runs them in this order.
namespace agw::validate::schema {

// A field that `kubectl apply` (fieldValidation=Strict) rejects as unknown.
struct UnknownField {
  std::string path;  // "spec.rules[0].timeoutz"; map keys are written ".key"
  manifest::Position position;
  std::string suggestion;  // a known field of the same object one or two edits away, or ""
};

// The unknown fields of `object` against `root`, in the server's order: those of the root's
// metadata first (by name), then every other one sorted byte-wise by path. A field is unknown
// when its object's schema has neither a property nor additionalProperties for it (and does
// not preserve unknown fields), including every key of an object given where the schema wants
// a scalar or a list. Their subtrees are not visited.
std::vector<UnknownField> FindUnknownFields(const Schema& root, const manifest::Value& object);

// The message of a strict decoding failure: `<Kind> in version "<v>" cannot be handled as a
// <Kind>: strict decoding error: unknown field "a", unknown field "b"`.
std::string StrictDecodingMessage(std::string_view kind, std::string_view version,
                                  const std::vector<UnknownField>& unknown);

// Removes the nulls the API server removes (object members whose schema is not nullable and
// has no default), then applies the schema's defaults top-down: a property with a default is
// set when absent (or null and not nullable), inside array items too, and inside values just
// defaulted. Inserted values take the position of the object that received them.
void ApplyDefaults(const Schema& root, manifest::Value& object);

// The API server's ObjectMeta checks of a custom resource, which come before the schema's:
// metadata.name (present, a DNS-1123 subdomain of at most 253 characters), metadata.namespace
// when written and `namespaced` (a DNS-1123 label), label keys and values, annotation keys and
// their total size (256 KiB). Labels and annotations in key order.
// `name_rule` is the rule for metadata.name: a DNS-1123 subdomain for custom resources, Secrets
// and ConfigMaps; a DNS-1123 label for Namespaces; a DNS-1035 label for Services.
enum class NameRule { kSubdomain, kLabel, kDns1035Label };
std::vector<FieldError> ValidateObjectMeta(const manifest::Value& object, bool namespaced,
                                           NameRule name_rule = NameRule::kSubdomain);

// The structural schema check of kube-openapi, as field errors in the server's order for one
// node (type, allOf/anyOf/oneOf/not, string, format, number, array, enum, object), with sibling
// properties and map keys in name order (the server's own order there is random). Errors with
// the same text are reported once.
std::vector<FieldError> ValidateStructure(const Schema& root, const manifest::Value& object);

// `x-kubernetes-list-type: set` and `map` uniqueness: a Duplicate value error at the second of
// two equal items (for a map list, equal in its key fields).
std::vector<FieldError> ValidateListTypes(const Schema& root, const manifest::Value& object);

// The `x-kubernetes-validations` rules of `root` against `object` (defaults applied), as the API
// server runs them on create, once the checks above found nothing that blocks them: each node's
// rules with `self` bound to the node (typed by its schema; the root shows apiVersion, kind and
// metadata.name/generateName), a node's rules before its children's, array items in order;
// transition rules (oldSelf) skipped. A false rule is `<path>: Invalid value: "<schema type>":
// <message>` (or its messageExpression, reason and fieldPath); a runtime error
// `<error> evaluating rule: <message>`. Positions are those of the nodes the rules sit on.
// `observer`, when set, sees every rule evaluated, with `self` and the result (tests compare the
// results with another CEL evaluator).
using RuleObserver = std::function<void(const ValidationRule& rule, const cel::Value& self,
                                        const cel::Value& result)>;
std::vector<FieldError> ValidateRules(const Schema& root, const manifest::Value& object,
                                      const RuleObserver& observer = {});

// The transition rules of `root` (those that read oldSelf) as the API server runs them when
// `object` replaces `old_object` (both as stored, defaults applied): each rule with oldSelf bound
// to the correlated old value (the same field or map key; for x-kubernetes-list-type map, the
// item with the same keys; other lists do not correlate), skipped where nothing correlates;
// optionalOldSelf rules see optional.of(old). Errors as ValidateRules words them. The rules
// without oldSelf are ValidateRules' business.
std::vector<FieldError> ValidateTransitions(const Schema& root, const manifest::Value& object,
                                            const manifest::Value& old_object);

}  // namespace agw::validate::schema
