// Runs `kubectl-agentgateway translate` (a dry run of one LLM request) on the bundled tutorial
// manifests and checks what it says the data plane would send and answer.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "emulator/llm/eventstream.h"
#include "tests/support/golden.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace agw::test {
namespace {

using Json = nlohmann::ordered_json;

// A credential value no output may contain, whatever the flags.
constexpr char kAnthropicKey[] = "sk-ant-api03-TRANSLATE-TEST-KEY-0123456789";
constexpr char kGeminiKey[] = "AIzaSyTRANSLATE-TEST-KEY-0123456789";

CommandResult Translate(std::vector<std::string> args,
                        std::vector<std::string> environment = {
                            std::string("ANTHROPIC_API_KEY=") + kAnthropicKey,
                            std::string("GEMINI_API_KEY=") + kGeminiKey, "OPENAI_API_KEY=",
                            "XAI_API_KEY=", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="}) {
  args.insert(args.begin(), {kPluginBinary, "translate"});
  return RunCommand(args, "", kSourceDir, environment);
}

// The multi-LLM tutorial runs on the enterprise GatewayClass.
std::vector<std::string> MultiLlm(std::vector<std::string> more) {
  std::vector<std::string> args = {"-f", "testdata/examples/multi-llm-providers", "--gateway-class",
                                   "enterprise-agentgateway"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The OpenAI `created` field is the time of the translation: pinned as 0 in the goldens of
// testdata/cli/translate/.
void CheckGolden(const std::string& name, std::string actual) {
  static const std::regex kCreated(R"re("created": ?[0-9]+)re");
  test::CheckGolden("translate/" + name, std::regex_replace(actual, kCreated, "\"created\": 0"));
}

void CheckNoSecret(const CommandResult& result) {
  CHECK(result.out.find(kAnthropicKey) == std::string::npos);
  CHECK(result.err.find(kAnthropicKey) == std::string::npos);
  CHECK(result.out.find(kGeminiKey) == std::string::npos);
  CHECK(result.err.find(kGeminiKey) == std::string::npos);
}

Json ParseOutput(const CommandResult& result) {
  Json json = Json::parse(result.out, nullptr, false);
  REQUIRE(!json.is_discarded());
  return json;
}

// The value of header `name` in a JSON [[name, value], ...] list ("" when absent).
std::string HeaderValue(const Json& headers, const std::string& name) {
  for (const Json& header : headers) {
    if (header[0] == name) {
      return header[1].get<std::string>();
    }
  }
  return "";
}

TEST_CASE("translate shows the Anthropic Messages request an OpenAI chat request becomes") {
  CommandResult result = Translate(
      MultiLlm({"--request", "testdata/translate/chat-request.json", "--path", "/anthropic"}));
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  CheckNoSecret(result);
  CHECK(result.out.find("Route:     HTTPRoute agentgateway-system/anthropic rule 0") !=
        std::string::npos);
  CHECK(result.out.find("  POST https://api.anthropic.com/v1/messages\n") != std::string::npos);
  CHECK(result.out.find(
            "  x-api-key: <redacted: from Secret agentgateway-system/anthropic-secret>\n") !=
        std::string::npos);
  CHECK(result.out.find("authorization") == std::string::npos);
  CheckGolden("anthropic-request.txt", result.out);
}

TEST_CASE("translate -o json gives the translated body and the upstream address as data") {
  CommandResult result = Translate(MultiLlm(
      {"--request", "testdata/translate/chat-request.json", "--path", "/anthropic", "-o", "json"}));
  CHECK(result.exit_code == 0);
  CheckNoSecret(result);
  Json json = ParseOutput(result);
  CHECK(json["route"]["name"] == "agentgateway-system/anthropic");
  CHECK(json["backend"] == "AgentgatewayBackend agentgateway-system/anthropic");
  CHECK(json["provider"]["wire_format"] == "AnthropicMessages");
  const Json& upstream = json["upstream_request"];
  CHECK(upstream["url"] == "https://api.anthropic.com/v1/messages");
  CHECK(HeaderValue(upstream["headers"], "host") == "api.anthropic.com");
  CHECK(HeaderValue(upstream["headers"], "anthropic-version") == "2023-06-01");
  CHECK(HeaderValue(upstream["headers"], "x-api-key") ==
        "<redacted: from Secret agentgateway-system/anthropic-secret>");
  // The backend's model wins; the system message moves to Anthropic's top-level `system`.
  const Json& body = upstream["body"];
  CHECK(body["model"] == "claude-sonnet-4-5-20250929");
  CHECK(body["max_tokens"] == 256);
  CHECK(body["messages"].size() == 1);
  CHECK(body["messages"][0]["role"] == "user");
  CHECK(body.dump().find("You are a concise assistant") != std::string::npos);
  CHECK(!json.contains("client_response"));
}

TEST_CASE("translate turns an Anthropic response file into the OpenAI answer the client gets") {
  CommandResult result = Translate(
      MultiLlm({"--request", "testdata/translate/chat-request.json", "--path", "/anthropic",
                "--response", "testdata/translate/anthropic-response.json", "-o", "json"}));
  CHECK(result.exit_code == 0);
  CheckNoSecret(result);
  Json json = ParseOutput(result);
  const Json& response = json["client_response"];
  CHECK(response["status"] == 200);
  CHECK(HeaderValue(response["headers"], "content-type") == "application/json");
  const Json& body = response["body"];
  CHECK(body["object"] == "chat.completion");
  CHECK(body["choices"][0]["message"]["role"] == "assistant");
  CHECK(body["choices"][0]["message"]["content"] == "The capital of France is Paris.");
  CHECK(body["choices"][0]["finish_reason"] == "stop");
  CHECK(body["usage"]["prompt_tokens"] == 27);
  CHECK(body["usage"]["completion_tokens"] == 10);
  CheckGolden("anthropic-response.json", result.out);

  CommandResult text = Translate(
      MultiLlm({"--request", "testdata/translate/chat-request.json", "--path", "/anthropic",
                "--response", "testdata/translate/anthropic-response.json"}));
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("\nClient response:\n  200\n") != std::string::npos);
  CheckGolden("anthropic-response.txt", text.out);
}

TEST_CASE("translate turns an Anthropic SSE stream into OpenAI chunks ending in [DONE]") {
  CommandResult result =
      Translate(MultiLlm({"--request", "testdata/translate/chat-stream-request.json", "--path",
                          "/anthropic", "--response", "testdata/translate/anthropic-stream.sse"}));
  CHECK(result.exit_code == 0);
  CheckNoSecret(result);
  CHECK(result.out.find("\"stream\": true") != std::string::npos);  // the upstream body
  CHECK(result.out.find("  content-type: text/event-stream\n") != std::string::npos);
  CHECK(result.out.find("\"object\":\"chat.completion.chunk\"") != std::string::npos);
  CHECK(result.out.find("\"content\":\"The capital of France\"") != std::string::npos);
  CHECK(result.out.find("\"content\":\" is Paris.\"") != std::string::npos);
  CHECK(result.out.find("  data: [DONE]\n") != std::string::npos);
  CHECK(result.out.find("Note:") == std::string::npos);
  CheckGolden("anthropic-stream.txt", result.out);
}

TEST_CASE("translate notes a stream answering a request that did not stream, and shows the 502") {
  CommandResult result =
      Translate(MultiLlm({"--request", "testdata/translate/chat-request.json", "--path",
                          "/anthropic", "--response", "testdata/translate/anthropic-stream.sse"}));
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("Note:      the response file is a stream but the request did not ask "
                        "for one (\"stream\": true)\n") != std::string::npos);
  CHECK(result.out.find("\nClient response:\n  502\n") != std::string::npos);
}

TEST_CASE("translate reads the request body from stdin with --request -") {
  std::vector<std::string> args = {kPluginBinary, "translate"};
  for (const std::string& arg : MultiLlm({"--request", "-", "--path", "/xai", "-o", "json"})) {
    args.push_back(arg);
  }
  CommandResult result =
      RunCommand(args, R"({"model":"any","messages":[{"role":"user","content":"Hello!"}]})",
                 kSourceDir, {"XAI_API_KEY=xai-TRANSLATE-TEST-KEY-0123456789"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("xai-TRANSLATE-TEST-KEY") == std::string::npos);
  Json json = ParseOutput(result);
  CHECK(json["upstream_request"]["url"] == "https://api.x.ai/v1/chat/completions");
  CHECK(json["upstream_request"]["body"]["model"] == "grok-4-1-fast-reasoning");
  CHECK(json["upstream_request"]["body"]["messages"][0]["content"] == "Hello!");
}

TEST_CASE("translate reshapes a provider error into the client's error format") {
  CommandResult result = Translate(MultiLlm(
      {"--request", "testdata/translate/chat-request.json", "--path", "/anthropic", "--response",
       "testdata/translate/anthropic-error.json", "--response-status", "429", "-o", "json"}));
  CHECK(result.exit_code == 0);
  Json json = ParseOutput(result);
  CHECK(json["client_response"]["status"] == 429);
  CHECK(json["client_response"]["body"]["error"]["message"] ==
        "Number of request tokens has exceeded your per-minute rate limit");
}

TEST_CASE("translate follows a URLRewrite to the provider (gemini-anthropic /ai/claude)") {
  CommandResult result = Translate({"-f", "testdata/examples/gemini-anthropic", "--request",
                                    "testdata/translate/chat-request.json", "--path",
                                    "/ai/claude/v1/chat/completions", "-o", "json"});
  CHECK(result.exit_code == 0);
  CheckNoSecret(result);
  Json json = ParseOutput(result);
  CHECK(json["gateway"] == "default/agentgateway:80");
  CHECK(json["route"]["name"] == "default/llm-route");
  CHECK(json["route"]["rule"] == 0);
  CHECK(json["upstream_request"]["url"] == "https://api.anthropic.com/v1/messages");
  CHECK(json["upstream_request"]["body"]["model"] == "claude-sonnet-4-20250514");
  CHECK(HeaderValue(json["upstream_request"]["headers"], "x-api-key") ==
        "<redacted: from Secret default/anthropic-secret>");
  CheckGolden("gemini-anthropic-claude.json", result.out);
}

TEST_CASE("translate redacts a Gemini key and keeps it out of every output") {
  CommandResult result =
      Translate({"-f", "testdata/examples/gemini-anthropic", "--request",
                 "testdata/translate/chat-request.json", "--path", "/ai/gemini", "-o", "json"});
  CHECK(result.exit_code == 0);
  CheckNoSecret(result);
  Json json = ParseOutput(result);
  CHECK(json["provider"]["kind"] == "gemini");
  // Gemini's native API names the model in the path, not the body.
  CHECK(json["upstream_request"]["url"] ==
        "https://generativelanguage.googleapis.com/v1beta/models/"
        "gemini-2.5-flash:generateContent");
  CHECK(!json["upstream_request"]["body"].contains("model"));
  bool redacted = false;
  for (const Json& header : json["upstream_request"]["headers"]) {
    if (header[1] == "<redacted: from Secret default/gemini-secret>") {
      redacted = true;
    }
  }
  CHECK(redacted);
  CheckGolden("gemini-anthropic-gemini.json", result.out);
}

TEST_CASE("translate without the key in the environment says so and sends no credential") {
  CommandResult result = Translate(
      MultiLlm({"--request", "testdata/translate/chat-request.json", "--path", "/anthropic"}),
      {"ANTHROPIC_API_KEY="});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("Secret agentgateway-system/anthropic-secret refers to $ANTHROPIC_API_KEY, "
                        "which is not set") != std::string::npos);
  CHECK(result.out.find("x-api-key") == std::string::npos);
  CHECK(result.out.find("Auth:      Secret agentgateway-system/anthropic-secret (not resolved)") !=
        std::string::npos);
}

TEST_CASE("translate takes a Secret's value from --secret and still never prints it") {
  CommandResult result =
      Translate(MultiLlm({"--request", "testdata/translate/chat-request.json", "--path", "/openai",
                          "--secret", "agentgateway-system/openai-secret=TRANSLATE_TEST_OPENAI"}),
                {"TRANSLATE_TEST_OPENAI=sk-proj-TRANSLATE-TEST-0123456789"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("sk-proj-TRANSLATE-TEST") == std::string::npos);
  CHECK(result.out.find("  POST https://api.openai.com/v1/chat/completions\n") !=
        std::string::npos);
  CHECK(result.out.find("  authorization: <redacted: from Secret "
                        "agentgateway-system/openai-secret>\n") != std::string::npos);
}

TEST_CASE("translate sends a provider to its --provider-url stand-in with the same path") {
  CommandResult result = Translate(
      MultiLlm({"--request", "testdata/translate/chat-request.json", "--path", "/anthropic",
                "--provider-url", "anthropic=http://127.0.0.1:9000/stand-in", "-o", "json"}));
  CHECK(result.exit_code == 0);
  CheckNoSecret(result);
  Json json = ParseOutput(result);
  CHECK(json["upstream_request"]["url"] == "http://127.0.0.1:9000/stand-in/v1/messages");
  CHECK(HeaderValue(json["upstream_request"]["headers"], "host") == "127.0.0.1:9000");
  CHECK(HeaderValue(json["upstream_request"]["headers"], "x-api-key") ==
        "<redacted: from Secret agentgateway-system/anthropic-secret>");
}

TEST_CASE("translate shows a request to a Service backend as forwarded, after the filters") {
  TempDir dir;
  dir.Write("web.yaml", R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {ports: [{port: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {add: [{name: x-added, value: "1"}]}
    backendRefs: [{name: web, port: 8080}]
)");
  CommandResult result =
      Translate({"-f", dir.path(), "--request",
                 std::string(kSourceDir) + "/testdata/translate/chat-request.json", "--path",
                 "/x?y=1", "--host", "web.test", "--header", "authorization: Bearer svc-token-9"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("Backend:   Service default/web:8080\n") != std::string::npos);
  CHECK(result.out.find("  POST /x?y=1\n  host: web.test\n") != std::string::npos);
  CHECK(result.out.find("  x-added: 1\n") != std::string::npos);
  CHECK(result.out.find("svc-token-9") == std::string::npos);
  CHECK(result.out.find("  authorization: <redacted>\n") != std::string::npos);
  CHECK(result.out.find("\"model\": \"gpt-4o-mini\"") != std::string::npos);  // unchanged
}

TEST_CASE("translate redacts a client's own credential headers") {
  CommandResult result =
      Translate({"-f", "testdata/examples/gemini-anthropic", "--request",
                 "testdata/translate/chat-request.json", "--path", "/ai/claude", "--header",
                 "api-key: client-own-secret-42", "--header", "x-trace: abc"},
                {"ANTHROPIC_API_KEY="});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("client-own-secret-42") == std::string::npos);
  CHECK(result.out.find("  api-key: <redacted>\n") != std::string::npos);
  CHECK(result.out.find("  x-trace: abc\n") != std::string::npos);
}

TEST_CASE("translate reports the 404 the gateway gives when no route matches") {
  CommandResult result = Translate(
      MultiLlm({"--request", "testdata/translate/chat-request.json", "--path", "/mistral"}));
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("Route:     none matches\n") != std::string::npos);
  CHECK(result.out.find("Gateway response (no route of listener llm-providers matches path "
                        "/mistral (its routes take PathPrefix /anthropic, PathPrefix /openai, "
                        "PathPrefix /xai); nothing is sent upstream):\n  404\n") !=
        std::string::npos);
  CHECK(result.out.find("Upstream request") == std::string::npos);
  CheckGolden("no-route.txt", result.out);
}

std::vector<std::string> AiBackends(std::vector<std::string> more) {
  std::vector<std::string> args = {"-f", "testdata/translate/manifests/ai-backends.yaml"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// A Bedrock ConverseStream body: AWS event stream frames, one JSON event each.
std::string BedrockConverseStream() {
  const std::vector<std::pair<std::string, std::string>> events = {
      {"messageStart", R"({"role":"assistant"})"},
      {"contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"The capital of France"}})"},
      {"contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":" is Paris."}})"},
      {"contentBlockStop", R"({"contentBlockIndex":0})"},
      {"messageStop", R"({"stopReason":"end_turn"})"},
      {"metadata",
       R"({"metrics":{"latencyMs":412},"usage":{"inputTokens":27,"outputTokens":10,"totalTokens":37}})"},
  };
  std::string stream;
  for (const auto& [type, payload] : events) {
    stream += emulator::llm::EncodeEventStreamMessage(
        {{":event-type", type}, {":content-type", "application/json"}, {":message-type", "event"}},
        payload);
  }
  return stream;
}

TEST_CASE("translate turns a Bedrock event stream file into OpenAI chunks") {
  TempDir dir;
  std::string stream = dir.Write("converse.bin", BedrockConverseStream());
  CommandResult result =
      Translate(AiBackends({"--request", "testdata/translate/chat-stream-request.json", "--path",
                            "/bedrock", "--response", stream, "-o", "json"}));
  CHECK(result.exit_code == 0);
  Json json = ParseOutput(result);
  CHECK(json["upstream_request"]["url"] ==
        "https://bedrock-runtime.eu-west-1.amazonaws.com/model/"
        "anthropic.claude-3-5-sonnet-20240620-v1:0/converse-stream");
  const Json& response = json["client_response"];
  CHECK(HeaderValue(response["headers"], "content-type") == "text/event-stream");
  std::string body = response["body"].get<std::string>();
  CHECK(body.find("\"content\":\"The capital of France\"") != std::string::npos);
  CHECK(body.find("\"content\":\" is Paris.\"") != std::string::npos);
  CHECK(body.find("\"finish_reason\":\"stop\"") != std::string::npos);
  CHECK(body.rfind("data: [DONE]\n\n") == body.size() - 14);
  CHECK(json["usage"]["input_tokens"] == 27);
  CHECK(json["usage"]["output_tokens"] == 10);
}

TEST_CASE("translate says when no listener accepts the Host") {
  CommandResult result = Translate(AiBackends({"--request", "testdata/translate/chat-request.json",
                                               "--path", "/open", "--host", "other.test"}));
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("Gateway response (no listener of the Gateway accepts host other.test; "
                        "nothing is sent upstream):\n  404\n") != std::string::npos);
}

TEST_CASE("translate prints the gateway's own 400 for a request without a model") {
  CommandResult result =
      Translate(AiBackends({"--request", "testdata/translate/chat-request-no-model.json", "--path",
                            "/open", "-o", "json"}));
  CHECK(result.exit_code == 1);
  Json json = ParseOutput(result);
  CHECK(json["gateway_response"]["status"] == 400);
  CHECK(json["gateway_response"]["reason"] == "the gateway answers this request itself");
  CHECK(!json.contains("upstream_request"));
  CHECK(!json["provider"].contains("wire_format"));
}

// `args` with the request body on stdin, against testdata/translate/manifests/ai-backends.yaml.
CommandResult TranslateStdin(std::vector<std::string> more, const std::string& body) {
  std::vector<std::string> args = {kPluginBinary, "translate"};
  for (const std::string& arg : AiBackends({"--request", "-"})) {
    args.push_back(arg);
  }
  args.insert(args.end(), more.begin(), more.end());
  return RunCommand(args, body, kSourceDir, {"OPENAI_API_KEY="});
}

TEST_CASE("translate prints the gateway's 400 for a chat body whose stream is not a boolean") {
  CommandResult result = TranslateStdin(
      {"--path", "/open", "-o", "json"},
      R"({"model":"gpt-4o","stream":"yes","messages":[{"role":"user","content":"hi"}]})");
  CHECK(result.exit_code == 1);
  Json json = ParseOutput(result);
  CHECK(json["gateway_response"]["status"] == 400);
  CHECK(json["gateway_response"]["body"] ==
        "failed to process LLM request: failed to parse request: invalid type: string \"yes\", "
        "expected a boolean");
  CHECK(!json.contains("upstream_request"));
}

TEST_CASE("translate answers 400 for a count request whose messages are not objects") {
  for (const char* body :
       {R"({"model":"m","messages":[1]})", R"({"model":"m","messages":false})"}) {
    CAPTURE(body);
    CommandResult result =
        TranslateStdin({"--path", "/count/v1/messages/count_tokens", "-o", "json"}, body);
    REQUIRE(result.exit_code != -1);
    Json json = ParseOutput(result);
    CHECK(json["gateway_response"]["status"] == 400);
  }
}

TEST_CASE("translate prints the 501 of a Models route and picks a group provider by name") {
  CommandResult result =
      Translate(AiBackends({"--request", "testdata/translate/chat-request.json", "--path",
                            "/group/v1/models", "--method", "GET", "--provider", "second"}));
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("Provider:  second (anthropic), model (none)\n") != std::string::npos);
  CHECK(result.out.find("Format:    Models route; client Completions\n") != std::string::npos);
  CHECK(result.out.find("  501\n") != std::string::npos);
  CHECK(result.out.find("\"error\": \"Route 'Models' not implemented\"") != std::string::npos);
  CheckGolden("models-501.txt", result.out);
}

TEST_CASE(
    "translate shows the first provider of a group, says the gateway picks at random, and "
    "redacts an inline key") {
  CommandResult result =
      Translate(AiBackends({"--request", "testdata/translate/chat-request.json", "--path", "/group",
                            "--header", "Authorization: Bearer client-token-77"}));
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("sk-inline-TRANSLATE-TEST-KEY-42") == std::string::npos);
  CHECK(result.out.find("client-token-77") == std::string::npos);
  CHECK(result.out.find("Note:      the gateway picks one of first, second at random; showing "
                        "first (choose with --provider)\n") != std::string::npos);
  // The backend key replaces the client's own Authorization (the header keeps the client's case).
  CHECK(result.out.find("  Authorization: <redacted: from auth.key>\n") != std::string::npos);
  CHECK(result.out.find("  POST https://api.openai.com/v1/chat/completions\n") !=
        std::string::npos);
  CommandResult unknown = Translate(AiBackends({"--request", "testdata/translate/chat-request.json",
                                                "--path", "/group", "--provider", "third"}));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err ==
        "error: --provider third: AI backend default/group has no provider of that name\n");
}

TEST_CASE(
    "translate signs Bedrock with the environment's AWS credentials and redacts the "
    "signature") {
  CommandResult result = Translate(
      AiBackends({"--request", "testdata/translate/chat-request.json", "--path", "/bedrock", "-o",
                  "json"}),
      {"AWS_ACCESS_KEY_ID=AKIATRANSLATETEST", "AWS_SECRET_ACCESS_KEY=translate/secret/KEY",
       "AWS_SESSION_TOKEN=translate-session-token"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("AKIATRANSLATETEST") == std::string::npos);
  CHECK(result.out.find("translate/secret/KEY") == std::string::npos);
  CHECK(result.out.find("translate-session-token") == std::string::npos);
  Json json = ParseOutput(result);
  CHECK(json["request"]["url"] == "http://www.example.com/bedrock");  // the listener's wildcard
  const Json& upstream = json["upstream_request"];
  CHECK(upstream["url"] ==
        "https://bedrock-runtime.eu-west-1.amazonaws.com/model/"
        "anthropic.claude-3-5-sonnet-20240620-v1:0/converse");
  CHECK(HeaderValue(upstream["headers"], "authorization") ==
        "<redacted: SigV4 from the AWS_* environment credentials>");
  CHECK(HeaderValue(upstream["headers"], "x-amz-security-token") ==
        "<redacted: SigV4 from the AWS_* environment credentials>");
  CHECK(HeaderValue(upstream["headers"], "x-amz-date").size() == 16);  // 20261122T045328Z
  CHECK(upstream["body"]["messages"][0]["content"][0]["text"] == "What is the capital of France?");

  CommandResult unsigned_call = Translate(
      AiBackends({"--request", "testdata/translate/chat-request.json", "--path", "/bedrock"}));
  CHECK(unsigned_call.exit_code == 0);
  CHECK(unsigned_call.out.find("the request would go unsigned") != std::string::npos);
  CHECK(unsigned_call.out.find("authorization") == std::string::npos);
}

TEST_CASE("translate picks the listener with --gateway and --port, and says when it cannot") {
  CommandResult wrong = Translate(MultiLlm({"--request", "testdata/translate/chat-request.json",
                                            "--gateway", "agentgateway-system/other"}));
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err ==
        "error: no Gateway listener matches --gateway/--port; there are: "
        "agentgateway-system/agentgateway-proxy:8080\n");
  CommandResult right =
      Translate(MultiLlm({"--request", "testdata/translate/chat-request.json", "--gateway",
                          "agentgateway-proxy", "--port", "8080", "--path", "/xai"}));
  CHECK(right.exit_code == 0);
  CHECK(right.out.find("  POST https://api.x.ai/v1/chat/completions\n") != std::string::npos);
}

TEST_CASE("translate rejects a malformed header and reports an unreadable request file") {
  CommandResult header = Translate(
      MultiLlm({"--request", "testdata/translate/chat-request.json", "--header", "no-colon-here"}));
  CHECK(header.exit_code == 2);
  CHECK(header.err == "error: --header \"no-colon-here\": expected NAME:VALUE\n");
  CommandResult both_stdin = Translate({"-f", "-", "--request", "-"});
  CHECK(both_stdin.exit_code == 2);
  CHECK(both_stdin.err == "error: stdin (-) can hold the manifests or one body, not both\n");
  CommandResult missing = Translate(MultiLlm({"--request", "testdata/translate/absent.json"}));
  CHECK(missing.exit_code == 3);
  CHECK(missing.err == "error: cannot read testdata/translate/absent.json\n");
}

}  // namespace
// Issue 17: translate runs the route's policies as run does (tests/e2e/manifests/policies).
TEST_CASE("translate masks a credit card and shows a rejecting prompt guard's answer") {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "agw-translate-guards";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "card.json")
      << R"({"model":"x","messages":[{"role":"user","content":"card 4111 1111 1111 1111"}]})";
  std::ofstream(dir / "reject.json")
      << R"({"model":"x","messages":[{"role":"user","content":"the launch codes"}]})";
  std::vector<std::string> base = {
      "-f", "tests/e2e/manifests/policies", "--path", "/guarded", "-o", "json", "--request"};
  std::vector<std::string> card = base;
  card.push_back((dir / "card.json").string());
  CommandResult masked = Translate(card);
  CHECK(masked.exit_code == 0);
  Json json = ParseOutput(masked);
  CHECK(json["upstream_request"]["body"]["messages"] ==
        Json::parse(R"([{"role":"user","content":"card <CREDIT_CARD>"}])"));
  std::vector<std::string> reject = base;
  reject.push_back((dir / "reject.json").string());
  CommandResult rejected = Translate(reject);
  CHECK(rejected.exit_code == 1);
  Json answer = ParseOutput(rejected)["gateway_response"];
  CHECK(answer["status"] == 403);
  CHECK(answer["body"] == "Requests about launch codes are not allowed");
  CHECK(answer["reason"] == "request rejected by regex guardrail");
  CHECK(answer["headers"] == Json::parse(R"([["content-length","43"]])"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("translate names the remote prompt guards a dry run does not call") {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "agw-translate-webhook";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "request.json")
      << R"({"model":"x","messages":[{"role":"user","content":"my name is Alice"}]})";
  CommandResult result =
      Translate({"-f", "tests/e2e/manifests/webhook", "--path", "/v1/chat/completions", "-o",
                 "json", "--request", (dir / "request.json").string()});
  CHECK(result.exit_code == 0);
  Json json = ParseOutput(result);
  // The prompt goes upstream unmasked: the webhook that would mask it is not called.
  CHECK(json["upstream_request"]["body"]["messages"] ==
        Json::parse(R"([{"role":"user","content":"my name is Alice"}])"));
  Json notes = json["notes"];
  CHECK(std::count(notes.begin(), notes.end(),
                   "the request prompt guard request[0] (webhook) calls out: a dry run does not "
                   "call it (run does)") == 1);
  CHECK(std::count(notes.begin(), notes.end(),
                   "the response prompt guard response[0] (webhook) calls out: a dry run does "
                   "not call it (run does)") == 1);
  std::filesystem::remove_all(dir);
}

}  // namespace agw::test
