#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "validate/model/object.h"

// Gateway API objects (gateway.networking.k8s.io, v1.4 standard channel), decoded with the
// schema defaults applied. Field names follow the API; `path` members hold the API field path
// of list items ("spec.rules[2]") so findings can point at them.
namespace agw::validate::model {

inline constexpr char kGatewayApiGroup[] = "gateway.networking.k8s.io";

struct ParentReference {
  std::string group = kGatewayApiGroup;
  std::string kind = "Gateway";
  std::optional<std::string> namespace_;  // unset: the route's namespace
  std::string name;
  std::optional<std::string> section_name;
  std::optional<std::int32_t> port;
  std::string path;
};

struct BackendObjectReference {
  std::string group;  // "" is the core group
  std::string kind = "Service";
  std::string name;
  std::optional<std::string> namespace_;  // unset: the referrer's namespace
  std::optional<std::int32_t> port;
};

struct HTTPHeader {
  std::string name;
  std::string value;
};

struct HTTPHeaderFilter {
  std::vector<HTTPHeader> set;
  std::vector<HTTPHeader> add;
  std::vector<std::string> remove;
};

struct HTTPPathModifier {
  std::string type;  // ReplaceFullPath | ReplacePrefixMatch
  std::optional<std::string> replace_full_path;
  std::optional<std::string> replace_prefix_match;
};

struct HTTPRequestRedirectFilter {
  std::optional<std::string> scheme;
  std::optional<std::string> hostname;
  std::optional<HTTPPathModifier> path;
  std::optional<std::int32_t> port;
  std::int32_t status_code = 302;
};

struct HTTPURLRewriteFilter {
  std::optional<std::string> hostname;
  std::optional<HTTPPathModifier> path;
};

struct Fraction {
  std::int32_t numerator = 0;
  std::int32_t denominator = 100;
};

struct HTTPRequestMirrorFilter {
  BackendObjectReference backend_ref;
  std::optional<std::int32_t> percent;
  std::optional<Fraction> fraction;
};

struct HTTPCORSFilter {
  std::vector<std::string> allow_origins;
  std::optional<bool> allow_credentials;
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_headers;
  std::vector<std::string> expose_headers;
  std::optional<std::int32_t> max_age;
};

struct LocalObjectReference {
  std::string group;
  std::string kind;
  std::string name;
};

// HTTPRouteFilter and GRPCRouteFilter (GRPC uses the header, mirror and extension types).
struct RouteFilter {
  std::string type;  // RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ...
  std::optional<HTTPHeaderFilter> request_header_modifier;
  std::optional<HTTPHeaderFilter> response_header_modifier;
  std::optional<HTTPRequestMirrorFilter> request_mirror;
  std::optional<HTTPRequestRedirectFilter> request_redirect;
  std::optional<HTTPURLRewriteFilter> url_rewrite;
  std::optional<HTTPCORSFilter> cors;
  std::optional<LocalObjectReference> extension_ref;
  std::string path;
};

struct HTTPPathMatch {
  std::string type = "PathPrefix";  // Exact | PathPrefix | RegularExpression
  std::string value = "/";
};

// HTTPHeaderMatch, HTTPQueryParamMatch and GRPCHeaderMatch.
struct ValueMatch {
  std::string type = "Exact";  // Exact | RegularExpression
  std::string name;
  std::string value;
};

struct HTTPRouteMatch {
  std::optional<HTTPPathMatch> path;
  std::vector<ValueMatch> headers;
  std::vector<ValueMatch> query_params;
  std::optional<std::string> method;
  std::string path_in_object;  // "spec.rules[0].matches[1]"
};

struct HTTPBackendRef {
  BackendObjectReference ref;
  std::int32_t weight = 1;
  std::vector<RouteFilter> filters;
  std::string path;
};

struct HTTPRouteTimeouts {
  std::optional<std::string> request;
  std::optional<std::string> backend_request;
};

struct HTTPRouteRetry {
  std::vector<std::int32_t> codes;
  std::optional<std::int32_t> attempts;
  std::optional<std::string> backoff;
};

struct HTTPRouteRule {
  std::optional<std::string> name;
  std::vector<HTTPRouteMatch> matches;
  std::vector<RouteFilter> filters;
  std::vector<HTTPBackendRef> backend_refs;
  std::optional<HTTPRouteTimeouts> timeouts;
  std::optional<HTTPRouteRetry> retry;
  std::string path;
};

struct HTTPRoute : ObjectBase {
  std::vector<ParentReference> parent_refs;
  std::vector<std::string> hostnames;
  std::vector<HTTPRouteRule> rules;
};

struct GRPCMethodMatch {
  std::string type = "Exact";  // Exact | RegularExpression
  std::optional<std::string> service;
  std::optional<std::string> method;
};

struct GRPCRouteMatch {
  std::optional<GRPCMethodMatch> method;
  std::vector<ValueMatch> headers;
};

struct GRPCRouteRule {
  std::optional<std::string> name;
  std::vector<GRPCRouteMatch> matches;
  std::vector<RouteFilter> filters;
  std::vector<HTTPBackendRef> backend_refs;
  std::string path;
};

struct GRPCRoute : ObjectBase {
  std::vector<ParentReference> parent_refs;
  std::vector<std::string> hostnames;
  std::vector<GRPCRouteRule> rules;
};

struct SecretObjectReference {
  std::string group;
  std::string kind = "Secret";
  std::string name;
  std::optional<std::string> namespace_;
};

struct GatewayTLSConfig {
  std::string mode = "Terminate";  // Terminate | Passthrough
  std::vector<SecretObjectReference> certificate_refs;
  std::map<std::string, std::string> options;
};

struct RouteGroupKind {
  std::string group = kGatewayApiGroup;
  std::string kind;
};

struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // In | NotIn | Exists | DoesNotExist
  std::vector<std::string> values;
};

struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
};

struct AllowedRoutes {
  std::string namespaces_from = "Same";  // All | Same | Selector
  std::optional<LabelSelector> namespace_selector;
  std::vector<RouteGroupKind> kinds;  // empty: the kinds the protocol supports
};

struct Listener {
  std::string name;
  std::optional<std::string> hostname;
  std::int32_t port = 0;
  std::string protocol;  // HTTP | HTTPS | TLS | TCP | UDP
  std::optional<GatewayTLSConfig> tls;
  AllowedRoutes allowed_routes;
  std::string path;
};

struct GatewayAddress {
  std::string type = "IPAddress";
  std::string value;
};

struct ParametersReference {
  std::string group;
  std::string kind;
  std::string name;
  std::optional<std::string> namespace_;
};

struct GatewayInfrastructure {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<ParametersReference> parameters_ref;
};

// ObjectReference (a CA certificate reference): group and kind have no defaults.
struct ObjectReference {
  std::string group;
  std::string kind;
  std::string name;
  std::optional<std::string> namespace_;
};

struct FrontendTLSValidation {
  std::vector<ObjectReference> ca_certificate_refs;
  std::string mode = "AllowValidOnly";  // AllowValidOnly | AllowInsecureFallback
};

// TLSConfig: client certificate validation of a port's TLS listeners.
struct TLSConfig {
  std::optional<FrontendTLSValidation> validation;
};

struct TLSPortConfig {
  std::int32_t port = 0;
  TLSConfig tls;
};

struct FrontendTLSConfig {
  TLSConfig default_;
  std::vector<TLSPortConfig> per_port;
};

struct GatewayBackendTLS {
  std::optional<SecretObjectReference> client_certificate_ref;
};

// Gateway `spec.tls` (Gateway API v1.5+, GatewayTLSConfig upstream; the listener's own `tls` is
// GatewayTLSConfig here).
struct GatewayTLS {
  std::optional<FrontendTLSConfig> frontend;
  std::optional<GatewayBackendTLS> backend;
};

// Gateway `spec.allowedListeners` (Gateway API v1.5+): which namespaces' ListenerSets may
// attach. Unset allows none.
struct AllowedListeners {
  std::optional<std::string> namespaces_from;  // All | Same | None | Selector
  std::optional<LabelSelector> namespace_selector;
};

struct Gateway : ObjectBase {
  std::string gateway_class_name;
  std::vector<Listener> listeners;
  std::vector<GatewayAddress> addresses;
  std::optional<GatewayInfrastructure> infrastructure;
  std::optional<GatewayTLS> tls;
  std::optional<AllowedListeners> allowed_listeners;
};

// ListenerSet (gateway.networking.k8s.io/v1 from Gateway API v1.5): listeners added to a
// parent Gateway. A listener's port is 0 when it was not written.
struct ListenerSet : ObjectBase {
  ParentReference parent_ref;
  std::vector<Listener> listeners;
};

struct GatewayClass : ObjectBase {
  std::string controller_name;
  std::optional<ParametersReference> parameters_ref;
  std::optional<std::string> description;
};

struct ReferenceGrantFrom {
  std::string group;
  std::string kind;
  std::string namespace_;
};

struct ReferenceGrantTo {
  std::string group;
  std::string kind;
  std::optional<std::string> name;
};

struct ReferenceGrant : ObjectBase {
  std::vector<ReferenceGrantFrom> from;
  std::vector<ReferenceGrantTo> to;
};

}  // namespace agw::validate::model
