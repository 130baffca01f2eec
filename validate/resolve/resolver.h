#pragma once

// Internal to validate/resolve: the state shared by the resolution phases.

#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <unordered_set>

#include "validate/resolve/index.h"
#include "validate/resolve/resolve.h"
#include "validate/schema/field_error.h"

namespace agw::validate::resolve::internal {

// A problem the controller reports, and the field it is about.
struct Problem {
  std::string reason;
  std::string message;
  std::string field_path;
  // Where the field was written, when known directly (a part of the spec the model keeps as
  // written); otherwise findings look `field_path` up in the object's field index.
  manifest::Position position = {};
  // Advice for the finding only, never in the status ("did you mean ...?", suggest.h).
  std::string hint = {};
};

// A listener TLS error (controller.md 2.3). `fatal` when the listener is left without usable
// TLS (the controller sends its "dummyTls" sentinel).
struct TlsProblem {
  std::string reason;
  std::string message;
  std::string field_path;
  bool fatal = true;
  std::string hint = {};  // as Problem::hint
};

// One target of an AgentgatewayPolicy, from targetRefs or a matched targetSelector.
struct PolicyTarget {
  std::string group;
  std::string kind;
  std::string name;
  std::optional<std::string> section_name;
  std::optional<std::int32_t> port;
  std::string path;
};

// A listener of a ListenerSet attached to one of the controller's Gateways, as it builds it
// (controller.md 2.5).
struct ListenerSetListener {
  model::Listener listener;  // port defaulted for its protocol
  ListenerStatus status;
  bool valid = true;
  std::string conflict;  // "", "hostname", "protocol" or "bind-mode" (controller.md 2.4)
};

struct AttachedListenerSet {
  const model::Gateway* gateway = nullptr;
  std::vector<ListenerSetListener> listeners;
};

// One (parentRef, listener) attachment of a route that the controller allowed.
struct Attachment {
  const model::Gateway* gateway;
  std::size_t listener_index;
};

// A listener a parentRef (of a Gateway or ListenerSet) reaches, and whether the object may
// attach to it: `denial` is why not.
struct ListenerCandidate {
  const model::Gateway* gateway = nullptr;  // for a ListenerSet's listener, its parent Gateway
  // Into gateway->listeners; unset for a ListenerSet's listener.
  std::optional<std::size_t> listener_index;
  std::string listener_key;  // "<ns>/<gateway or ListenerSet>.<listener>"
  std::optional<Problem> denial;
};

// What the controller makes of an HTTPRoute rule that selects AgentgatewayModel backends
// (modelServingRuleRouterKey, controller.md 3.12).
struct ModelServingRule {
  bool opted_in = false;  // a backendRef is an AgentgatewayModel
  std::optional<Problem> error;
};
ModelServingRule CheckModelServingRule(const std::string& route_namespace,
                                       const model::HTTPRouteRule& rule);
// Whether the rule matches the root path "/" (no matches, or a PathPrefix "/" match).
bool ModelServingRuleMatchesRoot(const model::HTTPRouteRule& rule);
// "root model-serving HTTPRoute conflicts with directly attached models on listeners: <keys>".
std::string RootModelConflictMessage(const std::vector<std::string>& listeners);

class Resolver {
 public:
  Resolver(const model::Model& model, const ResolveOptions& options, Resolution& out)
      : model_(model), options_(options), index_(model), out_(out) {}

  void Run();

 private:
  // gateways.cc
  void ResolveGatewayClasses();
  bool IsOurs(const model::Gateway& gateway);
  void ResolveGateway(const model::Gateway& gateway);
  // A listener of `owner` (the Gateway, or a ListenerSet attached to it) on `gateway`.
  ListenerStatus ResolveListener(const model::ObjectBase& owner, const model::Gateway& gateway,
                                 const model::Listener& listener, bool& programmed);
  std::optional<TlsProblem> ResolveListenerTls(const model::ObjectBase& owner,
                                               const model::Gateway& gateway,
                                               const model::Listener& listener);
  std::optional<TlsProblem> CheckCertificateSecret(const model::ObjectBase& owner,
                                                   const model::SecretObjectReference& ref,
                                                   const std::string& field);
  std::optional<TlsProblem> ResolveFrontendCaRefs(const model::ObjectBase& owner,
                                                  const model::FrontendTLSValidation& validation,
                                                  const std::string& path);
  std::optional<TlsProblem> ResolveBackendClientCertificate(const model::ObjectBase& owner,
                                                            const model::Gateway& gateway);
  bool SecretGranted(const model::ObjectBase& owner, const std::string& secret_namespace,
                     const std::string& name) const;
  // Route namespaces a listener of an object in `local_namespace` admits ("*": all, "~": none).
  std::vector<std::string> AllowedNamespaces(const std::string& local_namespace,
                                             const model::Listener& listener) const;
  // The ListenerSets attached to `gateway`: their listeners, conflicts, and how many count in
  // the Gateway's attachedListenerSets.
  int ResolveListenerSets(const model::Gateway& gateway);

  // routes.cc
  template <typename Route>
  void ResolveRoute(const Route& route, const std::string& kind);
  std::optional<Problem> CheckAttachment(const model::ObjectBase& route, const std::string& kind,
                                         const std::vector<std::string>& hostnames,
                                         const model::ParentReference& parent,
                                         const std::string& local_namespace,
                                         const model::Listener& listener,
                                         const ListenerStatus& listener_status);
  ResolvedBackend ResolveBackendRef(const model::ObjectBase& route, const std::string& kind,
                                    const model::BackendObjectReference& ref,
                                    const std::string& field_path, std::optional<Problem>& soft,
                                    std::optional<Problem>& hard);
  std::optional<Problem> CheckRuleFilters(const model::ObjectBase& route, const std::string& kind,
                                          const std::vector<model::RouteFilter>& filters,
                                          bool backend_level);
  void CountAttachedRoutes();
  // A backend the controller could not translate (Accepted False) is not programmed: the data
  // plane has no such backend, so a route's share of it answers 500. Statuses stay as written.
  void LeaveOutUnprogrammedBackends();
  // Whether HTTPRoute parent_namespace/parent_name has a rule delegating to `child`
  // (backendRef kind HTTPRoute named "*", the child's name, or "label=value").
  bool DelegatesTo(const std::string& parent_namespace, const std::string& parent_name,
                   const model::HTTPRoute& child) const;
  // Sends each delegated child HTTPRoute to the Gateways of the parents that delegate to it and
  // that it allows (controller.md 3.10), so policies targeting a child reach it.
  void AttachDelegatedRoutes();
  // Whether `child` accepts `parent` as its delegating parent: it has no parentRefs (and, across
  // namespaces, a ReferenceGrant lets the parent in), or it lists this parent among them.
  bool ChildAllowsParent(const model::HTTPRoute& child, const model::HTTPRoute& parent) const;

  // models.cc
  // The listeners `parent` reaches (Gateway and ListenerSet parents only) and whether `object`
  // of `kind` may attach to each; reports nothing.
  std::vector<ListenerCandidate> ParentCandidates(const model::ObjectBase& object,
                                                  const std::string& kind,
                                                  const std::vector<std::string>& hostnames,
                                                  const model::ParentReference& parent);
  // The listener keys `object` is accepted on through its Gateway and ListenerSet parents.
  std::set<std::string> AcceptedListenerKeys(const model::ObjectBase& object,
                                             const std::string& kind,
                                             const std::vector<std::string>& hostnames,
                                             const std::vector<model::ParentReference>& parents);
  // The listeners on which a root model-serving HTTPRoute meets models attached directly
  // (rootModelRouteDirectListenerConflicts), sorted; empty when models are disabled.
  std::vector<std::string> RootModelConflicts(const model::HTTPRoute& route);
  // Fills direct_model_listeners_ (before routes are resolved: they need it).
  void CollectModelListeners();
  void ResolveModel(const model::AgentgatewayModel& model);
  // The first error convertAgentgatewayModel meets, if any.
  std::optional<Problem> ConvertModel(const model::AgentgatewayModel& model);
  // translateModelLLMProvider for a model with a provider: its baseURL, policies and provider
  // settings. Field paths are within `model`.
  std::optional<Problem> CheckModelProvider(const model::AgentgatewayModel& model);

  // backends.cc
  void ResolveBackend(const model::AgentgatewayBackend& backend);
  void CheckBackendPolicies(const model::ObjectBase& owner, const model::BackendPolicies& policies,
                            const std::string& path, const std::string& policy_name,
                            std::vector<Problem>& problems);
  void CheckBackendAuth(const model::ObjectBase& owner, const model::BackendAuth& auth,
                        const std::string& path, std::vector<Problem>& problems);
  // A Secret a credential ref names: `problem` when the controller would fail to resolve it;
  // `secret` null without a problem when it is assumed to exist on the cluster.
  struct CredentialLookup {
    const model::Secret* secret = nullptr;
    std::optional<Problem> problem;
  };
  CredentialLookup ResolveCredentialRef(const model::ObjectBase& owner,
                                        const model::LocalSecretRef& ref, const std::string& path);
  std::optional<Problem> ResolveSecretKey(const model::ObjectBase& owner,
                                          const model::LocalSecretRef& ref,
                                          const std::string& default_key, bool auth_value,
                                          const std::string& path);
  // The error of a policy's backendRef (extAuth, tunnel, webhook, ...), if any.
  // `hint`, when given, gets the "did you mean ...?" for a ref that resolves to nothing.
  std::optional<std::string> CheckPolicyBackendRef(const model::ObjectBase& owner,
                                                   const manifest::Value& ref,
                                                   const std::string& field,
                                                   std::string* hint = nullptr);
  // The error of a remote JWKS (`url`, or `backendRef` + `jwksPath`), if any; `policy_name` is
  // the policy named in the message ("inline_policy" for a backend's own policies).
  std::optional<std::string> CheckRemoteJwks(const model::ObjectBase& owner,
                                             const manifest::Value& jwks,
                                             const std::string& policy_name,
                                             const std::string& field, std::string* hint = nullptr);
  // Whether the controller persisted the keyset of the request key hashed from `key_parts`.
  bool PersistedJwksAvailable(const std::vector<std::string>& key_parts) const;

  // policies.cc
  void ResolvePolicy(const model::AgentgatewayPolicy& policy);
  // The policy's targets; a line for each selector that matches nothing goes to `unmatched`.
  std::vector<PolicyTarget> PolicyTargets(const model::AgentgatewayPolicy& policy,
                                          std::vector<std::string>* unmatched) const;
  // nullopt when the target exists with its section; otherwise the "Policy is not attached"
  // line, empty when the object is assumed to exist on the cluster.
  // `hint`, when given, gets the advice for the line ("did you mean ...?", the sections there are).
  std::optional<std::string> TargetProblem(const model::AgentgatewayPolicy& policy,
                                           const PolicyTarget& target, std::string* hint = nullptr);
  // The Gateways an existing target (in namespace `ns`) is sent to.
  std::set<const model::Gateway*> TargetGateways(const std::string& ns,
                                                 const PolicyTarget& target) const;
  // Fills reference_gateways_ through backends' and policies' backendRefs.
  void PropagateReferences();
  // The problems of a policy's frontend / traffic section; each returns how many xDS policies
  // the section yields despite them.
  int CheckFrontendPolicy(const model::AgentgatewayPolicy& policy, std::vector<Problem>& problems);
  int CheckTrafficPolicy(const model::AgentgatewayPolicy& policy, std::vector<Problem>& problems);
  void CheckApiKeys(const model::AgentgatewayPolicy& policy, const manifest::Value& config,
                    const std::string& path, std::vector<Problem>& problems);

  // resolve.cc
  // Records a finding about `object` at `field_path`.
  // `position`, when known, overrides the lookup of `field_path`.
  void Report(const model::ObjectBase& object, manifest::Severity severity, std::string code,
              std::string message, const std::string& field_path, std::string hint = {},
              manifest::Position position = {});
  // Whether an object that is referenced but absent counts as missing (strict) or as living
  // outside the manifest set (a warning, and the reference is taken to be fine).
  // `suggestion` ("did you mean ...?", SuggestName) leads the warning's hint.
  bool TreatAsMissing(const model::ObjectBase& referrer, const std::string& what,
                      const std::string& field_path, const std::string& suggestion = {});
  // The "did you mean ...?" for a reference to `group`/`kind` `ns`/`name` that resolves to
  // nothing, from the objects of that kind in the inputs; empty when none is close.
  // `local_only`: the reference cannot leave `ns` (a LocalObjectReference), so only `ns` counts.
  std::string SuggestName(const std::string& group, const std::string& kind, const std::string& ns,
                          const std::string& name, bool local_only = false) const;
  bool GrantRequiredForRoutes() const { return options_.backend_ref_grant_mode != "none"; }

  const model::Model& model_;
  const ResolveOptions& options_;
  ObjectIndex index_;
  Resolution& out_;
  // What Report has added, to drop a finding reached twice without rescanning them all.
  std::unordered_set<std::string> reported_;
  // Gateways the controller owns, with their status (index into out_.status.gateways).
  std::map<const model::Gateway*, std::size_t> owned_gateways_;
  // Route attachments per (gateway, listener): the routes counted in attachedRoutes.
  std::map<std::pair<const model::Gateway*, std::size_t>, std::set<const model::ObjectBase*>>
      attached_;
  // Gateways each Service / AgentgatewayBackend (kind, namespace, name) is sent to: referenced
  // by accepted routes, then through backends' and policies' backendRefs (PropagateReferences).
  std::map<std::tuple<std::string, std::string, std::string>, std::set<const model::Gateway*>>
      reference_gateways_;
  bool references_propagated_ = false;
  // ListenerSets attached to one of the controller's Gateways (allowed by it).
  std::map<const model::ListenerSet*, AttachedListenerSet> listener_sets_;
  // Route -> Gateways it is accepted on.
  std::map<const model::ObjectBase*, std::set<const model::Gateway*>> route_gateways_;
  // Listener keys AgentgatewayModels are accepted on through Gateway and ListenerSet parents.
  std::set<std::string> direct_model_listeners_;
};

// Reading the parts of the API the model keeps as written (manifest::Value).
// A scalar field of `map` as written; `fallback` when `map` is null or the field is absent.
std::string ValueText(const manifest::Value* map, std::string_view key, std::string fallback = {});
// A sequence field of `map`, or null.
const manifest::Value* ValueItems(const manifest::Value* map, std::string_view key);
// A LocalSecretObjectRef / LocalSecretKeyRef field of `map`.
std::optional<model::LocalSecretRef> SecretRefAt(const manifest::Value* map, std::string_view key);

// The backendRefs of a backend policy block whose objects follow the referrer's Gateways
// (BackendReferencesFromBackendPolicy): tunnel, extAuth, MCP authentication JWKS and guardrail
// processors, AI prompt guard webhooks and guardrail tunnels. `add` gets each backendRef map.
void BackendPolicyRefs(const model::BackendPolicies& policies,
                       const std::function<void(const manifest::Value*)>& add);

// CEL syntax checks (cel_fields.cc, controller.md 5.2). `what` names the field the way the
// controller's message does; each failure is "<what> is not a valid CEL expression: <expr>".
// The controller's isCEL: `expression` parses in an empty cel-go environment.
bool IsCel(std::string_view expression);
using schema::GoQuote;  // Go's %q of a string
// One CEL field; absent and null fields are not checked.
void CheckCel(const manifest::Value* value, const std::string& path, const std::string& what,
              std::vector<Problem>& problems);
// A map[string]CELExpression, in key order; each message names its key: `<what> "<key>"`.
void CheckCelMap(const manifest::Value* map, const std::string& path, const std::string& what,
                 std::vector<Problem>& problems);
// A []CELExpression.
void CheckCelList(const manifest::Value* list, const std::string& path, const std::string& what,
                  std::vector<Problem>& problems);
// A list of {name, <value_key>} items; each message names the item: `<what> "<name>"`.
void CheckNamedCel(const manifest::Value* list, std::string_view value_key, const std::string& path,
                   const std::string& what, std::vector<Problem>& problems);
// convertTransformSpec for a Transformation's request and response; returns whether the
// controller builds a transformation from it at all.
bool CheckTransformationCel(const manifest::Value& transformation, const std::string& path,
                            std::vector<Problem>& problems);
// buildExtAuthSpec's CEL fields (gRPC metadata or HTTP path/redirect/body/headers/metadata,
// cache key and ttl), shared by traffic.extAuth and backend.extAuth.
void CheckExtAuthCel(const manifest::Value& ext_auth, const std::string& path,
                     std::vector<Problem>& problems);

// Go's time.ParseDuration, as the controller parses route timeouts. Returns the error text Go
// would produce on failure.
std::optional<std::string> CheckGoDuration(const std::string& text);

}  // namespace agw::validate::resolve::internal
