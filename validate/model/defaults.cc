#include "validate/model/defaults.h"

#include <algorithm>
#include <map>

namespace agw::model {
namespace {

constexpr std::string_view kGatewayGroup = "gateway.networking.k8s.io";
constexpr std::string_view kAgentgatewayGroup = "agentgateway.dev";

// Builds the agentgateway rows. The CRDs repeat the same Go types (BackendFull, BackendTLS,
// PolicyBackendEndpoint, ...) under several parents, so the rows are composed the same way.
class AgentgatewayRows {
 public:
  AgentgatewayRows(std::vector<SchemaDefault>& rows, std::string_view kind)
      : rows_(rows), kind_(kind) {}

  void Add(const std::string& path, std::string json) {
    rows_.push_back({std::string(kAgentgatewayGroup), kind_, path, std::move(json)});
  }
  // PolicyBackendEndpoint.backendRef (a Gateway API BackendObjectReference).
  void BackendRef(const std::string& prefix) {
    Add(prefix + ".backendRef.group", R"("")");
    Add(prefix + ".backendRef.kind", R"("Service")");
  }
  void Tls(const std::string& prefix) { Add(prefix + ".tls.caCertificateRefs[*].name", R"("")"); }
  // BackendSimple: tcp, tls, http, tunnel, auth.
  void BackendSimple(const std::string& prefix) {
    BackendRef(prefix + ".auth.crossAppAccess.identityProvider");
    BackendRef(prefix + ".auth.crossAppAccess.resourceAuthorizationServer");
    BackendRef(prefix + ".auth.oauthTokenExchange");
    Tls(prefix);
    BackendRef(prefix + ".tunnel");
  }
  // The tls/tunnel pair of the guardrail services' connection policies.
  void GuardConnection(const std::string& prefix) {
    Tls(prefix);
    BackendRef(prefix + ".tunnel");
  }
  void PromptGuard(const std::string& prefix) {
    for (std::string direction : {"request", "response"}) {
      std::string guard = prefix + "." + direction + "[*]";
      GuardConnection(guard + ".bedrockGuardrails.policies");
      Add(guard + ".googleModelArmor.location", R"("us-central1")");
      GuardConnection(guard + ".googleModelArmor.policies");
      if (direction == "request") {
        GuardConnection(guard + ".openAIModeration.policies");
      }
      Add(guard + ".regex.action", R"("Mask")");
      Add(guard + ".response.message",
          R"("The request was rejected due to inappropriate content")");
      Add(guard + ".response.statusCode", "403");
      BackendRef(guard + ".webhook");
      Add(guard + ".webhook.forwardHeaderMatches[*].type", R"("Exact")");
    }
  }
  void BackendAI(const std::string& prefix) {
    Add(prefix + ".promptCaching.cacheMessageOffset", "0");
    Add(prefix + ".promptCaching.cacheMessages", "true");
    Add(prefix + ".promptCaching.cacheSystem", "true");
    Add(prefix + ".promptCaching.cacheTools", "false");
    Add(prefix + ".promptCaching.minTokens", "1024");
    PromptGuard(prefix + ".promptGuard");
  }
  // BackendWithAI: BackendSimple + ai + transformation + health.
  void BackendWithAI(const std::string& prefix) {
    BackendSimple(prefix);
    BackendAI(prefix + ".ai");
    Add(prefix + ".health.eviction.duration", R"("3s")");
  }
  // BackendFull: BackendWithAI + mcp + extAuth.
  void BackendFull(const std::string& prefix) {
    BackendWithAI(prefix);
    BackendRef(prefix + ".extAuth");
    BackendRef(prefix + ".mcp.authentication.jwks");
    Add(prefix + ".mcp.authentication.jwks.cacheDuration", R"("5m")");
    Add(prefix + ".mcp.authentication.mode", R"("Strict")");
    Add(prefix + ".mcp.authorization.action", R"("Allow")");
    BackendRef(prefix + ".mcp.guardrails.processors[*].remote");
  }
  void LLMProvider(const std::string& prefix) {
    Add(prefix + ".bedrock.region", R"("us-east-1")");
    BackendRef(prefix + ".custom");
    Add(prefix + ".vertexai.region", R"("global")");
  }
  void ProcessingOptions(const std::string& prefix) {
    Add(prefix + ".allowModeOverride", "false");
    Add(prefix + ".requestBodyMode", R"("FullDuplexStreamed")");
    Add(prefix + ".requestHeaderMode", R"("Send")");
    Add(prefix + ".requestTrailerMode", R"("Send")");
    Add(prefix + ".responseBodyMode", R"("FullDuplexStreamed")");
    Add(prefix + ".responseHeaderMode", R"("Send")");
    Add(prefix + ".responseTrailerMode", R"("Send")");
  }

 private:
  std::vector<SchemaDefault>& rows_;
  std::string kind_;
};

void AddGatewayApiRows(std::vector<SchemaDefault>& rows) {
  auto add = [&](std::string_view kind, std::string path, std::string json) {
    rows.push_back({std::string(kGatewayGroup), std::string(kind), std::move(path),
                    std::move(json)});
  };
  add("Gateway", ".spec.addresses[*].type", R"("IPAddress")");
  add("Gateway", ".spec.listeners[*].allowedRoutes", R"({"namespaces":{"from":"Same"}})");
  add("Gateway", ".spec.listeners[*].allowedRoutes.kinds[*].group",
      R"("gateway.networking.k8s.io")");
  add("Gateway", ".spec.listeners[*].allowedRoutes.namespaces", R"({"from":"Same"})");
  add("Gateway", ".spec.listeners[*].allowedRoutes.namespaces.from", R"("Same")");
  add("Gateway", ".spec.listeners[*].tls.certificateRefs[*].group", R"("")");
  add("Gateway", ".spec.listeners[*].tls.certificateRefs[*].kind", R"("Secret")");
  add("Gateway", ".spec.listeners[*].tls.mode", R"("Terminate")");

  for (std::string_view kind : {"HTTPRoute", "GRPCRoute"}) {
    add(kind, ".spec.parentRefs[*].group", R"("gateway.networking.k8s.io")");
    add(kind, ".spec.parentRefs[*].kind", R"("Gateway")");
    add(kind, ".spec.rules[*].backendRefs[*].group", R"("")");
    add(kind, ".spec.rules[*].backendRefs[*].kind", R"("Service")");
    add(kind, ".spec.rules[*].backendRefs[*].weight", "1");
    add(kind, ".spec.rules[*].matches[*].headers[*].type", R"("Exact")");
    for (std::string filters : {".spec.rules[*].filters[*]",
                                ".spec.rules[*].backendRefs[*].filters[*]"}) {
      add(kind, filters + ".requestMirror.backendRef.group", R"("")");
      add(kind, filters + ".requestMirror.backendRef.kind", R"("Service")");
      add(kind, filters + ".requestMirror.fraction.denominator", "100");
      if (kind == "HTTPRoute") {
        add(kind, filters + ".requestRedirect.statusCode", "302");
      }
    }
  }
  add("HTTPRoute", ".spec.rules", R"([{"matches":[{"path":{"type":"PathPrefix","value":"/"}}]}])");
  add("HTTPRoute", ".spec.rules[*].matches", R"([{"path":{"type":"PathPrefix","value":"/"}}])");
  add("HTTPRoute", ".spec.rules[*].matches[*].path", R"({"type":"PathPrefix","value":"/"})");
  add("HTTPRoute", ".spec.rules[*].matches[*].path.type", R"("PathPrefix")");
  add("HTTPRoute", ".spec.rules[*].matches[*].path.value", R"("/")");
  add("HTTPRoute", ".spec.rules[*].matches[*].queryParams[*].type", R"("Exact")");
  add("GRPCRoute", ".spec.rules[*].matches[*].method.type", R"("Exact")");
}

void AddAgentgatewayRows(std::vector<SchemaDefault>& rows) {
  AgentgatewayRows backend(rows, "AgentgatewayBackend");
  backend.LLMProvider(".spec.ai.provider");
  backend.LLMProvider(".spec.ai.groups[*].providers[*]");
  backend.BackendWithAI(".spec.ai.groups[*].providers[*].policies");
  backend.Add(".spec.mcp.targets[*].static.backendRef.name", R"("")");
  backend.BackendSimple(".spec.mcp.targets[*].static.policies");
  backend.BackendFull(".spec.policies");

  AgentgatewayRows policy(rows, "AgentgatewayPolicy");
  policy.BackendFull(".spec.backend");
  policy.BackendRef(".spec.frontend.accessLog.otlp");
  policy.Add(".spec.frontend.accessLog.otlp.protocol", R"("GRPC")");
  policy.Add(".spec.frontend.networkAuthorization.action", R"("Allow")");
  policy.Add(".spec.frontend.proxyProtocol.mode", R"("Strict")");
  policy.Add(".spec.frontend.proxyProtocol.version", R"("V2")");
  policy.BackendRef(".spec.frontend.tracing");
  policy.Add(".spec.frontend.tracing.protocol", R"("GRPC")");
  policy.Add(".spec.traffic.apiKeyAuthentication.mode", R"("Strict")");
  policy.Add(".spec.traffic.authorization.action", R"("Allow")");
  policy.Add(".spec.traffic.basicAuthentication.mode", R"("Strict")");
  policy.Add(".spec.traffic.cors.maxAge", "5");
  policy.BackendRef(".spec.traffic.extAuth");
  policy.BackendRef(".spec.traffic.extAuth.conditional[*].policy");
  policy.BackendRef(".spec.traffic.extProc");
  policy.BackendRef(".spec.traffic.extProc.conditional[*].policy");
  policy.ProcessingOptions(".spec.traffic.extProc.conditional[*].policy.processingOptions");
  policy.ProcessingOptions(".spec.traffic.extProc.processingOptions");
  policy.Add(".spec.traffic.jwtAuthentication.mode", R"("Strict")");
  policy.BackendRef(".spec.traffic.jwtAuthentication.providers[*].jwks.remote");
  policy.Add(".spec.traffic.jwtAuthentication.providers[*].jwks.remote.cacheDuration",
             R"("5m")");
  policy.BackendRef(".spec.traffic.rateLimit.conditional[*].policy.global");
  policy.BackendRef(".spec.traffic.rateLimit.global");
}

std::vector<std::string> SplitPath(std::string_view path) {
  // ".spec.rules[*].matches" -> {"spec", "rules", "[*]", "matches"}
  std::vector<std::string> segments;
  std::string current;
  for (char c : path) {
    if (c == '.' || c == '[') {
      if (!current.empty()) {
        segments.push_back(current);
      }
      current = c == '[' ? "[" : "";
      continue;
    }
    current.push_back(c);
    if (c == ']') {
      segments.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) {
    segments.push_back(current);
  }
  return segments;
}

void ApplyAt(manifest::Value& node, const std::vector<std::string>& segments, std::size_t index,
             const nlohmann::ordered_json& json) {
  const std::string& segment = segments[index];
  if (segment == "[*]") {
    if (!node.is_sequence()) {
      return;
    }
    for (manifest::Value& item : node.mutable_items()) {
      ApplyAt(item, segments, index + 1, json);
    }
    return;
  }
  if (!node.is_map()) {
    return;
  }
  manifest::Value* child = node.FindMutable(segment);
  if (index + 1 == segments.size()) {
    if (child == nullptr || child->is_null()) {
      node.Set(segment, manifest::Value::FromJson(json, node.position()), node.position());
    }
    return;
  }
  if (child != nullptr) {
    ApplyAt(*child, segments, index + 1, json);
  }
}

struct CompiledDefault {
  std::vector<std::string> segments;
  nlohmann::ordered_json json;
};

// Per group/kind, the rows parsed once and ordered shallowest first so that a defaulted
// parent exists before its children's defaults are considered.
const std::map<std::pair<std::string, std::string>, std::vector<CompiledDefault>>& Compiled() {
  static const auto* compiled = [] {
    auto* result = new std::map<std::pair<std::string, std::string>, std::vector<CompiledDefault>>;
    for (const SchemaDefault& row : SchemaDefaults()) {
      (*result)[{row.group, row.kind}].push_back(
          {SplitPath(row.path), nlohmann::ordered_json::parse(row.json)});
    }
    for (auto& [key, rows] : *result) {
      std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.segments.size() < b.segments.size();
      });
    }
    return result;
  }();
  return *compiled;
}

}  // namespace

const std::vector<SchemaDefault>& SchemaDefaults() {
  static const std::vector<SchemaDefault> rows = [] {
    std::vector<SchemaDefault> result;
    AddGatewayApiRows(result);
    AddAgentgatewayRows(result);
    return result;
  }();
  return rows;
}

void ApplySchemaDefaults(std::string_view group, std::string_view kind, manifest::Value& object) {
  const auto& compiled = Compiled();
  auto it = compiled.find({std::string(group), std::string(kind)});
  if (it == compiled.end()) {
    return;
  }
  for (const CompiledDefault& row : it->second) {
    ApplyAt(object, row.segments, 0, row.json);
  }
}

}  // namespace agw::model
