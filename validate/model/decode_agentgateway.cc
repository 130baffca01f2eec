#include "validate/model/decode.h"

namespace agw::validate::model::internal {
namespace {

LocalSecretRef DecodeSecretRef(const Reader& r) {
  return LocalSecretRef{r.RequiredString("name"), r.StringOr("group", ""), r.StringOr("kind", ""),
                        r.String("key")};
}

BackendAuth DecodeAuth(const Reader& r) {
  BackendAuth auth;
  auth.key = r.String("key");
  if (Reader ref = r.Object("secretRef"); ref.present()) {
    auth.secret_ref = DecodeSecretRef(ref);
  }
  auth.passthrough = r.Has("passthrough");
  auth.aws = r.Raw("aws");
  auth.azure = r.Raw("azure");
  auth.gcp = r.Raw("gcp");
  auth.oauth_token_exchange = r.Raw("oauthTokenExchange");
  auth.cross_app_access = r.Raw("crossAppAccess");
  auth.jwt_sign = r.Raw("jwtSign");
  auth.location = r.Raw("location");
  auth.credentials = r.Raw("credentials");
  return auth;
}

BackendTLS DecodeTls(const Reader& r) {
  BackendTLS tls;
  tls.certificate_source = r.String("certificateSource");
  for (const Reader& ref : r.Objects("mtlsCertificateRef")) {
    tls.mtls_certificate_refs.push_back(ref.RequiredString("name"));
  }
  for (const Reader& ref : r.Objects("caCertificateRefs")) {
    tls.ca_certificate_refs.push_back(
        CACertificateRef{ref.StringOr("name", ""), ref.StringOr("kind", "ConfigMap")});
  }
  tls.insecure_skip_verify = r.String("insecureSkipVerify");
  tls.sni = r.String("sni");
  tls.verify_subject_alt_names = r.Strings("verifySubjectAltNames");
  if (r.Has("alpnProtocols")) {
    tls.alpn_protocols = r.Strings("alpnProtocols");
  }
  return tls;
}

std::vector<FieldDefault> DecodeFieldDefaults(const Reader& r, std::string_view key) {
  std::vector<FieldDefault> result;
  for (const Reader& item : r.Objects(key)) {
    FieldDefault field;
    field.field = item.RequiredString("field");
    if (std::optional<Value> value = item.Raw("value")) {
      field.value = std::move(*value);
    } else {
      item.RequiredError("value");
    }
    result.push_back(std::move(field));
  }
  return result;
}

std::vector<FieldTransformation> DecodeTransformations(const Reader& r, std::string_view key) {
  std::vector<FieldTransformation> result;
  for (const Reader& item : r.Objects(key)) {
    result.push_back(
        FieldTransformation{item.RequiredString("field"), item.RequiredString("expression")});
  }
  return result;
}

BackendAI DecodeBackendAI(const Reader& r) {
  BackendAI ai;
  ai.prompt = r.Raw("prompt");
  ai.prompt_guard = r.Raw("promptGuard");
  ai.defaults = DecodeFieldDefaults(r, "defaults");
  ai.overrides = DecodeFieldDefaults(r, "overrides");
  ai.transformations = DecodeTransformations(r, "transformations");
  ai.final_transformations = DecodeTransformations(r, "finalTransformations");
  ai.model_aliases = r.StringMap("modelAliases");
  if (Reader caching = r.Object("promptCaching"); caching.present()) {
    PromptCaching config;
    config.cache_system = caching.Bool("cacheSystem").value_or(true);
    config.cache_messages = caching.Bool("cacheMessages").value_or(true);
    config.cache_tools = caching.Bool("cacheTools").value_or(false);
    config.min_tokens = caching.Int("minTokens").value_or(1024);
    config.cache_message_offset = caching.Int("cacheMessageOffset").value_or(0);
    ai.prompt_caching = config;
  }
  // `routes` is a map whose order matters to nobody but the reader: the data plane picks the
  // longest matching suffix. Keep the written order for display.
  if (Reader routes = r.Object("routes"); routes.present()) {
    for (const manifest::MapEntry& entry : routes.value()->entries()) {
      if (!entry.value.is_string()) {
        continue;  // the schema's type error
      }
      ai.routes.emplace_back(entry.key, entry.value.text());
    }
  }
  return ai;
}

Health DecodeHealth(const Reader& r) {
  Health health;
  health.unhealthy_condition = r.String("unhealthyCondition");
  if (Reader eviction = r.Object("eviction"); eviction.present()) {
    health.eviction =
        BackendEviction{eviction.String("duration"), eviction.Int32("restoreHealth"),
                        eviction.Int32("consecutiveFailures"), eviction.Int32("healthThreshold")};
  }
  return health;
}

BackendPolicies DecodeBackendPolicies(const Reader& r) {
  BackendPolicies policies;
  if (Reader tcp = r.Object("tcp"); tcp.present()) {
    policies.tcp = BackendTCP{tcp.String("connectTimeout"), tcp.Raw("keepalive")};
  }
  if (Reader tls = r.Object("tls"); tls.present()) {
    policies.tls = DecodeTls(tls);
  }
  if (Reader http = r.Object("http"); http.present()) {
    policies.http = BackendHTTP{http.String("version"), http.String("requestTimeout")};
  }
  policies.tunnel = r.Raw("tunnel");
  if (Reader auth = r.Object("auth"); auth.present()) {
    policies.auth = DecodeAuth(auth);
  }
  if (Reader ai = r.Object("ai"); ai.present()) {
    policies.ai = DecodeBackendAI(ai);
  }
  policies.mcp = r.Raw("mcp");
  policies.transformation = r.Raw("transformation");
  if (Reader health = r.Object("health"); health.present()) {
    policies.health = DecodeHealth(health);
  }
  policies.ext_auth = r.Raw("extAuth");
  return policies;
}

LLMProvider DecodeProvider(const Reader& r) {
  LLMProvider provider;
  static constexpr std::string_view kKinds[] = {"openai", "azureopenai", "azure",   "anthropic",
                                                "gemini", "vertexai",    "bedrock", "custom"};
  int kinds_set = 0;
  for (std::string_view kind : kKinds) {
    Reader settings = r.Object(kind);
    if (!settings.present()) {
      continue;
    }
    ++kinds_set;
    provider.kind = std::string(kind);
    provider.model = settings.String("model");
    if (kind == "openai") {
      provider.moderation = settings.Raw("moderation");
    } else if (kind == "azureopenai") {
      provider.endpoint = settings.RequiredString("endpoint");
      provider.deployment_name = settings.String("deploymentName");
      provider.api_version = settings.String("apiVersion");
    } else if (kind == "azure") {
      provider.resource_name = settings.RequiredString("resourceName");
      provider.resource_type = settings.RequiredString("resourceType");
      provider.api_version = settings.String("apiVersion");
      provider.project_name = settings.String("projectName");
    } else if (kind == "vertexai") {
      provider.project_id = settings.RequiredString("projectId");
      provider.region = settings.StringOr("region", "global");
    } else if (kind == "bedrock") {
      provider.region = settings.StringOr("region", "us-east-1");
      if (Reader guardrail = settings.Object("guardrail"); guardrail.present()) {
        provider.guardrail =
            std::pair(guardrail.RequiredString("identifier"), guardrail.RequiredString("version"));
      }
    } else if (kind == "custom") {
      if (Reader ref = settings.Object("backendRef"); ref.present()) {
        provider.custom_backend_ref = DecodeBackendObjectReference(ref);
      }
      for (const Reader& format : settings.Objects("formats")) {
        provider.custom_formats.push_back(
            ProviderFormat{format.RequiredString("type"), format.String("path")});
      }
    }
  }
  if (kinds_set != 1) {
    provider.kind.clear();  // the schema's ExactlyOneOf rule reports it
  }
  provider.host = r.String("host");
  provider.port = r.Int32("port");
  provider.path = r.String("path");
  provider.path_prefix = r.String("pathPrefix");
  return provider;
}

HeaderModifiers DecodeHeaderModifiers(const Reader& r) {
  HeaderModifiers modifiers;
  if (Reader request = r.Object("request"); request.present()) {
    modifiers.request = DecodeHeaderFilter(request);
  }
  if (Reader response = r.Object("response"); response.present()) {
    modifiers.response = DecodeHeaderFilter(response);
  }
  return modifiers;
}

Traffic DecodeTraffic(const Reader& r) {
  Traffic traffic;
  traffic.phase = r.String("phase");
  if (Reader modifiers = r.Object("headerModifiers"); modifiers.present()) {
    traffic.header_modifiers = DecodeHeaderModifiers(modifiers);
  }
  if (Reader rewrite = r.Object("hostRewrite"); rewrite.present()) {
    traffic.host_rewrite_mode = rewrite.RequiredString("mode");
  }
  if (Reader timeouts = r.Object("timeouts"); timeouts.present()) {
    traffic.request_timeout = timeouts.String("request");
  }
  if (Reader cors = r.Object("cors"); cors.present()) {
    traffic.cors = DecodeCors(cors);
  }
  traffic.retry = r.Raw("retry");
  traffic.transformation = r.Raw("transformation");
  traffic.ext_proc = r.Raw("extProc");
  traffic.ext_auth = r.Raw("extAuth");
  traffic.rate_limit = r.Raw("rateLimit");
  traffic.csrf = r.Raw("csrf");
  traffic.authorization = r.Raw("authorization");
  traffic.jwt_authentication = r.Raw("jwtAuthentication");
  traffic.basic_authentication = r.Raw("basicAuthentication");
  traffic.api_key_authentication = r.Raw("apiKeyAuthentication");
  traffic.direct_response = r.Raw("directResponse");
  traffic.buffer = r.Raw("buffer");
  traffic.delay = r.Raw("delay");
  return traffic;
}

}  // namespace

void DecodeBackend(const Reader& root, AgentgatewayBackend& out) {
  Reader spec = root.Object("spec");
  if (Reader s = spec.Object("static"); s.present()) {
    out.static_ = StaticBackend{s.String("host"), s.Int32("port"), s.String("unixPath")};
  }
  if (Reader ai = spec.Object("ai"); ai.present()) {
    AIBackend backend;
    if (Reader provider = ai.Object("provider"); provider.present()) {
      backend.provider = DecodeProvider(provider);
    }
    for (const Reader& group : ai.Objects("groups")) {
      PriorityGroup priority_group;
      for (const Reader& item : group.Objects("providers")) {
        NamedLLMProvider named;
        named.path = item.path();
        named.name = item.RequiredString("name");
        named.provider = DecodeProvider(item);
        if (Reader policies = item.Object("policies"); policies.present()) {
          named.policies = DecodeBackendPolicies(policies);
        }
        priority_group.providers.push_back(std::move(named));
      }
      backend.groups.push_back(std::move(priority_group));
    }
    out.ai = std::move(backend);
  }
  out.mcp = spec.Raw("mcp");
  if (Reader mcp = spec.Object("mcp"); mcp.present()) {
    for (const Reader& target : mcp.Objects("targets")) {
      if (Reader policies = target.Object("static").Object("policies"); policies.present()) {
        out.mcp_target_policies.push_back(MCPTargetPolicies{
            target.StringOr("name", ""), DecodeBackendPolicies(policies), policies.path()});
      }
    }
  }
  out.a2a = spec.Raw("a2a");
  out.dynamic_forward_proxy = spec.Raw("dynamicForwardProxy");
  out.aws = spec.Raw("aws");
  if (Reader policies = spec.Object("policies"); policies.present()) {
    out.policies = DecodeBackendPolicies(policies);
  }
}

void DecodePolicy(const Reader& root, AgentgatewayPolicy& out) {
  Reader spec = root.Object("spec");
  for (const Reader& item : spec.Objects("targetRefs")) {
    out.target_refs.push_back(PolicyTargetReference{
        item.RequiredString("group"), item.RequiredString("kind"), item.RequiredString("name"),
        item.String("sectionName"), item.Int32("port"), item.path()});
  }
  for (const Reader& item : spec.Objects("targetSelectors")) {
    out.target_selectors.push_back(PolicyTargetSelector{
        item.RequiredString("group"), item.RequiredString("kind"), item.StringMap("matchLabels"),
        item.String("sectionName"), item.Int32("port"), item.path()});
  }
  if (Reader strategy = spec.Object("strategy"); strategy.present()) {
    out.inheritance = strategy.String("inheritance");
  }
  out.frontend = spec.Raw("frontend");
  if (Reader traffic = spec.Object("traffic"); traffic.present()) {
    out.traffic = DecodeTraffic(traffic);
  }
  if (Reader backend = spec.Object("backend"); backend.present()) {
    out.backend = DecodeBackendPolicies(backend);
  }
  for (const Reader& item : root.Object("status").Objects("ancestors")) {
    WrittenPolicyAncestor ancestor;
    Reader ref = item.Object("ancestorRef");
    ancestor.group = ref.String("group");
    ancestor.kind = ref.String("kind");
    ancestor.namespace_ = ref.String("namespace");
    ancestor.name = ref.StringOr("name", "");
    ancestor.section_name = ref.String("sectionName");
    ancestor.port = ref.Int32("port");
    ancestor.controller_name = item.StringOr("controllerName", "");
    for (const Reader& condition : item.Objects("conditions")) {
      ancestor.conditions.push_back(
          WrittenCondition{condition.StringOr("type", ""), condition.StringOr("status", ""),
                           condition.StringOr("reason", ""), condition.StringOr("message", "")});
    }
    out.status_ancestors.push_back(std::move(ancestor));
  }
}

void DecodeModel(const Reader& root, AgentgatewayModel& out) {
  Reader spec = root.Object("spec");
  out.parent_refs = DecodeParentRefs(spec);
  out.match_model = spec.Object("match").String("model");
  out.visibility = spec.StringOr("visibility", "Public");
  out.provider = spec.String("provider");
  out.base_url = spec.String("baseURL");
  out.azure = spec.Raw("azure");
  out.vertexai = spec.Raw("vertexai");
  out.bedrock = spec.Raw("bedrock");
  if (Reader custom = spec.Object("custom"); custom.present()) {
    ModelCustomProvider provider;
    if (Reader ref = custom.Object("backendRef"); ref.present()) {
      provider.backend_ref = DecodeBackendObjectReference(ref);
    }
    for (const Reader& format : custom.Objects("formats")) {
      provider.formats.push_back(
          ProviderFormat{format.RequiredString("type"), format.String("path")});
    }
    out.custom = std::move(provider);
  }
  if (Reader virtual_model = spec.Object("virtualModel"); virtual_model.present()) {
    VirtualModel config;
    for (const char* routing : {"weighted", "failover", "conditional"}) {
      Reader strategy = virtual_model.Object(routing);
      if (!strategy.present()) {
        continue;
      }
      config.routing = routing;  // the schema allows exactly one
      for (const Reader& item : strategy.Objects("targets")) {
        ModelTarget target;
        target.model_ref = item.Object("modelRef").StringOr("name", "");
        target.model = item.String("model");
        target.weight = item.Int32("weight").value_or(1);
        target.priority = item.Int32("priority");
        target.when = item.String("when");
        target.path = item.path();
        config.targets.push_back(std::move(target));
      }
      break;
    }
    out.virtual_model = std::move(config);
  }
  if (Reader policies = spec.Object("policies"); policies.present()) {
    ModelPolicies config;
    if (Reader auth = policies.Object("auth"); auth.present()) {
      config.backend.auth = DecodeAuth(auth);
    }
    if (Reader tls = policies.Object("tls"); tls.present()) {
      config.backend.tls = DecodeTls(tls);
    }
    config.backend.tunnel = policies.Raw("tunnel");
    if (Reader health = policies.Object("health"); health.present()) {
      config.backend.health = DecodeHealth(health);
    }
    if (std::optional<Value> prompt_guard = policies.Raw("promptGuard")) {
      config.backend.ai = BackendAI{};
      config.backend.ai->prompt_guard = std::move(prompt_guard);
    }
    config.transformations = DecodeTransformations(policies, "transformations");
    config.final_transformations = DecodeTransformations(policies, "finalTransformations");
    config.authorization = policies.Raw("authorization");
    if (Reader headers = policies.Object("headers"); headers.present()) {
      config.headers = DecodeHeaderModifiers(headers);
    }
    out.policies = std::move(config);
  }
}

}  // namespace agw::validate::model::internal
