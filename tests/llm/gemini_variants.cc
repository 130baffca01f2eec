// Runners for the Gemini and Vertex goldens: the provider options mirror how agentgateway's
// golden_tests.rs produced each variant (configured model, provider label).

#include <string>

#include "emulator/llm/gemini.h"
#include "emulator/llm/prompt.h"
#include "emulator/llm/vertex.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm::test {

namespace {

using Result = tl::expected<std::string, std::string>;

Result RequestResult(Translated<RequestTranslation> translated, std::string provider) {
  if (!translated) {
    return tl::unexpected(translated.error());
  }
  translated->info.provider = std::move(provider);
  return RequestPayload(translated->body, RequestSummaryJson(translated->info));
}

Result ResponseResult(const Translated<ResponseTranslation>& translated) {
  if (!translated) {
    return tl::unexpected(translated.error());
  }
  return ResponsePayload(translated->body, ResponseInfoJson(translated->info));
}

// Feeds the upstream stream in small slices, as bytes arrive off a socket.
Result StreamResult(StreamTranslator& translator, const std::string& upstream) {
  std::string client = FeedInSlices(translator, upstream);
  return StreamPayload(client, ResponseInfoJson(translator.info()));
}

Result VertexGeminiRequest(const Fixture& fixture) {
  ProviderOptions options;
  options.model = "gemini-2.5-pro";
  return RequestResult(GeminiRequest(fixture.Parsed(), options), "vertex");
}

Result GeminiNativeRequestRunner(const Fixture& fixture) {
  Json body = fixture.Parsed();
  if (fixture.group == "policies") {
    EnrichGeminiPrompt(body, GoldenPromptEnrichment());
  }
  return RequestResult(GeminiNativeRequest(body, ProviderOptions{}), "gemini-native");
}

Result VertexRequest(const Fixture& fixture) {
  ProviderOptions options;
  options.region = "us-central1";
  options.project = "test-project-123";
  Json body = fixture.Parsed();
  if (fixture.group == "messages") {
    options.model = "anthropic/claude-sonnet-4-5";
    return RequestResult(VertexMessagesRequest(body, options), "vertex");
  }
  if (fixture.group == "count-tokens") {
    options.model = "anthropic/claude-sonnet-4-5";
    return RequestResult(VertexCountTokensRequest(body, options), "vertex");
  }
  if (fixture.group == "embeddings") {
    return RequestResult(VertexEmbeddingsRequest(body, options), "vertex");
  }
  // The rerank golden translates the client's request before any model override.
  options.region = "global";
  return RequestResult(VertexRerankRequest(body, options), "vertex");
}

Result VertexResponse(const Fixture& fixture) {
  if (fixture.stem == "embeddings") {
    return ResponseResult(VertexEmbeddingsResponse(fixture.bytes, "text-embedding-004"));
  }
  return ResponseResult(VertexRerankResponse(fixture.bytes));
}

}  // namespace

void RegisterGeminiVariants(Registry& registry) {
  registry.Add("requests", "vertex-gemini", VertexGeminiRequest, "completions");
  registry.Add("requests", "gemini-native", GeminiNativeRequestRunner, "gemini");
  registry.Add("requests", "gemini-native", GeminiNativeRequestRunner, "policies");
  registry.Add(
      "requests", "get-messages-gemini",
      [](const Fixture& fixture) -> Result { return GeminiPrompt(fixture.Parsed()).dump(2); },
      "gemini");
  for (const char* group : {"messages", "count-tokens", "embeddings", "rerank"}) {
    registry.Add("requests", "vertex", VertexRequest, group);
  }

  registry.Add(
      "response", "vertex-gemini-completions",
      [](const Fixture& fixture) {
        return ResponseResult(GeminiResponse(fixture.bytes, SystemStamper()));
      },
      "vertex-gemini");
  registry.Add(
      "response", "vertex-gemini-completions-streaming",
      [](const Fixture& fixture) {
        auto translator = MakeGeminiStreamTranslator("input-model", SystemStamper());
        return StreamResult(*translator, fixture.bytes);
      },
      "vertex-gemini");
  registry.Add(
      "response", "gemini-native",
      [](const Fixture& fixture) { return ResponseResult(GeminiNativeResponse(fixture.bytes)); },
      "vertex-gemini");
  registry.Add("response", "vertex", VertexResponse, "vertex");
}

}  // namespace agw::emulator::llm::test
