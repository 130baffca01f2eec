#pragma once

// Harness for agentgateway's LLM translation goldens (../shared/upstream-testdata/
// agentgateway-llm-fixtures): every `<stem>.<variant>.snap` names an input fixture and the
// translation applied to it. Each translation area registers a runner per variant that
// produces the payload in the snapshot's own shape; the harness compares it structurally.

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tl/expected.hpp>
#include <tuple>

#include "emulator/llm/prompt.h"
#include "emulator/llm/stream.h"

namespace agw::emulator::llm::test {

using Json = nlohmann::ordered_json;

struct Fixture {
  std::filesystem::path input;  // the .json, .bin or extension-less input file
  std::string kind;             // "requests" or "response"
  std::string group;            // the directory: "completions", "anthropic", "bedrock", ...
  std::string stem;             // "basic"
  std::string variant;          // "anthropic", "messages-completions-streaming", ...
  std::string bytes;            // the input file's contents
  Json Parsed() const { return Json::parse(bytes); }
};

// What a runner produces, in the snapshot's payload shape:
// - request variants: {"request": upstream body, "parsed": RequestSummaryJson} (or the bare
//   prompt array for get-messages-*);
// - buffered response variants: {"response": client body, "parsed": ResponseInfoJson};
// - streaming variants: the client SSE bytes, a blank line, then ResponseInfoJson text.
using Runner = std::function<tl::expected<std::string, std::string>(const Fixture&)>;

class Registry {
 public:
  // `group` empty: the runner serves every group of that kind and variant.
  void Add(std::string kind, std::string variant, Runner runner, std::string group = "");
  // A snapshot the runner is known to get wrong, with the reason (listed in the report).
  void KnownGap(std::string snapshot, std::string reason);

  const Runner* Find(const Fixture& fixture) const;
  const std::string* GapReason(const std::string& snapshot) const;

 private:
  std::map<std::tuple<std::string, std::string, std::string>, Runner> runners_;
  std::map<std::string, std::string> gaps_;
};

// One function per translation area, each in its own file.
void RegisterAnthropicVariants(Registry& registry);
void RegisterGeminiVariants(Registry& registry);
void RegisterBedrockVariants(Registry& registry);
void RegisterResponsesVariants(Registry& registry);

// Helpers for runners.
std::string RequestPayload(const Json& upstream_body, const Json& summary);
std::string ResponsePayload(const Json& client_body, const Json& info);
std::string StreamPayload(const std::string& client_sse, const Json& info);

// The bytes of `relative` under the fixture root (`requests/...`, `response/...`); "" when the
// file is missing.
std::string ReadUpstreamFixture(const std::string& relative);

// Feeds `upstream` to `translator` in `slice`-byte pieces, as bytes arrive off a socket, then
// ends the stream; returns what the client received. Small slices make every translator
// assemble events across Feed calls.
constexpr size_t kStreamSlice = 7;
std::string FeedInSlices(StreamTranslator& translator, std::string_view upstream,
                         size_t slice = kStreamSlice);

// The prompts agentgateway's golden driver (golden_tests.rs) enriches requests with, in order.
PromptEnrichment GoldenPromptEnrichment();

// The streaming goldens were recorded through a filter that blanks generated `resp_`, `msg_`
// and `call_` ids in `id` / `item_id` (whether upstream or gateway generated); `call_id` keeps
// its value and the harness matches it by shape.
std::string BlankGeneratedIds(const std::string& sse);

}  // namespace agw::emulator::llm::test
