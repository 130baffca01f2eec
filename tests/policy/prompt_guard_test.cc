#include "emulator/policy/prompt_guard.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "emulator/llm/json_codec.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/yaml_reader.h"

namespace agw::emulator::policy {
namespace {

using llm::InputFormat;
using llm::Json;
using Action = GuardVerdict::Action;

// A promptGuard block read with the project's YAML reader; keeps the source file alive for the
// positions the compiled guard's raw values borrow.
struct YamlGuard {
  std::unique_ptr<validate::manifest::SourceFile> file;
  CompiledPromptGuard compiled;
};

YamlGuard FromYaml(std::string text) {
  YamlGuard guard;
  guard.file = std::make_unique<validate::manifest::SourceFile>("guard.yaml", std::move(text));
  validate::manifest::DiagnosticSink sink;
  std::vector<validate::manifest::Document> documents =
      validate::manifest::ParseDocuments(*guard.file, sink);
  REQUIRE(documents.size() == 1);
  REQUIRE(sink.diagnostics().empty());
  guard.compiled = CompilePromptGuard(documents[0].root);
  return guard;
}

RegexRule Pattern(std::string_view pattern) {
  Expected<RegexRule> rule = CompilePattern(pattern);
  REQUIRE(rule);
  return *rule;
}

RegexGuard Masking(std::vector<RegexRule> rules) { return {RegexAction::kMask, std::move(rules)}; }
RegexGuard Rejecting(std::vector<RegexRule> rules) {
  return {RegexAction::kReject, std::move(rules)};
}

// `text` through a regex guard, with the action it produced.
std::pair<Action, std::string> Run(const RegexGuard& regex, std::string text) {
  Action action = ApplyRegexToText(regex, text);
  return {action, text};
}

std::string Masked(Builtin builtin, std::string text) {
  return Run(Masking({RegexRule::OfBuiltin(builtin)}), std::move(text)).second;
}

Guard RegexGuardOf(RegexGuard regex, ScopeSet scope = ScopeSet::Default()) {
  Guard guard;
  guard.kind = GuardKind::kRegex;
  guard.scope = scope;
  guard.spec = std::move(regex);
  return guard;
}

CompiledPromptGuard RequestGuards(std::vector<Guard> guards) {
  CompiledPromptGuard compiled;
  compiled.request = std::move(guards);
  return compiled;
}

CompiledPromptGuard ResponseGuards(std::vector<Guard> guards, bool streaming = false) {
  CompiledPromptGuard compiled;
  compiled.response = std::move(guards);
  compiled.streaming = streaming;
  return compiled;
}

CompiledPromptGuard MaskSecret(ScopeSet scope = ScopeSet::Default()) {
  return RequestGuards({RegexGuardOf(Masking({Pattern("secret")}), scope)});
}

CompiledPromptGuard RejectSecretToken(std::string_view pattern = "secret token") {
  return RequestGuards({RegexGuardOf(Rejecting({Pattern(pattern)}))});
}

// --- One string --------------------------------------------------------------------------

TEST_CASE("The spec's masking vectors are reproduced") {
  RegexGuard email = Masking({RegexRule::OfBuiltin(Builtin::kEmail)});
  CHECK(Run(email, "contact john.doe@example.com now") ==
        std::pair<Action, std::string>{Action::kMask, "contact <EMAIL_ADDRESS> now"});
  CHECK(Masked(Builtin::kSsn, "My ssn is 123-45-6789 ok") == "My ssn is <SSN> ok");
  RegexGuard card_then_digits =
      Masking({RegexRule::OfBuiltin(Builtin::kCreditCard), Pattern(R"(\d{2})")});
  CHECK(Run(card_then_digits, "Card number: 4111-1111-1111-1111 or id:12-34").second ==
        "Card number: <CREDIT_CARD> or id:<masked>-<masked>");
}

TEST_CASE("Ssn masks each of its five shapes and leaves other digit groups") {
  CHECK(Masked(Builtin::kSsn, "a 12345-6789 b") == "a <SSN> b");
  CHECK(Masked(Builtin::kSsn, "a 123-456789 b") == "a <SSN> b");
  CHECK(Masked(Builtin::kSsn, "a 123456789 b") == "a <SSN> b");
  CHECK(Masked(Builtin::kSsn, "a 123 45 6789 b") == "a <SSN> b");
  CHECK(Masked(Builtin::kSsn, "a 123.45.6789 b") == "a <SSN> b");
  CHECK(Masked(Builtin::kSsn, "call 1234-5678 or 1234567890") == "call 1234-5678 or 1234567890");
}

TEST_CASE("CreditCard masks the brands it knows without a Luhn check") {
  CHECK(Masked(Builtin::kCreditCard, "pay 4111 1111 1111 1111 now") == "pay <CREDIT_CARD> now");
  CHECK(Masked(Builtin::kCreditCard, "pay 5500-0000 0000-0004") == "pay <CREDIT_CARD>");
  CHECK(Masked(Builtin::kCreditCard, "amex 378282246310005") == "amex <CREDIT_CARD>");
  CHECK(Masked(Builtin::kCreditCard, "luhn fails 4111111111111112") == "luhn fails <CREDIT_CARD>");
  CHECK(Masked(Builtin::kCreditCard, "2-series 2221 0000 0000 0009") ==
        "2-series 2221 0000 0000 0009");
  CHECK(Masked(Builtin::kCreditCard, "short 4111 1111") == "short 4111 1111");
}

TEST_CASE("Email swallows a trailing dot and needs a dotted domain") {
  CHECK(Masked(Builtin::kEmail, "mail a.b+c@mail.example.com.") == "mail <EMAIL_ADDRESS>");
  CHECK(Masked(Builtin::kEmail, "mail root@localhost now") == "mail root@localhost now");
}

TEST_CASE("CaSin masks three groups of three and nine digits") {
  CHECK(Masked(Builtin::kCaSin, "sin 046 454 286 ok") == "sin <CA_SIN> ok");
  CHECK(Masked(Builtin::kCaSin, "sin 046-454-286") == "sin <CA_SIN>");
  CHECK(Masked(Builtin::kCaSin, "sin 046454286") == "sin <CA_SIN>");
  CHECK(Masked(Builtin::kCaSin, "sin 046.454.286") == "sin 046.454.286");
}

TEST_CASE("PhoneNumber masks valid numbers with the greedy tail inside the range") {
  CHECK(Masked(Builtin::kPhoneNumber, "call (415) 555-2671 now") == "call <PHONE_NUMBER>now");
  CHECK(Masked(Builtin::kPhoneNumber, "uk +44 20 7946 0958") == "uk <PHONE_NUMBER>");
  CHECK(Masked(Builtin::kPhoneNumber, "123") == "123");
  CHECK(Masked(Builtin::kPhoneNumber, "order 12345678 shipped") == "order 12345678 shipped");
  CHECK(Masked(Builtin::kPhoneNumber, "ssn 123-45-6789") == "ssn 123-45-6789");
}

TEST_CASE("The phone number approximation accepts the seven regions only") {
  CHECK(PlausiblePhoneNumber("+1 415 555 2671"));
  CHECK(PlausiblePhoneNumber("1-415-555-2671"));
  CHECK(PlausiblePhoneNumber("+49 30 123456"));
  CHECK(PlausiblePhoneNumber("+972 3-123-4567"));
  CHECK(PlausiblePhoneNumber("+91 98765 43210"));
  CHECK(PlausiblePhoneNumber("+55 11 98765-4321"));
  CHECK(PlausiblePhoneNumber("020 7946 0958"));
  CHECK(PlausiblePhoneNumber("98765 43210"));
  CHECK(PlausiblePhoneNumber("11 98765-4321"));
  CHECK_FALSE(PlausiblePhoneNumber("+33 1 23 45 67 89"));
  CHECK_FALSE(PlausiblePhoneNumber("+1 115 555 2671"));
  CHECK_FALSE(PlausiblePhoneNumber("(107) 655-2671"));
  CHECK_FALSE(PlausiblePhoneNumber("4111 1111 1111 1111"));
}

TEST_CASE("Rules apply cumulatively each on the text the previous left") {
  RegexGuard guard = Masking(
      {RegexRule::OfBuiltin(Builtin::kSsn), RegexRule::OfBuiltin(Builtin::kCaSin), Pattern("SSN")});
  CHECK(Run(guard, "id 123456789").second == "id <<masked>>");
}

TEST_CASE("Reject stops at the first hit and counts a zero-width match") {
  CHECK(Run(Rejecting({Pattern("z*")}), "anything").first == Action::kReject);
  CHECK(Run(Rejecting({Pattern("secret")}), "nothing here") ==
        std::pair<Action, std::string>{Action::kAllow, "nothing here"});
  CHECK(Run(Rejecting({RegexRule::OfBuiltin(Builtin::kEmail)}), "x a@b.co").first ==
        Action::kReject);
}

TEST_CASE("A zero-width mask pattern is a no-op") {
  CHECK(Run(Masking({Pattern("z*")}), "buzz") ==
        std::pair<Action, std::string>{Action::kMask, "bu<masked>"});
  CHECK(Run(Masking({Pattern("q*")}), "buzz") ==
        std::pair<Action, std::string>{Action::kAllow, "buzz"});
}

TEST_CASE("Custom patterns are case-sensitive unless they ask otherwise") {
  CHECK(Run(Masking({Pattern("secret")}), "Secret secret").second == "Secret <masked>");
  CHECK(Run(Masking({Pattern("(?i)secret")}), "Secret secret").second == "<masked> <masked>");
  CHECK(Run(Masking({Pattern("^a")}), "a\na").second == "<masked>\na");
}

// --- Compiling -----------------------------------------------------------------------------

TEST_CASE("CompilePromptGuard reads the CRD block with its defaults") {
  YamlGuard guard = FromYaml(R"(streaming: Enabled
request:
- regex:
    builtins: [Ssn]
    matches: ['[0-9]{2}']
- regex:
    action: Reject
    matches: [forbidden]
  response:
    message: no way
    statusCode: 451
  scope: [Messages, ToolOutput]
- webhook:
    backendRef: {name: checker, namespace: guards, port: 8000}
    forwardHeaderMatches:
    - {name: x-team, value: blue}
    - {name: x-id, type: RegularExpression, value: 'a.*'}
    failureMode: FailOpen
- openAIModeration: {}
response:
- regex:
    action: Reject
    builtins: [Email]
  response: {statusCode: 999}
)");
  const CompiledPromptGuard& compiled = guard.compiled;
  CHECK(compiled.problems.empty());
  CHECK(compiled.streaming);
  REQUIRE(compiled.request.size() == 4);
  REQUIRE(compiled.response.size() == 1);

  const Guard& first = compiled.request[0];
  CHECK(first.kind == GuardKind::kRegex);
  CHECK(first.rejection.status == 403);
  CHECK(first.rejection.body == "The request was rejected due to inappropriate content");
  CHECK(first.scope == ScopeSet::Default());
  const auto& first_regex = std::get<RegexGuard>(first.spec);
  CHECK(first_regex.action == RegexAction::kMask);
  REQUIRE(first_regex.rules.size() == 2);
  CHECK(first_regex.rules[0].source == "[0-9]{2}");  // matches before builtins
  CHECK(first_regex.rules[1].source == "Ssn");

  const Guard& second = compiled.request[1];
  CHECK(std::get<RegexGuard>(second.spec).action == RegexAction::kReject);
  CHECK(second.rejection.status == 451);
  CHECK(second.rejection.body == "no way");
  CHECK(second.scope == ScopeSet().Add(ContentScope::kMessages).Add(ContentScope::kToolOutput));

  const Guard& third = compiled.request[2];
  CHECK(third.kind == GuardKind::kWebhook);
  const auto& webhook = std::get<WebhookGuard>(third.spec);
  CHECK(webhook.backend_ref.name == "checker");
  CHECK(webhook.backend_ref.namespace_name == "guards");
  CHECK(webhook.backend_ref.kind == "Service");
  CHECK(webhook.backend_ref.port == 8000);
  REQUIRE(webhook.forward_header_matches.size() == 2);
  CHECK_FALSE(webhook.forward_header_matches[0].regular_expression);
  CHECK(webhook.forward_header_matches[1].regular_expression);
  CHECK(webhook.forward_header_matches[1].value == "a.*");
  CHECK(webhook.failure_mode == FailureMode::kFailOpen);

  CHECK(compiled.request[3].kind == GuardKind::kOpenAIModeration);
  CHECK(std::get<ModerationGuard>(compiled.request[3].spec).model == "omni-moderation-latest");
  CHECK(compiled.response[0].rejection.status == 403);
}

TEST_CASE("Matches run before builtins whatever the YAML order") {
  YamlGuard guard =
      FromYaml("request:\n- regex:\n    builtins: [Ssn]\n    matches: ['[0-9]{2}']\n");
  Json request = Json::parse(R"({"messages":[{"role":"user","content":"123-45-6789"}]})");
  GuardResult result = ApplyRequestGuards(guard.compiled, InputFormat::kCompletions, request);
  CHECK(result.action == Action::kMask);
  CHECK(request["messages"][0]["content"] == "<masked>3-<masked>-<masked><masked>");
}

TEST_CASE("An invalid pattern is skipped and described while the rest applies") {
  YamlGuard guard = FromYaml(R"(request:
- regex:
    matches: ['(', 'secret']
    builtins: [Passport]
- scope: [Messages]
)");
  CHECK(guard.compiled.problems ==
        std::vector<std::string>{"promptGuard.request[0].regex.matches[0]: invalid regex "
                                 "\"(\": missing ): (; the rule is skipped",
                                 "promptGuard.request[0].regex.builtins[0]: unknown builtin "
                                 "\"Passport\"; skipped",
                                 "promptGuard.request[1]: no guard kind (regex, webhook, "
                                 "openAIModeration, bedrockGuardrails or "
                                 "googleModelArmor); skipped"});
  REQUIRE(guard.compiled.request.size() == 1);
  Json request = Json::parse(R"({"messages":[{"role":"user","content":"my secret"}]})");
  ApplyRequestGuards(guard.compiled, InputFormat::kCompletions, request);
  CHECK(request["messages"][0]["content"] == "my <masked>");
}

TEST_CASE("A non-default scope on a webhook falls back to the default with a problem") {
  YamlGuard guard = FromYaml(R"(request:
- webhook: {backendRef: {name: w}}
  scope: [ToolInput]
)");
  CHECK(guard.compiled.problems ==
        std::vector<std::string>{"promptGuard.request[0].scope: only regex and bedrockGuardrails "
                                 "guards support a non-default scope; the default "
                                 "(SystemPrompt, Messages) applies"});
  REQUIRE(guard.compiled.request.size() == 1);
  CHECK(guard.compiled.request[0].scope == ScopeSet::Default());
}

// --- Requests ------------------------------------------------------------------------------

TEST_CASE("A reject guard answers its custom status and message") {
  YamlGuard guard = FromYaml(R"(request:
- regex: {action: Reject, builtins: [CreditCard]}
  response: {message: card numbers are not allowed, statusCode: 422}
)");
  Json request =
      Json::parse(R"({"messages":[{"role":"user","content":"my card is 4111 1111 1111 1111"}]})");
  Json before = request;
  GuardResult result = ApplyRequestGuards(guard.compiled, InputFormat::kCompletions, request);
  CHECK(result.action == Action::kReject);
  CHECK(result.rejection.status == 422);
  CHECK(result.rejection.body == "card numbers are not allowed");
  CHECK(result.guard_kind == "regex");
  REQUIRE(result.checks.size() == 1);
  CHECK(GuardMetricAction(result.checks[0].action) == "Reject");
  CHECK(request == before);
}

TEST_CASE("A reject guard without a response block answers the default rejection") {
  Json request = Json::parse(R"({"messages":[{"role":"user","content":"a secret token"}]})");
  GuardResult result = ApplyRequestGuards(RejectSecretToken(), InputFormat::kCompletions, request);
  CHECK(result.action == Action::kReject);
  CHECK(result.rejection.status == 403);
  CHECK(result.rejection.body == "The request was rejected due to inappropriate content");
}

TEST_CASE("Guards run in order and the first rejection stops the rest") {
  CompiledPromptGuard compiled = RequestGuards({RegexGuardOf(Masking({Pattern("secret")})),
                                                RegexGuardOf(Rejecting({Pattern("masked")})),
                                                RegexGuardOf(Masking({Pattern("never")}))});
  Json request = Json::parse(R"({"messages":[{"role":"user","content":"a secret"}]})");
  GuardResult result = ApplyRequestGuards(compiled, InputFormat::kCompletions, request);
  CHECK(result.action == Action::kReject);
  REQUIRE(result.checks.size() == 2);
  CHECK(GuardMetricAction(result.checks[0].action) == "Mask");
  CHECK(GuardMetricAction(result.checks[1].action) == "Reject");
  CHECK(result.checks[1].guard_index == 1);
}

TEST_CASE("Remote guards are listed as unenforced and the regex guards still apply") {
  YamlGuard guard = FromYaml(R"(request:
- webhook: {backendRef: {name: w}}
- regex: {matches: [secret]}
)");
  Json request = Json::parse(R"({"messages":[{"role":"user","content":"a secret"}]})");
  GuardResult result = ApplyRequestGuards(guard.compiled, InputFormat::kCompletions, request);
  CHECK(result.action == Action::kMask);
  CHECK(result.unenforced == std::vector<std::string>{"request[0] webhook"});
  CHECK(result.checks.size() == 1);
  CHECK(
      ApplyRequestGuard(guard.compiled.request[0], 0, InputFormat::kCompletions, request).action ==
      Action::kNeedsRemoteCall);
  CHECK(GuardMetricAction(Action::kNeedsRemoteCall) == std::nullopt);
}

TEST_CASE("The system prompt is not scanned when the scope is Messages only") {
  Json request = Json::parse(R"({"messages":[
    {"role":"system","content":"secret system"},
    {"role":"developer","content":"secret developer"},
    {"role":"user","content":"secret user"}]})");
  ApplyRequestGuards(MaskSecret(ScopeSet().Add(ContentScope::kMessages)), InputFormat::kCompletions,
                     request);
  CHECK(request["messages"][0]["content"] == "secret system");
  CHECK(request["messages"][1]["content"] == "secret developer");
  CHECK(request["messages"][2]["content"] == "<masked> user");
}

TEST_CASE("Tool output is scanned only when the scope lists ToolOutput") {
  const char* body = R"({"messages":[
    {"role":"assistant","content":null,
     "tool_calls":[{"id":"c1","type":"function",
                    "function":{"name":"f","arguments":"{\"q\":\"secret\"}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"secret result"}]})";
  Json by_default = Json::parse(body);
  GuardResult result = ApplyRequestGuards(MaskSecret(), InputFormat::kCompletions, by_default);
  CHECK(result.action == Action::kAllow);
  CHECK(by_default == Json::parse(body));

  Json with_output = Json::parse(body);
  ApplyRequestGuards(MaskSecret(ScopeSet().Add(ContentScope::kToolOutput)),
                     InputFormat::kCompletions, with_output);
  CHECK(with_output["messages"][1]["content"] == "<masked> result");
  CHECK(with_output["messages"][0]["tool_calls"][0]["function"]["arguments"] ==
        "{\"q\":\"secret\"}");

  Json with_input = Json::parse(body);
  ApplyRequestGuards(MaskSecret(ScopeSet().Add(ContentScope::kToolInput)),
                     InputFormat::kCompletions, with_input);
  CHECK(with_input["messages"][0]["tool_calls"][0]["function"]["arguments"] ==
        "{\"q\":\"<masked>\"}");
  CHECK(with_input["messages"][1]["content"] == "secret result");
}

TEST_CASE("A pattern spans adjacent text parts of one message but not two messages") {
  Json spanning = Json::parse(R"({"messages":[{"role":"user","content":[
    {"type":"text","text":"Please use this secret"},
    {"type":"text","text":"token to authenticate"}]}]})");
  CHECK(ApplyRequestGuards(RejectSecretToken(), InputFormat::kCompletions, spanning).action ==
        Action::kReject);
  Json separate = Json::parse(R"({"messages":[
    {"role":"user","content":"Please use this secret"},
    {"role":"user","content":"token to authenticate"}]})");
  CHECK(ApplyRequestGuards(RejectSecretToken(), InputFormat::kCompletions, separate).action ==
        Action::kAllow);
}

TEST_CASE("An edited run collapses into its last part and other parts stay in place") {
  CompiledPromptGuard compiled = RequestGuards({RegexGuardOf(Masking({Pattern("secret token")}))});
  Json request = Json::parse(R"({"messages":[{"role":"user","content":[
    {"type":"text","text":"Please use this secret"},
    {"type":"text","text":"token to authenticate","cache_control":{"type":"ephemeral"}},
    {"type":"image_url","image_url":{"url":"https://x/secret"}},
    {"type":"text","text":"plain"},
    {"type":"text","text":"words"}]}]})");
  GuardResult result = ApplyRequestGuards(compiled, InputFormat::kCompletions, request);
  CHECK(result.action == Action::kMask);
  CHECK(request["messages"][0]["content"] == Json::parse(R"([
    {"type":"text","text":"Please use this <masked> to authenticate",
     "cache_control":{"type":"ephemeral"}},
    {"type":"image_url","image_url":{"url":"https://x/secret"}},
    {"type":"text","text":"plain"},
    {"type":"text","text":"words"}])"));
}

TEST_CASE("Anthropic system blocks join with a newline and tool results are ToolOutput") {
  Json request = Json::parse(R"({"system":[{"type":"text","text":"keep the secret"},
                                           {"type":"text","text":"token safe"}],
    "messages":[{"role":"user","content":[
      {"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"secret out"}]},
      {"type":"text","text":"say secret"}]}]})");
  CHECK(ApplyRequestGuards(RejectSecretToken(R"(secret\ntoken)"), InputFormat::kMessages, request)
            .action == Action::kReject);

  ApplyRequestGuards(MaskSecret(), InputFormat::kMessages, request);
  CHECK(request["system"] ==
        Json::parse(R"([{"type":"text","text":"keep the <masked>\ntoken safe"}])"));
  CHECK(request["messages"][0]["content"][0]["content"][0]["text"] == "secret out");
  CHECK(request["messages"][0]["content"][1]["text"] == "say <masked>");

  ApplyRequestGuards(MaskSecret(ScopeSet().Add(ContentScope::kToolOutput)), InputFormat::kMessages,
                     request);
  CHECK(request["messages"][0]["content"][0]["content"][0]["text"] == "<masked> out");
}

TEST_CASE("Anthropic text blocks of one message join with a space") {
  Json request = Json::parse(R"({"system":"secret","messages":[{"role":"assistant","content":[
    {"type":"text","text":"a secret"},{"type":"text","text":"token"}]}]})");
  CHECK(ApplyRequestGuards(RejectSecretToken(), InputFormat::kMessages, request).action ==
        Action::kReject);
  ApplyRequestGuards(MaskSecret(), InputFormat::kMessages, request);
  CHECK(request["system"] == "<masked>");
  CHECK(request["messages"][0]["content"] ==
        Json::parse(R"([{"type":"text","text":"a <masked> token"}])"));
}

TEST_CASE("Responses input is scanned with instructions as the system prompt") {
  Json request = Json::parse(R"({"instructions":"secret rules","input":[
    {"role":"user","content":[{"type":"input_text","text":"the secret"},
                              {"type":"input_text","text":"token"}]},
    {"type":"function_call_output","call_id":"c","output":"secret output"}]})");
  CHECK(ApplyRequestGuards(RejectSecretToken(R"(secret\ntoken)"), InputFormat::kResponses, request)
            .action == Action::kReject);
  ApplyRequestGuards(MaskSecret(), InputFormat::kResponses, request);
  CHECK(request["instructions"] == "<masked> rules");
  CHECK(request["input"][0]["content"] ==
        Json::parse(R"([{"type":"input_text","text":"the <masked>\ntoken"}])"));
  CHECK(request["input"][1]["output"] == "secret output");

  Json text_input = Json::parse(R"({"input":"a secret"})");
  ApplyRequestGuards(MaskSecret(), InputFormat::kResponses, text_input);
  CHECK(text_input["input"] == "a <masked>");
}

TEST_CASE("Gemini contents are scanned in runs with thoughts left alone") {
  Json request = Json::parse(R"({"systemInstruction":{"parts":[{"text":"secret sys"}]},
    "contents":[{"role":"model","parts":[
      {"text":"secret thinking","thought":true},
      {"text":"a secret"},{"text":"token"},
      {"functionCall":{"name":"f","args":{"q":"secret"}}}]}]})");
  CHECK(ApplyRequestGuards(RejectSecretToken(R"(secret\ntoken)"), InputFormat::kGemini, request)
            .action == Action::kReject);
  ApplyRequestGuards(MaskSecret(), InputFormat::kGemini, request);
  CHECK(request == Json::parse(R"({"systemInstruction":{"parts":[{"text":"<masked> sys"}]},
    "contents":[{"role":"model","parts":[
      {"text":"secret thinking","thought":true},
      {"text":"a <masked>\ntoken"},
      {"functionCall":{"name":"f","args":{"q":"secret"}}}]}]})"));
}

TEST_CASE("Tool inputs of Anthropic and Responses requests are ToolInput") {
  CompiledPromptGuard tool_input = MaskSecret(ScopeSet().Add(ContentScope::kToolInput));
  Json anthropic = Json::parse(R"({"messages":[{"role":"assistant","content":[
    {"type":"text","text":"secret text"},
    {"type":"tool_use","id":"secret-id","name":"f","input":{"q":["a secret"]}}]}]})");
  ApplyRequestGuards(tool_input, InputFormat::kMessages, anthropic);
  CHECK(anthropic["messages"][0]["content"] == Json::parse(R"([
    {"type":"text","text":"secret text"},
    {"type":"tool_use","id":"secret-id","name":"f","input":{"q":["a <masked>"]}}])"));

  Json responses = Json::parse(R"({"input":[
    {"type":"function_call","call_id":"c","name":"f","arguments":"{\"q\":\"secret\"}"},
    {"type":"reasoning","summary":[{"type":"summary_text","text":"secret"}]}]})");
  ApplyRequestGuards(tool_input, InputFormat::kResponses, responses);
  CHECK(responses["input"][0]["arguments"] == "{\"q\":\"<masked>\"}");
  CHECK(responses["input"][1]["summary"][0]["text"] == "secret");
}

TEST_CASE("Only chat formats are guarded") {
  CHECK(SupportsPromptGuard(InputFormat::kCompletions));
  CHECK(SupportsPromptGuard(InputFormat::kMessages));
  CHECK(SupportsPromptGuard(InputFormat::kResponses));
  CHECK(SupportsPromptGuard(InputFormat::kGemini));
  CHECK_FALSE(SupportsPromptGuard(InputFormat::kEmbeddings));
  CHECK_FALSE(SupportsPromptGuard(InputFormat::kCountTokens));
  CHECK_FALSE(SupportsPromptGuard(InputFormat::kGeminiCountTokens));
  CHECK_FALSE(SupportsPromptGuard(InputFormat::kDetect));
  CHECK_FALSE(SupportsPromptGuard(InputFormat::kRerank));
  Json request = Json::parse(R"({"input":"secret"})");
  GuardResult result = ApplyRequestGuards(MaskSecret(), InputFormat::kEmbeddings, request);
  CHECK(result.action == Action::kAllow);
  CHECK(result.checks.empty());
  CHECK(request["input"] == "secret");
}

// --- Buffered responses --------------------------------------------------------------------

CompiledPromptGuard ResponseMaskSecret() {
  return ResponseGuards({RegexGuardOf(Masking({Pattern("secret")}))});
}

TEST_CASE("Response guards mask Completions choices and Anthropic text blocks") {
  Json completions = Json::parse(R"({"choices":[
    {"index":0,"message":{"role":"assistant","content":"the secret is out"}},
    {"index":1,"message":{"role":"assistant","content":null,
      "tool_calls":[{"function":{"name":"f","arguments":"secret"}}]}}]})");
  GuardResult result =
      ApplyResponseGuards(ResponseMaskSecret(), InputFormat::kCompletions, completions);
  CHECK(result.action == Action::kMask);
  CHECK(completions["choices"][0]["message"]["content"] == "the <masked> is out");
  CHECK(completions["choices"][1]["message"]["content"].is_null());
  CHECK(completions["choices"][1]["message"]["tool_calls"][0]["function"]["arguments"] == "secret");

  Json anthropic = Json::parse(R"({"content":[{"type":"text","text":"a secret"},
    {"type":"tool_use","id":"t","name":"f","input":{"q":"secret"}},
    {"type":"text","text":"secret again"}]})");
  ApplyResponseGuards(ResponseMaskSecret(), InputFormat::kMessages, anthropic);
  CHECK(anthropic["content"][0]["text"] == "a <masked>");
  CHECK(anthropic["content"][1]["input"]["q"] == "secret");
  CHECK(anthropic["content"][2]["text"] == "<masked> again");
}

TEST_CASE("An edited Responses output text loses its annotations and logprobs") {
  Json response = Json::parse(R"({"output":[{"type":"message","role":"assistant","content":[
    {"type":"output_text","text":"a secret","annotations":[{"type":"url_citation"}],
     "logprobs":[]},
    {"type":"output_text","text":"clean","annotations":[{"type":"url_citation"}]}]}]})");
  ApplyResponseGuards(ResponseMaskSecret(), InputFormat::kResponses, response);
  CHECK(response["output"][0]["content"] == Json::parse(R"([
    {"type":"output_text","text":"a <masked>","annotations":[],"logprobs":null},
    {"type":"output_text","text":"clean","annotations":[{"type":"url_citation"}]}])"));
}

TEST_CASE("A response guard rejection carries its rejection") {
  CompiledPromptGuard compiled = ResponseGuards({RegexGuardOf(Rejecting({Pattern("secret")}))});
  Json gemini = Json::parse(
      R"({"candidates":[{"content":{"role":"model","parts":[{"text":"the secret"}]}}]})");
  GuardResult result = ApplyResponseGuards(compiled, InputFormat::kGemini, gemini);
  CHECK(result.action == Action::kReject);
  CHECK(result.rejection.status == 403);
  CHECK(result.rejection.body == "The request was rejected due to inappropriate content");
  Json detect = gemini;
  CHECK(ApplyResponseGuards(compiled, InputFormat::kDetect, detect).action == Action::kAllow);
}

// --- Streaming -----------------------------------------------------------------------------

std::string ChunkFrame(const std::string& text) {
  return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"}}]}\n\n";
}

CompiledPromptGuard StreamRejecting(std::string_view pattern) {
  Guard guard = RegexGuardOf(Rejecting({Pattern(pattern)}));
  guard.rejection.body = "blocked \"here\"";
  return ResponseGuards({guard}, true);
}

TEST_CASE("A block in the second window ends the stream with the error frame alone") {
  StreamingGuard guard(StreamRejecting("forbidden"));
  std::string clean(100, 'a');
  std::string first_window;
  std::string out;
  for (int i = 0; i < 11; ++i) {
    first_window += ChunkFrame(clean);
    CHECK(guard.Feed(ChunkFrame(clean), out) == StreamStep::kContinue);
  }
  CHECK(out == first_window);  // 1100 text bytes reached the 1024 threshold: flushed

  out.clear();
  for (int i = 0; i < 11; ++i) {
    std::string text = i == 3 ? "xx forbidden " + std::string(87, 'b') : clean;
    StreamStep step = guard.Feed(ChunkFrame(text), out);
    CHECK(step == (i == 10 ? StreamStep::kBlocked : StreamStep::kContinue));
  }
  CHECK(out ==
        "data: {\"error\":{\"type\":\"guardrail_blocked\",\"code\":\"guardrail_intervention\","
        "\"message\":\"blocked \\\"here\\\"\"}}\n\n");
  CHECK(guard.blocked());
  out.clear();
  CHECK(guard.Feed(ChunkFrame(clean), out) == StreamStep::kBlocked);
  CHECK(guard.Finish(out) == StreamStep::kBlocked);
  CHECK(out.empty());
  CHECK(guard.held_bytes() == 0);
}

TEST_CASE("A passing stream is written byte-identical however it is cut") {
  std::string stream = "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n" +
                       std::string(
                           "event: content_block_delta\ndata: {\"type\":"
                           "\"content_block_delta\",\"delta\":{\"type\":\"text_delta\","
                           "\"text\":\"hello\"}}\n\n") +
                       ": comment\r\rdata: [DONE]\n\n" + "data: {\"unterminated\":1}";
  for (size_t cut = 1; cut < 7; ++cut) {
    StreamingGuard guard(StreamRejecting("forbidden"));
    std::string out;
    for (size_t at = 0; at < stream.size(); at += cut) {
      REQUIRE(guard.Feed(std::string_view(stream).substr(at, cut), out) == StreamStep::kContinue);
    }
    CHECK(out.empty());  // short text: held until the end
    CHECK(guard.Finish(out) == StreamStep::kContinue);
    CHECK(out == stream);
  }
}

TEST_CASE("The remainder is evaluated at the end of the stream") {
  StreamingGuard guard(StreamRejecting("forbidden"));
  std::string out;
  guard.Feed(
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"forbidden\"}}\n\n",
      out);
  CHECK(out.empty());
  CHECK(guard.Finish(out) == StreamStep::kBlocked);
  CHECK(out.find("guardrail_blocked") != std::string::npos);
}

TEST_CASE("A pattern split across two windows is caught by the overlap") {
  StreamingLimits limits;
  limits.eval_threshold = 16;
  limits.overlap_bytes = 8;
  StreamingGuard guard(StreamRejecting("forbidden"), limits);
  std::string out;
  CHECK(guard.Feed(ChunkFrame("0123456789abforb"), out) == StreamStep::kContinue);
  CHECK(out == ChunkFrame("0123456789abforb"));
  CHECK(guard.Feed(ChunkFrame("idden and more text"), out) == StreamStep::kBlocked);
}

TEST_CASE("Responses and Gemini stream deltas are read and mask guards never block") {
  CompiledPromptGuard compiled = StreamRejecting("forbidden");
  compiled.response.insert(compiled.response.begin(), RegexGuardOf(Masking({Pattern("hello")})));
  StreamingGuard responses(compiled);
  std::string out;
  responses.Feed(
      "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
      "\"delta\":\"hello forbidden\"}\n\n",
      out);
  CHECK(responses.Finish(out) == StreamStep::kBlocked);

  StreamingGuard gemini(compiled);
  out.clear();
  std::string frame =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"forbidden\",\"thought\":true},"
      "{\"text\":\"hello\"}]}}]}\r\n\r\n";
  gemini.Feed(frame, out);
  CHECK(gemini.Finish(out) == StreamStep::kContinue);
  CHECK(out == frame);
}

TEST_CASE("A full buffer without pending text is flushed unevaluated") {
  StreamingLimits limits;
  limits.buffer_limit = 64;
  StreamingGuard guard(StreamRejecting("forbidden"), limits);
  std::string out;
  std::string frame = "data: {\"type\":\"ping\",\"padding\":\"" + std::string(60, 'p') + "\"}\n\n";
  CHECK(guard.Feed(frame, out) == StreamStep::kContinue);
  CHECK(out == frame);
  CHECK(guard.held_bytes() == 0);
}

TEST_CASE("An event longer than the buffer is passed on as opaque bytes") {
  StreamingLimits limits;
  limits.buffer_limit = 64;
  StreamingGuard guard(StreamRejecting("forbidden"), limits);
  std::string out;
  std::string event = "data: {\"delta\":{\"text\":\"" + std::string(80, 'x') + "\"}}";
  CHECK(guard.Feed(event, out) == StreamStep::kContinue);
  CHECK(out == event);
  CHECK(guard.Feed("\n\n", out) == StreamStep::kContinue);
  CHECK(out == event);  // the event's blank line is held
  // The held bytes pass the limit with text pending: evaluated, blocked, held bytes dropped.
  CHECK(guard.Feed(ChunkFrame("forbidden"), out) == StreamStep::kBlocked);
  CHECK(out == event + GuardrailBlockedFrame("blocked \"here\""));
}

TEST_CASE("Streams are guarded only when enabled with response guards") {
  CompiledPromptGuard compiled = StreamRejecting("x");
  CHECK(GuardsStream(compiled, InputFormat::kCompletions));
  CHECK_FALSE(GuardsStream(compiled, InputFormat::kDetect));
  compiled.streaming = false;
  CHECK_FALSE(GuardsStream(compiled, InputFormat::kCompletions));
}

TEST_CASE("The block frame quotes an invalid UTF-8 body lossily") {
  CHECK(GuardrailBlockedFrame("bad \xff byte") ==
        "data: {\"error\":{\"type\":\"guardrail_blocked\",\"code\":\"guardrail_intervention\","
        "\"message\":\"bad \xef\xbf\xbd byte\"}}\n\n");
}

}  // namespace
}  // namespace agw::emulator::policy
