#pragma once

#include <string>
#include <string_view>

#include "validate/model/agentgateway.h"

namespace agw::model {

// Where the agentgateway data plane sends an LLM request: the provider's default endpoint
// with the backend's host/port/path/pathPrefix overrides applied (llm-dataplane.md 1.1-1.3).
struct UpstreamTarget {
  std::string scheme;  // "https" for provider defaults; "http" for a host override without TLS
  std::string host;
  int port = 443;
  std::string path;
  bool path_forwarded = false;  // the client's path is sent unchanged (host override, no prefix)

  std::string Url() const;
};

// The default provider host ("api.openai.com", "bedrock-runtime.us-east-1.amazonaws.com", ...).
std::string DefaultProviderHost(const LLMProvider& provider);

// The upstream target of a chat request (route type Completions, the default when a backend
// has no `routes` map) whose path, after route filters, is `request_path`. `model` is the
// model the request ends up with (the provider's model wins); it appears in Gemini, Vertex
// and Bedrock paths. `tls_policy` says whether the backend has a TLS policy (a host override
// is plain HTTP without one).
UpstreamTarget ChatTarget(const LLMProvider& provider, std::string_view request_path,
                          std::string_view model, bool tls_policy);

}  // namespace agw::model
