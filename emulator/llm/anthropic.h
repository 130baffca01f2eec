#pragma once

// OpenAI Chat Completions clients on Anthropic Messages upstreams (llm-dataplane.md 5.1, 5.2,
// 6.2, 7), plus what the gateway does for Anthropic-native clients on the same upstream:
// Messages and count_tokens bodies pass through, with usage read on the way back.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "emulator/llm/stream.h"
#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// Completions client -> Anthropic Messages upstream body.
Translated<RequestTranslation> AnthropicRequest(const Json& client_body,
                                                const ProviderOptions& options);
// The same with the body written as JSON text (WriteJson of AnthropicRequest's body), message
// by message: a document of a long conversation's upstream messages took more memory than the
// client's. The messages are `messages_text` when given (ReadJsonKeepingArrayText's array_text,
// read one at a time), else those of `client_body`, which are consumed (null after).
Translated<RequestText> AnthropicRequestText(Json& client_body,
                                             std::optional<std::string_view> messages_text,
                                             const ProviderOptions& options);
// Messages client -> Anthropic upstream: the body is forwarded as sent (model pinned by the
// provider when it has one).
Translated<RequestTranslation> AnthropicMessagesRequest(const Json& client_body,
                                                        const ProviderOptions& options);
// The same written as JSON text, for a body whose messages are still `messages_text`
// (ReadJsonKeepingArrayText's array_text): each is read and written on its own. The summary
// has no prompt, whatever options.record_prompt says.
Translated<RequestText> AnthropicMessagesRequestText(Json& client_body,
                                                     std::string_view messages_text,
                                                     const ProviderOptions& options);
// /v1/messages/count_tokens: forwarded as sent; the summary has no prompt.
Translated<RequestTranslation> AnthropicCountTokensRequest(const Json& client_body,
                                                           const ProviderOptions& options);

// Anthropic response -> the chat.completion a Completions client is owed, `created` from
// `stamper`.
Translated<ResponseTranslation> AnthropicResponse(std::string_view upstream_body,
                                                  const Stamper& stamper);
// Anthropic response to a Messages client: body unchanged, usage read from it.
Translated<ResponseTranslation> AnthropicPassthroughResponse(std::string_view upstream_body);
// Usage of an Anthropic Messages response body.
ResponseInfo AnthropicResponseInfo(const Json& body);

// A count_tokens answer is returned unchanged; the count is what the gateway reads from it
// (`input_tokens`, or Bedrock's `inputTokens`).
struct CountTokensResult {
  Json body;
  int64_t input_tokens = 0;
};
Translated<CountTokensResult> AnthropicCountTokensResponse(std::string_view upstream_body);

// Anthropic SSE -> OpenAI chat.completion.chunk SSE, `data: [DONE]` after a normal end. Every
// chunk's `created` is the time `stamper` gives when the translator is made.
std::unique_ptr<StreamTranslator> MakeAnthropicStreamTranslator(const Stamper& stamper);
// Anthropic SSE to a Messages client: bytes forwarded unchanged, usage collected.
std::unique_ptr<StreamTranslator> MakeAnthropicPassthroughStream();

// An Anthropic error body turned into the OpenAI error a Completions client gets.
std::string AnthropicError(int status, std::string_view upstream_body);
// The error body a Messages client gets from an Anthropic upstream: unchanged when it is an
// Anthropic error, otherwise wrapped in one (type from the status, the body as message).
std::string AnthropicPassthroughError(int status, std::string_view upstream_body);

}  // namespace agw::emulator::llm
