// Buffered Bedrock responses: Converse -> chat clients, embeddings, rerank, detect.

#include <initializer_list>

#include "emulator/llm/bedrock.h"
#include "emulator/llm/bedrock_internal.h"
#include "emulator/llm/chat_json.h"
#include "emulator/llm/detect.h"
#include "emulator/llm/json_codec.h"

namespace agw::emulator::llm {

using bedrock_internal::CompletionsFinishReason;
using bedrock_internal::CompletionsUsage;
using bedrock_internal::Find;
using bedrock_internal::HexOf;
using bedrock_internal::MessagesStopReason;
using bedrock_internal::OutputMessages;
using bedrock_internal::ReadConverseUsage;
using bedrock_internal::ResponsesItemStatus;
using bedrock_internal::ResponsesStatus;
using bedrock_internal::ResponsesUsage;

namespace {

struct ConverseResult {
  Json content;  // the output message's content blocks
  std::string stop_reason;
  const Json* usage = nullptr;
};

// Parses the upstream body and runs `build` on it: bodies of an unexpected shape become
// translation errors, never exceptions.
template <typename Build>
Translated<ResponseTranslation> TranslateBody(std::string_view body, Build build) {
  Json parsed = ReadJson(body);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return tl::unexpected(std::string("failed to parse response: not a JSON object"));
  }
  try {
    return build(parsed);
  } catch (const nlohmann::json::exception& error) {
    return tl::unexpected(std::string("failed to parse response: ") + error.what());
  }
}

tl::expected<ConverseResult, std::string> ReadConverse(const Json& response) {
  const Json* output = Find(response, "output");
  const Json* message = output != nullptr ? Find(*output, "message") : nullptr;
  const Json* content = message != nullptr ? Find(*message, "content") : nullptr;
  if (content == nullptr || !content->is_array()) {
    return tl::unexpected(std::string("incomplete response: no output message"));
  }
  const Json* stop_reason = Find(response, "stopReason");
  if (stop_reason == nullptr || !stop_reason->is_string()) {
    return tl::unexpected(std::string("failed to parse response: missing stopReason"));
  }
  return ConverseResult{*content, stop_reason->get<std::string>(), Find(response, "usage")};
}

// Structured reasoning carries {reasoningText: {text, signature}}, the simple form {text}.
std::pair<std::string, std::string> ReasoningTextAndSignature(const Json& reasoning) {
  if (const Json* structured = Find(reasoning, "reasoningText")) {
    return {chat::StringValueOr(*structured, "text", ""),
            chat::StringValueOr(*structured, "signature", "")};
  }
  return {chat::StringValueOr(reasoning, "text", ""), ""};
}

Json ToolCallRecord(const Json& tool_use, const BedrockToolNames& names) {
  const Json* input = Find(tool_use, "input");
  return {{"id", chat::StringValueOr(tool_use, "toolUseId", "")},
          {"name", names.Restore(chat::StringValueOr(tool_use, "name", ""))},
          {"arguments", input != nullptr ? WriteJson(*input) : "{}"}};
}

Json CollectToolCalls(const Json& content, const BedrockToolNames& names) {
  Json calls = Json::array();
  for (const Json& block : content) {
    if (const Json* tool_use = Find(block, "toolUse")) {
      calls.push_back(ToolCallRecord(*tool_use, names));
    }
  }
  return calls;
}

template <typename Build>
Translated<ResponseTranslation> TranslateConverse(std::string_view body, Build build) {
  return TranslateBody(body, [&](const Json& parsed) -> Translated<ResponseTranslation> {
    auto converse = ReadConverse(parsed);
    if (!converse) {
      return tl::unexpected(converse.error());
    }
    return build(*converse);
  });
}

}  // namespace

Translated<ResponseTranslation> BedrockToCompletionsResponse(std::string_view upstream_body,
                                                             std::string_view model,
                                                             const Stamper& stamper,
                                                             const BedrockToolNames& tool_names) {
  return TranslateConverse(upstream_body, [&](const ConverseResult& converse) {
    Json message = {{"role", "assistant"}};
    std::optional<std::string> text;
    Json tool_calls = Json::array();
    for (const Json& block : converse.content) {
      if (const Json* piece = Find(block, "text"); piece != nullptr && piece->is_string()) {
        // Text split around citations arrives as several blocks; OpenAI has one content.
        text = text.value_or("") + piece->get<std::string>();
      } else if (const Json* reasoning = Find(block, "reasoningContent")) {
        auto [reasoning_text, signature] = ReasoningTextAndSignature(*reasoning);
        message["reasoning_content"] = reasoning_text;
        if (!signature.empty()) {
          message["reasoning_signature"] = signature;
        }
      } else if (const Json* tool_use = Find(block, "toolUse")) {
        Json record = ToolCallRecord(*tool_use, tool_names);
        tool_calls.push_back(
            {{"id", record["id"]},
             {"type", "function"},
             {"function", {{"name", record["name"]}, {"arguments", record["arguments"]}}}});
      }
    }
    if (text) {
      message["content"] = *text;
    }
    if (!tool_calls.empty()) {
      message["tool_calls"] = tool_calls;
    }

    std::string finish_reason = CompletionsFinishReason(converse.stop_reason);
    Json usage = CompletionsUsage(converse.usage != nullptr ? *converse.usage : Json::object());
    int64_t now_millis = stamper.UnixMillis();
    Json body = {
        {"id", "bedrock-" + std::to_string(now_millis)},
        {"object", "chat.completion"},
        {"created", now_millis / 1000},
        {"model", model},
        {"choices",
         Json::array(
             {{{"index", 0}, {"message", std::move(message)}, {"finish_reason", finish_reason}}})},
        {"usage", usage}};

    ResponseInfo info;
    ReadConverseUsage(converse.usage != nullptr ? *converse.usage : Json::object(), info);
    info.provider_model = std::string(model);
    Json calls = CollectToolCalls(converse.content, tool_names);
    if (!calls.empty()) {
      info.output_messages = OutputMessages(calls, finish_reason);
    }
    return ResponseTranslation{std::move(body), std::move(info)};
  });
}

Translated<ResponseTranslation> BedrockToMessagesResponse(std::string_view upstream_body,
                                                          std::string_view model,
                                                          const Stamper& stamper,
                                                          const BedrockToolNames& tool_names) {
  return TranslateConverse(upstream_body, [&](const ConverseResult& converse) {
    Json content = Json::array();
    for (const Json& block : converse.content) {
      if (const Json* text = Find(block, "text"); text != nullptr && text->is_string()) {
        content.push_back({{"type", "text"}, {"text", *text}});
      } else if (const Json* reasoning = Find(block, "reasoningContent")) {
        auto [thinking, signature] = ReasoningTextAndSignature(*reasoning);
        content.push_back({{"type", "thinking"}, {"thinking", thinking}, {"signature", signature}});
      } else if (const Json* tool_use = Find(block, "toolUse")) {
        const Json* input = Find(*tool_use, "input");
        content.push_back({{"type", "tool_use"},
                           {"id", chat::StringValueOr(*tool_use, "toolUseId", "")},
                           {"name", tool_names.Restore(chat::StringValueOr(*tool_use, "name", ""))},
                           {"input", input != nullptr ? *input : Json::object()}});
      } else if (const Json* image = Find(block, "image")) {
        const Json* source = Find(*image, "source");
        content.push_back(
            {{"type", "image"},
             {"source",
              {{"type", "base64"},
               {"media_type", "image/" + chat::StringValueOr(*image, "format", "")},
               {"data", source != nullptr ? chat::StringValueOr(*source, "bytes", "") : ""}}}});
      }
    }
    const Json usage_in = converse.usage != nullptr ? *converse.usage : Json::object();
    int64_t input_tokens = chat::CountAt(usage_in, "inputTokens").value_or(0);
    int64_t output_tokens = chat::CountAt(usage_in, "outputTokens").value_or(0);
    Json usage = {{"input_tokens", input_tokens}, {"output_tokens", output_tokens}};
    ResponseInfo info;
    info.input_tokens = input_tokens;
    info.output_tokens = output_tokens;
    info.total_tokens = input_tokens + output_tokens;
    if (std::optional<int64_t> write = chat::CountAt(usage_in, "cacheWriteInputTokens")) {
      usage["cache_creation_input_tokens"] = *write;
      info.cache_creation_input_tokens = write;
    }
    if (std::optional<int64_t> read = chat::CountAt(usage_in, "cacheReadInputTokens")) {
      usage["cache_read_input_tokens"] = *read;
      info.cached_input_tokens = read;
    }
    std::string stop_reason = MessagesStopReason(converse.stop_reason);
    Json body = {{"id", "msg_" + HexOf(stamper.UnixMillis()) + stamper.Hex(8)},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"content", std::move(content)},
                 {"model", model},
                 {"stop_reason", stop_reason},
                 {"stop_sequence", nullptr},
                 {"usage", std::move(usage)}};
    info.provider_model = std::string(model);
    Json calls = CollectToolCalls(converse.content, tool_names);
    if (!calls.empty()) {
      info.output_messages = OutputMessages(calls, stop_reason);
    }
    return ResponseTranslation{std::move(body), std::move(info)};
  });
}

Translated<ResponseTranslation> BedrockToResponsesResponse(std::string_view upstream_body,
                                                           std::string_view model,
                                                           const Stamper& stamper,
                                                           const BedrockToolNames& tool_names) {
  return TranslateConverse(upstream_body, [&](const ConverseResult& converse) {
    std::string status = ResponsesStatus(converse.stop_reason);
    std::string item_status = ResponsesItemStatus(converse.stop_reason);
    Json parts = Json::array();
    Json function_calls = Json::array();
    for (const Json& block : converse.content) {
      std::optional<std::string> text;
      if (const Json* piece = Find(block, "text"); piece != nullptr && piece->is_string()) {
        text = piece->get<std::string>();
      } else if (const Json* reasoning = Find(block, "reasoningContent")) {
        // Responses has no reasoning slot on this path; the text is shown as output.
        text = ReasoningTextAndSignature(*reasoning).first;
      } else if (const Json* tool_use = Find(block, "toolUse")) {
        Json record = ToolCallRecord(*tool_use, tool_names);
        function_calls.push_back({{"type", "function_call"},
                                  {"id", record["id"]},
                                  {"call_id", record["id"]},
                                  {"name", record["name"]},
                                  {"arguments", record["arguments"]},
                                  {"status", item_status}});
      }
      if (text) {
        parts.push_back({{"type", "output_text"},
                         {"annotations", Json::array()},
                         {"logprobs", nullptr},
                         {"text", *text}});
      }
    }
    Json output = Json::array();
    if (!parts.empty()) {
      output.push_back({{"type", "message"},
                        {"id", stamper.Id("msg_")},
                        {"role", "assistant"},
                        {"status", item_status},
                        {"content", std::move(parts)}});
    }
    for (Json& call : function_calls) {
      output.push_back(std::move(call));
    }

    Json body = {{"id", stamper.Id("resp_")},
                 {"object", "response"},
                 {"created_at", stamper.UnixSeconds()},
                 {"model", model},
                 {"status", status},
                 {"output", std::move(output)}};
    ResponseInfo info;
    if (converse.usage != nullptr) {
      body["usage"] = ResponsesUsage(*converse.usage, /*null_cache_write=*/false);
      info.input_tokens = chat::CountAt(*converse.usage, "inputTokens").value_or(0);
      info.output_tokens = chat::CountAt(*converse.usage, "outputTokens").value_or(0);
      info.total_tokens = chat::CountAt(*converse.usage, "totalTokens").value_or(0);
      info.reasoning_tokens = 0;
      info.cached_input_tokens = chat::CountAt(*converse.usage, "cacheReadInputTokens").value_or(0);
      info.cache_creation_input_tokens = chat::CountAt(*converse.usage, "cacheWriteInputTokens");
    }
    if (status == "incomplete") {
      body["incomplete_details"] = {{"reason", "max_tokens"}};
    }
    if (status == "failed") {
      body["error"] = {{"code", "content_filter"}, {"message", "Content filtered by guardrails"}};
    }
    info.provider_model = std::string(model);
    Json calls = CollectToolCalls(converse.content, tool_names);
    if (!calls.empty()) {
      info.output_messages = OutputMessages(calls, status);
    }
    return ResponseTranslation{std::move(body), std::move(info)};
  });
}

namespace {

// Embedding values travel as f32 through agentgateway.
Json F32Vector(const Json& values) {
  Json out = Json::array();
  if (!values.is_array()) {
    return out;
  }
  for (const Json& value : values) {
    out.push_back(value.is_number() ? chat::AsFloat32(value.get<double>()) : 0.0);
  }
  return out;
}

tl::expected<std::vector<Json>, std::string> EmbeddingVectors(const Json& response,
                                                              const std::string& model) {
  std::vector<Json> vectors;
  if (model.find("nova") != std::string::npos) {
    const Json* embeddings = Find(response, "embeddings");
    if (embeddings == nullptr || !embeddings->is_array()) {
      return tl::unexpected(std::string("failed to parse response: missing embeddings"));
    }
    for (const Json& entry : *embeddings) {
      vectors.push_back(F32Vector(entry.value("embedding", Json())));
    }
    return vectors;
  }
  if (model.find("cohere") != std::string::npos) {
    const Json* embeddings = Find(response, "embeddings");
    if (embeddings != nullptr && embeddings->is_object()) {
      // embedding_types was set: vectors come grouped by type, and only floats map to OpenAI.
      const Json* floats = Find(*embeddings, "float");
      if (floats == nullptr) {
        std::string types;
        for (const auto& [type, unused] : embeddings->items()) {
          types += (types.empty() ? "" : ", ") + type;
        }
        return tl::unexpected(
            "failed to parse response: Cohere response did not include float "
            "embeddings; received types: " +
            (types.empty() ? "none" : types));
      }
      embeddings = floats;
    }
    if (embeddings == nullptr || !embeddings->is_array()) {
      return tl::unexpected(std::string("failed to parse response: missing embeddings"));
    }
    for (const Json& entry : *embeddings) {
      vectors.push_back(F32Vector(entry));
    }
    return vectors;
  }
  const Json* embedding = Find(response, "embedding");
  if (embedding == nullptr || embedding->empty()) {
    // With embeddingTypes set, Titan answers in embeddingsByType instead.
    const Json* by_type = Find(response, "embeddingsByType");
    embedding = by_type != nullptr ? Find(*by_type, "float") : nullptr;
  }
  vectors.push_back(F32Vector(embedding != nullptr ? *embedding : chat::EmptyArray()));
  return vectors;
}

}  // namespace

Translated<ResponseTranslation> BedrockEmbeddingsResponse(
    std::string_view upstream_body, std::string_view model,
    std::optional<int64_t> input_token_count_header) {
  return TranslateBody(upstream_body, [&](const Json& parsed) -> Translated<ResponseTranslation> {
    std::string model_name(model);
    auto vectors = EmbeddingVectors(parsed, model_name);
    if (!vectors) {
      return tl::unexpected(vectors.error());
    }
    bool titan = model_name.find("nova") == std::string::npos &&
                 model_name.find("cohere") == std::string::npos;
    int64_t tokens = titan ? chat::CountAt(parsed, "inputTextTokenCount").value_or(0)
                           : input_token_count_header.value_or(0);
    Json data = Json::array();
    for (size_t i = 0; i < vectors->size(); ++i) {
      data.push_back(
          {{"object", "embedding"}, {"embedding", std::move((*vectors)[i])}, {"index", i}});
    }
    Json body = {{"object", "list"},
                 {"data", std::move(data)},
                 {"model", model},
                 {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
    ResponseInfo info;
    info.input_tokens = tokens;
    info.total_tokens = tokens;
    info.provider_model = model_name;
    return ResponseTranslation{std::move(body), std::move(info)};
  });
}

Translated<ResponseTranslation> BedrockRerankResponse(std::string_view upstream_body) {
  return TranslateBody(upstream_body, [&](const Json& parsed) -> Translated<ResponseTranslation> {
    const Json* results = Find(parsed, "results");
    if (results == nullptr || !results->is_array()) {
      return tl::unexpected(std::string("failed to parse response: missing results"));
    }
    // Bedrock returns only positions and scores; it never echoes the documents.
    Json out = Json::array();
    for (const Json& result : *results) {
      out.push_back({{"index", chat::CountAt(result, "index").value_or(0)},
                     {"relevance_score", result.value("relevanceScore", 0.0)}});
    }
    return ResponseTranslation{{{"results", std::move(out)}}, ResponseInfo{}};
  });
}

Translated<ResponseTranslation> CohereRerankResponse(std::string_view upstream_body) {
  return TranslateBody(upstream_body, [&](const Json& parsed) -> Translated<ResponseTranslation> {
    Json body = parsed;
    // Voyage answers with `data` where Cohere says `results`.
    if (!body.contains("results") && body.contains("data")) {
      body["results"] = body["data"];
      body.erase("data");
    }
    if (!body.contains("results") || !body["results"].is_array()) {
      return tl::unexpected(std::string("failed to parse response: missing results"));
    }
    ResponseInfo info;
    if (const Json* meta = Find(body, "meta")) {
      const Json* tokens = Find(*meta, "tokens");
      const Json* billed = Find(*meta, "billed_units");
      const Json* input = tokens != nullptr ? Find(*tokens, "input_tokens") : nullptr;
      if (input == nullptr && billed != nullptr) {
        input = Find(*billed, "total_tokens");
      }
      if (std::optional<int64_t> count = input != nullptr ? chat::AsCount(*input) : std::nullopt) {
        // Cohere counts in floats; usage is whole tokens.
        info.input_tokens = count;
        info.total_tokens = count;
      }
    }
    return ResponseTranslation{std::move(body), std::move(info)};
  });
}

ResponseInfo BedrockDetectResponseInfo(std::string_view upstream_body) {
  ResponseInfo info;
  Json parsed = ReadJson(upstream_body);
  if (parsed.is_discarded()) {
    return info;  // an event stream or other bytes: nothing to read
  }
  ReadDetectedUsage(parsed, info);
  return info;
}

}  // namespace agw::emulator::llm
