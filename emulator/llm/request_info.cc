#include "emulator/llm/request_info.h"

#include <initializer_list>

#include "emulator/llm/chat_json.h"
#include "emulator/llm/prompt.h"

namespace agw::emulator::llm {
namespace {

RequestInfo BaseInfo(InputFormat format, const Json& body, std::string provider) {
  RequestInfo info;
  info.input_format = format;
  info.request_model = chat::StringAt(body, {"model"}).value_or("");
  info.provider = std::move(provider);
  const Json* stream = chat::Find(body, {"stream"});
  info.streaming = stream && stream->is_boolean() && stream->get<bool>();
  return info;
}

void PutFloats(const Json& body, std::initializer_list<const char*> keys, Json& params) {
  for (const char* key : keys) {
    if (const Json* value = chat::Find(body, {key}); value && value->is_number()) {
      params[key] = chat::AsFloat32(value->get<double>());
    }
  }
}

// The first of `keys` the client set to an integer, as `as`.
void PutFirstInt(const Json& body, std::initializer_list<const char*> keys, const char* as,
                 Json& params) {
  for (const char* key : keys) {
    if (auto value = chat::IntAt(body, {key})) {
      params[as] = *value;
      return;
    }
  }
}

}  // namespace

RequestInfo CompletionsRequestInfo(const Json& body, std::string provider, bool with_prompt) {
  RequestInfo info = BaseInfo(InputFormat::kCompletions, body, std::move(provider));
  PutFloats(body, {"temperature", "top_p", "frequency_penalty", "presence_penalty"}, info.params);
  PutFirstInt(body, {"seed"}, "seed", info.params);
  PutFirstInt(body, {"max_completion_tokens", "max_tokens"}, "max_tokens", info.params);
  info.prompt = with_prompt ? CompletionsPrompt(body) : Json();
  return info;
}

RequestInfo MessagesRequestInfo(const Json& body, std::string provider, bool with_prompt) {
  RequestInfo info = BaseInfo(InputFormat::kMessages, body, std::move(provider));
  PutFloats(body, {"temperature", "top_p"}, info.params);
  PutFirstInt(body, {"max_tokens"}, "max_tokens", info.params);
  info.prompt = with_prompt ? MessagesPrompt(body) : Json();
  return info;
}

RequestInfo ResponsesRequestInfo(const Json& body, std::string provider, bool with_prompt) {
  RequestInfo info = BaseInfo(InputFormat::kResponses, body, std::move(provider));
  PutFloats(body, {"temperature", "top_p"}, info.params);
  PutFirstInt(body, {"max_output_tokens"}, "max_tokens", info.params);
  info.prompt = with_prompt ? ResponsesPrompt(body) : Json();
  return info;
}

}  // namespace agw::emulator::llm
