// Runners for the OpenAI Responses, embeddings and prompt-enrichment goldens.

#include <memory>

#include "emulator/llm/detect.h"
#include "emulator/llm/llm_info.h"
#include "emulator/llm/openai.h"
#include "emulator/llm/prompt.h"
#include "emulator/llm/responses.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm::test {

namespace {

using Result = tl::expected<std::string, std::string>;

Result Request(Translated<RequestTranslation> translated, const std::string& provider) {
  if (!translated) {
    return tl::unexpected(translated.error());
  }
  translated->info.provider = provider;
  return RequestPayload(translated->body, RequestSummaryJson(translated->info));
}

Result Response(Translated<ResponseTranslation> translated) {
  if (!translated) {
    return tl::unexpected(translated.error());
  }
  return ResponsePayload(translated->body, ResponseInfoJson(translated->info));
}

Result ResponsesStream(std::unique_ptr<StreamTranslator> translator, const std::string& upstream) {
  std::string client = BlankGeneratedIds(FeedInSlices(*translator, upstream));
  return StreamPayload(client, ResponseInfoJson(translator->info()));
}

Result EnrichedPassthrough(const Fixture& fixture) {
  Json body = fixture.Parsed();
  if (body.contains("messages")) {
    EnrichCompletionsPrompt(body, GoldenPromptEnrichment());
    return Request(CompletionsPassthroughRequest(body, {}), "openai");
  }
  EnrichResponsesPrompt(body, GoldenPromptEnrichment());
  return Request(ResponsesPassthroughRequest(body, {}), "openai");
}

void RegisterRequests(Registry& registry) {
  registry.Add(
      "requests", "responses",
      [](const Fixture& fixture) {
        return Request(MessagesToResponsesRequest(fixture.Parsed(), {}), "responses");
      },
      "messages");
  registry.Add(
      "requests", "gemini",
      [](const Fixture& fixture) {
        return Request(ResponsesToCompletionsRequest(fixture.Parsed(), {}), "gemini");
      },
      "responses");
  registry.Add(
      "requests", "openai",
      [](const Fixture& fixture) {
        return Request(EmbeddingsRequest(fixture.Parsed(), {}), "openai");
      },
      "embeddings");
  registry.Add("requests", "openai", EnrichedPassthrough, "policies");
  registry.Add("requests", "openai", EnrichedPassthrough, "responses");
  registry.Add(
      "requests", "get-messages-responses",
      [](const Fixture& fixture) -> Result { return ResponsesPrompt(fixture.Parsed()).dump(2); },
      "responses");
}

void RegisterResponses(Registry& registry) {
  registry.Add(
      "response", "completions-responses",
      [](const Fixture& fixture) {
        return Response(
            CompletionsToResponsesResponse(fixture.bytes, "input-model", SystemStamper()));
      },
      "completions");
  registry.Add(
      "response", "completions-responses-streaming",
      [](const Fixture& fixture) {
        return ResponsesStream(MakeCompletionsToResponsesStreamTranslator(SystemStamper()),
                               fixture.bytes);
      },
      "completions");
  registry.Add(
      "response", "responses-responses",
      [](const Fixture& fixture) { return Response(ResponsesPassthroughResponse(fixture.bytes)); },
      "responses");
  registry.Add(
      "response", "responses-responses-streaming",
      [](const Fixture& fixture) {
        return ResponsesStream(MakeResponsesPassthroughStreamTranslator(), fixture.bytes);
      },
      "responses");
  registry.Add(
      "response", "responses-messages",
      [](const Fixture& fixture) { return Response(ResponsesToMessagesResponse(fixture.bytes)); },
      "responses");
  // These snapshots hold only the client stream, no usage summary.
  registry.Add(
      "response", "responses-messages-streaming",
      [](const Fixture& fixture) {
        auto translator = MakeResponsesToMessagesStreamTranslator(SystemStamper());
        return Result(StreamPayload(FeedInSlices(*translator, fixture.bytes), Json::object()));
      },
      "responses");
  registry.Add(
      "response", "responses-detect",
      [](const Fixture& fixture) { return Response(DetectResponse(fixture.bytes)); }, "responses");
  registry.Add(
      "response", "responses-detect-streaming",
      [](const Fixture& fixture) {
        return ResponsesStream(MakeDetectStreamTranslator(), fixture.bytes);
      },
      "responses");
  registry.Add(
      "response", "openai",
      [](const Fixture& fixture) { return Response(EmbeddingsResponse(fixture.bytes)); }, "openai");
}

}  // namespace

void RegisterResponsesVariants(Registry& registry) {
  RegisterRequests(registry);
  RegisterResponses(registry);
}

}  // namespace agw::emulator::llm::test
