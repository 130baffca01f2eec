// Runners for agentgateway's Bedrock goldens (Converse requests and responses, ConverseStream,
// count-tokens, embeddings, rerank, detect) and the Cohere rerank passthrough.

#include "emulator/llm/bedrock.h"
#include "tests/llm/fixtures.h"

namespace agw::emulator::llm::test {
namespace {

using Result = tl::expected<std::string, std::string>;

// The provider golden_tests.rs configures for the `bedrock` request variants.
ProviderOptions ClaudeProvider() {
  return {"anthropic.claude-3-5-sonnet-20241022-v2:0", "us-west-2", ""};
}

// Response goldens translate for a request whose model was "input-model".
constexpr std::string_view kRequestModel = "input-model";

Result Request(const Translated<RequestTranslation>& translated) {
  if (!translated) {
    return tl::unexpected(translated.error());
  }
  return RequestPayload(translated->body, RequestSummaryJson(translated->info));
}

Result Response(const Translated<ResponseTranslation>& translated) {
  if (!translated) {
    return tl::unexpected(translated.error());
  }
  return ResponsePayload(translated->body, ResponseInfoJson(translated->info));
}

Result Stream(std::unique_ptr<StreamTranslator> translator, const Fixture& fixture) {
  std::string sse = BlankGeneratedIds(FeedInSlices(*translator, fixture.bytes));
  return StreamPayload(sse, ResponseInfoJson(translator->info()));
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) {
      n |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    }
    if (i + 2 < bytes.size()) {
      n |= uint32_t{static_cast<uint8_t>(bytes[i + 2])};
    }
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

// The golden harness shows a non-JSON body as a string, invalid UTF-8 replaced the way Rust's
// String::from_utf8_lossy does: each maximal invalid prefix becomes one U+FFFD.
std::string LossyUtf8(std::string_view bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  size_t i = 0;
  while (i < bytes.size()) {
    auto byte = [&](size_t at) { return static_cast<uint8_t>(bytes[at]); };
    uint8_t lead = byte(i);
    if (lead < 0x80) {
      out.push_back(static_cast<char>(lead));
      ++i;
      continue;
    }
    size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                    : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                   : 0;
    size_t valid = 1;  // bytes of the sequence checked so far
    while (length != 0 && valid < length && i + valid < bytes.size()) {
      uint8_t next = byte(i + valid);
      uint8_t low = 0x80;
      uint8_t high = 0xBF;
      if (valid == 1 && lead == 0xE0) {
        low = 0xA0;
      }
      if (valid == 1 && lead == 0xED) {
        high = 0x9F;
      }
      if (valid == 1 && lead == 0xF0) {
        low = 0x90;
      }
      if (valid == 1 && lead == 0xF4) {
        high = 0x8F;
      }
      if (next < low || next > high) {
        break;
      }
      ++valid;
    }
    if (length != 0 && valid == length) {
      out.append(bytes.substr(i, length));
    } else {
      out.append(kReplacement);
    }
    i += valid;
  }
  return out;
}

void RegisterRequests(Registry& registry) {
  registry.Add(
      "requests", "bedrock",
      [](const Fixture& f) {
        return Request(CompletionsToBedrockRequest(f.Parsed(), ClaudeProvider()));
      },
      "completions");
  registry.Add(
      "requests", "bedrock",
      [](const Fixture& f) {
        return Request(MessagesToBedrockRequest(f.Parsed(), ClaudeProvider()));
      },
      "messages");
  registry.Add(
      "requests", "bedrock",
      [](const Fixture& f) {
        return Request(ResponsesToBedrockRequest(f.Parsed(), ClaudeProvider()));
      },
      "responses");
  registry.Add(
      "requests", "bedrock",
      [](const Fixture& f) {
        return Request(CountTokensToBedrockRequest(f.Parsed(), ClaudeProvider(), "2023-06-01"));
      },
      "count-tokens");
  registry.Add(
      "requests", "bedrock",
      [](const Fixture& f) {
        return Request(
            RerankToBedrockRequest(f.Parsed(), {"cohere.rerank-v3-5:0", "us-west-2", ""}));
      },
      "rerank");
  registry.Add("requests", "cohere",
               [](const Fixture& f) { return Request(RerankToCohereRequest(f.Parsed(), {})); });
  registry.Add("requests", "bedrock-titan", [](const Fixture& f) {
    return Request(
        EmbeddingsToBedrockRequest(f.Parsed(), {"amazon.titan-embed-text-v2:0", "us-west-2", ""}));
  });
  registry.Add("requests", "bedrock-cohere", [](const Fixture& f) {
    // cohere-v4 is recorded against the Embed v4 model it names, the others against v3.
    std::string model = f.stem == "cohere-v4" ? "" : "cohere.embed-english-v3";
    return Request(EmbeddingsToBedrockRequest(f.Parsed(), {model, "us-west-2", ""}));
  });
  registry.Add("requests", "bedrock-nova", [](const Fixture& f) {
    return Request(EmbeddingsToBedrockRequest(
        f.Parsed(), {"amazon.nova-2-multimodal-embeddings-v1:0", "us-west-2", ""}));
  });
}

void RegisterResponses(Registry& registry) {
  registry.Add("response", "bedrock-completions", [](const Fixture& f) {
    return Response(BedrockToCompletionsResponse(f.bytes, kRequestModel, SystemStamper()));
  });
  registry.Add("response", "bedrock-messages", [](const Fixture& f) {
    return Response(BedrockToMessagesResponse(f.bytes, kRequestModel, SystemStamper()));
  });
  registry.Add("response", "bedrock-responses", [](const Fixture& f) {
    return Response(BedrockToResponsesResponse(f.bytes, kRequestModel, SystemStamper()));
  });
  registry.Add("response", "bedrock-completions-streaming", [](const Fixture& f) {
    // The golden's upstream x-amzn-requestid.
    return Stream(MakeBedrockToCompletionsStreamTranslator(std::string(kRequestModel), "request_id",
                                                           SystemStamper()),
                  f);
  });
  registry.Add("response", "bedrock-messages-streaming", [](const Fixture& f) {
    return Stream(
        MakeBedrockToMessagesStreamTranslator(std::string(kRequestModel), SystemStamper()), f);
  });
  registry.Add("response", "bedrock-responses-streaming", [](const Fixture& f) {
    return Stream(
        MakeBedrockToResponsesStreamTranslator(std::string(kRequestModel), SystemStamper()), f);
  });
  registry.Add(
      "response", "bedrock",
      [](const Fixture& f) { return Response(BedrockRerankResponse(f.bytes)); }, "bedrock");
  registry.Add("response", "cohere",
               [](const Fixture& f) { return Response(CohereRerankResponse(f.bytes)); });
  registry.Add("response", "bedrock-titan", [](const Fixture& f) {
    return Response(BedrockEmbeddingsResponse(f.bytes, "amazon.titan-embed-text-v2:0"));
  });
  registry.Add("response", "bedrock-cohere", [](const Fixture& f) {
    return Response(BedrockEmbeddingsResponse(f.bytes, "cohere.embed-english-v3"));
  });
  registry.Add("response", "bedrock-nova", [](const Fixture& f) {
    return Response(BedrockEmbeddingsResponse(f.bytes, "amazon.nova-2-multimodal-embeddings-v1:0"));
  });
  registry.Add("response", "bedrock-detect", [](const Fixture& f) -> Result {
    // Detect forwards the body untouched; the golden shows non-JSON bodies as text.
    Json body = Json::parse(f.bytes, nullptr, false);
    if (body.is_discarded()) {
      body = LossyUtf8(f.bytes);
    }
    return ResponsePayload(body, ResponseInfoJson(BedrockDetectResponseInfo(f.bytes)));
  });
  registry.Add("response", "bedrock-detect-streaming", [](const Fixture& f) -> Result {
    std::unique_ptr<StreamTranslator> observer = MakeBedrockDetectStreamObserver();
    std::string forwarded = FeedInSlices(*observer, f.bytes);
    if (forwarded != f.bytes) {
      return tl::unexpected(std::string("detect changed the bytes"));
    }
    // Binary streams are recorded as base64.
    return StreamPayload("base64: " + Base64(forwarded), ResponseInfoJson(observer->info()));
  });
}

}  // namespace

void RegisterBedrockVariants(Registry& registry) {
  RegisterRequests(registry);
  RegisterResponses(registry);
}

}  // namespace agw::emulator::llm::test
