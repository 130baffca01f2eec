#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "validate/manifest/value.h"
#include "validate/model/gateway_api.h"
#include "validate/model/object.h"

// agentgateway.dev/v1alpha1 objects. The parts the data plane acts on (providers, auth, TLS,
// AI policies, health, targets, timeouts, header modifiers) are typed; the rest (MCP, ext
// auth/proc, rate limits, JWT, ...) is kept as written in `manifest::Value` until a feature
// needs it, with schema defaults already applied.
namespace agw::validate::model {

inline constexpr char kAgentgatewayGroup[] = "agentgateway.dev";

// LocalSecretKeyRef / LocalSecretObjectRef.
struct LocalSecretRef {
  std::string name;
  std::string group;               // "" is the core group
  std::string kind;                // "" means Secret
  std::optional<std::string> key;  // unset: the consumer's default key (e.g. Authorization)
};

struct BackendAuth {
  std::optional<std::string> key;  // inline credential: never log it
  std::optional<LocalSecretRef> secret_ref;
  bool passthrough = false;
  std::optional<manifest::Value> aws;
  std::optional<manifest::Value> azure;
  std::optional<manifest::Value> gcp;
  std::optional<manifest::Value> oauth_token_exchange;
  std::optional<manifest::Value> cross_app_access;
  std::optional<manifest::Value> jwt_sign;
  std::optional<manifest::Value> location;
  std::optional<manifest::Value> credentials;
};

// BackendTLS caCertificateRefs[]: a ConfigMap (the default) or Secret holding `ca.crt`.
struct CACertificateRef {
  std::string name;
  std::string kind = "ConfigMap";
};

struct BackendTLS {
  std::optional<std::string> certificate_source;   // Inline | SPIFFE
  std::vector<std::string> mtls_certificate_refs;  // Secret names
  std::vector<CACertificateRef> ca_certificate_refs;
  std::optional<std::string> insecure_skip_verify;  // All | Hostname
  std::optional<std::string> sni;
  std::vector<std::string> verify_subject_alt_names;
  std::optional<std::vector<std::string>> alpn_protocols;
};

struct BackendHTTP {
  std::optional<std::string> version;  // HTTP1 | HTTP2
  std::optional<std::string> request_timeout;
};

struct BackendTCP {
  std::optional<std::string> connect_timeout;
  std::optional<manifest::Value> keepalive;
};

struct FieldDefault {
  std::string field;
  manifest::Value value;
};

struct FieldTransformation {
  std::string field;
  std::string expression;
};

struct PromptCaching {
  bool cache_system = true;
  bool cache_messages = true;
  bool cache_tools = false;
  std::int64_t min_tokens = 1024;
  std::int64_t cache_message_offset = 0;
};

struct BackendAI {
  std::optional<manifest::Value> prompt;        // AIPromptEnrichment
  std::optional<manifest::Value> prompt_guard;  // AIPromptGuard
  std::vector<FieldDefault> defaults;
  std::vector<FieldDefault> overrides;
  std::vector<FieldTransformation> transformations;
  std::vector<FieldTransformation> final_transformations;
  std::map<std::string, std::string> model_aliases;
  std::optional<PromptCaching> prompt_caching;
  // Path suffix -> route type, in the order written ("*" allowed).
  std::vector<std::pair<std::string, std::string>> routes;
};

struct BackendEviction {
  std::optional<std::string> duration;  // defaults to "3s"
  std::optional<std::int32_t> restore_health;
  std::optional<std::int32_t> consecutive_failures;
  std::optional<std::int32_t> health_threshold;
};

struct Health {
  std::optional<std::string> unhealthy_condition;  // CEL
  std::optional<BackendEviction> eviction;
};

// BackendFull / BackendWithAI / BackendSimple: one type, as the unused parts stay unset.
struct BackendPolicies {
  std::optional<BackendTCP> tcp;
  std::optional<BackendTLS> tls;
  std::optional<BackendHTTP> http;
  std::optional<manifest::Value> tunnel;
  std::optional<BackendAuth> auth;
  std::optional<BackendAI> ai;
  std::optional<manifest::Value> mcp;
  std::optional<manifest::Value> transformation;
  std::optional<Health> health;
  std::optional<manifest::Value> ext_auth;
};

struct ProviderFormat {
  std::string type;  // Completions | Messages | Responses | Embeddings | ...
  std::optional<std::string> path;
};

// LLMProvider: exactly one provider kind plus the endpoint overrides.
struct LLMProvider {
  // openai | azureopenai | azure | anthropic | gemini | vertexai | bedrock | custom; empty when
  // none (or more than one) was given: the schema reports that.
  std::string kind;
  std::optional<std::string> model;
  // azureopenai
  std::optional<std::string> endpoint;
  std::optional<std::string> deployment_name;
  std::optional<std::string> api_version;  // azureopenai, azure
  // azure
  std::optional<std::string> resource_name;
  std::optional<std::string> resource_type;
  std::optional<std::string> project_name;
  // vertexai
  std::optional<std::string> project_id;
  std::optional<std::string> region;  // vertexai (default global), bedrock (default us-east-1)
  // bedrock
  std::optional<std::pair<std::string, std::string>> guardrail;  // identifier, version
  // openai
  std::optional<manifest::Value> moderation;
  // custom
  std::optional<BackendObjectReference> custom_backend_ref;
  std::vector<ProviderFormat> custom_formats;
  // overrides
  std::optional<std::string> host;
  std::optional<std::int32_t> port;
  std::optional<std::string> path;
  std::optional<std::string> path_prefix;
};

struct NamedLLMProvider {
  std::string name;
  LLMProvider provider;
  std::optional<BackendPolicies> policies;
  std::string path;
};

struct PriorityGroup {
  std::vector<NamedLLMProvider> providers;
};

struct AIBackend {
  std::optional<LLMProvider> provider;
  std::vector<PriorityGroup> groups;
};

struct StaticBackend {
  std::optional<std::string> host;
  std::optional<std::int32_t> port;
  std::optional<std::string> unix_path;
};

// The `policies` (BackendSimple) of an MCP `targets[].static` target.
struct MCPTargetPolicies {
  std::string target;  // the target's name
  BackendPolicies policies;
  std::string path;  // "spec.mcp.targets[0].static.policies"
};

struct AgentgatewayBackend : ObjectBase {
  std::optional<StaticBackend> static_;
  std::optional<AIBackend> ai;
  std::optional<manifest::Value> mcp;
  std::vector<MCPTargetPolicies> mcp_target_policies;
  std::optional<manifest::Value> a2a;
  std::optional<manifest::Value> dynamic_forward_proxy;
  std::optional<manifest::Value> aws;
  std::optional<BackendPolicies> policies;
};

struct PolicyTargetReference {
  std::string group;
  std::string kind;
  std::string name;
  std::optional<std::string> section_name;
  std::optional<std::int32_t> port;
  std::string path;
};

struct PolicyTargetSelector {
  std::string group;
  std::string kind;
  std::map<std::string, std::string> match_labels;
  std::optional<std::string> section_name;
  std::optional<std::int32_t> port;
  std::string path;
};

struct HeaderModifiers {
  std::optional<HTTPHeaderFilter> request;
  std::optional<HTTPHeaderFilter> response;
};

struct Traffic {
  std::optional<std::string> phase;  // PreRouting | PostRouting
  std::optional<HeaderModifiers> header_modifiers;
  std::optional<std::string> host_rewrite_mode;  // Auto | None
  std::optional<std::string> request_timeout;    // timeouts.request
  std::optional<HTTPCORSFilter> cors;
  std::optional<manifest::Value> retry;
  std::optional<manifest::Value> transformation;
  std::optional<manifest::Value> ext_proc;
  std::optional<manifest::Value> ext_auth;
  std::optional<manifest::Value> rate_limit;
  std::optional<manifest::Value> csrf;
  std::optional<manifest::Value> authorization;
  std::optional<manifest::Value> jwt_authentication;
  std::optional<manifest::Value> basic_authentication;
  std::optional<manifest::Value> api_key_authentication;
  std::optional<manifest::Value> direct_response;
  std::optional<manifest::Value> buffer;
  std::optional<manifest::Value> delay;
};

// An entry of `status.ancestors` as it was read: the controller keeps other controllers'
// entries when it writes its own (controller.md 5.3).
struct WrittenCondition {
  std::string type;
  std::string status;
  std::string reason;
  std::string message;
};

struct WrittenPolicyAncestor {
  std::optional<std::string> group;
  std::optional<std::string> kind;
  std::optional<std::string> namespace_;
  std::string name;
  std::optional<std::string> section_name;
  std::optional<std::int32_t> port;
  std::string controller_name;
  std::vector<WrittenCondition> conditions;
};

struct AgentgatewayPolicy : ObjectBase {
  std::vector<PolicyTargetReference> target_refs;
  std::vector<PolicyTargetSelector> target_selectors;
  std::optional<std::string> inheritance;  // strategy.inheritance
  std::optional<manifest::Value> frontend;
  std::optional<Traffic> traffic;
  std::optional<BackendPolicies> backend;
  std::vector<WrittenPolicyAncestor> status_ancestors;
};

// AgentgatewayModel (experimental): an LLM model served on listeners (Gateway or ListenerSet
// parents) or behind an HTTPRoute rule whose backendRef is AgentgatewayModel "*".

// A target of a virtual model: another AgentgatewayModel of the same namespace.
struct ModelTarget {
  std::string model_ref;                 // modelRef.name
  std::optional<std::string> model;      // the model name to ask the target for
  std::int32_t weight = 1;               // weighted
  std::optional<std::int32_t> priority;  // failover
  std::optional<std::string> when;       // conditional: CEL
  std::string path;                      // "spec.virtualModel.weighted.targets[0]"
};

struct VirtualModel {
  std::string routing;  // weighted | failover | conditional; empty when none is set
  std::vector<ModelTarget> targets;
};

// The custom provider's settings (`spec.custom`).
struct ModelCustomProvider {
  std::optional<BackendObjectReference> backend_ref;  // a Service or InferencePool, same namespace
  std::vector<ProviderFormat> formats;
};

struct ModelPolicies {
  // auth, tls, tunnel, health and ai.promptGuard: what the controller gives the provider as
  // a backend's inline policies (translateModelPolicies).
  BackendPolicies backend;
  std::vector<FieldTransformation> transformations;
  std::vector<FieldTransformation> final_transformations;
  std::optional<manifest::Value> authorization;
  std::optional<HeaderModifiers> headers;
};

struct AgentgatewayModel : ObjectBase {
  std::vector<ParentReference> parent_refs;
  std::optional<std::string> match_model;  // match.model; unset: the object's name
  std::string visibility = "Public";       // Public | Internal
  // OpenAI | Azure | Anthropic | Gemini | VertexAI | Bedrock | Custom, or a preset (Cohere,
  // Ollama, ...); unset for a virtual model.
  std::optional<std::string> provider;
  std::optional<std::string> base_url;
  std::optional<manifest::Value> azure;
  std::optional<manifest::Value> vertexai;
  std::optional<manifest::Value> bedrock;
  std::optional<ModelCustomProvider> custom;
  std::optional<VirtualModel> virtual_model;
  std::optional<ModelPolicies> policies;

  // The model name requests are matched against.
  const std::string& MatchedModel() const { return match_model ? *match_model : metadata.name; }
};

}  // namespace agw::validate::model
