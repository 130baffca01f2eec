#pragma once

// The OpenAI Responses API on either side of the gateway:
// - Messages client -> Responses upstream (providers that only speak Responses);
// - Responses client -> OpenAI-compatible Completions upstream (Gemini's compat shim, Vertex, ...);
// - Responses client -> Responses upstream (passthrough, inspected for usage).

#include <memory>
#include <string>
#include <string_view>

#include "emulator/llm/stream.h"
#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// Messages client, Responses upstream. Assistant text in the history becomes message items whose
// `msg_` ids are drawn from options.stamper.
Translated<RequestTranslation> MessagesToResponsesRequest(const Json& client_body,
                                                          const ProviderOptions& options);
Translated<ResponseTranslation> ResponsesToMessagesResponse(std::string_view upstream_body);
// The stream's message id is the upstream response's id, else one drawn from `stamper`.
std::unique_ptr<StreamTranslator> MakeResponsesToMessagesStreamTranslator(const Stamper& stamper);
// An OpenAI-shaped upstream error as the Anthropic error the Messages client expects (type from
// the upstream error, else from the status). A body that is not JSON becomes the message;
// agentgateway answers 502 there instead.
std::string ResponsesToMessagesError(int status, std::string_view upstream_body);

// Responses client, OpenAI-compatible Completions upstream. `request_model` is the model the
// client asked for: the Responses object reports it, not the upstream's model.
Translated<RequestTranslation> ResponsesToCompletionsRequest(const Json& client_body,
                                                             const ProviderOptions& options);
// The response's `resp_`, `msg_` (and, streamed, `call_`) ids and its `created_at` come from
// `stamper`.
Translated<ResponseTranslation> CompletionsToResponsesResponse(std::string_view upstream_body,
                                                               std::string_view request_model,
                                                               const Stamper& stamper);
std::unique_ptr<StreamTranslator> MakeCompletionsToResponsesStreamTranslator(
    const Stamper& stamper);
// Google-shaped errors become OpenAI errors; OpenAI errors pass unchanged.
std::string CompletionsToResponsesError(int status, std::string_view upstream_body);

// Responses client, Responses upstream: bodies pass unchanged, usage is read on the way.
Translated<RequestTranslation> ResponsesPassthroughRequest(const Json& client_body,
                                                           const ProviderOptions& options);
Translated<ResponseTranslation> ResponsesPassthroughResponse(std::string_view upstream_body);
std::unique_ptr<StreamTranslator> MakeResponsesPassthroughStreamTranslator();

}  // namespace agw::emulator::llm
