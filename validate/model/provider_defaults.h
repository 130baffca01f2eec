#pragma once

#include <string>
#include <string_view>

#include "validate/model/agentgateway.h"

namespace agw::validate::model {

// The endpoint class a request is sent to (agentgateway's upstream route type): chosen by the
// translation, so an OpenAI-format request to Anthropic goes out as kMessages.
enum class UpstreamRoute {
  kCompletions,
  kMessages,
  kResponses,
  kEmbeddings,
  kRerank,
  kAnthropicTokenCount,
  kGenerateContent,  // native Gemini (Gemini API or Vertex); also Bedrock Converse for chat
  kGeminiCountTokens,
  kPassthrough,  // Passthrough and Detect: the client's path, only pathPrefix applies
};

// Where the agentgateway data plane sends an LLM request: the provider's default endpoint
// with the backend's host/port/path/pathPrefix overrides applied (llm-dataplane.md 1.1-1.3).
struct UpstreamTarget {
  std::string scheme;  // "https" for provider defaults; "http" for a host override without TLS
  std::string host;
  int port = 443;
  std::string path;             // with the query string
  bool path_forwarded = false;  // the client's path is sent unchanged (host override, no prefix)
  bool host_overridden = false;

  std::string Url() const;
};

struct TargetRequest {
  UpstreamRoute route = UpstreamRoute::kCompletions;
  std::string_view path;   // the client's path after route filters
  std::string_view query;  // without '?'
  std::string_view
      model;  // the final request model (Gemini, Vertex, Bedrock and Azure paths use it)
  bool streaming = false;
  bool tls_policy = false;  // the backend has a TLS policy (a host override is plain HTTP without)
};

// The default provider host ("api.openai.com", "bedrock-runtime.us-east-1.amazonaws.com", ...).
std::string DefaultProviderHost(const LLMProvider& provider,
                                UpstreamRoute route = UpstreamRoute::kCompletions);

// The provider's native chat endpoint class (what an OpenAI chat request is sent to).
UpstreamRoute NativeChatRoute(const LLMProvider& provider, std::string_view model);

UpstreamTarget ProviderTarget(const LLMProvider& provider, const TargetRequest& request);

// The upstream target of a chat request (route type Completions, the default when a backend
// has no `routes` map) whose path, after route filters, is `request_path`.
UpstreamTarget ChatTarget(const LLMProvider& provider, std::string_view request_path,
                          std::string_view model, bool tls_policy);

// Vertex names Anthropic models with '@' before the date: claude-3-5-sonnet@20241022.
std::string VertexAnthropicModel(std::string_view model);
bool IsVertexAnthropicModel(std::string_view model);
bool IsVertexGeminiModel(std::string_view model);

}  // namespace agw::validate::model
