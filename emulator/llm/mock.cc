#include "emulator/llm/mock.h"

#include "emulator/llm/eventstream.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/prompt.h"
#include "emulator/llm/sse.h"

namespace agw::emulator::llm {
namespace {

struct Prompt {
  std::string all_text;
  std::string last_user;
};

void Take(Prompt& prompt, const std::string& text, bool user) {
  prompt.all_text += text;
  if (user) {
    prompt.last_user = text;
  }
}

// Takes the entries of a prompt (prompt.h: {role, content} objects), in order.
void TakeEntries(Prompt& prompt, const Json& entries) {
  for (const Json& entry : entries) {
    Take(prompt, entry.value("content", ""), entry.value("role", "") == "user");
  }
}

// Reads the prompt from an upstream body in any of the chat wire formats: through the shared
// prompt extraction (prompt.h) where one exists, by hand for Converse and embeddings bodies.
Prompt ReadPrompt(const Json& body, WireFormat wire) {
  Prompt prompt;
  if (!body.is_object()) {
    return prompt;
  }
  Json messages;
  switch (wire) {
    case WireFormat::kOpenAICompletions:
      messages = CompletionsPrompt(body);
      break;
    case WireFormat::kAnthropicMessages:
    case WireFormat::kAnthropicCountTokens:
    case WireFormat::kVertexCountTokens:
      messages = MessagesPrompt(body);
      break;
    case WireFormat::kOpenAIResponses:
      messages = ResponsesPrompt(body);
      break;
    case WireFormat::kGeminiNative:
    case WireFormat::kGeminiCountTokens:
      messages = GeminiPrompt(body);
      break;
    default:
      break;
  }
  if (messages.is_array()) {
    TakeEntries(prompt, messages);
    return prompt;
  }
  if (wire == WireFormat::kOpenAIEmbeddings) {
    const Json& input = body.contains("input") ? body["input"] : Json();
    if (input.is_string()) {
      Take(prompt, input.get<std::string>(), true);
    }
    if (input.is_array()) {
      for (const Json& item : input) {
        if (item.is_string()) {
          Take(prompt, item.get<std::string>(), true);
        }
      }
    }
    return prompt;
  }
  // Bedrock Converse: system blocks and messages of {text} blocks.
  for (const Json& block : body.value("system", Json::array())) {
    if (block.is_object() && block.contains("text") && block["text"].is_string()) {
      Take(prompt, block["text"].get<std::string>(), false);
    }
  }
  for (const Json& message : body.value("messages", Json::array())) {
    if (!message.is_object()) {
      continue;
    }
    std::string text;
    for (const Json& block : message.value("content", Json::array())) {
      if (block.is_object() && block.contains("text") && block["text"].is_string()) {
        text += block["text"].get<std::string>();
      }
    }
    Take(prompt, text, message.value("role", "") == "user");
  }
  return prompt;
}

// The answer in pieces of about four words, so a mocked stream has several events.
std::vector<std::string> Pieces(const std::string& text) {
  std::vector<std::string> pieces;
  size_t start = 0;
  int words = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ' && ++words % 4 == 0) {
      pieces.push_back(text.substr(start, i - start));
      start = i;
    }
  }
  if (start < text.size() || pieces.empty()) {
    pieces.push_back(text.substr(start));
  }
  return pieces;
}

struct Usage {
  int64_t input = 0;
  int64_t output = 0;
};

MockResponse Json200(const Json& body) { return {200, "application/json", WriteJson(body)}; }

// `created` is the call's stamper's clock (the wall clock in `run`; pinned by tests).
MockResponse OpenAICompletions(const std::string& model, const std::string& answer, Usage usage,
                               bool streaming, int64_t created) {
  Json usage_json = {{"prompt_tokens", usage.input},
                     {"completion_tokens", usage.output},
                     {"total_tokens", usage.input + usage.output}};
  if (!streaming) {
    return Json200(
        {{"id", "chatcmpl-mock"},
         {"object", "chat.completion"},
         {"created", created},
         {"model", model},
         {"choices", Json::array({{{"index", 0},
                                   {"message", {{"role", "assistant"}, {"content", answer}}},
                                   {"finish_reason", "stop"}}})},
         {"usage", usage_json}});
  }
  std::string sse;
  auto chunk = [&](Json choices, Json chunk_usage) {
    sse += EncodeSseData(WriteJson(Json{{"id", "chatcmpl-mock"},
                                        {"object", "chat.completion.chunk"},
                                        {"created", created},
                                        {"model", model},
                                        {"choices", std::move(choices)},
                                        {"usage", std::move(chunk_usage)}}));
  };
  bool first = true;
  for (const std::string& piece : Pieces(answer)) {
    Json delta = {{"content", piece}};
    if (first) {
      delta = {{"role", "assistant"}, {"content", piece}};
    }
    first = false;
    chunk(Json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", nullptr}}}), nullptr);
  }
  chunk(Json::array({{{"index", 0}, {"delta", Json::object()}, {"finish_reason", "stop"}}}),
        nullptr);
  chunk(Json::array(), usage_json);
  sse += EncodeSseData("[DONE]");
  return {200, "text/event-stream", sse};
}

MockResponse AnthropicMessages(const std::string& model, const std::string& answer, Usage usage,
                               bool streaming) {
  if (!streaming) {
    return Json200({{"id", "msg_mock"},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", model},
                    {"content", Json::array({{{"type", "text"}, {"text", answer}}})},
                    {"stop_reason", "end_turn"},
                    {"stop_sequence", nullptr},
                    {"usage", {{"input_tokens", usage.input}, {"output_tokens", usage.output}}}});
  }
  std::string sse;
  auto event = [&](const char* name, const Json& data) {
    sse += EncodeSseEvent(name, WriteJson(data));
  };
  event("message_start", {{"type", "message_start"},
                          {"message",
                           {{"id", "msg_mock"},
                            {"type", "message"},
                            {"role", "assistant"},
                            {"model", model},
                            {"content", Json::array()},
                            {"stop_reason", nullptr},
                            {"stop_sequence", nullptr},
                            {"usage", {{"input_tokens", usage.input}, {"output_tokens", 1}}}}}});
  event("content_block_start", {{"type", "content_block_start"},
                                {"index", 0},
                                {"content_block", {{"type", "text"}, {"text", ""}}}});
  for (const std::string& piece : Pieces(answer)) {
    event("content_block_delta", {{"type", "content_block_delta"},
                                  {"index", 0},
                                  {"delta", {{"type", "text_delta"}, {"text", piece}}}});
  }
  event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}});
  event("message_delta",
        {{"type", "message_delta"},
         {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
         {"usage", {{"input_tokens", usage.input}, {"output_tokens", usage.output}}}});
  event("message_stop", {{"type", "message_stop"}});
  return {200, "text/event-stream", sse};
}

MockResponse GeminiNative(const std::string& model, const std::string& answer, Usage usage,
                          bool streaming) {
  auto candidate = [&](const std::string& text, bool last) {
    Json c = {{"content", {{"role", "model"}, {"parts", Json::array({{{"text", text}}})}}},
              {"index", 0}};
    if (last) {
      c["finishReason"] = "STOP";
    }
    return c;
  };
  Json usage_json = {{"promptTokenCount", usage.input},
                     {"candidatesTokenCount", usage.output},
                     {"totalTokenCount", usage.input + usage.output}};
  if (!streaming) {
    return Json200({{"candidates", Json::array({candidate(answer, true)})},
                    {"usageMetadata", usage_json},
                    {"modelVersion", model},
                    {"responseId", "mock"}});
  }
  std::string sse;
  std::vector<std::string> pieces = Pieces(answer);
  for (size_t i = 0; i < pieces.size(); ++i) {
    bool last = i + 1 == pieces.size();
    Json chunk = {{"candidates", Json::array({candidate(pieces[i], last)})},
                  {"modelVersion", model},
                  {"responseId", "mock"}};
    if (last) {
      chunk["usageMetadata"] = usage_json;
    }
    sse += EncodeSseData(WriteJson(chunk));
  }
  return {200, "text/event-stream", sse};
}

MockResponse OpenAIResponses(const std::string& model, const std::string& answer, Usage usage,
                             bool streaming, int64_t created) {
  Json usage_json = {{"input_tokens", usage.input},
                     {"output_tokens", usage.output},
                     {"total_tokens", usage.input + usage.output}};
  Json message = {
      {"type", "message"},
      {"id", "msg_mock"},
      {"status", "completed"},
      {"role", "assistant"},
      {"content",
       Json::array({{{"type", "output_text"}, {"text", answer}, {"annotations", Json::array()}}})}};
  Json response = {{"id", "resp_mock"},     {"object", "response"},
                   {"created_at", created}, {"status", "completed"},
                   {"model", model},        {"output", Json::array({message})},
                   {"usage", usage_json}};
  if (!streaming) {
    return Json200(response);
  }
  std::string sse;
  int sequence = 0;
  auto event = [&](const char* type, Json data) {
    data["type"] = type;
    data["sequence_number"] = sequence++;
    sse += EncodeSseEvent(type, WriteJson(data));
  };
  Json started = response;
  started["status"] = "in_progress";
  started["output"] = Json::array();
  started.erase("usage");
  event("response.created", {{"response", started}});
  Json empty_message = message;
  empty_message["status"] = "in_progress";
  empty_message["content"] = Json::array();
  event("response.output_item.added", {{"output_index", 0}, {"item", empty_message}});
  for (const std::string& piece : Pieces(answer)) {
    event("response.output_text.delta",
          {{"item_id", "msg_mock"}, {"output_index", 0}, {"content_index", 0}, {"delta", piece}});
  }
  event("response.output_text.done",
        {{"item_id", "msg_mock"}, {"output_index", 0}, {"content_index", 0}, {"text", answer}});
  event("response.output_item.done", {{"output_index", 0}, {"item", message}});
  event("response.completed", {{"response", response}});
  return {200, "text/event-stream", sse};
}

MockResponse BedrockConverse(const std::string& answer, Usage usage, bool streaming) {
  Json usage_json = {{"inputTokens", usage.input},
                     {"outputTokens", usage.output},
                     {"totalTokens", usage.input + usage.output}};
  if (!streaming) {
    return Json200(
        {{"output",
          {{"message", {{"role", "assistant"}, {"content", Json::array({{{"text", answer}}})}}}}},
         {"stopReason", "end_turn"},
         {"usage", usage_json},
         {"metrics", {{"latencyMs", 1}}}});
  }
  // ConverseStream: AWS event stream frames, one JSON event each.
  std::string stream;
  auto event = [&](const char* type, const Json& payload) {
    stream += EncodeEventStreamMessage(
        {{":event-type", type}, {":content-type", "application/json"}, {":message-type", "event"}},
        WriteJson(payload));
  };
  event("messageStart", {{"role", "assistant"}});
  for (const std::string& piece : Pieces(answer)) {
    event("contentBlockDelta", {{"contentBlockIndex", 0}, {"delta", {{"text", piece}}}});
  }
  event("contentBlockStop", {{"contentBlockIndex", 0}});
  event("messageStop", {{"stopReason", "end_turn"}});
  event("metadata", {{"usage", usage_json}, {"metrics", {{"latencyMs", 1}}}});
  return {200, "application/vnd.amazon.eventstream", stream};
}

MockResponse Embeddings(const std::string& model, const Prompt& prompt, Usage usage) {
  // A small deterministic vector derived from the text's bytes.
  Json vector = Json::array();
  for (int i = 0; i < 8; ++i) {
    unsigned sum = 0;
    for (size_t j = i; j < prompt.all_text.size(); j += 8) {
      sum += static_cast<unsigned char>(prompt.all_text[j]);
    }
    vector.push_back(static_cast<double>(sum % 1000) / 1000.0);
  }
  return Json200(
      {{"object", "list"},
       {"data", Json::array({{{"object", "embedding"}, {"index", 0}, {"embedding", vector}}})},
       {"model", model},
       {"usage", {{"prompt_tokens", usage.input}, {"total_tokens", usage.input}}}});
}

}  // namespace

int64_t EstimateTokens(std::string_view text) {
  return std::max<int64_t>(1, static_cast<int64_t>((text.size() + 3) / 4));
}

MockResponse MockProviderResponse(const LlmCall& call) {
  // A long conversation is read one message at a time, as PlanCall reads it: the system prompt
  // from the rest of the body, then each message's entry (the same as the whole body's, in order).
  bool chat =
      call.wire == WireFormat::kOpenAICompletions || call.wire == WireFormat::kAnthropicMessages;
  JsonKeepingArrayText read = chat && call.body.size() >= kMessagesAsTextFromBytes
                                  ? ReadJsonKeepingArrayText(call.body, "messages")
                                  : JsonKeepingArrayText{ReadJson(call.body), std::nullopt};
  const Json& body = read.document;
  Prompt prompt = ReadPrompt(body, call.wire);
  if (read.array_text) {
    ForEachJsonElement(*read.array_text, [&](std::string_view message) {
      Json one_message = Json::object();
      one_message["messages"] = Json::array({ReadJson(message)});
      TakeEntries(prompt, CompletionsPrompt(one_message));
    });
  }
  std::string model = call.info.request_model.empty() ? "mock-model" : call.info.request_model;
  std::string answer = prompt.last_user.empty() ? "(mock: no user message)" : prompt.last_user;
  Usage usage{EstimateTokens(prompt.all_text), EstimateTokens(answer)};
  switch (call.wire) {
    case WireFormat::kOpenAICompletions:
      return OpenAICompletions(model, answer, usage, call.streaming,
                               call.options.stamper.UnixSeconds());
    case WireFormat::kAnthropicMessages:
      return AnthropicMessages(model, answer, usage, call.streaming);
    case WireFormat::kGeminiNative:
      return GeminiNative(model, answer, usage, call.streaming);
    case WireFormat::kOpenAIResponses:
      return OpenAIResponses(model, answer, usage, call.streaming,
                             call.options.stamper.UnixSeconds());
    case WireFormat::kBedrockConverse:
      return BedrockConverse(answer, usage, call.streaming);
    case WireFormat::kOpenAIEmbeddings:
      return Embeddings(model, prompt, usage);
    case WireFormat::kAnthropicCountTokens:
    case WireFormat::kVertexCountTokens:
      return Json200({{"input_tokens", usage.input}});
    case WireFormat::kBedrockCountTokens:
      return Json200({{"inputTokens", usage.input}});
    case WireFormat::kGeminiCountTokens:
      return Json200({{"totalTokens", usage.input}});
    default:
      return {
          501, "text/plain",
          "--mock-providers does not answer " + std::string(WireFormatName(call.wire)) + " yet"};
  }
}

}  // namespace agw::emulator::llm
