#include "validate/model/decode.h"

namespace agw::validate::model::internal {
namespace {

ParentReference DecodeParentRef(const Reader& r) {
  ParentReference ref;
  ref.group = r.StringOr("group", kGatewayApiGroup);
  ref.kind = r.StringOr("kind", "Gateway");
  ref.namespace_ = r.String("namespace");
  ref.name = r.RequiredString("name");
  ref.section_name = r.String("sectionName");
  ref.port = r.Int32("port");
  ref.path = r.path();
  return ref;
}

HTTPPathModifier DecodePathModifier(const Reader& r) {
  HTTPPathModifier modifier;
  modifier.type = r.RequiredString("type");
  modifier.replace_full_path = r.String("replaceFullPath");
  modifier.replace_prefix_match = r.String("replacePrefixMatch");
  return modifier;
}

RouteFilter DecodeFilter(const Reader& r) {
  RouteFilter filter;
  filter.path = r.path();
  filter.type = r.RequiredString("type");
  if (Reader x = r.Object("requestHeaderModifier"); x.present()) {
    filter.request_header_modifier = DecodeHeaderFilter(x);
  }
  if (Reader x = r.Object("responseHeaderModifier"); x.present()) {
    filter.response_header_modifier = DecodeHeaderFilter(x);
  }
  if (Reader x = r.Object("requestMirror"); x.present()) {
    HTTPRequestMirrorFilter mirror;
    mirror.backend_ref = DecodeBackendObjectReference(x.Object("backendRef"));
    mirror.percent = x.Int32("percent");
    if (Reader f = x.Object("fraction"); f.present()) {
      mirror.fraction =
          Fraction{f.Int32("numerator").value_or(0), f.Int32("denominator").value_or(100)};
    }
    filter.request_mirror = std::move(mirror);
  }
  if (Reader x = r.Object("requestRedirect"); x.present()) {
    HTTPRequestRedirectFilter redirect;
    redirect.scheme = x.String("scheme");
    redirect.hostname = x.String("hostname");
    if (Reader p = x.Object("path"); p.present()) {
      redirect.path = DecodePathModifier(p);
    }
    redirect.port = x.Int32("port");
    redirect.status_code = x.Int32("statusCode").value_or(302);
    filter.request_redirect = std::move(redirect);
  }
  if (Reader x = r.Object("urlRewrite"); x.present()) {
    HTTPURLRewriteFilter rewrite;
    rewrite.hostname = x.String("hostname");
    if (Reader p = x.Object("path"); p.present()) {
      rewrite.path = DecodePathModifier(p);
    }
    filter.url_rewrite = std::move(rewrite);
  }
  if (Reader x = r.Object("cors"); x.present()) {
    filter.cors = DecodeCors(x);
  }
  if (Reader x = r.Object("extensionRef"); x.present()) {
    filter.extension_ref = LocalObjectReference{x.RequiredString("group"), x.RequiredString("kind"),
                                                x.RequiredString("name")};
  }
  return filter;
}

std::vector<RouteFilter> DecodeFilters(const Reader& r) {
  std::vector<RouteFilter> filters;
  for (const Reader& item : r.Objects("filters")) {
    filters.push_back(DecodeFilter(item));
  }
  return filters;
}

std::vector<ValueMatch> DecodeValueMatches(const Reader& r, std::string_view key) {
  std::vector<ValueMatch> matches;
  for (const Reader& item : r.Objects(key)) {
    ValueMatch match;
    match.type = item.StringOr("type", "Exact");
    match.name = item.RequiredString("name");
    match.value = item.RequiredString("value");
    matches.push_back(std::move(match));
  }
  return matches;
}

std::vector<HTTPBackendRef> DecodeBackendRefs(const Reader& rule) {
  std::vector<HTTPBackendRef> refs;
  for (const Reader& item : rule.Objects("backendRefs")) {
    HTTPBackendRef ref;
    ref.ref = DecodeBackendObjectReference(item);
    ref.weight = item.Int32("weight").value_or(1);
    ref.filters = DecodeFilters(item);
    ref.path = item.path();
    refs.push_back(std::move(ref));
  }
  return refs;
}

// `port_required`: Gateway listeners need one; ListenerSet entries may leave it to the
// protocol's default.
Listener DecodeListener(const Reader& r, bool port_required = true) {
  Listener listener;
  listener.path = r.path();
  listener.name = r.RequiredString("name");
  listener.hostname = r.String("hostname");
  if (port_required && !r.Has("port")) {
    r.RequiredError("port");
  }
  listener.port = r.Int32("port").value_or(0);
  listener.protocol = r.RequiredString("protocol");
  if (Reader tls = r.Object("tls"); tls.present()) {
    GatewayTLSConfig config;
    config.mode = tls.StringOr("mode", "Terminate");
    for (const Reader& ref : tls.Objects("certificateRefs")) {
      config.certificate_refs.push_back(
          SecretObjectReference{ref.StringOr("group", ""), ref.StringOr("kind", "Secret"),
                                ref.RequiredString("name"), ref.String("namespace")});
    }
    config.options = tls.StringMap("options");
    listener.tls = std::move(config);
  }
  if (Reader allowed = r.Object("allowedRoutes"); allowed.present()) {
    if (Reader namespaces = allowed.Object("namespaces"); namespaces.present()) {
      listener.allowed_routes.namespaces_from = namespaces.StringOr("from", "Same");
      if (Reader selector = namespaces.Object("selector"); selector.present()) {
        listener.allowed_routes.namespace_selector = DecodeLabelSelector(selector);
      }
    }
    for (const Reader& kind : allowed.Objects("kinds")) {
      listener.allowed_routes.kinds.push_back(
          RouteGroupKind{kind.StringOr("group", kGatewayApiGroup), kind.RequiredString("kind")});
    }
  }
  return listener;
}

TLSConfig DecodeTLSConfig(const Reader& r) {
  TLSConfig config;
  if (Reader validation = r.Object("validation"); validation.present()) {
    FrontendTLSValidation out;
    for (const Reader& ref : validation.Objects("caCertificateRefs")) {
      out.ca_certificate_refs.push_back(
          ObjectReference{ref.StringOr("group", ""), ref.StringOr("kind", ""),
                          ref.RequiredString("name"), ref.String("namespace")});
    }
    out.mode = validation.StringOr("mode", "AllowValidOnly");
    config.validation = std::move(out);
  }
  return config;
}

GatewayTLS DecodeGatewayTLS(const Reader& r) {
  GatewayTLS tls;
  if (Reader frontend = r.Object("frontend"); frontend.present()) {
    FrontendTLSConfig config;
    config.default_ = DecodeTLSConfig(frontend.Object("default"));
    for (const Reader& item : frontend.Objects("perPort")) {
      config.per_port.push_back(
          TLSPortConfig{item.Int32("port").value_or(0), DecodeTLSConfig(item.Object("tls"))});
    }
    tls.frontend = std::move(config);
  }
  if (Reader backend = r.Object("backend"); backend.present()) {
    GatewayBackendTLS config;
    if (Reader ref = backend.Object("clientCertificateRef"); ref.present()) {
      config.client_certificate_ref =
          SecretObjectReference{ref.StringOr("group", ""), ref.StringOr("kind", "Secret"),
                                ref.RequiredString("name"), ref.String("namespace")};
    }
    tls.backend = std::move(config);
  }
  return tls;
}

std::optional<ParametersReference> DecodeParametersRef(const Reader& r) {
  if (!r.present()) {
    return std::nullopt;
  }
  return ParametersReference{r.RequiredString("group"), r.RequiredString("kind"),
                             r.RequiredString("name"), r.String("namespace")};
}

}  // namespace

BackendObjectReference DecodeBackendObjectReference(const Reader& r) {
  BackendObjectReference ref;
  ref.group = r.StringOr("group", "");
  ref.kind = r.StringOr("kind", "Service");
  ref.name = r.RequiredString("name");
  ref.namespace_ = r.String("namespace");
  ref.port = r.Int32("port");
  return ref;
}

HTTPHeaderFilter DecodeHeaderFilter(const Reader& r) {
  HTTPHeaderFilter filter;
  for (const Reader& item : r.Objects("set")) {
    filter.set.push_back(HTTPHeader{item.RequiredString("name"), item.RequiredString("value")});
  }
  for (const Reader& item : r.Objects("add")) {
    filter.add.push_back(HTTPHeader{item.RequiredString("name"), item.RequiredString("value")});
  }
  filter.remove = r.Strings("remove");
  return filter;
}

HTTPCORSFilter DecodeCors(const Reader& r) {
  HTTPCORSFilter cors;
  cors.allow_origins = r.Strings("allowOrigins");
  cors.allow_credentials = r.Bool("allowCredentials");
  cors.allow_methods = r.Strings("allowMethods");
  cors.allow_headers = r.Strings("allowHeaders");
  cors.expose_headers = r.Strings("exposeHeaders");
  cors.max_age = r.Int32("maxAge");
  return cors;
}

LabelSelector DecodeLabelSelector(const Reader& r) {
  LabelSelector selector;
  selector.match_labels = r.StringMap("matchLabels");
  for (const Reader& item : r.Objects("matchExpressions")) {
    selector.match_expressions.push_back(LabelSelectorRequirement{
        item.RequiredString("key"), item.RequiredString("operator"), item.Strings("values")});
  }
  return selector;
}

void DecodeGatewayClass(const Reader& root, GatewayClass& out) {
  Reader spec = root.Object("spec");
  out.controller_name = spec.RequiredString("controllerName");
  out.parameters_ref = DecodeParametersRef(spec.Object("parametersRef"));
  out.description = spec.String("description");
}

void DecodeGateway(const Reader& root, Gateway& out) {
  Reader spec = root.Object("spec");
  out.gateway_class_name = spec.RequiredString("gatewayClassName");
  for (const Reader& item : spec.Objects("listeners")) {
    out.listeners.push_back(DecodeListener(item));
  }
  for (const Reader& item : spec.Objects("addresses")) {
    // `value` is optional since Gateway API v1.3 (the implementation assigns one).
    out.addresses.push_back(
        GatewayAddress{item.StringOr("type", "IPAddress"), item.StringOr("value", "")});
  }
  if (Reader infra = spec.Object("infrastructure"); infra.present()) {
    GatewayInfrastructure infrastructure;
    infrastructure.labels = infra.StringMap("labels");
    infrastructure.annotations = infra.StringMap("annotations");
    if (Reader ref = infra.Object("parametersRef"); ref.present()) {
      infrastructure.parameters_ref =
          ParametersReference{ref.RequiredString("group"), ref.RequiredString("kind"),
                              ref.RequiredString("name"), std::nullopt};
    }
    out.infrastructure = std::move(infrastructure);
  }
  if (Reader tls = spec.Object("tls"); tls.present()) {
    out.tls = DecodeGatewayTLS(tls);
  }
  if (Reader allowed = spec.Object("allowedListeners"); allowed.present()) {
    AllowedListeners listeners;
    if (Reader namespaces = allowed.Object("namespaces"); namespaces.present()) {
      listeners.namespaces_from = namespaces.String("from");
      if (Reader selector = namespaces.Object("selector"); selector.present()) {
        listeners.namespace_selector = DecodeLabelSelector(selector);
      }
    }
    out.allowed_listeners = std::move(listeners);
  }
}

void DecodeListenerSet(const Reader& root, ListenerSet& out) {
  Reader spec = root.Object("spec");
  out.parent_ref = DecodeParentRef(spec.Object("parentRef"));
  for (const Reader& item : spec.Objects("listeners")) {
    out.listeners.push_back(DecodeListener(item, /*port_required=*/false));
  }
}

std::vector<ParentReference> DecodeParentRefs(const Reader& spec) {
  std::vector<ParentReference> refs;
  for (const Reader& item : spec.Objects("parentRefs")) {
    refs.push_back(DecodeParentRef(item));
  }
  return refs;
}

void DecodeHTTPRoute(const Reader& root, HTTPRoute& out) {
  Reader spec = root.Object("spec");
  out.parent_refs = DecodeParentRefs(spec);
  out.hostnames = spec.Strings("hostnames");
  for (const Reader& item : spec.Objects("rules")) {
    HTTPRouteRule rule;
    rule.path = item.path();
    rule.name = item.String("name");
    for (const Reader& m : item.Objects("matches")) {
      HTTPRouteMatch match;
      match.path_in_object = m.path();
      if (Reader p = m.Object("path"); p.present()) {
        match.path = HTTPPathMatch{p.StringOr("type", "PathPrefix"), p.StringOr("value", "/")};
      }
      match.headers = DecodeValueMatches(m, "headers");
      match.query_params = DecodeValueMatches(m, "queryParams");
      match.method = m.String("method");
      rule.matches.push_back(std::move(match));
    }
    rule.filters = DecodeFilters(item);
    rule.backend_refs = DecodeBackendRefs(item);
    if (Reader t = item.Object("timeouts"); t.present()) {
      rule.timeouts = HTTPRouteTimeouts{t.String("request"), t.String("backendRequest")};
    }
    if (Reader r = item.Object("retry"); r.present()) {
      HTTPRouteRetry retry;
      if (const Value* codes = r.value()->Find("codes"); codes && codes->is_sequence()) {
        for (const Value& code : codes->items()) {
          if (code.is_int()) {
            retry.codes.push_back(static_cast<std::int32_t>(code.int_value()));
          }
        }
      }
      retry.attempts = r.Int32("attempts");
      retry.backoff = r.String("backoff");
      rule.retry = std::move(retry);
    }
    out.rules.push_back(std::move(rule));
  }
}

void DecodeGRPCRoute(const Reader& root, GRPCRoute& out) {
  Reader spec = root.Object("spec");
  out.parent_refs = DecodeParentRefs(spec);
  out.hostnames = spec.Strings("hostnames");
  for (const Reader& item : spec.Objects("rules")) {
    GRPCRouteRule rule;
    rule.path = item.path();
    rule.name = item.String("name");
    for (const Reader& m : item.Objects("matches")) {
      GRPCRouteMatch match;
      if (Reader method = m.Object("method"); method.present()) {
        match.method = GRPCMethodMatch{method.StringOr("type", "Exact"), method.String("service"),
                                       method.String("method")};
      }
      match.headers = DecodeValueMatches(m, "headers");
      rule.matches.push_back(std::move(match));
    }
    rule.filters = DecodeFilters(item);
    rule.backend_refs = DecodeBackendRefs(item);
    out.rules.push_back(std::move(rule));
  }
}

void DecodeReferenceGrant(const Reader& root, ReferenceGrant& out) {
  Reader spec = root.Object("spec");
  for (const Reader& item : spec.Objects("from")) {
    out.from.push_back(ReferenceGrantFrom{item.RequiredString("group"), item.RequiredString("kind"),
                                          item.RequiredString("namespace")});
  }
  for (const Reader& item : spec.Objects("to")) {
    out.to.push_back(ReferenceGrantTo{item.RequiredString("group"), item.RequiredString("kind"),
                                      item.String("name")});
  }
}

}  // namespace agw::validate::model::internal
