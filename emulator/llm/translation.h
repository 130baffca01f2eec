#pragma once

#include <string>
#include <tl/expected.hpp>

#include "emulator/llm/llm_info.h"

namespace agw::llm {

// What a translation needs to know about the provider beyond the body.
struct ProviderOptions {
  std::string model;     // the model the backend is configured with (empty: keep the request's)
  std::string region;    // Bedrock / Vertex region
  std::string project;   // Vertex project
  std::string provider;  // the CRD provider kind: openai, anthropic, gemini, vertexai, bedrock, ...
  std::string request_id;  // the upstream's request id (Bedrock's x-amzn-requestid), if known
  // Whether request summaries carry RequestInfo::prompt, a copy of the text of every message:
  // the summaries show it; the data plane reads none of it (PlanCall turns it off).
  bool record_prompt = true;
};

// A client body turned into the upstream body, with what was learned from it.
struct RequestTranslation {
  Json body;
  RequestInfo info;
};

// The same with the body written as the JSON text that is sent.
struct RequestText {
  std::string body;
  RequestInfo info;
};

// An upstream body turned into the body the client is owed, with usage.
struct ResponseTranslation {
  Json body;
  ResponseInfo info;
};

// Translations fail only on input they cannot represent; the message becomes the
// gateway's `failed to process LLM request: ...` text.
template <typename T>
using Translated = tl::expected<T, std::string>;

// A translated request with its body written as text (WriteJson), or its error.
Translated<RequestText> RequestTextOf(Translated<RequestTranslation> translated);

}  // namespace agw::llm
