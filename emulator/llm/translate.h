#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "emulator/llm/stream.h"
#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// The body format sent upstream: a chat format, or one of the non-chat endpoint formats.
enum class WireFormat {
  kOpenAICompletions,
  kOpenAIResponses,
  kAnthropicMessages,
  kBedrockConverse,
  kGeminiNative,       // generateContent on the Gemini API or Vertex
  kOpenAIEmbeddings,   // OpenAI, Azure, Gemini compat, custom: passed through
  kVertexEmbeddings,   // :predict
  kBedrockEmbeddings,  // Titan / Cohere / Nova invoke bodies, by model
  kCohereRerank,       // passed through
  kVertexRerank,
  kBedrockRerank,
  kAnthropicCountTokens,  // Anthropic and custom: passed through
  kVertexCountTokens,
  kBedrockCountTokens,
  kGeminiCountTokens,  // passed through
  kRaw,                // Passthrough and Detect: bytes as they are
};

std::string_view WireFormatName(WireFormat format);

// The translations the emulator knows, between what the client sent and what goes upstream.
// Same-format pairs pass the body through (usage is still read from the response).
Translated<RequestTranslation> TranslateRequest(InputFormat input, WireFormat wire,
                                                const Json& body, const ProviderOptions& options);
// TranslateRequest with the body written as the JSON text that is sent (WriteJson of its body),
// by the translations that can write it without a whole document of it first. `messages_text`,
// when given, is the request's `messages` as ReadJsonKeepingArrayText left it (`body` holds an
// empty array in its place): the chat translations that go message by message read it one
// message at a time (Completions to OpenAI or Anthropic, Messages to Anthropic); for the others
// it is read into `body` first. `body` may be changed or consumed.
Translated<RequestText> TranslateRequestText(InputFormat input, WireFormat wire, Json& body,
                                             std::optional<std::string_view> messages_text,
                                             const ProviderOptions& options);
// `client_body` is the request as the client sent it (after model resolution): some response
// translations restore what the request translation renamed (Bedrock tool names).
Translated<ResponseTranslation> TranslateResponse(InputFormat input, WireFormat wire,
                                                  std::string_view upstream_body,
                                                  const ProviderOptions& options,
                                                  const Json& client_body);
// Null when the pair does not stream (the response is then handled as buffered).
std::unique_ptr<StreamTranslator> MakeStreamTranslator(InputFormat input, WireFormat wire,
                                                       const ProviderOptions& options,
                                                       const Json& client_body);
// The body the client gets for an upstream error (status kept by the caller); nullopt when
// it cannot be reshaped (the gateway then answers 502).
std::optional<std::string> TranslateError(InputFormat input, WireFormat wire, int status,
                                          std::string_view upstream_body);
// Whether the pair keeps the upstream body byte for byte.
bool IsPassthrough(InputFormat input, WireFormat wire);

}  // namespace agw::emulator::llm
