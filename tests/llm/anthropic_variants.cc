// Runners for the Completions <-> Anthropic Messages goldens, their passthrough and Detect
// counterparts, and count_tokens.

#include <memory>
#include <vector>

#include "emulator/llm/anthropic.h"
#include "emulator/llm/completions.h"
#include "emulator/llm/detect.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/prompt.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm::test {
namespace {

using Result = tl::expected<std::string, std::string>;
using RequestFunction = Translated<RequestTranslation> (*)(const Json&, const ProviderOptions&);
using ResponseFunction = Translated<ResponseTranslation> (*)(std::string_view);
using StreamFactory = std::unique_ptr<StreamTranslator> (*)();

// The translations as `run` makes them: the wall clock and fresh random ids.
Translated<ResponseTranslation> AnthropicResponseNow(std::string_view body) {
  return AnthropicResponse(body, SystemStamper());
}
std::unique_ptr<StreamTranslator> AnthropicStreamNow() {
  return MakeAnthropicStreamTranslator(SystemStamper());
}

Result Payload(const Translated<RequestTranslation>& translated) {
  if (!translated) {
    return tl::unexpected(translated.error());
  }
  return RequestPayload(translated->body, RequestSummaryJson(translated->info));
}

Runner RequestRunner(RequestFunction translate) {
  return [translate](const Fixture& fixture) -> Result {
    return Payload(translate(fixture.Parsed(), ProviderOptions{}));
  };
}

Runner ResponseRunner(ResponseFunction translate) {
  return [translate](const Fixture& fixture) -> Result {
    auto translated = translate(fixture.bytes);
    if (!translated) {
      return tl::unexpected(translated.error());
    }
    return ResponsePayload(translated->body, ResponseInfoJson(translated->info));
  };
}

Runner StreamRunner(StreamFactory make) {
  return [make](const Fixture& fixture) -> Result {
    std::unique_ptr<StreamTranslator> stream = make();
    std::string out = FeedInSlices(*stream, fixture.bytes);
    return StreamPayload(out, ResponseInfoJson(stream->info()));
  };
}

// The Completions goldens pin the text the data plane sends too: AnthropicRequestText writes
// the bytes of the document AnthropicRequest builds, with the same summary, from the document
// and from messages kept as text (ReadJsonKeepingArrayText, how `run` reads a large body).
Result CompletionsToAnthropicPayload(const Fixture& fixture) {
  Json request = fixture.Parsed();
  Translated<RequestTranslation> translated = AnthropicRequest(request, ProviderOptions{});
  JsonKeepingArrayText kept = ReadJsonKeepingArrayText(fixture.bytes, "messages");
  for (auto [from, text] :
       {std::pair("the document", AnthropicRequestText(request, std::nullopt, ProviderOptions{})),
        std::pair("messages kept as text",
                  AnthropicRequestText(kept.document, kept.array_text, ProviderOptions{}))}) {
    if (translated.has_value() != text.has_value()) {
      return tl::unexpected(std::string("AnthropicRequestText from ") + from +
                            " fails where AnthropicRequest does not");
    }
    if (translated && (text->body != WriteJson(translated->body) ||
                       RequestSummaryJson(text->info) != RequestSummaryJson(translated->info))) {
      return tl::unexpected(std::string("AnthropicRequestText from ") + from + " wrote " +
                            text->body);
    }
  }
  return Payload(translated);
}

// agentgateway's golden driver enriches with these messages, in this order.
Result EnrichedMessagesPayload(const Fixture& fixture) {
  Json request = fixture.Parsed();
  EnrichMessagesPrompt(request, GoldenPromptEnrichment());
  return Payload(AnthropicMessagesRequest(request, ProviderOptions{}));
}

// The snapshot shows the forwarded body beside the count the gateway read from it.
Result CountTokensPayload(const Fixture& fixture) {
  auto counted = AnthropicCountTokensResponse(fixture.bytes);
  if (!counted) {
    return tl::unexpected(counted.error());
  }
  Json payload = counted->body;
  payload["token_count"] = counted->input_tokens;
  return payload.dump(2);
}

}  // namespace

void RegisterAnthropicVariants(Registry& registry) {
  registry.Add("requests", "anthropic", CompletionsToAnthropicPayload, "completions");
  registry.Add("requests", "anthropic", RequestRunner(AnthropicMessagesRequest), "messages");
  registry.Add("requests", "anthropic", RequestRunner(AnthropicCountTokensRequest), "count-tokens");
  registry.Add("requests", "anthropic", EnrichedMessagesPayload, "policies");
  registry.Add("requests", "completions", RequestRunner(CompletionsRequest), "messages");
  registry.Add("requests", "get-messages-completions", [](const Fixture& fixture) -> Result {
    return CompletionsPrompt(fixture.Parsed()).dump(2);
  });
  registry.Add("requests", "get-messages-messages", [](const Fixture& fixture) -> Result {
    return MessagesPrompt(fixture.Parsed()).dump(2);
  });

  registry.Add("response", "anthropic", CountTokensPayload, "anthropic");
  registry.Add("response", "messages-messages", ResponseRunner(AnthropicPassthroughResponse));
  registry.Add("response", "messages-completions", ResponseRunner(AnthropicResponseNow));
  registry.Add("response", "messages-detect", ResponseRunner(DetectResponse));
  registry.Add("response", "completions-completions",
               ResponseRunner(CompletionsPassthroughResponse));
  registry.Add("response", "completions-messages", ResponseRunner(CompletionsResponse));
  registry.Add("response", "completions-detect", ResponseRunner(DetectResponse));

  registry.Add("response", "messages-messages-streaming",
               StreamRunner(MakeAnthropicPassthroughStream));
  registry.Add("response", "messages-completions-streaming", StreamRunner(AnthropicStreamNow));
  registry.Add("response", "messages-detect-streaming", StreamRunner(MakeDetectStreamTranslator));
  registry.Add("response", "completions-completions-streaming",
               StreamRunner(MakeCompletionsPassthroughStream));
  registry.Add("response", "completions-messages-streaming",
               StreamRunner(MakeCompletionsStreamTranslator));
  registry.Add("response", "completions-detect-streaming",
               StreamRunner(MakeDetectStreamTranslator));
}

}  // namespace agw::emulator::llm::test
