// The time and the generated ids of translated bodies come from ProviderOptions::stamper: with a
// FixedStamper every `created` and generated `id` is the pinned value, and two runs stamp the
// same bytes. The translations are driven through translate.h, the way `run` drives them.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator/llm/eventstream.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/translate.h"

namespace agw::emulator::llm {
namespace {

constexpr std::int64_t kMillis = 1767225600123;  // 2026-01-01T00:00:00.123Z
constexpr std::uint64_t kSeed = 7;

// A fresh copy of the pinned stamper: each call starts the sequence of draws again.
Stamper Pinned() { return FixedStamper(kMillis, kSeed); }

ProviderOptions PinnedOptions() {
  ProviderOptions options;
  options.stamper = Pinned();
  return options;
}

// The ids a pinned translation draws, in the order it draws them.
std::vector<std::string> PinnedIds(std::initializer_list<std::string_view> prefixes) {
  Stamper mirror = Pinned();
  std::vector<std::string> ids;
  for (std::string_view prefix : prefixes) {
    ids.push_back(mirror.Id(prefix));
  }
  return ids;
}

std::string Buffered(InputFormat input, WireFormat wire, std::string_view upstream,
                     const ProviderOptions& options, const Json& client_body = Json::object()) {
  Translated<ResponseTranslation> translated =
      TranslateResponse(input, wire, upstream, options, client_body);
  REQUIRE(translated);
  return WriteJson(translated->body);
}

std::string Streamed(InputFormat input, WireFormat wire, std::string_view upstream,
                     const ProviderOptions& options) {
  std::unique_ptr<StreamTranslator> translator =
      MakeStreamTranslator(input, wire, options, Json::object());
  REQUIRE(translator != nullptr);
  std::string out;
  translator->Feed(upstream, out);
  translator->Finish(out);
  return out;
}

std::string Sse(std::string_view event, std::string_view data) {
  return "event: " + std::string(event) + "\ndata: " + std::string(data) + "\n\n";
}

std::string ConverseEvent(std::string type, std::string_view payload) {
  return EncodeEventStreamMessage({{":event-type", std::move(type)},
                                   {":content-type", "application/json"},
                                   {":message-type", "event"}},
                                  payload);
}

TEST_CASE("A fixed stamper pins the clock and draws one SplitMix64 sequence") {
  Stamper stamper = FixedStamper(kMillis, kSeed);
  CHECK(stamper.UnixMillis() == kMillis);
  CHECK(stamper.UnixSeconds() == 1767225600);
  CHECK(stamper.UnixMillis() == kMillis);  // the clock does not move
  CHECK(stamper.Id("resp_") == "resp_63cbe1e459320dd7");
  Stamper copy = stamper;  // copies share the sequence
  CHECK(copy.Id("msg_") == "msg_044c3cd7f43c661c");
  CHECK(stamper.Hex(8) == "bab12a02");            // the low 8 digits of the third draw
  CHECK(copy.Hex(20) == "953aeb70673e29cb21da");  // a whole draw, then 4 digits of the next
  CHECK(stamper.Hex(0).empty());
  CHECK(FixedStamper(kMillis, kSeed).Id("") == "63cbe1e459320dd7");  // a new sequence
  CHECK(FixedStamper(kMillis, kSeed + 1).Id("") != "63cbe1e459320dd7");
}

TEST_CASE("Copies of a fixed stamper on two threads draw the sequence without repeats") {
  constexpr int kDraws = 2000;
  Stamper stamper = FixedStamper(kMillis, kSeed);
  std::vector<std::uint64_t> first;
  std::vector<std::uint64_t> second;
  std::thread other([copy = stamper, &second] {
    for (int i = 0; i < kDraws; ++i) {
      second.push_back(copy.random());
    }
  });
  for (int i = 0; i < kDraws; ++i) {
    first.push_back(stamper.random());
  }
  other.join();
  std::set<std::uint64_t> drawn(first.begin(), first.end());
  drawn.insert(second.begin(), second.end());
  Stamper fresh = FixedStamper(kMillis, kSeed);
  std::set<std::uint64_t> sequence;
  for (int i = 0; i < 2 * kDraws; ++i) {
    sequence.insert(fresh.random());
  }
  CHECK(drawn.size() == 2 * kDraws);
  CHECK(drawn == sequence);
}

TEST_CASE("The system stamper reads the wall clock and draws fresh ids") {
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  std::int64_t before = now();
  Stamper stamper = SystemStamper();
  std::int64_t stamped = stamper.UnixMillis();
  CHECK(before <= stamped);
  CHECK(stamped <= now());
  CHECK(stamper.UnixSeconds() >= before / 1000);
  std::string first = stamper.Id("call_");
  CHECK(std::regex_match(first, std::regex("call_[0-9a-f]{16}")));
  CHECK(first != stamper.Id("call_"));
  CHECK(std::regex_match(stamper.Hex(8), std::regex("[0-9a-f]{8}")));
}

TEST_CASE("A stamper with nothing set stamps the epoch and zero ids") {
  Stamper unset;
  CHECK(unset.UnixMillis() == 0);
  CHECK(unset.Id("msg_") == "msg_0000000000000000");
  CHECK(unset.Hex(3) == "000");
}

TEST_CASE("ProviderOptions stamp with the wall clock unless told otherwise") {
  ProviderOptions options;
  CHECK(options.stamper.unix_millis);
  CHECK(options.stamper.random);
  CHECK(std::abs(options.stamper.UnixSeconds() -
                 std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count()) <= 1);
}

// ---- Anthropic -> OpenAI Chat Completions -------------------------------------------------

constexpr std::string_view kAnthropicMessage =
    R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-x",)"
    R"("content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn",)"
    R"("usage":{"input_tokens":3,"output_tokens":1}})";

TEST_CASE("An Anthropic response to a Completions client is created at the pinned time") {
  std::string body = Buffered(InputFormat::kCompletions, WireFormat::kAnthropicMessages,
                              kAnthropicMessage, PinnedOptions());
  CHECK(body ==
        R"({"id":"msg_01","object":"chat.completion","created":1767225600,"model":"claude-x",)"
        R"("choices":[{"message":{"content":"Hi","role":"assistant"},"index":0,)"
        R"("finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,)"
        R"("total_tokens":4}})");
  CHECK(body == Buffered(InputFormat::kCompletions, WireFormat::kAnthropicMessages,
                         kAnthropicMessage, PinnedOptions()));
}

TEST_CASE("Every chunk of a translated Anthropic stream is created at the pinned time") {
  const std::string upstream =
      Sse("message_start", R"({"type":"message_start","message":{"id":"msg_01","role":"assistant",)"
                           R"("model":"claude-x","usage":{"input_tokens":3,"output_tokens":1}}})") +
      Sse("content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
      Sse("content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})") +
      Sse("content_block_stop", R"({"type":"content_block_stop","index":0})") +
      Sse("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},)"
                           R"("usage":{"output_tokens":2}})") +
      Sse("message_stop", R"({"type":"message_stop"})");
  std::string out = Streamed(InputFormat::kCompletions, WireFormat::kAnthropicMessages, upstream,
                             PinnedOptions());
  const std::string chunk_tail = R"("created":1767225600,"model":"claude-x","service_tier":null,)"
                                 R"("system_fingerprint":null,"object":"chat.completion.chunk",)";
  CHECK(out == R"(data: {"id":"msg_01","choices":[{"index":0,"delta":{"content":"Hi",)"
               R"("role":"assistant"}}],)" +
                   chunk_tail + R"("usage":null})" + "\n\n" +
                   R"(data: {"id":"msg_01","choices":[{"index":0,"delta":{"content":null},)"
                   R"("finish_reason":"stop"}],)" +
                   chunk_tail +
                   R"("usage":{"prompt_tokens":0,"completion_tokens":2,"total_tokens":2}})"
                   "\n\ndata: [DONE]\n\n");
  CHECK(out == Streamed(InputFormat::kCompletions, WireFormat::kAnthropicMessages, upstream,
                        PinnedOptions()));
}

// ---- Gemini -> OpenAI Chat Completions ----------------------------------------------------

TEST_CASE("A Gemini response without a responseId is named and created by the pinned clock") {
  constexpr std::string_view kUpstream =
      R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},)"
      R"("finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash",)"
      R"("usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"totalTokenCount":4}})";
  std::string body =
      Buffered(InputFormat::kCompletions, WireFormat::kGeminiNative, kUpstream, PinnedOptions());
  // The buffered id carries milliseconds, `created` seconds.
  CHECK(body == R"({"id":"vertex-gemini-1767225600123","object":"chat.completion",)"
                R"("created":1767225600,"model":"gemini-2.5-flash","choices":[{"index":0,)"
                R"("message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],)"
                R"("usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})");
  CHECK(body ==
        Buffered(InputFormat::kCompletions, WireFormat::kGeminiNative, kUpstream, PinnedOptions()));
}

TEST_CASE("A Gemini stream without a responseId is named and created by the pinned clock") {
  const std::string upstream =
      "data: "
      R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},)"
      R"("finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash"})"
      "\r\n\r\n";
  ProviderOptions options = PinnedOptions();
  options.model = "input-model";
  std::string out =
      Streamed(InputFormat::kCompletions, WireFormat::kGeminiNative, upstream, options);
  // The streamed id carries seconds, as `created` does.
  CHECK(out ==
        R"(data: {"id":"vertex-gemini-1767225600","choices":[{"index":0,"delta":)"
        R"({"content":"Hi","role":"assistant"},"finish_reason":"stop"}],"created":1767225600,)"
        R"("model":"gemini-2.5-flash","service_tier":null,"system_fingerprint":null,)"
        R"("object":"chat.completion.chunk","usage":null})"
        "\n\ndata: [DONE]\n\n");
  options.stamper = Pinned();
  CHECK(out == Streamed(InputFormat::kCompletions, WireFormat::kGeminiNative, upstream, options));
}

// ---- OpenAI Chat Completions -> Responses --------------------------------------------------

TEST_CASE("A chat completion becomes a Responses object with pinned ids and time") {
  constexpr std::string_view kUpstream =
      R"({"id":"chatcmpl-1","object":"chat.completion","model":"gpt-x","choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})";
  ProviderOptions options = PinnedOptions();
  options.model = "client-model";
  std::string body =
      Buffered(InputFormat::kResponses, WireFormat::kOpenAICompletions, kUpstream, options);
  std::vector<std::string> ids = PinnedIds({"msg_", "resp_"});  // the message item first
  CHECK(body == R"({"created_at":1767225600,"id":")" + ids[1] +
                    R"(","model":"client-model","object":"response","output":[{"type":"message",)"
                    R"("content":[{"type":"output_text","annotations":[],"logprobs":null,)"
                    R"("text":"Hi"}],"id":")" +
                    ids[0] +
                    R"(","role":"assistant","status":"completed"}],"status":"completed",)"
                    R"("usage":{"input_tokens":3,"input_tokens_details":{"cached_tokens":0},)"
                    R"("output_tokens":1,"output_tokens_details":{"reasoning_tokens":0},)"
                    R"("total_tokens":4}})");
  options.stamper = Pinned();
  CHECK(body ==
        Buffered(InputFormat::kResponses, WireFormat::kOpenAICompletions, kUpstream, options));
}

TEST_CASE("A chat stream becomes Responses events with pinned ids and time") {
  const std::string upstream =
      "data: "
      R"({"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"role":"assistant",)"
      R"("tool_calls":[{"index":0,"id":"call_up","type":"function",)"
      R"("function":{"name":"f","arguments":"{}"}}]}}]})"
      "\n\n"
      "data: "
      R"({"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{},)"
      R"("finish_reason":"tool_calls"}]})"
      "\n\ndata: [DONE]\n\n";
  std::string out =
      Streamed(InputFormat::kResponses, WireFormat::kOpenAICompletions, upstream, PinnedOptions());
  std::vector<std::string> ids = PinnedIds({"resp_", "msg_", "call_"});
  const std::string& response = ids[0];
  const std::string& message = ids[1];
  const std::string& call = ids[2];
  auto event = [](const std::string& data) { return "event: event\ndata: " + data + "\n\n"; };
  CHECK(
      out ==
      event(R"({"type":"response.created","response":{"created_at":1767225600,"id":")" + response +
            R"(","model":"gpt-x","object":"response","output":[],"status":"in_progress"},)"
            R"("sequence_number":1})") +
          event(R"({"type":"response.output_item.added","output_index":0,"item":{)"
                R"("type":"message","content":[],"id":")" +
                message + R"(","role":"assistant","status":"in_progress"},"sequence_number":2})") +
          event(R"({"type":"response.output_item.added","output_index":1,"item":{)"
                R"("type":"function_call","arguments":"","call_id":")" +
                call + R"(","name":"f","id":")" + call +
                R"(","status":"in_progress"},"sequence_number":3})") +
          event(R"({"type":"response.function_call_arguments.delta","item_id":")" + call +
                R"(","output_index":1,"delta":"{}","sequence_number":4})") +
          event(R"({"type":"response.function_call_arguments.done","name":"f","item_id":")" + call +
                R"(","output_index":1,"arguments":"{}","sequence_number":5})") +
          event(R"({"type":"response.output_item.done","output_index":1,"item":{)"
                R"("type":"function_call","arguments":"{}","call_id":")" +
                call + R"(","name":"f","id":")" + call +
                R"(","status":"completed"},"sequence_number":6})") +
          event(R"({"type":"response.output_item.done","output_index":0,"item":{)"
                R"("type":"message","content":[],"id":")" +
                message + R"(","role":"assistant","status":"completed"},"sequence_number":7})") +
          event(R"({"type":"response.completed","response":{"created_at":1767225600,"id":")" +
                response +
                R"(","model":"gpt-x","object":"response","output":[],"status":"completed"},)"
                R"("sequence_number":8})"));
  CHECK(out == Streamed(InputFormat::kResponses, WireFormat::kOpenAICompletions, upstream,
                        PinnedOptions()));
}

TEST_CASE("Assistant text replayed to a Responses upstream gets a pinned message id") {
  Json client = Json::parse(R"({"model":"m","max_tokens":5,"messages":[
      {"role":"user","content":"hi"},
      {"role":"assistant","content":[{"type":"text","text":"hello"}]},
      {"role":"user","content":"again"}]})");
  Translated<RequestTranslation> translated = TranslateRequest(
      InputFormat::kMessages, WireFormat::kOpenAIResponses, client, PinnedOptions());
  REQUIRE(translated);
  CHECK(WriteJson(translated->body["input"][1]) ==
        R"({"type":"message","id":")" + PinnedIds({"msg_"})[0] +
            R"(","role":"assistant","content":[{"type":"output_text","text":"hello",)"
            R"("annotations":[]}],"status":"completed"})");
}

// ---- Bedrock ------------------------------------------------------------------------------

const std::string& ConverseStream() {
  static const std::string stream =
      ConverseEvent("messageStart", R"({"role":"assistant"})") +
      ConverseEvent("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})") +
      ConverseEvent("contentBlockStop", R"({"contentBlockIndex":0})") +
      ConverseEvent("messageStop", R"({"stopReason":"end_turn"})") +
      ConverseEvent("metadata", R"({"usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4},)"
                                R"("metrics":{"latencyMs":10}})");
  return stream;
}

TEST_CASE("A ConverseStream without a request id streams chunks with a pinned id and time") {
  ProviderOptions options = PinnedOptions();
  options.model = "input-model";
  std::string out =
      Streamed(InputFormat::kCompletions, WireFormat::kBedrockConverse, ConverseStream(), options);
  // Without the upstream's x-amzn-requestid, the chunk id is 16 drawn hex digits.
  const std::string head = R"(data: {"id":")" + PinnedIds({""})[0] + R"(","choices":)";
  const std::string tail = R"("created":1767225600,"model":"input-model","service_tier":null,)"
                           R"("system_fingerprint":null,"object":"chat.completion.chunk","usage":)";
  CHECK(out == head + R"([{"index":0,"delta":{"content":null,"role":"assistant"}}],)" + tail +
                   "null}\n\n" + head + R"([{"index":0,"delta":{"content":"Hi"}}],)" + tail +
                   "null}\n\n" + head +
                   R"([{"index":0,"delta":{"content":null},"finish_reason":"stop"}],)" + tail +
                   "null}\n\n" + head + "[]," + tail +
                   R"({"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})"
                   "\n\ndata: [DONE]\n\n");
  options.stamper = Pinned();
  CHECK(out == Streamed(InputFormat::kCompletions, WireFormat::kBedrockConverse, ConverseStream(),
                        options));
}

TEST_CASE("Converse responses are named and created by the pinned stamper") {
  constexpr std::string_view kUpstream =
      R"({"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},)"
      R"("stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4}})";
  ProviderOptions options = PinnedOptions();
  options.model = "input-model";
  CHECK(Buffered(InputFormat::kCompletions, WireFormat::kBedrockConverse, kUpstream, options) ==
        R"({"id":"bedrock-1767225600123","object":"chat.completion","created":1767225600,)"
        R"("model":"input-model","choices":[{"index":0,"message":{"role":"assistant",)"
        R"("content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,)"
        R"("completion_tokens":1,"total_tokens":4}})");

  // Messages ids are the time in hex (0x19b76daa87b is kMillis) and 8 drawn digits.
  options.stamper = Pinned();
  CHECK(Buffered(InputFormat::kMessages, WireFormat::kBedrockConverse, kUpstream, options) ==
        R"({"id":"msg_19b76daa87b)" + Pinned().Hex(8) +
            R"(","type":"message","role":"assistant","content":[{"type":"text","text":"Hi"}],)"
            R"("model":"input-model","stop_reason":"end_turn","stop_sequence":null,)"
            R"("usage":{"input_tokens":3,"output_tokens":1}})");

  options.stamper = Pinned();
  std::vector<std::string> ids = PinnedIds({"msg_", "resp_"});  // the message item first
  CHECK(Buffered(InputFormat::kResponses, WireFormat::kBedrockConverse, kUpstream, options) ==
        R"({"id":")" + ids[1] +
            R"(","object":"response","created_at":1767225600,"model":"input-model",)"
            R"("status":"completed","output":[{"type":"message","id":")" +
            ids[0] +
            R"(","role":"assistant","status":"completed","content":[{"type":"output_text",)"
            R"("annotations":[],"logprobs":null,"text":"Hi"}]}],"usage":{"input_tokens":3,)"
            R"("input_tokens_details":{"cached_tokens":0},"output_tokens":1,)"
            R"("output_tokens_details":{"reasoning_tokens":0},"total_tokens":4}})");

  // Two runs from equal stampers stamp equal bytes.
  for (InputFormat input :
       {InputFormat::kCompletions, InputFormat::kMessages, InputFormat::kResponses}) {
    options.stamper = Pinned();
    std::string first = Buffered(input, WireFormat::kBedrockConverse, kUpstream, options);
    options.stamper = Pinned();
    CHECK(first == Buffered(input, WireFormat::kBedrockConverse, kUpstream, options));
  }
}

}  // namespace
}  // namespace agw::emulator::llm
