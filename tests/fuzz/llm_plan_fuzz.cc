// One LLM request through the data plane without sockets, as `run --mock-providers` and
// `translate` serve it: PlanCall (route type, model, translation, address, auth) on a fuzzed path
// and body for every provider kind, then the in-process mock provider's answer translated back
// for the client, streamed or buffered (emulator/io's AnswerLlmFromBytes).
//
// Input: [provider kind] [setup flags] [path] '\n' [body...]
// Setup flags: bit 0 the provider names a model, bit 1 an AI policy (a routes map covering every
// route type, model aliases, overrides and defaults), bit 2 a host override, bit 3 a backend key.

#include <array>
#include <string>

#include "emulator/llm/call.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/mock.h"
#include "emulator/llm/translate.h"
#include "tests/fuzz/llm_choices.h"

namespace {

using namespace agw;

validate::model::LLMProvider ChooseProvider(uint8_t kind_byte, bool with_model) {
  static constexpr std::array<const char*, 9> kKinds = {"openai",      "anthropic", "gemini",
                                                        "vertexai",    "bedrock",   "azure",
                                                        "azureopenai", "custom",    "custom"};
  validate::model::LLMProvider provider;
  size_t kind = kind_byte % kKinds.size();
  provider.kind = kKinds[kind];
  if (with_model) {
    static constexpr std::array<const char*, 4> kModels = {
        "gpt-4o", "claude-sonnet-4-5@20250929", "gemini-2.5-flash",
        "anthropic.claude-3-5-sonnet-20240620-v1:0"};
    provider.model = kModels[(kind_byte / kKinds.size()) % kModels.size()];
  }
  provider.region = provider.kind == "bedrock" ? "eu-west-1" : "us-central1";
  provider.project_id = "fuzz-project";
  provider.resource_name = "fuzz";
  provider.endpoint = "fuzz.openai.azure.com";
  provider.deployment_name = "fuzz-deployment";
  if (kind == kKinds.size() - 1) {  // the second custom one speaks Messages and Responses too
    provider.custom_formats = {
        {"Completions", std::nullopt}, {"Messages", "/v1/messages"}, {"Responses", std::nullopt}};
  }
  return provider;
}

const validate::model::BackendAI& Policy() {
  static const validate::model::BackendAI policy = [] {
    validate::model::BackendAI ai;
    ai.routes = {{"/v1/chat/completions", "Completions"},
                 {"/v1/messages", "Messages"},
                 {"/v1/messages/count_tokens", "AnthropicTokenCount"},
                 {"/v1/models", "Models"},
                 {"/v1/responses", "Responses"},
                 {"/v1/embeddings", "Embeddings"},
                 {"/v1/rerank", "Rerank"},
                 {":generateContent", "GenerateContent"},
                 {":streamGenerateContent", "GenerateContent"},
                 {":countTokens", "GeminiCountTokens"},
                 {"/passthrough", "Passthrough"},
                 {"/detect", "Detect"},
                 {"/realtime", "Realtime"},
                 {"*", "Completions"}};
    ai.model_aliases = {{"fast*", "gpt-4o-mini"}, {"smart", "claude-sonnet-4-5"}};
    validate::manifest::Position nowhere;
    ai.overrides = {{"temperature", validate::manifest::Value::String("0.25", nowhere)}};
    ai.defaults = {{"max_tokens", validate::manifest::Value::Int(64, "64", nowhere)}};
    return ai;
  }();
  return policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput input(data, size);
  uint8_t kind = input.Byte();
  uint8_t flags = input.Byte();
  validate::model::LLMProvider provider = ChooseProvider(kind, (flags & 1) != 0);
  if ((flags & 4) != 0) {
    provider.host = "mock.default.svc";
    provider.port = 8080;
  }
  emulator::llm::ProviderSetup setup;
  setup.provider = &provider;
  setup.ai = (flags & 2) != 0 ? &Policy() : nullptr;
  if ((flags & 8) != 0) setup.api_key = "sk-fuzz";

  emulator::llm::ClientRequest request;
  std::string_view target = input.Until('\n');
  size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != target.npos) request.query = std::string(target.substr(question + 1));
  request.headers = {{"content-type", "application/json"}, {"authorization", "Bearer client"}};
  request.body = std::string(input.Rest());

  emulator::llm::LlmCall call = emulator::llm::PlanCall(setup, std::move(request));
  if (call.local) return 0;
  std::string summary = fuzz::LogLine(emulator::llm::RequestSummaryJson(call.info));

  emulator::llm::MockResponse mock = emulator::llm::MockProviderResponse(call);
  bool event_stream =
      mock.content_type.find("text/event-stream") != std::string::npos ||
      mock.content_type.find("application/vnd.amazon.eventstream") != std::string::npos;
  if (call.streaming && mock.status >= 200 && mock.status < 300 && event_stream) {
    std::unique_ptr<emulator::llm::StreamTranslator> translator =
        emulator::llm::MakeStreamTranslator(call.input, call.wire, call.options, call.client_body);
    if (translator != nullptr) {
      std::string out;
      translator->Feed(mock.body, out);
      translator->Finish(out);
      std::string usage = fuzz::LogLine(emulator::llm::ResponseInfoJson(translator->info()));
      return 0;
    }
  }
  emulator::llm::ClientResponse answer =
      emulator::llm::AnswerBuffered(call, mock.status, mock.content_type, mock.body);
  std::string usage = fuzz::LogLine(emulator::llm::ResponseInfoJson(answer.info));
  return 0;
}
