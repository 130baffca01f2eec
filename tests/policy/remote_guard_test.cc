#include "emulator/policy/remote_guard.h"

#include <catch2/catch.hpp>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "emulator/llm/json_codec.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/yaml_reader.h"

namespace agw::emulator::policy {
namespace {

using llm::InputFormat;
using llm::Json;
using llm::PromptMessage;
using Action = GuardVerdict::Action;

Json Parse(std::string_view text) {
  Json json = llm::ReadJson(text);
  REQUIRE_FALSE(json.is_discarded());
  return json;
}

std::string RequestBodyOf(InputFormat format, std::string_view request) {
  return WebhookRequestBody(GuardRequestMessages(format, Parse(request)));
}

std::string ResponseBodyOf(InputFormat format, std::string_view response) {
  return WebhookResponseBody(GuardResponseChoices(format, Parse(response)));
}

// `request` after a request mask of `messages`, written back as JSON.
std::string Masked(InputFormat format, std::string_view request,
                   std::vector<PromptMessage> messages) {
  Json json = Parse(request);
  SetGuardRequestMessages(format, json, std::move(messages));
  return llm::WriteJson(json);
}

std::string MaskedResponse(InputFormat format, std::string_view response,
                           const std::vector<PromptMessage>& choices) {
  Json json = Parse(response);
  Expected<void> set = SetGuardResponseChoices(format, json, choices);
  REQUIRE(set);
  return llm::WriteJson(json);
}

ForwardHeaderMatch Exact(std::string name, std::string value) {
  return {std::move(name), false, std::move(value), nullptr};
}

ForwardHeaderMatch Regex(std::string name, std::string value) {
  ForwardHeaderMatch match{std::move(name), true, std::move(value), nullptr};
  Expected<RegexRule> rule = CompilePattern(match.value);
  REQUIRE(rule);
  match.pattern = rule->pattern;
  return match;
}

Guard WebhookGuardOf(FailureMode mode = FailureMode::kFailClosed) {
  Guard guard;
  guard.kind = GuardKind::kWebhook;
  WebhookGuard webhook;
  webhook.backend_ref.name = "checker";
  webhook.backend_ref.namespace_name = "guards";
  webhook.backend_ref.port = 8000;
  webhook.failure_mode = mode;
  guard.spec = std::move(webhook);
  return guard;
}

Guard ModerationGuardOf() {
  Guard guard;
  guard.kind = GuardKind::kOpenAIModeration;
  guard.rejection = Rejection{451, "flagged by moderation"};
  guard.spec = ModerationGuard{};
  return guard;
}

Guard RegexMasking(std::string_view pattern) {
  Expected<RegexRule> rule = CompilePattern(pattern);
  REQUIRE(rule);
  Guard guard;
  guard.kind = GuardKind::kRegex;
  guard.spec = RegexGuard{RegexAction::kMask, {*rule}};
  return guard;
}

// An in-memory GuardCaller: answers each call with the next scripted reply (the last one again
// when the script runs out) and records the calls.
class FakeCaller : public GuardCaller {
 public:
  explicit FakeCaller(std::vector<Expected<GuardHttpReply>> replies)
      : replies_(std::move(replies)) {}

  Expected<GuardHttpReply> Call(const Guard& guard, const GuardHttpCall& call) const override {
    kinds_.push_back(guard.kind);
    calls_.push_back(call);
    size_t at = std::min(calls_.size() - 1, replies_.size() - 1);
    return replies_[at];
  }

  const std::vector<GuardHttpCall>& calls() const { return calls_; }
  const std::vector<GuardKind>& kinds() const { return kinds_; }

 private:
  std::vector<Expected<GuardHttpReply>> replies_;
  mutable std::vector<GuardHttpCall> calls_;
  mutable std::vector<GuardKind> kinds_;
};

Expected<GuardHttpReply> Reply(std::string body, int status = 200) {
  return GuardHttpReply{status, std::move(body)};
}

// --- Bodies ------------------------------------------------------------------------------

TEST_CASE("A Completions request is sent to a webhook as roles and joined texts") {
  CHECK(RequestBodyOf(InputFormat::kCompletions, R"({"model":"m","messages":[
      {"role":"system","content":"be brief"},
      {"role":"user","content":[{"type":"text","text":"one"},{"type":"image_url","image_url":{}},
                                {"type":"text","text":"two"}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function",
        "function":{"name":"f","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"c","content":"42"}]})") ==
        R"({"body":{"messages":[{"role":"system","content":"be brief"},)"
        R"({"role":"user","content":"one two"},{"role":"assistant","content":""},)"
        R"({"role":"tool","content":"42"}]}})");
}

TEST_CASE("An Anthropic request sends its system prompt first and leaves out an empty one") {
  CHECK(RequestBodyOf(InputFormat::kMessages, R"({"system":[{"type":"text","text":"a"},
      {"type":"text","text":"b"}],"messages":[
      {"role":"user","content":[{"type":"text","text":"hi"},
        {"type":"tool_result","tool_use_id":"t","content":"secret output"},
        {"type":"text","text":"there"}]},
      {"role":"assistant","content":"ok"}]})") ==
        R"({"body":{"messages":[{"role":"system","content":"a\nb"},)"
        R"({"role":"user","content":"hi there"},{"role":"assistant","content":"ok"}]}})");
  CHECK(RequestBodyOf(InputFormat::kMessages,
                      R"({"system":"","messages":[{"role":"user","content":"hi"}]})") ==
        R"({"body":{"messages":[{"role":"user","content":"hi"}]}})");
}

TEST_CASE("A Responses request sends instructions and chat items only") {
  CHECK(RequestBodyOf(InputFormat::kResponses, R"({"instructions":"rules","input":[
      {"type":"message","role":"developer","content":[{"type":"input_text","text":"x"},
        {"type":"input_text","text":"y"}]},
      {"type":"function_call","call_id":"c","name":"f","arguments":"{}"},
      {"type":"function_call_output","call_id":"c","output":"out"},
      {"role":"assistant","content":"done"}]})") ==
        R"({"body":{"messages":[{"role":"system","content":"rules"},)"
        R"({"role":"developer","content":"x\ny"},{"role":"assistant","content":"done"}]}})");
  CHECK(RequestBodyOf(InputFormat::kResponses, R"({"input":"just text"})") ==
        R"({"body":{"messages":[{"role":"user","content":"just text"}]}})");
}

TEST_CASE("A Gemini request maps model to assistant and a missing role to user") {
  CHECK(RequestBodyOf(InputFormat::kGemini, R"({"systemInstruction":{"parts":[{"text":"s1"},
      {"text":"s2"}]},"contents":[{"parts":[{"text":"q"},{"text":"r"}]},
      {"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]}]})") ==
        R"({"body":{"messages":[{"role":"system","content":"s1\ns2"},)"
        R"({"role":"user","content":"q r"},{"role":"assistant","content":""}]}})");
}

TEST_CASE("Formats without prompt guards have no messages") {
  CHECK(GuardRequestMessages(InputFormat::kEmbeddings, Parse(R"({"input":"x"})")).empty());
}

TEST_CASE("Response choices are sent per format") {
  CHECK(ResponseBodyOf(InputFormat::kCompletions,
                       R"({"choices":[{"index":0,"message":{"role":"assistant","content":"a"}},
                          {"index":1,"message":{"content":null}}]})") ==
        R"({"body":{"choices":[{"message":{"role":"assistant","content":"a"}},)"
        R"({"message":{"role":"","content":""}}]}})");
  CHECK(ResponseBodyOf(InputFormat::kMessages,
                       R"({"content":[{"type":"text","text":"t"},
                          {"type":"tool_use","id":"u","name":"f","input":{}}]})") ==
        R"({"body":{"choices":[{"message":{"role":"assistant","content":"t"}},)"
        R"({"message":{"role":"assistant","content":""}}]}})");
  CHECK(ResponseBodyOf(InputFormat::kResponses, R"({"output":[
      {"type":"reasoning","summary":[]},
      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"x"},
        {"type":"refusal","refusal":"no"},{"type":"output_text","text":"y"}]}]})") ==
        R"({"body":{"choices":[{"message":{"role":"assistant","content":"x\ny"}}]}})");
  CHECK(ResponseBodyOf(InputFormat::kGemini, R"({"candidates":[
      {"content":{"role":"model","parts":[{"text":"think","thought":true},{"text":"a"},
        {"text":"b"}]}},{"finishReason":"SAFETY"}]})") ==
        R"({"body":{"choices":[{"message":{"role":"assistant","content":"ab"}},)"
        R"({"message":{"role":"assistant","content":""}}]}})");
}

// --- Forwarded headers -------------------------------------------------------------------

TEST_CASE("Only headers with a matching value are forwarded and then with every value") {
  http::HeaderList headers = {{"X-Tenant", "acme"},
                              {"x-tenant", "other"},
                              {"x-skip", "nope"},
                              {"content-length", "12"},
                              {"authorization", "Bearer k"}};
  CHECK(WebhookForwardHeaders({Exact("x-tenant", "other"), Exact("x-skip", "yes"),
                               Exact("Content-Length", "12"), Exact(":authority", "h")},
                              headers) ==
        http::HeaderList{{"x-tenant", "acme"}, {"x-tenant", "other"}});
}

TEST_CASE("Header values are matched whole and never split at commas") {
  http::HeaderList headers = {{"x-list", "first-value,test-value"}};
  CHECK(WebhookForwardHeaders({Exact("x-list", "test-value")}, headers).empty());
  CHECK(WebhookForwardHeaders({Exact("x-list", "first-value,test-value")}, headers) == headers);
}

TEST_CASE("A regex forwards a header only when its first match spans the whole value") {
  http::HeaderList headers = {{"x-id", "ab"}};
  CHECK(WebhookForwardHeaders({Regex("x-id", "a|ab")}, headers).empty());
  CHECK(WebhookForwardHeaders({Regex("x-id", "b")}, headers).empty());
  CHECK(WebhookForwardHeaders({Regex("x-id", "a.")}, headers) == headers);
  // A value that is not visible ASCII never reads as text for a regex.
  CHECK(WebhookForwardHeaders({Regex("x-id", ".*")}, {{"x-id", "caf\xc3\xa9"}}).empty());
  CHECK(WebhookForwardHeaders({Exact("x-id", "caf\xc3\xa9")}, {{"x-id", "caf\xc3\xa9"}}) ==
        http::HeaderList{{"x-id", "caf\xc3\xa9"}});
}

TEST_CASE("An invalid forwardHeaderMatches regex is a problem and never forwards") {
  auto file = std::make_unique<validate::manifest::SourceFile>("guard.yaml", R"(request:
- webhook:
    backendRef: {name: checker, port: 8000}
    forwardHeaderMatches:
    - {name: x-a, type: RegularExpression, value: "("}
)");
  validate::manifest::DiagnosticSink sink;
  auto documents = validate::manifest::ParseDocuments(*file, sink);
  REQUIRE(documents.size() == 1);
  CompiledPromptGuard compiled = CompilePromptGuard(documents[0].root, "team");
  CHECK(compiled.problems ==
        std::vector<std::string>{"promptGuard.request[0].webhook.forwardHeaderMatches[0]: invalid "
                                 "regex \"(\": missing ): (; the header is never forwarded"});
  REQUIRE(compiled.request.size() == 1);
  const auto& webhook = std::get<WebhookGuard>(compiled.request[0].spec);
  CHECK(webhook.backend_ref.namespace_name == "team");
  CHECK(WebhookForwardHeaders(webhook.forward_header_matches, {{"x-a", "("}}).empty());
}

TEST_CASE("The response phase offers the request's traceparent in place of the upstream one") {
  CHECK(ResponseForwardCandidates({{"x-up", "1"}, {"traceparent", "upstream"}},
                                  {{"traceparent", "client"}, {"traceparent", "second"}}) ==
        http::HeaderList{{"x-up", "1"}, {"traceparent", "client"}});
  CHECK(ResponseForwardCandidates({{"x-up", "1"}}, {{"x-other", "2"}}) ==
        http::HeaderList{{"x-up", "1"}});
}

TEST_CASE("A webhook call posts to /request or /response with content-type last") {
  WebhookGuard webhook;
  webhook.forward_header_matches = {Exact("x-tenant", "acme")};
  GuardHttpCall call = WebhookCall(webhook, GuardPhase::kRequest, {{"user", "hi"}},
                                   {{"x-tenant", "acme"}, {"x-other", "1"}});
  CHECK(call.method == "POST");
  CHECK(call.path == "/request");
  CHECK(call.headers ==
        http::HeaderList{{"x-tenant", "acme"}, {"content-type", "application/json"}});
  CHECK(call.body == R"({"body":{"messages":[{"role":"user","content":"hi"}]}})");
  GuardHttpCall response = WebhookCall(webhook, GuardPhase::kResponse, {{"assistant", "a"}}, {});
  CHECK(response.path == "/response");
  CHECK(response.headers == http::HeaderList{{"content-type", "application/json"}});
  CHECK(response.body ==
        R"({"body":{"choices":[{"message":{"role":"assistant","content":"a"}}]}})");
}

// --- Replies -----------------------------------------------------------------------------

TEST_CASE("A webhook reply is read as Mask then Reject then Pass") {
  Expected<WebhookReply> mask = ParseWebhookReply(
      R"({"action":{"body":{"messages":[{"role":"user","content":"<x>"}]},"reason":"pii"}})");
  REQUIRE(mask);
  CHECK(mask->action == WebhookReply::Action::kMask);
  CHECK_FALSE(mask->mask_choices);
  REQUIRE(mask->mask.size() == 1);
  CHECK(mask->mask[0].role == "user");
  CHECK(mask->mask[0].content == "<x>");
  CHECK(mask->reason == "pii");

  Expected<WebhookReply> choices = ParseWebhookReply(
      R"({"action":{"body":{"choices":[{"message":{"role":"assistant","content":"c"},"index":0}]}}})");
  REQUIRE(choices);
  CHECK(choices->action == WebhookReply::Action::kMask);
  CHECK(choices->mask_choices);
  CHECK(choices->mask[0].content == "c");

  Expected<WebhookReply> reject =
      ParseWebhookReply(R"({"action":{"body":"no way","status_code":422},"extra":1})");
  REQUIRE(reject);
  CHECK(reject->action == WebhookReply::Action::kReject);
  CHECK(reject->status_code == 422);
  CHECK(reject->body == "no way");

  for (std::string_view pass :
       {R"({"action":{}})", R"({"action":{"reason":"fine"}})",
        // A message with a member besides role and content is no mask message.
        R"({"action":{"body":{"messages":[{"role":"user","content":"x","name":"n"}]}}})",
        // A status that is no u16, or not an integer, is no reject.
        R"({"action":{"body":"x","status_code":70000}})",
        R"({"action":{"body":"x","status_code":403.0}})"}) {
    Expected<WebhookReply> reply = ParseWebhookReply(pass);
    REQUIRE(reply);
    CHECK(reply->action == WebhookReply::Action::kPass);
  }
}

TEST_CASE("An unreadable webhook reply is an error") {
  CHECK(ParseWebhookReply("not json").error().message == "the webhook reply is not a JSON object");
  CHECK(ParseWebhookReply(R"({"result":"ok"})").error().message ==
        "the webhook reply has no action object");
  CHECK(ParseWebhookReply(R"({"action":{"reason":5}})").error().message ==
        "the webhook reply's action fits no Mask, Reject or Pass shape");
}

// --- Request masks -----------------------------------------------------------------------

TEST_CASE("A Completions mask replaces every message and loses tool calls") {
  CHECK(Masked(InputFormat::kCompletions,
               R"({"model":"m","messages":[{"role":"user","name":"n","content":[
                   {"type":"text","text":"secret"}]},{"role":"assistant","content":null,
                   "tool_calls":[{"id":"c"}]}],"stream":false})",
               {{"user", "<masked>"}, {"assistant", ""}}) ==
        R"({"model":"m","messages":[{"role":"user","content":"<masked>"},)"
        R"({"role":"assistant","content":""}],"stream":false})");
}

TEST_CASE("An Anthropic mask rebuilds system from system entries and drops it when none") {
  CHECK(Masked(InputFormat::kMessages,
               R"({"model":"m","system":"old","messages":[{"role":"user","content":[
                   {"type":"text","text":"a","cache_control":{"type":"ephemeral"}}]}]})",
               {{"system", "s"}, {"user", "b"}}) ==
        R"({"model":"m","system":[{"type":"text","text":"s"}],)"
        R"("messages":[{"role":"user","content":"b"}]})");
  CHECK(Masked(InputFormat::kMessages,
               R"({"model":"m","system":"old","messages":[{"role":"user","content":"a"}]})",
               {{"user", "b"}}) == R"({"model":"m","messages":[{"role":"user","content":"b"}]})");
}

TEST_CASE("A Responses mask gives instructions the first system entry or removes them") {
  std::string_view request =
      R"({"model":"m","instructions":"old","input":[{"type":"function_call","call_id":"c",)"
      R"("name":"f","arguments":"{}"},{"role":"user","content":"q"}]})";
  CHECK(Masked(InputFormat::kResponses, request,
               {{"developer", "new rules"}, {"user", "q2"}, {"assistant", "a"}}) ==
        R"({"model":"m","instructions":"new rules","input":[)"
        R"({"type":"message","content":[{"type":"input_text","text":"q2"}],"role":"user"},)"
        R"({"type":"message","role":"assistant","content":"a"}]})");
  CHECK(Masked(InputFormat::kResponses, request, {{"user", "q2"}, {"tool", "t"}}) ==
        R"({"model":"m","input":[)"
        R"({"type":"message","content":[{"type":"input_text","text":"q2"}],"role":"user"},)"
        R"({"type":"message","content":[{"type":"input_text","text":"t"}],"role":"user"}]})");
  // Without instructions, a system entry becomes an input item.
  CHECK(Masked(InputFormat::kResponses, R"({"input":"q"})", {{"system", "s"}}) ==
        R"({"input":[{"type":"message","content":[{"type":"input_text","text":"s"}],)"
        R"("role":"system"}]})");
}

TEST_CASE("A Gemini mask of the same shape rewrites text in place and keeps other parts") {
  CHECK(Masked(InputFormat::kGemini,
               R"({"systemInstruction":{"parts":[{"text":"s1"},{"text":"s2"}]},"contents":[
                   {"role":"user","parts":[{"text":"a"},{"inlineData":{"mimeType":"image/png"}},
                   {"text":"b"}]},{"role":"model","parts":[{"text":"c"}]}]})",
               {{"system", "S"}, {"user", "A"}, {"assistant", ""}}) ==
        R"({"systemInstruction":{"parts":[{"text":"S"}]},"contents":[)"
        R"({"role":"user","parts":[{"text":"A"},{"inlineData":{"mimeType":"image/png"}}]},)"
        R"({"role":"model"}]})");
}

TEST_CASE("A Gemini mask of another shape rebuilds the contents") {
  CHECK(Masked(InputFormat::kGemini,
               R"({"contents":[{"role":"user","parts":[{"inlineData":{}},{"text":"a"}]}]})",
               {{"system", ""}, {"user", "x"}, {"assistant", "y"}}) ==
        R"({"contents":[{"role":"user","parts":[{"text":"x"}]},)"
        R"({"role":"model","parts":[{"text":"y"}]}],"systemInstruction":{"parts":[{"text":""}]}})");
}

// --- Response masks ----------------------------------------------------------------------

TEST_CASE("A response mask sets each choice per format") {
  CHECK(MaskedResponse(InputFormat::kCompletions,
                       R"({"choices":[{"index":0,"message":{"role":"assistant","content":"a",)"
                       R"("refusal":null}}]})",
                       {{"assistant", ""}}) ==
        R"({"choices":[{"index":0,"message":{"role":"assistant","content":"","refusal":null}}]})");
  CHECK(MaskedResponse(InputFormat::kMessages,
                       R"({"content":[{"type":"text","text":"t"},)"
                       R"({"type":"tool_use","id":"u","name":"f","input":{}}]})",
                       {{"assistant", "T"}, {"assistant", "U"}}) ==
        R"({"content":[{"type":"text","text":"T"},)"
        R"({"text":"U","type":"tool_use","id":"u","name":"f","input":{}}]})");
  CHECK(
      MaskedResponse(InputFormat::kResponses,
                     R"({"output":[{"type":"reasoning"},{"type":"message","id":"m",)"
                     R"("content":[{"type":"output_text","text":"x","annotations":[{"i":1}]}]}]})",
                     {{"assistant", "X"}}) ==
      R"({"output":[{"type":"reasoning"},{"type":"message","id":"m","content":[{"type":)"
      R"("output_text","annotations":[],"logprobs":null,"text":"X"}]}]})");
  CHECK(MaskedResponse(InputFormat::kGemini,
                       R"({"candidates":[{"content":{"parts":[{"text":"th","thought":true},)"
                       R"({"text":"a"},{"text":"b"}]}},{"content":{"parts":[{"text":"c"}]}}]})",
                       {{"assistant", "AB"}, {"assistant", ""}}) ==
        R"({"candidates":[{"content":{"parts":[{"text":"th","thought":true},{"text":"AB"}]}},)"
        R"({"content":{}}]})");
}

TEST_CASE("A response mask with another number of choices is an error") {
  Json response = Parse(R"({"choices":[{"message":{"content":"a"}}]})");
  Json before = response;
  Expected<void> set = SetGuardResponseChoices(InputFormat::kCompletions, response,
                                               {{"assistant", "x"}, {"assistant", "y"}});
  REQUIRE_FALSE(set);
  CHECK(set.error().message == "webhook response message count mismatch");
  CHECK(response == before);
}

// --- Evaluating webhooks -----------------------------------------------------------------

TEST_CASE("A webhook mask edits the request and a later regex guard sees the masked text") {
  CompiledPromptGuard compiled;
  compiled.request = {WebhookGuardOf(), RegexMasking("token")};
  FakeCaller caller({Reply(
      R"({"action":{"body":{"messages":[{"role":"user","content":"[name] has a token"}]}}})")});
  http::HeaderList headers = {{"x-tenant", "acme"}};
  Json request = Parse(R"({"model":"m","messages":[{"role":"user","content":"Bob has a token"}]})");
  RequestGuardResult result = ApplyRequestGuards(compiled, InputFormat::kCompletions, request,
                                                 RemoteGuardContext{&caller, &headers, nullptr});
  CHECK(result.action == Action::kMask);
  REQUIRE(result.checks.size() == 2);
  CHECK(result.checks[0].action == Action::kMask);
  CHECK(result.checks[0].guard_kind == "webhook");
  CHECK(result.checks[1].action == Action::kMask);
  CHECK(result.unenforced.empty());
  CHECK(llm::WriteJson(request) ==
        R"({"model":"m","messages":[{"role":"user","content":"[name] has a <masked>"}]})");
  REQUIRE(caller.calls().size() == 1);
  CHECK(caller.calls()[0].path == "/request");
  CHECK(caller.calls()[0].body ==
        R"({"body":{"messages":[{"role":"user","content":"Bob has a token"}]}})");
}

TEST_CASE("A webhook reject answers with the webhook's status and body") {
  CompiledPromptGuard compiled;
  compiled.request = {WebhookGuardOf(), RegexMasking("x")};
  FakeCaller caller({Reply(R"({"action":{"body":"denied","status_code":409}})", 500)});
  Json request = Parse(R"({"messages":[{"role":"user","content":"x"}]})");
  RequestGuardResult result = ApplyRequestGuards(compiled, InputFormat::kCompletions, request,
                                                 RemoteGuardContext{&caller, nullptr, nullptr});
  CHECK(result.action == Action::kReject);
  CHECK(result.guard_kind == "webhook");
  CHECK(result.rejection.status == 409);
  CHECK(result.rejection.body == "denied");
  REQUIRE(result.checks.size() == 1);
  CHECK(GuardMetricAction(result.checks[0].action) == "Reject");
}

TEST_CASE("A failed webhook call fails open or closed by failureMode") {
  Json request = Parse(R"({"messages":[{"role":"user","content":"x"}]})");
  FakeCaller refused({MakeError("webhook guards/checker:8000: cannot connect")});
  CompiledPromptGuard open_guard;
  open_guard.request = {WebhookGuardOf(FailureMode::kFailOpen)};
  RequestGuardResult opened = ApplyRequestGuards(open_guard, InputFormat::kCompletions, request,
                                                 RemoteGuardContext{&refused, nullptr, nullptr});
  CHECK(opened.action == Action::kAllow);
  REQUIRE(opened.checks.size() == 1);
  CHECK(opened.checks[0].action == Action::kFailOpen);
  CHECK(opened.checks[0].error ==
        "webhook call failed: webhook guards/checker:8000: cannot connect");
  CHECK(GuardMetricAction(Action::kFailOpen) == "FailOpen");

  CompiledPromptGuard closed_guard;
  closed_guard.request = {WebhookGuardOf(FailureMode::kFailClosed)};
  RequestGuardResult closed = ApplyRequestGuards(closed_guard, InputFormat::kCompletions, request,
                                                 RemoteGuardContext{&refused, nullptr, nullptr});
  CHECK(closed.action == Action::kError);
  CHECK(closed.guard_kind == "webhook");
  CHECK(closed.error == "webhook call failed: webhook guards/checker:8000: cannot connect");
  CHECK(closed.checks.empty());

  FakeCaller garbled({Reply("<html>bad gateway</html>", 502)});
  RequestGuardResult unreadable =
      ApplyRequestGuards(open_guard, InputFormat::kCompletions, request,
                         RemoteGuardContext{&garbled, nullptr, nullptr});
  REQUIRE(unreadable.checks.size() == 1);
  CHECK(unreadable.checks[0].action == Action::kFailOpen);
  CHECK(unreadable.checks[0].error == "the webhook reply is not a JSON object");
}

TEST_CASE("A wrong mask kind or an invalid reject status is an error even when failing open") {
  Json request = Parse(R"({"messages":[{"role":"user","content":"x"}]})");
  Guard guard = WebhookGuardOf(FailureMode::kFailOpen);
  FakeCaller choices(
      {Reply(R"({"action":{"body":{"choices":[{"message":{"role":"a","content":"b"}}]}}})")});
  GuardVerdict wrong = EvaluateWebhookRequest(guard, 0, InputFormat::kCompletions, request,
                                              RemoteGuardContext{&choices, nullptr, nullptr});
  CHECK(wrong.action == Action::kError);
  CHECK(wrong.error == "invalid webhook response");

  FakeCaller status({Reply(R"({"action":{"body":"x","status_code":1000}})")});
  GuardVerdict invalid = EvaluateWebhookRequest(guard, 0, InputFormat::kCompletions, request,
                                                RemoteGuardContext{&status, nullptr, nullptr});
  CHECK(invalid.action == Action::kError);
  CHECK(invalid.error == "webhook reject status_code 1000 is not an HTTP status");
}

TEST_CASE("A response webhook masks choices and a count mismatch is an error") {
  CompiledPromptGuard compiled;
  compiled.response = {WebhookGuardOf()};
  http::HeaderList candidates =
      ResponseForwardCandidates({{"x-model", "gpt"}}, {{"traceparent", "00-abc-def-01"}});
  std::get<WebhookGuard>(compiled.response[0].spec).forward_header_matches = {
      Exact("traceparent", "00-abc-def-01")};
  FakeCaller caller({Reply(
      R"({"action":{"body":{"choices":[{"message":{"role":"assistant","content":"***"}}]}}})")});
  Json response = Parse(R"({"choices":[{"message":{"role":"assistant","content":"secret"}}]})");
  ResponseGuardResult result =
      ApplyResponseGuards(compiled, InputFormat::kCompletions, response,
                          RemoteGuardContext{&caller, &candidates, nullptr});
  CHECK(result.action == Action::kMask);
  CHECK(llm::WriteJson(response) ==
        R"({"choices":[{"message":{"role":"assistant","content":"***"}}]})");
  REQUIRE(caller.calls().size() == 1);
  CHECK(caller.calls()[0].path == "/response");
  CHECK(caller.calls()[0].headers ==
        http::HeaderList{{"traceparent", "00-abc-def-01"}, {"content-type", "application/json"}});

  Json two = Parse(R"({"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}}]})");
  ResponseGuardResult mismatch = ApplyResponseGuards(compiled, InputFormat::kCompletions, two,
                                                     RemoteGuardContext{&caller, nullptr, nullptr});
  CHECK(mismatch.action == Action::kError);
  CHECK(mismatch.error == "webhook response message count mismatch");

  FakeCaller messages({Reply(R"({"action":{"body":{"messages":[]}}})")});
  ResponseGuardResult wrong = ApplyResponseGuards(compiled, InputFormat::kCompletions, two,
                                                  RemoteGuardContext{&messages, nullptr, nullptr});
  CHECK(wrong.action == Action::kError);
  CHECK(wrong.error == "invalid webhook response");
}

TEST_CASE("Webhook CEL headers are reported unenforced and remote guards without a caller too") {
  CompiledPromptGuard compiled;
  compiled.request = {WebhookGuardOf(), ModerationGuardOf()};
  std::get<WebhookGuard>(compiled.request[0].spec).headers = {{"x-user", "jwt.sub"}};
  Json request = Parse(R"({"messages":[{"role":"user","content":"x"}]})");
  RequestGuardResult skipped = ApplyRequestGuards(compiled, InputFormat::kCompletions, request);
  CHECK(skipped.unenforced ==
        std::vector<std::string>{"request[0] webhook", "request[1] openAIModeration"});
  CHECK(skipped.checks.empty());

  FakeCaller caller(
      {Reply(R"({"action":{}})"), Reply(R"({"id":"m","model":"omni","results":[{"flagged":false,)"
                                        R"("categories":{},"category_scores":{}}]})")});
  RequestGuardResult called = ApplyRequestGuards(compiled, InputFormat::kCompletions, request,
                                                 RemoteGuardContext{&caller, nullptr, nullptr});
  CHECK(called.action == Action::kAllow);
  CHECK(called.unenforced == std::vector<std::string>{"request[0] webhook headers"});
  REQUIRE(called.checks.size() == 2);
  CHECK(caller.kinds() ==
        std::vector<GuardKind>{GuardKind::kWebhook, GuardKind::kOpenAIModeration});
}

// Sets every expression's name to its text, and moves the call when `:path` is set.
class LiteralHeaders : public WebhookHeaderExpressions {
 public:
  void Apply(const WebhookGuard& webhook, const Json* llm_request,
             GuardHttpCall& call) const override {
    saw_request = llm_request != nullptr;
    for (const auto& [name, expression] : webhook.headers) {
      if (name == ":path") {
        call.path = expression;
      } else {
        http::SetHeader(call.headers, name, expression);
      }
    }
  }
  mutable bool saw_request = false;
};

TEST_CASE("The CEL header hook edits the call before it is made") {
  Guard guard = WebhookGuardOf();
  std::get<WebhookGuard>(guard.spec).headers = {{":path", "/v3/check"}, {"x-user", "u1"}};
  FakeCaller caller({Reply(R"({"action":{}})")});
  LiteralHeaders hook;
  Json request = Parse(R"({"messages":[]})");
  GuardVerdict verdict = EvaluateWebhookRequest(guard, 0, InputFormat::kCompletions, request,
                                                RemoteGuardContext{&caller, nullptr, &hook});
  CHECK(verdict.action == Action::kAllow);
  CHECK(hook.saw_request);
  REQUIRE(caller.calls().size() == 1);
  CHECK(caller.calls()[0].path == "/v3/check");
  CHECK(caller.calls()[0].headers ==
        http::HeaderList{{"content-type", "application/json"}, {"x-user", "u1"}});
}

// --- Moderation --------------------------------------------------------------------------

TEST_CASE("The moderation call sends every message's content and the model") {
  ModerationGuard moderation;
  GuardHttpCall call = ModerationCall(
      moderation, GuardRequestMessages(InputFormat::kMessages, Parse(R"({"system":"sys",
          "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]})")));
  CHECK(call.method == "POST");
  CHECK(call.path == "/v1/moderations");
  CHECK(call.headers == http::HeaderList{{"content-type", "application/json"}});
  CHECK(call.body == R"({"input":["sys","hi","yo"],"model":"omni-moderation-latest"})");
}

TEST_CASE("A flagged moderation result rejects with the guard's rejection") {
  Guard guard = ModerationGuardOf();
  Json request = Parse(R"({"messages":[{"role":"user","content":"bad"}]})");
  FakeCaller flagged({Reply(R"({"id":"modr-1","model":"omni-moderation-latest","results":[)"
                            R"({"flagged":false,"categories":{},"category_scores":{}},)"
                            R"({"flagged":true,"categories":{"violence":true},)"
                            R"("category_scores":{"violence":0.9}}]})")});
  GuardVerdict verdict = EvaluateModeration(guard, 2, InputFormat::kCompletions, request,
                                            RemoteGuardContext{&flagged, nullptr, nullptr});
  CHECK(verdict.action == Action::kReject);
  CHECK(verdict.guard_kind == "openAIModeration");
  CHECK(verdict.guard_index == 2);
  CHECK(verdict.rejection.status == 451);
  CHECK(verdict.rejection.body == "flagged by moderation");
}

TEST_CASE("An unreadable moderation reply or a failed call is an error") {
  Guard guard = ModerationGuardOf();
  Json request = Parse(R"({"messages":[{"role":"user","content":"x"}]})");
  FakeCaller unauthorized(
      {Reply(R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}})",
             401)});
  GuardVerdict denied = EvaluateModeration(guard, 0, InputFormat::kCompletions, request,
                                           RemoteGuardContext{&unauthorized, nullptr, nullptr});
  CHECK(denied.action == Action::kError);
  CHECK(denied.error == "the moderation reply is not a moderation response");

  FakeCaller partial({Reply(R"({"id":"m","model":"x","results":[{"flagged":true}]})")});
  GuardVerdict shapeless = EvaluateModeration(guard, 0, InputFormat::kCompletions, request,
                                              RemoteGuardContext{&partial, nullptr, nullptr});
  CHECK(shapeless.action == Action::kError);
  CHECK(shapeless.error ==
        "the moderation reply has a result without flagged, categories and category_scores");

  FakeCaller refused({MakeError("openAIModeration: no reply within 10000 ms")});
  GuardVerdict failed = EvaluateModeration(guard, 0, InputFormat::kCompletions, request,
                                           RemoteGuardContext{&refused, nullptr, nullptr});
  CHECK(failed.action == Action::kError);
  CHECK(failed.error == "openAIModeration call failed: openAIModeration: no reply within 10000 ms");
}

}  // namespace
}  // namespace agw::emulator::policy
