#include "emulator/llm/translate.h"

#include <cstdio>
#include <cstdlib>

#include "emulator/llm/anthropic.h"
#include "emulator/llm/bedrock.h"
#include "emulator/llm/boundary.h"
#include "emulator/llm/completions.h"
#include "emulator/llm/detect.h"
#include "emulator/llm/gemini.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/openai.h"
#include "emulator/llm/responses.h"
#include "emulator/llm/sse.h"
#include "emulator/llm/vertex.h"

namespace agw::emulator::llm {
namespace {

// Bytes through untouched: formats whose usage the gateway does not read.
class RawStream : public StreamTranslator {
 public:
  void Feed(std::string_view bytes, std::string& out) override { out.append(bytes); }
  void Finish(std::string& out) override {}
  const ResponseInfo& info() const override { return info_; }

 private:
  ResponseInfo info_;
};

bool OnVertex(const ProviderOptions& options) { return options.provider == "vertexai"; }

std::string Unsupported(InputFormat input, WireFormat wire) {
  return "unsupported conversion: from " + std::string(InputFormatName(input)) + " to " +
         std::string(WireFormatName(wire));
}

Translated<ResponseTranslation> Unchanged(std::string_view body) {
  ResponseTranslation translation;
  translation.body = ReadJson(body);
  if (translation.body.is_discarded()) {
    translation.body = Json(std::string(body));
  }
  return translation;
}

}  // namespace

std::string_view WireFormatName(WireFormat format) {
  switch (format) {
    case WireFormat::kOpenAICompletions:
      return "OpenAICompletions";
    case WireFormat::kOpenAIResponses:
      return "OpenAIResponses";
    case WireFormat::kAnthropicMessages:
      return "AnthropicMessages";
    case WireFormat::kBedrockConverse:
      return "BedrockConverse";
    case WireFormat::kGeminiNative:
      return "VertexGemini";
    case WireFormat::kOpenAIEmbeddings:
      return "Embeddings";
    case WireFormat::kVertexEmbeddings:
      return "VertexEmbeddings";
    case WireFormat::kBedrockEmbeddings:
      return "BedrockEmbeddings";
    case WireFormat::kCohereRerank:
      return "Rerank";
    case WireFormat::kVertexRerank:
      return "VertexRerank";
    case WireFormat::kBedrockRerank:
      return "BedrockRerank";
    case WireFormat::kAnthropicCountTokens:
      return "AnthropicTokenCount";
    case WireFormat::kVertexCountTokens:
      return "VertexTokenCount";
    case WireFormat::kBedrockCountTokens:
      return "BedrockTokenCount";
    case WireFormat::kGeminiCountTokens:
      return "GeminiCountTokens";
    case WireFormat::kRaw:
      return "Passthrough";
  }
  return "Passthrough";
}

bool IsPassthrough(InputFormat input, WireFormat wire) {
  // Passthrough and Realtime routes send the client's bytes unparsed and hand the answer back
  // the same way, whatever the client's format was taken to be.
  if (wire == WireFormat::kRaw) {
    return true;
  }
  switch (input) {
    case InputFormat::kRerank:
      return wire == WireFormat::kCohereRerank;
    case InputFormat::kCountTokens:
      return wire == WireFormat::kAnthropicCountTokens || wire == WireFormat::kVertexCountTokens ||
             wire == WireFormat::kBedrockCountTokens;
    // Neither translates: TranslateResponse hands the body back unchanged whatever the wire.
    case InputFormat::kGeminiCountTokens:
    case InputFormat::kDetect:
      return true;
    default:
      return false;
  }
}

namespace {

Translated<RequestTranslation> RequestFor(InputFormat input, WireFormat wire, const Json& body,
                                          const ProviderOptions& options) {
  using W = WireFormat;
  if (wire == W::kBedrockConverse) {
    if (input == InputFormat::kCompletions) {
      return CompletionsToBedrockRequest(body, options);
    }
    if (input == InputFormat::kMessages) {
      return MessagesToBedrockRequest(body, options);
    }
    if (input == InputFormat::kResponses) {
      return ResponsesToBedrockRequest(body, options);
    }
  }
  if (wire == W::kBedrockCountTokens) {
    return CountTokensToBedrockRequest(body, options);
  }
  if (wire == W::kBedrockEmbeddings) {
    return EmbeddingsToBedrockRequest(body, options);
  }
  if (wire == W::kBedrockRerank) {
    return RerankToBedrockRequest(body, options);
  }
  switch (input) {
    case InputFormat::kCompletions:
      if (wire == W::kOpenAICompletions) {
        return CompletionsPassthroughRequest(body, options);
      }
      if (wire == W::kGeminiNative) {
        return GeminiRequest(body, options);
      }
      if (wire == W::kAnthropicMessages) {
        Translated<RequestTranslation> anthropic = AnthropicRequest(body, options);
        if (!anthropic || !OnVertex(options)) {
          return anthropic;
        }
        Translated<RequestTranslation> vertex = VertexMessagesRequest(anthropic->body, options);
        if (vertex) {
          vertex->info = std::move(anthropic->info);
        }
        return vertex;
      }
      break;
    case InputFormat::kMessages:
      if (wire == W::kAnthropicMessages) {
        return OnVertex(options) ? VertexMessagesRequest(body, options)
                                 : AnthropicMessagesRequest(body, options);
      }
      if (wire == W::kOpenAICompletions) {
        return CompletionsRequest(body, options);
      }
      if (wire == W::kOpenAIResponses) {
        return MessagesToResponsesRequest(body, options);
      }
      break;
    case InputFormat::kResponses:
      if (wire == W::kOpenAIResponses) {
        return ResponsesPassthroughRequest(body, options);
      }
      if (wire == W::kOpenAICompletions) {
        return ResponsesToCompletionsRequest(body, options);
      }
      break;
    case InputFormat::kGemini:
      if (wire == W::kGeminiNative) {
        return GeminiNativeRequest(body, options);
      }
      break;
    case InputFormat::kEmbeddings:
      if (wire == W::kOpenAIEmbeddings) {
        return EmbeddingsRequest(body, options);
      }
      if (wire == W::kVertexEmbeddings) {
        return VertexEmbeddingsRequest(body, options);
      }
      break;
    case InputFormat::kCountTokens:
      if (wire == W::kAnthropicCountTokens) {
        return AnthropicCountTokensRequest(body, options);
      }
      if (wire == W::kVertexCountTokens) {
        return VertexCountTokensRequest(body, options);
      }
      break;
    case InputFormat::kRerank:
      if (wire == W::kVertexRerank) {
        return VertexRerankRequest(body, options);
      }
      if (wire == W::kCohereRerank) {
        return RerankToCohereRequest(body, options);
      }
      break;
    case InputFormat::kGeminiCountTokens:
      if (wire == W::kGeminiCountTokens) {
        RequestTranslation same{body, {}};
        same.info.input_format = input;
        same.info.prompt = nullptr;
        return same;
      }
      break;
    case InputFormat::kDetect:
      break;
  }
  return tl::unexpected(Unsupported(input, wire));
}

Translated<ResponseTranslation> ResponseFor(InputFormat input, WireFormat wire,
                                            std::string_view upstream_body,
                                            const ProviderOptions& options,
                                            const Json& client_body) {
  using W = WireFormat;
  if (wire == W::kBedrockConverse) {
    BedrockToolNames names = BedrockToolNamesFor(client_body, input);
    if (input == InputFormat::kCompletions) {
      return BedrockToCompletionsResponse(upstream_body, options.model, options.stamper, names);
    }
    if (input == InputFormat::kMessages) {
      return BedrockToMessagesResponse(upstream_body, options.model, options.stamper, names);
    }
    if (input == InputFormat::kResponses) {
      return BedrockToResponsesResponse(upstream_body, options.model, options.stamper, names);
    }
  }
  if (wire == W::kBedrockEmbeddings) {
    return BedrockEmbeddingsResponse(upstream_body, options.model);
  }
  if (wire == W::kBedrockRerank) {
    return BedrockRerankResponse(upstream_body);
  }
  if (input == InputFormat::kDetect && options.provider == "bedrock") {
    ResponseTranslation observed;
    observed.info = BedrockDetectResponseInfo(upstream_body);
    return observed;
  }
  switch (input) {
    case InputFormat::kCompletions:
      if (wire == W::kOpenAICompletions) {
        return CompletionsPassthroughResponse(upstream_body);
      }
      if (wire == W::kAnthropicMessages) {
        return AnthropicResponse(upstream_body, options.stamper);
      }
      if (wire == W::kGeminiNative) {
        return GeminiResponse(upstream_body, options.stamper);
      }
      break;
    case InputFormat::kMessages:
      if (wire == W::kAnthropicMessages) {
        return AnthropicPassthroughResponse(upstream_body);
      }
      if (wire == W::kOpenAICompletions) {
        return CompletionsResponse(upstream_body);
      }
      if (wire == W::kOpenAIResponses) {
        return ResponsesToMessagesResponse(upstream_body);
      }
      break;
    case InputFormat::kResponses:
      if (wire == W::kOpenAIResponses) {
        return ResponsesPassthroughResponse(upstream_body);
      }
      if (wire == W::kOpenAICompletions) {
        return CompletionsToResponsesResponse(upstream_body, options.model, options.stamper);
      }
      break;
    case InputFormat::kGemini:
      if (wire == W::kGeminiNative) {
        return GeminiNativeResponse(upstream_body);
      }
      break;
    case InputFormat::kEmbeddings:
      if (wire == W::kOpenAIEmbeddings) {
        return EmbeddingsResponse(upstream_body);
      }
      if (wire == W::kVertexEmbeddings) {
        return VertexEmbeddingsResponse(upstream_body, options.model);
      }
      break;
    case InputFormat::kRerank:
      if (wire == W::kVertexRerank) {
        return VertexRerankResponse(upstream_body);
      }
      if (wire == W::kCohereRerank) {
        return CohereRerankResponse(upstream_body);
      }
      break;
    case InputFormat::kCountTokens: {
      Translated<CountTokensResult> counted = AnthropicCountTokensResponse(upstream_body);
      if (!counted) {
        return tl::unexpected(counted.error());
      }
      ResponseTranslation translation;
      translation.body = std::move(counted->body);
      return translation;
    }
    case InputFormat::kGeminiCountTokens:
      return Unchanged(upstream_body);
    case InputFormat::kDetect:
      return DetectResponse(upstream_body);
  }
  return tl::unexpected(Unsupported(input, wire));
}

std::unique_ptr<StreamTranslator> StreamFor(InputFormat input, WireFormat wire,
                                            const ProviderOptions& options,
                                            const Json& client_body) {
  using W = WireFormat;
  if (wire == W::kBedrockConverse) {
    BedrockToolNames names = BedrockToolNamesFor(client_body, input);
    if (input == InputFormat::kCompletions) {
      return MakeBedrockToCompletionsStreamTranslator(options.model, options.request_id,
                                                      options.stamper, std::move(names));
    }
    if (input == InputFormat::kMessages) {
      return MakeBedrockToMessagesStreamTranslator(options.model, options.stamper,
                                                   std::move(names));
    }
    if (input == InputFormat::kResponses) {
      return MakeBedrockToResponsesStreamTranslator(options.model, options.stamper,
                                                    std::move(names));
    }
  }
  if (input == InputFormat::kDetect && options.provider == "bedrock") {
    return MakeBedrockDetectStreamObserver();
  }
  switch (input) {
    case InputFormat::kCompletions:
      if (wire == W::kOpenAICompletions) {
        return MakeCompletionsPassthroughStream();
      }
      if (wire == W::kAnthropicMessages) {
        return MakeAnthropicStreamTranslator(options.stamper);
      }
      if (wire == W::kGeminiNative) {
        return MakeGeminiStreamTranslator(options.model, options.stamper);
      }
      break;
    case InputFormat::kMessages:
      if (wire == W::kAnthropicMessages) {
        return MakeAnthropicPassthroughStream();
      }
      if (wire == W::kOpenAICompletions) {
        return MakeCompletionsStreamTranslator();
      }
      if (wire == W::kOpenAIResponses) {
        return MakeResponsesToMessagesStreamTranslator(options.stamper);
      }
      break;
    case InputFormat::kResponses:
      if (wire == W::kOpenAIResponses) {
        return MakeResponsesPassthroughStreamTranslator();
      }
      if (wire == W::kOpenAICompletions) {
        return MakeCompletionsToResponsesStreamTranslator(options.stamper);
      }
      break;
    case InputFormat::kGemini:
      if (wire == W::kGeminiNative) {
        return MakeGeminiNativeStreamTranslator();
      }
      break;
    case InputFormat::kDetect:
      return MakeDetectStreamTranslator();
    default:
      return std::make_unique<RawStream>();
  }
  return nullptr;
}

std::optional<std::string> ErrorFor(InputFormat input, WireFormat wire, int status,
                                    std::string_view upstream_body) {
  using W = WireFormat;
  if (wire == W::kBedrockConverse || wire == W::kBedrockEmbeddings || wire == W::kBedrockRerank) {
    return BedrockError(input, status, upstream_body);
  }
  switch (input) {
    case InputFormat::kCompletions:
      if (wire == W::kAnthropicMessages) {
        return AnthropicError(status, upstream_body);
      }
      if (wire == W::kGeminiNative) {
        return GeminiError(status, upstream_body);
      }
      break;
    case InputFormat::kMessages:
      if (wire == W::kAnthropicMessages) {
        return AnthropicPassthroughError(status, upstream_body);
      }
      if (wire == W::kOpenAICompletions) {
        return CompletionsError(status, upstream_body);
      }
      if (wire == W::kOpenAIResponses) {
        return ResponsesToMessagesError(status, upstream_body);
      }
      break;
    case InputFormat::kResponses:
      if (wire == W::kOpenAICompletions) {
        return CompletionsToResponsesError(status, upstream_body);
      }
      break;
    case InputFormat::kEmbeddings:
      return EmbeddingsError(status, upstream_body);
    case InputFormat::kRerank:
      if (wire == W::kVertexRerank) {
        return VertexRerankError(status, upstream_body);
      }
      break;
    default:
      break;
  }
  return std::string(upstream_body);  // same family on both sides: the body passes unchanged
}

// A stream translator that keeps a translator's exceptions in: one that threw has lost its
// state midway, so the client keeps what was sent before the throw and gets nothing more (no
// closing events: the stream reads as cut, not as complete).
class GuardedStream : public StreamTranslator {
 public:
  explicit GuardedStream(std::unique_ptr<StreamTranslator> inner) : inner_(std::move(inner)) {}

  void Feed(std::string_view upstream_bytes, std::string& out) override {
    Guard(out, [&] { inner_->Feed(upstream_bytes, out); });
  }
  void Finish(std::string& out) override {
    Guard(out, [&] { inner_->Finish(out); });
  }
  const ResponseInfo& info() const override { return inner_->info(); }

 private:
  template <typename Step>
  void Guard(std::string& out, const Step& step) {
    if (failed_) {
      return;
    }
    size_t sent = out.size();
    try {
      step();
    } catch (const std::exception& error) {
      NoteCaughtException(error);
      out.resize(sent);  // a half-written event is not sent
      failed_ = true;
    }
  }

  std::unique_ptr<StreamTranslator> inner_;
  bool failed_ = false;
};

}  // namespace

Translated<RequestText> RequestTextOf(Translated<RequestTranslation> translated) {
  if (!translated) {
    return tl::unexpected(std::move(translated.error()));
  }
  return RequestText{WriteJson(translated->body), std::move(translated->info)};
}

void NoteCaughtException(const std::exception& error) {
#ifdef AGW_FUZZ_ABORT_ON_CAUGHT
  std::fprintf(stderr, "exception caught at the agw_llm boundary: %s\n", error.what());
  std::abort();
#endif
}

// Each entry point below is the boundary STYLE.md 3.3 asks for: the translators read untrusted
// bodies with nlohmann, and an exception from a shape no check foresaw becomes this request's
// failure (400 request side, 502 response side) instead of crossing into emulator/io.

Translated<RequestTranslation> TranslateRequest(InputFormat input, WireFormat wire,
                                                const Json& body, const ProviderOptions& options) {
  try {
    return RequestFor(input, wire, body, options);
  } catch (const std::exception& error) {
    NoteCaughtException(error);
    return tl::unexpected(std::string("failed to parse request: ") + error.what());
  }
}

Translated<RequestText> TranslateRequestText(InputFormat input, WireFormat wire, Json& body,
                                             std::optional<std::string_view> messages_text,
                                             const ProviderOptions& options) {
  try {
    if (input == InputFormat::kCompletions && wire == WireFormat::kAnthropicMessages &&
        !OnVertex(options)) {
      return AnthropicRequestText(body, messages_text, options);
    }
    if (messages_text) {
      // The passthroughs write the messages one by one; a summary with the prompt, and every
      // other translation, reads them back into the document first.
      if (input == InputFormat::kCompletions && wire == WireFormat::kOpenAICompletions &&
          !options.record_prompt) {
        return CompletionsPassthroughRequestText(body, *messages_text, options);
      }
      if (input == InputFormat::kMessages && wire == WireFormat::kAnthropicMessages &&
          !OnVertex(options) && !options.record_prompt) {
        return AnthropicMessagesRequestText(body, *messages_text, options);
      }
      body["messages"] = ReadJsonArray(*messages_text);
    }
    return RequestTextOf(RequestFor(input, wire, body, options));
  } catch (const std::exception& error) {
    NoteCaughtException(error);
    return tl::unexpected(std::string("failed to parse request: ") + error.what());
  }
}

Translated<ResponseTranslation> TranslateResponse(InputFormat input, WireFormat wire,
                                                  std::string_view upstream_body,
                                                  const ProviderOptions& options,
                                                  const Json& client_body) {
  try {
    return ResponseFor(input, wire, upstream_body, options, client_body);
  } catch (const std::exception& error) {
    NoteCaughtException(error);
    return tl::unexpected(std::string("failed to parse response: ") + error.what());
  }
}

std::unique_ptr<StreamTranslator> MakeStreamTranslator(InputFormat input, WireFormat wire,
                                                       const ProviderOptions& options,
                                                       const Json& client_body) {
  try {
    std::unique_ptr<StreamTranslator> translator = StreamFor(input, wire, options, client_body);
    if (translator == nullptr) {
      return nullptr;
    }
    return std::make_unique<GuardedStream>(std::move(translator));
  } catch (const std::exception& error) {
    NoteCaughtException(error);
    return nullptr;  // answered as buffered, where the same problem becomes a 502
  }
}

std::optional<std::string> TranslateError(InputFormat input, WireFormat wire, int status,
                                          std::string_view upstream_body) {
  try {
    return ErrorFor(input, wire, status, upstream_body);
  } catch (const std::exception& error) {
    NoteCaughtException(error);
    return std::nullopt;  // the gateway answers 502
  }
}

}  // namespace agw::emulator::llm
