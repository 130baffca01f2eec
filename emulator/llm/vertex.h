#pragma once

// Vertex AI bodies other than Gemini chat: Anthropic models served by Vertex (Messages and
// count-tokens), text embeddings (`:predict`) and the Discovery Engine ranking API.

#include <string>
#include <string_view>

#include "emulator/llm/translation.h"

namespace agw::emulator::llm {

// Anthropic Messages body for Vertex's rawPredict: the model moves to the path, Vertex's
// `anthropic_version` is added, and what Vertex rejects is removed (deprecated
// `output_format`, `scope` on cache_control). `info.provider` is left for the caller.
Translated<RequestTranslation> VertexMessagesRequest(const Json& client_body,
                                                     const ProviderOptions& options);

// Anthropic count_tokens body for Vertex: keeps a model (`options.model` when set), which
// Vertex's count-tokens endpoint reads from the body, and adds `anthropic_version`.
Translated<RequestTranslation> VertexCountTokensRequest(const Json& client_body,
                                                        const ProviderOptions& options);

// OpenAI embeddings body -> Vertex `instances`/`parameters`. `task_type` and `title` are
// Vertex extensions a client may send; the task defaults to RETRIEVAL_QUERY.
Translated<RequestTranslation> VertexEmbeddingsRequest(const Json& client_body,
                                                       const ProviderOptions& options);

// Vertex `predictions` -> OpenAI embeddings list; `model` is the one the client is told.
Translated<ResponseTranslation> VertexEmbeddingsResponse(std::string_view upstream_body,
                                                         std::string_view model);

// Cohere-style rerank body -> Discovery Engine rank body (documents become records whose id is
// their position). `options.model`, when set, replaces the client's model.
Translated<RequestTranslation> VertexRerankRequest(const Json& client_body,
                                                   const ProviderOptions& options);

// Discovery Engine records -> Cohere-style results (index from the record id; a record
// without a score, as returned when scores are not requested, counts as 1.0).
Translated<ResponseTranslation> VertexRerankResponse(std::string_view upstream_body);

// A Google error from the ranking API as the OpenAI error a rerank client reads.
std::string VertexRerankError(int status, std::string_view upstream_body);

}  // namespace agw::emulator::llm
