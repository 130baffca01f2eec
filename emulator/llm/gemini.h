#pragma once

// Native Gemini generateContent, on the Gemini API and on Vertex (agentgateway's VertexGemini
// chat format): OpenAI Chat Completions clients translated to it and back, and native Gemini
// clients passed through with usage read on the way.

#include <memory>
#include <string>
#include <string_view>

#include "emulator/llm/stream.h"
#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// OpenAI Chat Completions body -> generateContent body. The model goes in the upstream path,
// never in the body; `options.model` (else the client's model) only picks the thinking
// dialect (`gemini-3*` takes levels, older models budgets). `info.provider` is left for the
// caller, which knows the backend's provider name. Fails on content the native API cannot
// fetch (http(s) images, OpenAI file ids) or whose MIME type cannot be told.
Translated<RequestTranslation> GeminiRequest(const Json& client_body,
                                             const ProviderOptions& options);

// generateContent response -> OpenAI chat.completion (one choice per candidate). `created`,
// and the id of a response without a responseId (`vertex-gemini-<unix millis>`), come from
// `stamper`.
Translated<ResponseTranslation> GeminiResponse(std::string_view upstream_body,
                                               const Stamper& stamper);

// streamGenerateContent?alt=sse -> OpenAI chat.completion.chunk SSE ending in `[DONE]`.
// `request_model` stands in for chunks that carry no modelVersion. `created` (and the id of a
// stream without a responseId, `vertex-gemini-<unix seconds>`) is the time `stamper` gives
// when the translator is made.
std::unique_ptr<StreamTranslator> MakeGeminiStreamTranslator(std::string request_model,
                                                             const Stamper& stamper);

// A Google error body (`{"error":{code,message,status}}` or a one-element array of it) as the
// OpenAI error an OpenAI client expects; a body that is not a Google error is returned as is.
std::string GeminiError(int status, std::string_view upstream_body);

// Native Gemini client, native Gemini upstream: the body goes up unchanged except for a
// `model` key (the model lives in the path). `info` carries the prompt and parameters;
// streaming is told by the path (`:streamGenerateContent`), so the caller sets it.
Translated<RequestTranslation> GeminiNativeRequest(const Json& client_body,
                                                   const ProviderOptions& options);

// The upstream body for a native client: unchanged but for an empty `candidates: []`, which
// is dropped (as Google's own encoder does); `info` holds usage and tool calls.
Translated<ResponseTranslation> GeminiNativeResponse(std::string_view upstream_body);

// Native streams go to the client byte for byte; usage is read from the chunks as they pass.
std::unique_ptr<StreamTranslator> MakeGeminiNativeStreamTranslator();

}  // namespace agw::emulator::llm
