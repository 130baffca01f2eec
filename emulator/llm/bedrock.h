#pragma once

// AWS Bedrock: Converse for chat clients (OpenAI Completions, Anthropic Messages, OpenAI
// Responses), count-tokens, embeddings (Titan, Cohere, Nova) and rerank (Bedrock, Cohere).
// Bodies in, bodies out; the caller owns paths, signing and the HTTP exchange.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/llm/formats.h"
#include "emulator/llm/stream.h"
#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// What a Bedrock chat translation reads beyond the body and the provider.
struct BedrockRequestContext {
  std::string guardrail_identifier;  // both set: guardrailConfig with trace enabled
  std::string guardrail_version;
  std::string metadata_header;  // x-bedrock-metadata: a flat JSON object -> requestMetadata
  std::string anthropic_beta;   // anthropic-beta (Messages clients): allowed values forwarded
};

// Converse accepts tool names matching [A-Za-z0-9_-]{1,64}; other client names are renamed in
// the request and restored in the response. The mapping is a pure function of the client body,
// so the response side rebuilds it with BedrockToolNamesFor.
class BedrockToolNames {
 public:
  // The Converse-safe name for `client_name`, registering it on first use.
  std::string Register(std::string_view client_name);
  // The client's name for a name Bedrock answered with.
  std::string Restore(std::string_view bedrock_name) const;

 private:
  std::map<std::string, std::string, std::less<>> forward_;  // client -> bedrock
  std::map<std::string, std::string, std::less<>> reverse_;  // bedrock -> client, renamed only
};

BedrockToolNames BedrockToolNamesFor(const Json& client_body, InputFormat client_format);

// Chat requests -> Converse (the model travels in the path, not the body).
Translated<RequestTranslation> CompletionsToBedrockRequest(
    const Json& client_body, const ProviderOptions& provider,
    const BedrockRequestContext& context = {});
Translated<RequestTranslation> MessagesToBedrockRequest(const Json& client_body,
                                                        const ProviderOptions& provider,
                                                        const BedrockRequestContext& context = {});
Translated<RequestTranslation> ResponsesToBedrockRequest(const Json& client_body,
                                                         const ProviderOptions& provider,
                                                         const BedrockRequestContext& context = {});

// Anthropic count_tokens -> Bedrock CountTokens (the Messages body base64-wrapped for
// InvokeModel). `anthropic_version` is the client's header, empty for the default.
Translated<RequestTranslation> CountTokensToBedrockRequest(const Json& client_body,
                                                           const ProviderOptions& provider,
                                                           std::string_view anthropic_version = {});

// OpenAI embeddings -> the InvokeModel body of the configured model's family.
Translated<RequestTranslation> EmbeddingsToBedrockRequest(const Json& client_body,
                                                          const ProviderOptions& provider);

// Cohere-style rerank -> Bedrock Rerank; and the same body passed through to Cohere.
Translated<RequestTranslation> RerankToBedrockRequest(const Json& client_body,
                                                      const ProviderOptions& provider);
Translated<RequestTranslation> RerankToCohereRequest(const Json& client_body,
                                                     const ProviderOptions& provider);

// Converse response -> the chat client's response. `model` is the request model, which
// Converse does not echo. The ids and times Converse does not give (`created`, `bedrock-<unix
// millis>`, `msg_<hex millis><8 hex>`, `resp_`/`msg_` + 16 hex) come from `stamper`.
Translated<ResponseTranslation> BedrockToCompletionsResponse(
    std::string_view upstream_body, std::string_view model, const Stamper& stamper,
    const BedrockToolNames& tool_names = {});
Translated<ResponseTranslation> BedrockToMessagesResponse(std::string_view upstream_body,
                                                          std::string_view model,
                                                          const Stamper& stamper,
                                                          const BedrockToolNames& tool_names = {});
Translated<ResponseTranslation> BedrockToResponsesResponse(std::string_view upstream_body,
                                                           std::string_view model,
                                                           const Stamper& stamper,
                                                           const BedrockToolNames& tool_names = {});

// ConverseStream (AWS event stream) -> the chat client's SSE. `message_id` is the upstream
// x-amzn-requestid (Completions chunk ids); empty draws 16 hex digits from `stamper`, which
// also gives `created` and the generated `msg_`, `resp_` and `call_` ids.
std::unique_ptr<StreamTranslator> MakeBedrockToCompletionsStreamTranslator(
    std::string model, std::string message_id, const Stamper& stamper,
    BedrockToolNames tool_names = {});
std::unique_ptr<StreamTranslator> MakeBedrockToMessagesStreamTranslator(
    std::string model, const Stamper& stamper, BedrockToolNames tool_names = {});
std::unique_ptr<StreamTranslator> MakeBedrockToResponsesStreamTranslator(
    std::string model, const Stamper& stamper, BedrockToolNames tool_names = {});

// InvokeModel embeddings response -> OpenAI embeddings. Cohere and Nova report the input token
// count only in the x-amzn-bedrock-input-token-count header.
Translated<ResponseTranslation> BedrockEmbeddingsResponse(
    std::string_view upstream_body, std::string_view model,
    std::optional<int64_t> input_token_count_header = std::nullopt);

// Rerank responses -> the Cohere shape.
Translated<ResponseTranslation> BedrockRerankResponse(std::string_view upstream_body);
Translated<ResponseTranslation> CohereRerankResponse(std::string_view upstream_body);

// Detect routes forward Bedrock bodies untouched; these read usage from them.
ResponseInfo BedrockDetectResponseInfo(std::string_view upstream_body);
// Passes the event stream through byte for byte while reading usage from its messages.
std::unique_ptr<StreamTranslator> MakeBedrockDetectStreamObserver();

// The body a client gets for a Bedrock error (`{"message": ...}` or any text); the upstream
// status is kept by the caller.
std::string BedrockError(InputFormat client_format, int status, std::string_view upstream_body);

}  // namespace agw::emulator::llm
