// Gateways and listeners as the agentgateway controller translates them (controller.md 1-2).

#include <algorithm>
#include <cctype>
#include <set>

#include "validate/resolve/resolver.h"
#include "validate/resolve/suggest.h"

namespace agw::validate::resolve::internal {
namespace {

constexpr char kNoErrors[] = "No errors found";

bool IsSupportedProtocol(std::string_view protocol) {
  return protocol == "HTTP" || protocol == "HTTPS" || protocol == "TLS" || protocol == "TCP" ||
         protocol == "HBONE";
}

std::vector<model::RouteGroupKind> KindsForProtocol(const model::Listener& listener) {
  const std::string group = model::kGatewayApiGroup;
  if (listener.protocol == "HTTP" || listener.protocol == "HTTPS") {
    return {{group, "HTTPRoute"}, {group, "GRPCRoute"}};
  }
  if (listener.protocol == "TLS") {
    std::vector<model::RouteGroupKind> kinds = {{group, "TLSRoute"}};
    if (listener.tls && listener.tls->mode == "Terminate") {
      kinds.push_back({group, "TCPRoute"});
    }
    return kinds;
  }
  if (listener.protocol == "TCP") {
    return {{group, "TCPRoute"}};
  }
  return {};
}

// Sets a listener condition to an error: the status is inverted from its healthy value.
void ListenerError(ListenerStatus& status, const std::string& type, std::string reason,
                   std::string message) {
  std::string failing = type == "Conflicted" ? "True" : "False";
  SetCondition(status.conditions, Condition{type, failing, std::move(reason), std::move(message)});
}

bool LabelsMatch(const model::LabelSelector& selector,
                 const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return false;
    }
  }
  for (const model::LabelSelectorRequirement& requirement : selector.match_expressions) {
    auto it = labels.find(requirement.key);
    bool has = it != labels.end();
    bool in = has && std::find(requirement.values.begin(), requirement.values.end(), it->second) !=
                         requirement.values.end();
    if ((requirement.op == "In" && !in) || (requirement.op == "NotIn" && in) ||
        (requirement.op == "Exists" && !has) || (requirement.op == "DoesNotExist" && has)) {
      return false;
    }
  }
  return true;
}

// ParseInternalPorts: the ports the agentgateway.dev/internal-ports annotation of `object` marks
// internal, which must be among `ports` (its listeners'); none when `errors` gets any
// (controller.md 2.4).
std::set<std::int32_t> InternalPorts(const model::ObjectBase& object,
                                     const std::vector<std::int32_t>& ports,
                                     std::vector<std::string>& errors) {
  std::set<std::int32_t> internal;
  auto it = object.metadata.annotations.find("agentgateway.dev/internal-ports");
  if (it == object.metadata.annotations.end()) {
    return internal;
  }
  std::string_view rest = it->second;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string entry(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    entry.erase(0, entry.find_first_not_of(' '));
    entry.erase(entry.find_last_not_of(' ') + 1);
    bool numeric = !entry.empty() && entry.size() <= 5 &&
                   std::all_of(entry.begin(), entry.end(), [](char c) { return std::isdigit(c); });
    int port = numeric ? std::stoi(entry) : 0;
    if (port < 1 || port > 65535) {
      errors.push_back("invalid port \"" + entry + "\": must be an integer between 1 and 65535");
    } else if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
      errors.push_back("port " + entry + " is not defined by any listener on this resource");
    } else {
      internal.insert(port);
    }
  }
  if (!errors.empty()) {
    internal.clear();
  }
  return internal;
}

// Go's truncatedKeysMessage: the sorted keys, at most three of them.
std::string TruncatedKeys(const std::map<std::string, std::string>& data) {
  std::string found;
  int listed = 0;
  for (const auto& [name, value] : data) {
    if (listed < 3) {
      found += (listed > 0 ? ", " : "") + name;
    }
    ++listed;
  }
  if (listed > 3) {
    found += ", and " + std::to_string(listed - 3) + " more...";
  }
  return found;
}

}  // namespace

void Resolver::ResolveGatewayClasses() {
  for (const model::GatewayClass& gateway_class : model_.gateway_classes) {
    if (gateway_class.controller_name != options_.controller_name) {
      continue;
    }
    GatewayClassStatus status;
    status.object = &gateway_class;
    status.conditions.push_back(
        {"Accepted", "True", "Accepted", "GatewayClass accepted by agentgateway controller"});
    out_.status.gateway_classes.push_back(std::move(status));
  }
}

bool Resolver::IsOurs(const model::Gateway& gateway) {
  const std::string& class_name = gateway.gateway_class_name;
  if (const model::GatewayClass* gateway_class = index_.FindGatewayClass(class_name)) {
    if (gateway_class->controller_name == options_.controller_name) {
      return true;
    }
    Report(gateway, manifest::Severity::kInfo, "foreign-gateway-class",
           "GatewayClass \"" + class_name + "\" belongs to controller \"" +
               gateway_class->controller_name +
               "\": the agentgateway controller ignores this Gateway",
           "spec.gatewayClassName");
    return false;
  }
  const auto& implied = options_.implied_gateway_classes;
  if (std::find(implied.begin(), implied.end(), class_name) != implied.end()) {
    return true;
  }
  // A near miss of one of ours ("agentgatway") is more likely a typo than a foreign class; a
  // class that wraps one of ours ("enterprise-agentgateway") is another distribution's.
  std::vector<NamedObject> ours;
  for (const model::GatewayClass& gateway_class : model_.gateway_classes) {
    if (gateway_class.controller_name == options_.controller_name) {
      ours.push_back({"", gateway_class.metadata.name});
    }
  }
  for (const std::string& name : implied) {
    ours.push_back({"", name});
  }
  std::string suggestion = DidYouMean("", class_name, ours, /*segments=*/false);
  std::string advice =
      "pass --gateway-class " + class_name + " if this class belongs to agentgateway";
  Report(gateway, manifest::Severity::kInfo, "foreign-gateway-class",
         "GatewayClass \"" + class_name +
             "\" is not in the manifest set and is not an agentgateway class: the agentgateway "
             "controller ignores this Gateway",
         "spec.gatewayClassName",
         JoinHints(suggestion, (suggestion.empty() ? "" : "otherwise ") + advice));
  return false;
}

std::vector<std::string> Resolver::AllowedNamespaces(const std::string& local_namespace,
                                                     const model::Listener& listener) const {
  const model::AllowedRoutes& allowed = listener.allowed_routes;
  if (allowed.namespaces_from == "All") {
    return {"*"};
  }
  if (allowed.namespaces_from == "Selector") {
    if (!allowed.namespace_selector) {
      return {"*"};
    }
    std::vector<std::string> namespaces;
    for (const model::Namespace& ns : model_.namespaces) {
      std::map<std::string, std::string> labels = ns.metadata.labels;
      labels["kubernetes.io/metadata.name"] = ns.metadata.name;
      if (LabelsMatch(*allowed.namespace_selector, labels)) {
        namespaces.push_back(ns.metadata.name);
      }
    }
    std::sort(namespaces.begin(), namespaces.end());
    if (namespaces.empty()) {
      return {"~"};  // matches no namespace
    }
    return namespaces;
  }
  return {local_namespace};
}

bool Resolver::SecretGranted(const model::ObjectBase& owner, const std::string& secret_namespace,
                             const std::string& name) const {
  // A listener's Secret in another namespace needs a ReferenceGrant from its owner's namespace;
  // for a ListenerSet one from kind Gateway counts too (golden gateways/listenerset-refgrant).
  const std::string& ns = owner.metadata.namespace_;
  return index_.ReferenceGranted(model::kGatewayApiGroup, "Gateway", ns, "", "Secret",
                                 secret_namespace, name) ||
         (owner.id.kind == "ListenerSet" &&
          index_.ReferenceGranted(model::kGatewayApiGroup, "ListenerSet", ns, "", "Secret",
                                  secret_namespace, name));
}

std::optional<TlsProblem> Resolver::CheckCertificateSecret(const model::ObjectBase& owner,
                                                           const model::SecretObjectReference& ref,
                                                           const std::string& field) {
  // buildSecretReference: kind, existence, then the tls.crt/tls.key pair (controller.md 2.3).
  std::string printed =
      ref.group + "/" + ref.kind + "/" + ref.name + "." + ref.namespace_.value_or("");
  if (!ref.group.empty() || ref.kind != "Secret") {
    return TlsProblem{"InvalidCertificateRef",
                      "invalid certificate reference " + printed + ", only secret is allowed",
                      field};
  }
  std::string secret_namespace = ref.namespace_.value_or(owner.metadata.namespace_);
  const model::Secret* secret = index_.FindSecret(secret_namespace, ref.name);
  if (secret == nullptr) {
    std::string suggestion = SuggestName("", "Secret", secret_namespace, ref.name);
    if (TreatAsMissing(owner, "Secret " + secret_namespace + "/" + ref.name, field + ".name",
                       suggestion)) {
      return TlsProblem{"InvalidCertificateRef",
                        "invalid certificate reference " + printed + ", secret not found", field,
                        true, suggestion};
    }
    return std::nullopt;
  }
  auto crt = secret->data.find("tls.crt");
  auto key = secret->data.find("tls.key");
  if (crt == secret->data.end() || key == secret->data.end()) {
    return TlsProblem{"InvalidCertificateRef",
                      "invalid certificate reference " + printed +
                          ", found secret, but didn't have expected keys (tls.crt and tls.key); "
                          "found: " +
                          TruncatedKeys(secret->data),
                      field};
  }
  if (crt->second.empty() || key->second.empty()) {
    return TlsProblem{"InvalidCertificateRef",
                      "invalid certificate reference " + printed +
                          ", found keys \"tls.crt\" and \"tls.key\", but they were empty",
                      field};
  }
  return std::nullopt;
}

std::optional<TlsProblem> Resolver::ResolveFrontendCaRefs(
    const model::ObjectBase& owner, const model::FrontendTLSValidation& validation,
    const std::string& path) {
  // bundleCaCertificates: every ref is tried; the first error is reported, and it is fatal only
  // when no CA could be used at all (controller.md 2.3, "Frontend mTLS").
  const std::string& gateway_namespace = owner.metadata.namespace_;
  std::optional<TlsProblem> first;
  bool any_valid = false;
  for (std::size_t i = 0; i < validation.ca_certificate_refs.size(); ++i) {
    const model::ObjectReference& ref = validation.ca_certificate_refs[i];
    std::string field = path + "[" + std::to_string(i) + "]";
    std::string ns = ref.namespace_.value_or(gateway_namespace);
    std::string printed =
        ref.group + "/" + ref.kind + "/" + ref.name + "." + ref.namespace_.value_or("");
    auto check = [&]() -> std::optional<TlsProblem> {
      bool config_map = ref.group.empty() && ref.kind == "ConfigMap";
      if (!config_map && !(ref.group.empty() && ref.kind == "Secret")) {
        return TlsProblem{"InvalidCACertificateKind",
                          "invalid CA certificate reference " + printed +
                              ", only secret and configmap are allowed",
                          field};
      }
      std::optional<std::map<std::string, std::string>> data;
      if (config_map) {
        data = index_.ConfigMapData(ns, ref.name);
      } else if (const model::Secret* secret = index_.FindSecret(ns, ref.name)) {
        data = secret->data;
      }
      if (!data) {
        std::string suggestion = SuggestName("", ref.kind, ns, ref.name);
        if (TreatAsMissing(owner, ref.kind + " " + ns + "/" + ref.name, field + ".name",
                           suggestion)) {
          return TlsProblem{"InvalidCACertificateRef",
                            "invalid CA certificate reference, " +
                                std::string(config_map ? "configmap " : "secret ") + ns + "/" +
                                ref.name + " not found",
                            field, true, suggestion};
        }
      } else if (auto it = data->find("ca.crt"); it == data->end() || it->second.empty()) {
        return TlsProblem{
            "InvalidCACertificateRef",
            "invalid CA certificate reference " + printed +
                (it != data->end()
                     ? ", found key \"ca.crt\", but it was empty"
                     : ", found secret, but didn't have expected keys ca.crt; found: " +
                           TruncatedKeys(*data)),
            field};
      }
      // Quirk: the grant is looked up for kind Secret even for a ConfigMap (controller.md 12.8).
      if (ns != gateway_namespace && !SecretGranted(owner, ns, ref.name)) {
        return TlsProblem{"RefNotPermitted",
                          "caCertificateRef " + ns + "/" + ref.name +
                              " not accessible to a Gateway in namespace \"" + gateway_namespace +
                              "\" (missing a ReferenceGrant?)",
                          field};
      }
      return std::nullopt;
    };
    if (std::optional<TlsProblem> problem = check()) {
      if (!first) {
        first = std::move(problem);
      }
    } else {
      any_valid = true;
    }
  }
  if (first) {
    first->fatal = !any_valid;
  }
  return first;
}

std::optional<TlsProblem> Resolver::ResolveListenerTls(const model::ObjectBase& owner,
                                                       const model::Gateway& gateway,
                                                       const model::Listener& listener) {
  const model::GatewayTLSConfig& tls = *listener.tls;
  if (tls.mode == "Passthrough") {
    return std::nullopt;
  }
  auto option = [&](const std::string& key) -> std::string {
    auto it = tls.options.find(key);
    return it == tls.options.end() ? "" : it->second;
  };
  std::string base = listener.path + ".tls";
  std::string source = option("agentgateway.dev/tls-certificate-source");
  std::string istio_mode = option("gateway.istio.io/tls-terminate-mode");
  // The Gateway's frontend validation for this port: a perPort entry wins over the default.
  const model::FrontendTLSValidation* validation = nullptr;
  std::string validation_path;
  if (gateway.tls && gateway.tls->frontend) {
    const model::FrontendTLSConfig& frontend = *gateway.tls->frontend;
    auto per_port = std::find_if(frontend.per_port.begin(), frontend.per_port.end(),
                                 [&](const auto& p) { return p.port == listener.port; });
    if (per_port != frontend.per_port.end()) {
      validation = per_port->tls.validation ? &*per_port->tls.validation : nullptr;
      validation_path = "spec.tls.frontend.perPort[" +
                        std::to_string(per_port - frontend.per_port.begin()) + "].tls.validation";
    } else {
      validation = frontend.default_.validation ? &*frontend.default_.validation : nullptr;
      validation_path = "spec.tls.frontend.default.validation";
    }
  }
  bool has_ca = validation != nullptr && !validation->ca_certificate_refs.empty();
  std::string ca_path = validation_path + ".caCertificateRefs";

  if (source == "SPIFFE") {
    // The certificate comes from the SPIFFE workload API; nothing else may supply one.
    if (!istio_mode.empty()) {
      return TlsProblem{"InvalidCertificateRef",
                        "TLS certificate source SPIFFE cannot be combined with the " + istio_mode +
                            " termination mode",
                        base + ".options"};
    }
    if (has_ca) {
      return TlsProblem{"InvalidCACertificateRef",
                        "GatewayTLSConfig validation caCertificateRefs cannot be configured with "
                        "SPIFFE TLS certificate source",
                        ca_path};
    }
    if (!tls.certificate_refs.empty()) {
      return TlsProblem{"InvalidCertificateRef",
                        "certificateRefs cannot be configured with SPIFFE TLS certificate source",
                        base + ".certificateRefs"};
    }
    return std::nullopt;
  }
  if (istio_mode == "ISTIO_SIMPLE" || istio_mode == "ISTIO_MUTUAL") {
    return std::nullopt;  // the Istio workload certificate; certificateRefs and CAs are ignored
  }
  if (tls.certificate_refs.size() != 1) {
    return TlsProblem{"InvalidCertificateRef",
                      "exactly 1 certificateRefs should be present for TLS termination",
                      base + ".certificateRefs"};
  }
  const model::SecretObjectReference& ref = tls.certificate_refs[0];
  std::string field = base + ".certificateRefs[0]";
  if (std::optional<TlsProblem> problem = CheckCertificateSecret(owner, ref, field)) {
    return problem;
  }
  std::string secret_namespace = ref.namespace_.value_or(owner.metadata.namespace_);
  if (secret_namespace != owner.metadata.namespace_ &&
      !SecretGranted(owner, secret_namespace, ref.name)) {
    return TlsProblem{"RefNotPermitted",
                      "certificateRef " + ref.name + "/" + secret_namespace +
                          " not accessible to a Gateway in namespace \"" +
                          owner.metadata.namespace_ + "\" (missing a ReferenceGrant?)",
                      field};
  }
  if (!has_ca) {
    return std::nullopt;
  }
  if (source == "DYNAMIC_CA") {
    return TlsProblem{"InvalidCACertificateRef",
                      "GatewayTLSConfig validation caCertificateRefs cannot be configured with "
                      "DYNAMIC_CA TLS certificate source",
                      ca_path};
  }
  return ResolveFrontendCaRefs(owner, *validation, ca_path);
}

std::optional<TlsProblem> Resolver::ResolveBackendClientCertificate(const model::ObjectBase& owner,
                                                                    const model::Gateway& gateway) {
  // resolveGatewayBackendTLS: only checked for status (controller.md 2.3).
  if (!gateway.tls || !gateway.tls->backend || !gateway.tls->backend->client_certificate_ref) {
    return std::nullopt;
  }
  const model::SecretObjectReference& ref = *gateway.tls->backend->client_certificate_ref;
  std::string field = "spec.tls.backend.clientCertificateRef";
  if (std::optional<TlsProblem> problem = CheckCertificateSecret(owner, ref, field)) {
    problem->reason = "InvalidClientCertificateRef";
    return problem;
  }
  const std::string& ns = owner.metadata.namespace_;
  std::string secret_namespace = ref.namespace_.value_or(ns);
  if (secret_namespace != ns && !SecretGranted(owner, secret_namespace, ref.name)) {
    return TlsProblem{"RefNotPermitted",
                      "clientCertificateRef " + ref.name + "/" + secret_namespace +
                          " not accessible to a Gateway in namespace \"" + ns +
                          "\" (missing a ReferenceGrant?)",
                      field};
  }
  return std::nullopt;
}

ListenerStatus Resolver::ResolveListener(const model::ObjectBase& owner,
                                         const model::Gateway& gateway,
                                         const model::Listener& listener, bool& programmed) {
  ListenerStatus status;
  status.name = listener.name;
  status.conditions = {{"Accepted", "True", "Accepted", kNoErrors},
                       {"Conflicted", "False", "NoConflicts", kNoErrors},
                       {"Programmed", "True", "Programmed", kNoErrors},
                       {"ResolvedRefs", "True", "ResolvedRefs", kNoErrors}};

  if (!IsSupportedProtocol(listener.protocol)) {
    std::string upper = listener.protocol;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    std::string message = "protocol \"" + listener.protocol + "\" is unsupported";
    if (IsSupportedProtocol(upper)) {
      message += ". hint: \"" + upper + "\" (uppercase) may be supported";
    }
    ListenerError(status, "Accepted", "UnsupportedProtocol", message);
    Report(owner, manifest::Severity::kError, "UnsupportedProtocol", message,
           listener.path + ".protocol");
    programmed = false;
  }

  std::vector<model::RouteGroupKind> supported = KindsForProtocol(listener);
  const std::vector<model::RouteGroupKind>& allowed = listener.allowed_routes.kinds;
  auto listed = [&](const std::string& group, const std::string& kind) {
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](const auto& k) { return k.group == group && k.kind == kind; });
  };
  // AgentgatewayModel is opt-in twice: the controller's AGW_ENABLE_AGENTGATEWAY_MODELS, and the
  // listener listing it in allowedRoutes.kinds (GenerateSupportedKinds).
  const bool http = listener.protocol == "HTTP" || listener.protocol == "HTTPS";
  const bool lists_models = http && listed(model::kAgentgatewayGroup, "AgentgatewayModel");
  if (lists_models && options_.enable_models) {
    supported.push_back({model::kAgentgatewayGroup, "AgentgatewayModel"});
  }
  if (allowed.empty()) {
    status.supported_kinds = supported;
  } else {
    // The supported kinds that are listed, in the controller's order; a kind listed twice
    // counts against the listener as an unsupported one does.
    for (const model::RouteGroupKind& kind : supported) {
      if (listed(kind.group, kind.kind)) {
        status.supported_kinds.push_back(kind);
      }
    }
    if (status.supported_kinds.size() != allowed.size()) {
      ListenerError(status, "ResolvedRefs", "InvalidRouteKinds", "Invalid route kinds");
      Report(owner, manifest::Severity::kError, "InvalidRouteKinds",
             "Invalid route kinds: a kind in allowedRoutes.kinds is not supported for protocol " +
                 listener.protocol,
             listener.path + ".allowedRoutes.kinds",
             lists_models && !options_.enable_models
                 ? "AgentgatewayModel is supported only when the controller runs with "
                   "AGW_ENABLE_AGENTGATEWAY_MODELS=true"
                 : "");
    }
  }

  bool needs_certificate =
      listener.protocol == "HTTPS" ||
      (listener.protocol == "TLS" && listener.tls && listener.tls->mode == "Terminate");
  std::optional<TlsProblem> tls_problem;
  if (needs_certificate && listener.tls) {
    tls_problem = ResolveListenerTls(owner, gateway, listener);
  }
  if (tls_problem) {
    // BuildListener: every TLS error lands in ResolvedRefs; one that leaves the listener without
    // usable TLS also fails Programmed, and a CA problem fails Accepted (controller.md 2.3).
    ListenerError(status, "ResolvedRefs", tls_problem->reason, tls_problem->message);
    if (tls_problem->fatal) {
      ListenerError(status, "Programmed", "Invalid", "Bad TLS configuration");
      const std::string& reason = tls_problem->reason;
      if (reason == "InvalidCACertificateRef" || reason == "InvalidCACertificateKind" ||
          (reason == "RefNotPermitted" && tls_problem->message.rfind("caCertificateRef", 0) == 0)) {
        ListenerError(status, "Accepted", "NoValidCACertificate", tls_problem->message);
      }
    }
    Report(owner, manifest::Severity::kError, tls_problem->reason, tls_problem->message,
           tls_problem->field_path, tls_problem->hint);
  } else if (std::optional<TlsProblem> problem = ResolveBackendClientCertificate(owner, gateway)) {
    // The backend client certificate is only checked when the frontend TLS was fine.
    ListenerError(status, "ResolvedRefs", problem->reason, problem->message);
    Report(owner, manifest::Severity::kError, problem->reason, problem->message,
           problem->field_path, problem->hint);
  }
  return status;
}

int Resolver::ResolveListenerSets(const model::Gateway& gateway) {
  // ListenerSetBuilder, then the conflict walk of GatewayTransformationFunc (controller.md 2.4,
  // 2.5). A listener walked later on a port conflicts when its bind mode or protocol differs from
  // the port's first listener, or when one of its <namespace>/<hostname> entries is taken.
  struct Walked {
    std::int32_t port;
    std::string protocol;
    bool internal;
    std::vector<std::string> hostnames;
    std::string* conflict;  // null for the Gateway's own listeners, which never report one
  };
  auto hostnames = [&](const std::string& local_namespace, const model::Listener& listener) {
    std::vector<std::string> entries;
    for (const std::string& ns : AllowedNamespaces(local_namespace, listener)) {
      entries.push_back(ns + "/" + listener.hostname.value_or("*"));
    }
    return entries;
  };
  std::vector<Walked> walk;
  {
    std::vector<std::int32_t> ports;
    for (const model::Listener& listener : gateway.listeners) {
      ports.push_back(listener.port);
    }
    std::vector<std::string> errors;
    std::set<std::int32_t> internal = InternalPorts(gateway, ports, errors);
    for (const model::Listener& listener : gateway.listeners) {
      walk.push_back({listener.port, listener.protocol, internal.count(listener.port) != 0,
                      hostnames(gateway.metadata.namespace_, listener), nullptr});
    }
  }

  // ListenerSets whose parentRef is this Gateway and that it allows, oldest first, then by
  // namespace/name (creation times are not known offline: all count as equal).
  std::vector<const model::ListenerSet*> attached;
  for (const model::ListenerSet& listener_set : model_.listener_sets) {
    const model::ParentReference& parent = listener_set.parent_ref;
    if (parent.group != model::kGatewayApiGroup || parent.kind != "Gateway" ||
        parent.namespace_.value_or(listener_set.metadata.namespace_) !=
            gateway.metadata.namespace_ ||
        parent.name != gateway.metadata.name) {
      continue;
    }
    // NamespaceAcceptedByAllowListeners: unset allows none.
    const std::string& ns = listener_set.metadata.namespace_;
    bool allowed = false;
    if (const auto& listeners = gateway.allowed_listeners;
        listeners && listeners->namespaces_from) {
      const std::string& from = *listeners->namespaces_from;
      if (from == "All") {
        allowed = true;
      } else if (from == "Same") {
        allowed = ns == gateway.metadata.namespace_;
      } else if (from == "Selector" && listeners->namespace_selector) {
        if (const model::Namespace* object = index_.FindNamespace(ns)) {
          std::map<std::string, std::string> labels = object->metadata.labels;
          labels["kubernetes.io/metadata.name"] = ns;
          allowed = LabelsMatch(*listeners->namespace_selector, labels);
        }
      }
    }
    if (!allowed) {
      Report(listener_set, manifest::Severity::kError, "NotAllowed",
             "Gateway does not allow ListenerSet attachment", "spec.parentRef");
      continue;
    }
    attached.push_back(&listener_set);
  }
  std::sort(attached.begin(), attached.end(), [](const auto* a, const auto* b) {
    return std::tie(a->metadata.namespace_, a->metadata.name) <
           std::tie(b->metadata.namespace_, b->metadata.name);
  });

  for (const model::ListenerSet* listener_set : attached) {
    AttachedListenerSet& entry = listener_sets_[listener_set];
    entry.gateway = &gateway;
    std::vector<std::int32_t> ports;
    for (const model::Listener& listener : listener_set->listeners) {
      // DetectListenerPortNumber: HTTP and HTTPS default to 80 and 443.
      std::int32_t port = listener.port;
      if (port == 0 && listener.protocol == "HTTP") {
        port = 80;
      }
      if (port == 0 && listener.protocol == "HTTPS") {
        port = 443;
      }
      ListenerSetListener built;
      built.listener = listener;
      built.listener.port = port;
      bool programmed = true;
      built.status = ResolveListener(*listener_set, gateway, built.listener, programmed);
      if (port == 0) {
        std::string message = "protocol " + listener.protocol + " requires a port to be set";
        ListenerError(built.status, "Accepted", "UnsupportedProtocol", message);
        Report(*listener_set, manifest::Severity::kError, "UnsupportedProtocol", message,
               listener.path + ".port");
        programmed = false;
      }
      built.valid = programmed && FindCondition(built.status.conditions, "Programmed")->is_true();
      ports.push_back(port);
      entry.listeners.push_back(std::move(built));
    }
    std::vector<std::string> errors;
    std::set<std::int32_t> internal = InternalPorts(*listener_set, ports, errors);
    if (!errors.empty()) {
      std::string joined;
      for (const std::string& error : errors) {
        joined += (joined.empty() ? "" : "; ") + error;
      }
      Report(*listener_set, manifest::Severity::kError, "Invalid",
             "invalid agentgateway.dev/internal-ports annotation: " + joined,
             "metadata.annotations[agentgateway.dev/internal-ports]");
    }
    for (ListenerSetListener& built : entry.listeners) {
      walk.push_back(
          {built.listener.port, built.listener.protocol, internal.count(built.listener.port) != 0,
           hostnames(listener_set->metadata.namespace_, built.listener), &built.conflict});
    }
  }

  struct PortState {
    std::string protocol;
    bool internal;
    std::set<std::string> hostnames;
  };
  std::map<std::int32_t, PortState> ports;
  for (Walked& listener : walk) {
    std::string conflict;
    auto it = ports.find(listener.port);
    if (it == ports.end()) {
      ports[listener.port] = {listener.protocol,
                              listener.internal,
                              {listener.hostnames.begin(), listener.hostnames.end()}};
    } else if (it->second.internal != listener.internal) {
      conflict = "bind-mode";
    } else if (it->second.protocol != listener.protocol) {
      conflict = "protocol";
    } else if (std::any_of(listener.hostnames.begin(), listener.hostnames.end(),
                           [&](const std::string& h) { return it->second.hostnames.count(h); })) {
      conflict = "hostname";
    } else {
      it->second.hostnames.insert(listener.hostnames.begin(), listener.hostnames.end());
    }
    if (listener.conflict != nullptr) {
      *listener.conflict = conflict;
    }
  }

  // attachedListenerSets: distinct ListenerSets with a valid, non-conflicting listener.
  int counted = 0;
  for (const model::ListenerSet* listener_set : attached) {
    const AttachedListenerSet& entry = listener_sets_[listener_set];
    counted += std::any_of(entry.listeners.begin(), entry.listeners.end(),
                           [](const auto& l) { return l.valid && l.conflict.empty(); })
                   ? 1
                   : 0;
  }
  return counted;
}

void Resolver::ResolveGateway(const model::Gateway& gateway) {
  if (!IsOurs(gateway)) {
    return;
  }
  GatewayStatus status;
  status.object = &gateway;
  std::vector<std::string> not_accepted;  // "<listener>: <message>"
  bool any_accepted = false;
  std::vector<std::string> bad_listeners;
  for (const model::Listener& listener : gateway.listeners) {
    bool programmed = true;
    ListenerStatus listener_status = ResolveListener(gateway, gateway, listener, programmed);
    const Condition* accepted = FindCondition(listener_status.conditions, "Accepted");
    const Condition* listener_programmed = FindCondition(listener_status.conditions, "Programmed");
    any_accepted = any_accepted || accepted->is_true();
    if (!accepted->is_true() || !listener_programmed->is_true()) {
      bad_listeners.push_back(listener.name);
      for (const Condition* condition : {accepted, listener_programmed}) {
        if (!condition->is_true() && !condition->message.empty()) {
          not_accepted.push_back(listener.name + ": " + condition->message);
        }
      }
    }
    status.listeners.push_back(std::move(listener_status));
  }

  Condition accepted{"Accepted", "True", "Accepted", ""};
  if (gateway.listeners.empty()) {
    accepted.message = "Successfully accepted Gateway";
  }
  if (!bad_listeners.empty()) {
    accepted.status = any_accepted ? "True" : "False";
    accepted.reason = "ListenersNotValid";
    std::string joined;
    const auto& parts = not_accepted.empty() ? bad_listeners : not_accepted;
    for (const std::string& part : parts) {
      joined += (joined.empty() ? "" : not_accepted.empty() ? ", " : "; ") + part;
    }
    accepted.message = "Some listeners are not accepted: " + joined;
  }
  Condition programmed{"Programmed", "True", "Programmed", "Successfully programmed Gateway"};

  if (gateway.infrastructure && gateway.infrastructure->parameters_ref) {
    const model::ParametersReference& ref = *gateway.infrastructure->parameters_ref;
    if (ref.kind.find("AgentgatewayParameters") == std::string::npos) {
      accepted = {"Accepted", "False", "InvalidParameters",
                  "infrastructure.parametersRef on Gateway " + gateway.metadata.namespace_ + "/" +
                      gateway.metadata.name + " references unsupported type"};
      Report(gateway, manifest::Severity::kError, "InvalidParameters", accepted.message,
             "spec.infrastructure.parametersRef.kind");
    }
  }
  for (std::size_t i = 0; i < gateway.addresses.size(); ++i) {
    const std::string& type = gateway.addresses[i].type;
    std::string field = "spec.addresses[" + std::to_string(i) + "].type";
    if (type == "Hostname") {
      programmed = {"Programmed", "False", "AddressNotUsable",
                    "Hostname addresses may not be used"};
      Report(gateway, manifest::Severity::kError, "AddressNotUsable", programmed.message, field);
    } else if (type != "IPAddress") {
      accepted = {"Accepted", "False", "UnsupportedAddress", "Unknown address kind"};
      Report(gateway, manifest::Severity::kError, "UnsupportedAddress", accepted.message, field);
    }
  }
  std::vector<std::int32_t> ports;
  for (const model::Listener& listener : gateway.listeners) {
    ports.push_back(listener.port);
  }
  std::vector<std::string> errors;
  InternalPorts(gateway, ports, errors);
  if (!errors.empty()) {
    std::string joined;
    for (const std::string& error : errors) {
      joined += (joined.empty() ? "" : "; ") + error;
    }
    accepted = {"Accepted", "False", "Invalid",
                "invalid agentgateway.dev/internal-ports annotation: " + joined};
    Report(gateway, manifest::Severity::kError, "Invalid", accepted.message,
           "metadata.annotations[agentgateway.dev/internal-ports]");
  }

  // Gateway ResolvedRefs reflects only the backend client certificate: the first listener that
  // reports it, else True when spec.tls.backend is set (controller.md 2.3).
  std::optional<Condition> resolved_refs;
  for (const ListenerStatus& listener_status : status.listeners) {
    const Condition* refs = FindCondition(listener_status.conditions, "ResolvedRefs");
    if (!refs->is_true() && (refs->reason == "InvalidClientCertificateRef" ||
                             (refs->reason == "RefNotPermitted" &&
                              refs->message.find("clientCertificateRef") != std::string::npos))) {
      resolved_refs = Condition{"ResolvedRefs", "False", refs->reason, refs->message};
      break;
    }
  }
  if (!resolved_refs && gateway.tls && gateway.tls->backend) {
    resolved_refs =
        Condition{"ResolvedRefs", "True", "ResolvedRefs", "All references were resolved"};
  }
  status.conditions = {accepted};
  if (resolved_refs) {
    status.conditions.push_back(*resolved_refs);
  }
  if (gateway.tls && gateway.tls->frontend) {
    const model::FrontendTLSConfig& frontend = *gateway.tls->frontend;
    auto insecure = [](const model::TLSConfig& config) {
      return config.validation && config.validation->mode == "AllowInsecureFallback";
    };
    if (insecure(frontend.default_) ||
        std::any_of(frontend.per_port.begin(), frontend.per_port.end(),
                    [&](const auto& p) { return insecure(p.tls); })) {
      status.conditions.push_back({"InsecureFrontendValidationMode", "True", "ConfigurationChanged",
                                   "Insecure fallback mode enabled"});
    }
  }
  status.conditions.push_back(programmed);
  status.attached_listener_sets = ResolveListenerSets(gateway);
  owned_gateways_[&gateway] = out_.status.gateways.size();
  out_.status.gateways.push_back(std::move(status));

  for (std::size_t i = 0; i < gateway.listeners.size(); ++i) {
    ResolvedListener resolved;
    resolved.gateway = &gateway;
    resolved.listener = &gateway.listeners[i];
    resolved.key =
        gateway.metadata.namespace_ + "/" + gateway.metadata.name + "." + gateway.listeners[i].name;
    out_.config.listeners.push_back(std::move(resolved));
  }
}

}  // namespace agw::validate::resolve::internal
