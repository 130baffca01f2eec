#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/http/headers.h"
#include "emulator/llm/prompt.h"
#include "emulator/llm/translate.h"
#include "validate/model/agentgateway.h"
#include "validate/model/provider_defaults.h"

namespace agw::emulator::llm {

// The endpoint class of a client request (agentgateway's RouteType), from the AI policy's
// `routes` map.
enum class RouteType {
  kCompletions,
  kMessages,
  kModels,
  kPassthrough,
  kDetect,
  kResponses,
  kAnthropicTokenCount,
  kEmbeddings,
  kRealtime,
  kRerank,
  kGenerateContent,
  kGeminiCountTokens,
};

std::optional<RouteType> ParseRouteType(std::string_view name);
std::string_view RouteTypeName(RouteType type);

// Longest path suffix first (ties by name), "*" last; Completions when nothing matches.
RouteType ResolveRouteType(const std::vector<std::pair<std::string, std::string>>& routes,
                           std::string_view path);

// "openai", "anthropic", "gcp.gemini", "gcp.vertex_ai", "aws.bedrock", "azure", "custom".
std::string ProviderId(const validate::model::LLMProvider& provider);

// A response the gateway gives itself, without calling the provider.
struct LocalResponse {
  int status = 200;
  std::string content_type;  // empty: the answer has no content-type field
  std::string body;
};

// Policies that read, and may change, the client's chat request after prompt enrichment and
// before it is translated for the provider (prompt guards, llm-dataplane.md 2.3 step 6).
// Implemented outside this library; must be thread-safe (shared by every request).
class ClientRequestCheck {
 public:
  virtual ~ClientRequestCheck() = default;
  // `body` is the client's request in its own format (Completions, Messages, Responses or
  // native Gemini); a check may edit it (mask). Returns the answer to give instead of calling
  // the provider, with `reason` set to what the access log says. Each guard it evaluated adds
  // its verdict to `guard_actions` ("Allow", "Mask", "Reject"): the guardrail metric's samples.
  // `headers` are the client request's (a webhook guard forwards some of them).
  virtual std::optional<LocalResponse> Check(InputFormat input, Json& body,
                                             const http::HeaderList& headers, std::string& reason,
                                             std::vector<std::string>& guard_actions) const = 0;
};

// One provider of an AI backend with everything the data plane applies to it.
struct ProviderSetup {
  const validate::model::LLMProvider* provider = nullptr;
  const validate::model::BackendAI* ai = nullptr;  // the merged AI policy, if any
  // The backend auth credential (Secret `Authorization` value or inline key, "Bearer " already
  // stripped). A credential value: never log it.
  std::optional<std::string> api_key;
  bool auth_location_explicit = false;
  bool tls_policy = false;
  std::string tls_sni;
  // The time and ids the call's translations stamp (`run`: the wall clock and random ids).
  Stamper stamper = SystemStamper();
  // Prompt enrichment and the request checks of the merged AI policy; null for none. Borrowed.
  const PromptEnrichment* enrichment = nullptr;
  const ClientRequestCheck* request_check = nullptr;
};

struct ClientRequest {
  std::string method = "POST";
  std::string path = "/";  // after route filters
  std::string query;
  http::HeaderList headers;
  std::string body;
};

// Everything the data plane sends for one LLM request, and what it needs to answer the client.
struct LlmCall {
  std::optional<LocalResponse> local;  // set: answer this, call nothing
  std::string local_reason;            // what a policy that answered says in the access log
  std::vector<std::string> request_guard_actions;  // one per request guard evaluated
  std::string provider_id;
  RouteType route = RouteType::kCompletions;
  InputFormat input = InputFormat::kCompletions;
  WireFormat wire = WireFormat::kOpenAICompletions;
  bool streaming = false;
  validate::model::UpstreamTarget target;
  std::string authority;
  http::HeaderList headers;  // to send; content-length is added by the sender
  std::string body;
  RequestInfo info;
  ProviderOptions options;
  // The client's request after model resolution, for Bedrock Converse, whose response
  // translation reads its tool names; null for every other wire format.
  Json client_body;
};

// Chat bodies from this size keep their messages as text through the translation
// (ReadJsonKeepingArrayText, read one message at a time): the document of a long conversation
// took seven times the memory of its text. Smaller ones are read whole, which is faster.
inline constexpr std::size_t kMessagesAsTextFromBytes = 64 * 1024;

// Classifies, resolves the model, translates and addresses the request (llm-dataplane.md
// 2.3): pure, so the same call can be sent to the provider, a --provider-url stand-in or the
// in-process mock.
LlmCall PlanCall(const ProviderSetup& setup, ClientRequest request);

// The client's answer to a buffered (non-streamed, or failed) upstream response.
struct ClientResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  ResponseInfo info;
};
ClientResponse AnswerBuffered(const LlmCall& call, int upstream_status,
                              std::string_view upstream_content_type, std::string_view body);

}  // namespace agw::emulator::llm
