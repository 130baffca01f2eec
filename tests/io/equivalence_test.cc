// `translate` shows what `run` does: the same client request goes through `run`'s server (in
// front of a recording fake provider on 127.0.0.1) and through the dry run (gateway::RunDry, fed
// the bytes the fake answered), and the two must agree on the request that went upstream and on
// the client's answer, for every provider kind of the AgentgatewayBackend CRD crossed with the
// route types, streams included. Credentials are the one difference: the dry run redacts them.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "emulator/gateway/decision.h"
#include "emulator/gateway/dry_run.h"
#include "emulator/gateway/llm_exchange.h"
#include "emulator/io/server.h"
#include "emulator/llm/eventstream.h"
#include "emulator/llm/translation.h"
#include "tests/support/ai_manifests.h"
#include "tests/support/fake_provider.h"
#include "tests/support/http_client.h"
#include "tests/support/paths.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/schema/catalog.h"

namespace agw::emulator::io {
namespace {

using namespace std::chrono_literals;
using Headers = emulator::http::HeaderList;
using test::ProviderAnswer;

// The pinned clock and random seed both sides stamp `created` times, ids and SigV4 dates with.
constexpr std::int64_t kUnixMillis = 1'735'689'600'123;  // 2025-01-01T00:00:00.123Z
constexpr std::uint64_t kSeed = 42;

// ---------------------------------------------------------------------------------------------
// Bodies: the client's requests and the providers' answers in their own wire formats.

std::string ReadTestdata(const std::string& name) {
  std::ifstream file(std::string(test::kSourceDir) + "/testdata/translate/" + name,
                     std::ios::binary);
  REQUIRE(file.good());
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

const std::string kQuestion = "What is the capital of France?";

std::string ChatRequest(const std::string& model, bool stream) {
  nlohmann::ordered_json body = {
      {"model", model},
      {"messages",
       {{{"role", "system"}, {"content", "You are a concise assistant."}},
        {{"role", "user"}, {"content", kQuestion}}}},
      {"max_tokens", 256},
      {"temperature", 0.2}};
  if (stream) {
    body["stream"] = true;
  }
  return body.dump();
}

std::string MessagesRequest(const std::string& model, bool stream) {
  nlohmann::ordered_json body = {{"model", model},
                                 {"max_tokens", 256},
                                 {"system", "You are a concise assistant."},
                                 {"messages", {{{"role", "user"}, {"content", kQuestion}}}}};
  if (stream) {
    body["stream"] = true;
  }
  return body.dump();
}

std::string ResponsesRequest(const std::string& model, bool stream) {
  nlohmann::ordered_json body = {
      {"model", model}, {"instructions", "Answer in one sentence."}, {"input", kQuestion}};
  if (stream) {
    body["stream"] = true;
  }
  return body.dump();
}

std::string EmbeddingsRequest(const std::string& model) {
  return nlohmann::ordered_json{{"model", model}, {"input", "The food was delicious"}}.dump();
}

std::string RerankRequest(const std::string& model) {
  return nlohmann::ordered_json{
      {"model", model},
      {"query", kQuestion},
      {"documents", {"Paris is the capital of France.", "Berlin is the capital of Germany."}},
      {"top_n", 1}}
      .dump();
}

std::string CountTokensRequest(const std::string& model) {
  return nlohmann::ordered_json{{"model", model},
                                {"messages", {{{"role", "user"}, {"content", kQuestion}}}}}
      .dump();
}

const std::string kGeminiRequest =
    R"({"contents":[{"role":"user","parts":[{"text":"What is the capital of France?"}]}],)"
    R"("generationConfig":{"maxOutputTokens":256}})";

// OpenAI chat completion, whole and streamed.
const std::string kOpenAiCompletion = R"({
  "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4o-mini-2024-07-18",
  "choices": [{"index": 0, "message": {"role": "assistant",
    "content": "The capital of France is Paris.", "refusal": null, "annotations": []},
    "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 27, "completion_tokens": 8, "total_tokens": 35,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
  "service_tier": "default",
  "system_fingerprint": "fp_06737a9306"
}
)";

std::string OpenAiChunk(const std::string& choices, const std::string& usage) {
  return R"(data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk",)"
         R"("created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default",)"
         R"("system_fingerprint":"fp_06737a9306","choices":)" +
         choices + R"(,"usage":)" + usage + "}\n\n";
}

const std::string kOpenAiStream =
    OpenAiChunk(
        R"([{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"f)"
        R"(inish_reason":null}])",
        "null") +
    OpenAiChunk(
        R"([{"index":0,"delta":{"content":"The capital of France"},"logprobs":null,"finish_reason")"
        R"(:null}])",
        "null") +
    OpenAiChunk(
        R"([{"index":0,"delta":{"content":" is Paris."},"logprobs":null,"finish_reason":null}])",
        "null") +
    OpenAiChunk(R"([{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}])", "null") +
    OpenAiChunk("[]", R"({"prompt_tokens":27,"completion_tokens":8,"total_tokens":35,)"
                      R"("prompt_tokens_details":{"cached_tokens":0},)"
                      R"("completion_tokens_details":{"reasoning_tokens":0}})") +
    "data: [DONE]\n\n";

const std::string kOpenAiRateLimited = R"({
    "error": {
        "message": "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3.",
        "type": "requests",
        "param": null,
        "code": "rate_limit_exceeded"
    }
}
)";

// OpenAI Responses, whole and streamed.
const std::string kResponseObject =
    R"({"id":"resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b","object":"response",)"
    R"("created_at":1741476542,"status":"completed","error":null,"incomplete_details":null,)"
    R"("instructions":"Answer in one sentence.","model":"gpt-4o-mini-2024-07-18",)"
    R"("output":[{"type":"message","id":"msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",)"
    R"("status":"completed","role":"assistant","content":[{"type":"output_text",)"
    R"("text":"The capital of France is Paris.","annotations":[]}]}],)"
    R"("parallel_tool_calls":true,"temperature":1.0,"tool_choice":"auto","tools":[],"top_p":1.0,)"
    R"("usage":{"input_tokens":22,"input_tokens_details":{"cached_tokens":0},"output_tokens":8,)"
    R"("output_tokens_details":{"reasoning_tokens":0},"total_tokens":30}})";

std::string ResponsesEvent(const std::string& type, const std::string& data) {
  return "event: " + type + "\ndata: " + data + "\n\n";
}

const std::string kResponsesStream =
    ResponsesEvent(
        "response.created",
        R"({"type":"response.created","sequence_number":0,"response":{"id":"resp_67c9fdcecf488190b)"
        R"(dd9a0409de3a1ec","object":"response","created_at":1741290958,"status":"in_progress")"
        R"(,"model":"gpt-4o-mini-2024-07-18","output":[],"usage":null}})") +
    ResponsesEvent(
        "response.output_item.added",
        R"({"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":)"
        R"("msg_67c9fdcf37fc8190ba82116e33fb28c5","type":"message","status":"in_progress","rol)"
        R"(e":"assistant","content":[]}})") +
    ResponsesEvent(
        "response.content_part.added",
        R"({"type":"response.content_part.added","sequence_number":2,"item_id":"msg_67c9fdcf37fc81)"
        R"(90ba82116e33fb28c5","output_index":0,"content_index":0,"part":{"type":"output_text")"
        R"(,"text":"","annotations":[]}})") +
    ResponsesEvent(
        "response.output_text.delta",
        R"({"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_67c9fdcf37fc819)"
        R"(0ba82116e33fb28c5","output_index":0,"content_index":0,"delta":"The capital of Franc)"
        R"(e is Paris."})") +
    ResponsesEvent(
        "response.output_text.done",
        R"({"type":"response.output_text.done","sequence_number":4,"item_id":"msg_67c9fdcf37fc8190)"
        R"(ba82116e33fb28c5","output_index":0,"content_index":0,"text":"The capital of France )"
        R"(is Paris."})") +
    ResponsesEvent(
        "response.completed",
        R"({"type":"response.completed","sequence_number":5,"response":{"id":"resp_67c9fdcecf48819)"
        R"(0bdd9a0409de3a1ec","object":"response","created_at":1741290958,"status":"completed")"
        R"(,"model":"gpt-4o-mini-2024-07-18","output":[{"id":"msg_67c9fdcf37fc8190ba82116e33fb)"
        R"(28c5","type":"message","status":"completed","role":"assistant","content":[{"type":")"
        R"(output_text","text":"The capital of France is Paris.","annotations":[]}]}],"usage":)"
        R"({"input_tokens":22,"input_tokens_details":{"cached_tokens":0},"output_tokens":8,"ou)"
        R"(tput_tokens_details":{"reasoning_tokens":0},"total_tokens":30}}})");

const std::string kOpenAiEmbeddings =
    R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.00932)"
    R"(7292,-0.0028842222]}],)"
    R"("model":"text-embedding-3-small","usage":{"prompt_tokens":5,"total_tokens":5}})";

const std::string kCohereRerank =
    R"({"id":"07734bd2-2473-4f07-94e1-0d9f0e6843cf","results":[{"index":0,"relevance_score":0.9763)"
    R"(}],)"
    R"("meta":{"api_version":{"version":"2"},"billed_units":{"search_units":1},"tokens":{"input_to)"
    R"(kens":21}}})";

const std::string kModeration =
    R"({"id":"modr-970d409ef3bef3b70c73d8232df86e7d","model":"omni-moderation-latest",)"
    R"("results":[{"flagged":false,"categories":{"violence":false},"category_scores":{"violence":0)"
    R"(.0004}}]})";

const std::string kDetectAnswer = R"({"flagged":false,"categories":[],"model":"llama-guard-3-8b"})";
const std::string kDetectStream =
    "data: {\"flagged\":false,\"index\":0}\n\ndata: {\"flagged\":false,\"index\":1}\n\n"
    "data: [DONE]\n\n";

// Anthropic: the testdata recordings, and a token count.
const std::string kAnthropicCount = R"({"input_tokens":21})";

// Gemini generateContent, whole and streamed (Gemini ends its SSE events with CRLF CRLF).
const std::string kGeminiResponse = R"({
  "candidates": [
    {
      "content": {"parts": [{"text": "The capital of France is Paris.\n"}], "role": "model"},
      "finishReason": "STOP",
      "avgLogprobs": -0.0243
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 9,
    "candidatesTokenCount": 8,
    "totalTokenCount": 17,
    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
    "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 8}]
  },
  "modelVersion": "gemini-2.0-flash",
  "responseId": "Bx7pZ8v2HqWkmNAPpq3ZqQo"
}
)";

const std::string kGeminiStream =
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The capital\"}],\"role\": "
    "\"model\"}}],\"usageMetadata\": {\"promptTokenCount\": 9,\"totalTokenCount\": 9},"
    "\"modelVersion\": \"gemini-2.0-flash\",\"responseId\": \"Bx7pZ8v2HqWkmNAPpq3ZqQo\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" of France is Paris.\\n\"}],"
    "\"role\": \"model\"},\"finishReason\": \"STOP\"}],\"usageMetadata\": {\"promptTokenCount\": "
    "9,\"candidatesTokenCount\": 8,\"totalTokenCount\": 17},\"modelVersion\": "
    "\"gemini-2.0-flash\",\"responseId\": \"Bx7pZ8v2HqWkmNAPpq3ZqQo\"}\r\n\r\n";

const std::string kGeminiCount =
    R"({"totalTokens": 9, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}]})";

const std::string kGeminiBadKey = R"({
  "error": {
    "code": 400,
    "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT"
  }
}
)";

const std::string kVertexEmbeddings =
    R"({"predictions":[{"embeddings":{"statistics":{"truncated":false,"token_count":5},)"
    R"("values":[0.0123,-0.0456,0.0789]}}],"metadata":{"billableCharacterCount":22}})";

// Bedrock Converse, whole and as the binary AWS event stream.
const std::string kConverseResponse =
    R"({"metrics":{"latencyMs":412},"output":{"message":{"content":[{"text":"The capital of France)"
    R"( is Paris."}],"role":"assistant"}},)"
    R"("stopReason":"end_turn","usage":{"inputTokens":20,"outputTokens":8,"totalTokens":28}})";

std::string ConverseEvent(const std::string& type, const std::string& payload) {
  return emulator::llm::EncodeEventStreamMessage(
      {{":event-type", type}, {":content-type", "application/json"}, {":message-type", "event"}},
      payload);
}

const std::string kConverseStream =
    ConverseEvent("messageStart", R"({"p":"abcdefgh","role":"assistant"})") +
    ConverseEvent("contentBlockDelta",
                  R"({"contentBlockIndex":0,"delta":{"text":"The capital of France"},"p":"ab"})") +
    ConverseEvent("contentBlockDelta",
                  R"({"contentBlockIndex":0,"delta":{"text":" is Paris."},"p":"abcd"})") +
    ConverseEvent("contentBlockStop", R"({"contentBlockIndex":0,"p":"abcdefghijk"})") +
    ConverseEvent("messageStop", R"({"p":"abcdef","stopReason":"end_turn"})") +
    ConverseEvent("metadata", R"({"metrics":{"latencyMs":412},"p":"abc",)"
                              R"("usage":{"inputTokens":20,"outputTokens":8,"totalTokens":28}})");

const std::string kConverseInvalid = R"({"message":"The provided model identifier is invalid."})";
const std::string kTitanEmbeddings =
    R"({"embedding":[0.0123,-0.0456,0.0789],"embeddingsByType":{"float":[0.0123,-0.0456,0.0789]},")"
    R"(inputTextTokenCount":5})";
const std::string kBedrockCount = R"({"inputTokens":21})";
const std::string kBedrockRerank =
    R"({"results":[{"index":0,"relevanceScore":0.9763},{"index":1,"relevanceScore":0.0011}]})";

ProviderAnswer Json(const std::string& body, int status = 200) {
  return ProviderAnswer{status, "application/json", body, false, 64};
}

ProviderAnswer Sse(const std::string& body) {
  return ProviderAnswer{200, "text/event-stream", body, true, 61};
}

ProviderAnswer EventStream(const std::string& body) {
  return ProviderAnswer{200, "application/vnd.amazon.eventstream", body, true, 37};
}

// ---------------------------------------------------------------------------------------------
// Manifests

// Every route type, by the path suffixes the clients use.
const std::string kRoutes = R"(    ai:
      routes:
        /v1/chat/completions: Completions
        /chat/completions: Completions
        /v1/messages: Messages
        /messages/count_tokens: AnthropicTokenCount
        /v1/responses: Responses
        /v1/embeddings: Embeddings
        /v1/models: Models
        /v1/detect: Detect
        /v1/rerank: Rerank
        /v1/moderations: Passthrough
        :generateContent: GenerateContent
        :streamGenerateContent: GenerateContent
        :countTokens: GeminiCountTokens
)";

// An AgentgatewayBackend spec: `provider` (YAML under `ai.provider:`, indented by 6) with the
// inline key `key` (none when empty) and every route type.
std::string Spec(const std::string& provider, const std::string& key) {
  std::string spec = "  ai:\n    provider:\n" + provider + "  policies:\n";
  if (!key.empty()) {
    spec += "    auth:\n      key: " + key + "\n";
  }
  return spec + kRoutes;
}

const std::string kOpenAiKey = "sk-proj-EQUIVALENCE-openai-0123456789";
const std::string kOpenAi = Spec("      openai: {}\n", kOpenAiKey);
const std::string kAnthropic = Spec("      anthropic:\n        model: claude-sonnet-4-5-20250929\n",
                                    "sk-ant-api03-EQUIVALENCE-anthropic-0123456789");
const std::string kGemini = Spec("      gemini: {}\n", "AIzaSyEQUIVALENCE-gemini-0123456789");
const std::string kVertex =
    Spec("      vertexai:\n        projectId: my-project\n        region: us-central1\n",
         "ya29.EQUIVALENCE-vertex-0123456789");
const std::string kBedrockKey = "ABSKQmVkcm9ja0FQSUtleS1FUVVJVkFMRU5DRQ==";
const std::string kBedrock = Spec(
    "      bedrock:\n        model: anthropic.claude-3-5-sonnet-20240620-v1:0\n"
    "        region: eu-west-1\n",
    kBedrockKey);
const std::string kBedrockSigV4 = Spec(
    "      bedrock:\n        model: anthropic.claude-3-5-sonnet-20240620-v1:0\n"
    "        region: eu-west-1\n",
    "");
const std::string kBedrockTitan =
    Spec("      bedrock:\n        model: amazon.titan-embed-text-v2:0\n        region: us-east-1\n",
         kBedrockKey);
const std::string kBedrockRerankSpec =
    Spec("      bedrock:\n        model: cohere.rerank-v3-5:0\n        region: us-west-2\n",
         kBedrockKey);
// Azure OpenAI with its key in a Secret, and a dated API version (deployment paths).
const std::string kAzureOpenAi =
    "  ai:\n    provider:\n      azureopenai:\n        endpoint: my-resource\n"
    "        deploymentName: gpt-4o-mini\n        apiVersion: 2024-10-21\n"
    "  policies:\n    auth:\n      secretRef:\n        name: azure-key\n" +
    kRoutes;
const std::string kAzureSecret = R"(---
apiVersion: v1
kind: Secret
metadata: {name: azure-key, namespace: default}
type: Opaque
stringData:
  Authorization: 9f8e7d6c5b4a39281706EQUIVALENCEazure
)";
// Azure AI Foundry serving Claude (Messages at /anthropic/v1/messages).
const std::string kAzureFoundry = Spec(
    "      azure:\n        resourceName: my-foundry\n        resourceType: Foundry\n"
    "        projectName: my-project\n        model: claude-sonnet-4-5\n",
    "foundry-EQUIVALENCE-0123456789");
// A local OpenAI-compatible server (llama.cpp, vLLM): host and port name the fake itself.
const std::string kLocalModel = Spec(
    "      openai:\n        model: qwen2.5-7b-instruct\n      host: 127.0.0.1\n"
    "      port: {PORT}\n",
    "");
// A custom provider speaking Completions and Messages, on the fake.
const std::string kCustom = Spec(
    "      custom:\n        model: llama-3.1-8b\n        formats:\n        - type: Completions\n"
    "        - type: Messages\n      host: 127.0.0.1\n      port: {PORT}\n",
    "");

// xAI: the CRD has no provider kind of its own; it is the openai provider with xAI's host, port,
// path and TLS server name (as the multi-llm-providers tutorial configures it).
const std::string kXai = R"(  ai:
    provider:
      openai:
        model: grok-4-1-fast-reasoning
      host: api.x.ai
      port: 443
      path: /v1/chat/completions
  policies:
    auth:
      key: xai-EQUIVALENCE-0123456789abcdef
    tls:
      sni: api.x.ai
)";

// A priority group: `first` (OpenAI) alone in the first tier, `second` (Anthropic) behind it.
const std::string kGroup = R"(  ai:
    groups:
    - providers:
      - name: first
        openai:
          model: gpt-4o-mini
    - providers:
      - name: second
        anthropic:
          model: claude-3-5-haiku-20241022
  policies:
    auth:
      key: sk-inline-EQUIVALENCE-group-42
)" + kRoutes;

// An HTTPRoute that rewrites /llm to /v1 and edits request and response headers in front of an
// OpenAI backend.
const std::string kFiltered = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: llm, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /llm}}]
    filters:
    - type: URLRewrite
      urlRewrite:
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /v1}
    - type: RequestHeaderModifier
      requestHeaderModifier:
        add: [{name: x-team, value: blue}]
        set: [{name: user-agent, value: gateway-client}]
        remove: [x-drop]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        add: [{name: x-served-by, value: agentgateway}]
    backendRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: llm}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: llm, namespace: default}
spec:
)" + kOpenAi;

// ---------------------------------------------------------------------------------------------
// Cases

struct Case {
  std::string name;
  std::string manifests;  // "{PORT}" stands for the fake provider's port
  // The --provider-url key that sends the backend's provider to the fake; empty when the
  // manifests name the fake's address themselves.
  std::string provider_url = "default/llm";
  std::string method = "POST";
  std::string target;
  Headers headers;  // the client's, besides host, content-type and content-length
  std::string body;
  ProviderAnswer answer;
  std::string provider;          // DryRunInput::provider
  bool gateway_answers = false;  // answered by the gateway itself: nothing reaches the fake
  bool sigv4 = false;            // signed with AWS_* credentials from the environment
};

Case Post(std::string name, std::string manifests, std::string target, std::string body,
          ProviderAnswer answer) {
  Case c;
  c.name = std::move(name);
  c.manifests = std::move(manifests);
  c.target = std::move(target);
  c.body = std::move(body);
  c.answer = std::move(answer);
  return c;
}

Case Local(std::string name, std::string manifests, std::string method, std::string target,
           std::string body) {
  Case c;
  c.name = std::move(name);
  c.manifests = std::move(manifests);
  c.method = std::move(method);
  c.target = std::move(target);
  c.body = std::move(body);
  c.gateway_answers = true;
  return c;
}

std::vector<Case> Cases() {
  const std::string anthropic_response = ReadTestdata("anthropic-response.json");
  const std::string anthropic_stream = ReadTestdata("anthropic-stream.sse");
  const std::string anthropic_error = ReadTestdata("anthropic-error.json");
  const std::string openai = test::OneAiBackend("llm", kOpenAi);
  const std::string anthropic = test::OneAiBackend("llm", kAnthropic);
  const std::string gemini = test::OneAiBackend("llm", kGemini);
  const std::string vertex = test::OneAiBackend("llm", kVertex);
  const std::string bedrock = test::OneAiBackend("llm", kBedrock);
  const std::string azure = test::OneAiBackend("llm", kAzureOpenAi, kAzureSecret);
  const std::string foundry = test::OneAiBackend("llm", kAzureFoundry);
  const std::string local = test::OneAiBackend("llm", kLocalModel);
  const std::string custom = test::OneAiBackend("llm", kCustom);
  const std::string claude = "claude-sonnet-4-5-20250929";
  std::vector<Case> cases;
  auto add = [&cases](Case c) { cases.push_back(std::move(c)); };

  // OpenAI: every route type. The client's SDK headers go along in their order.
  Case sdk = Post("openai Completions", openai, "/v1/chat/completions",
                  ChatRequest("gpt-4o-mini", false), Json(kOpenAiCompletion));
  sdk.headers = {{"accept", "application/json"},
                 {"user-agent", "OpenAI/Python 1.54.0"},
                 {"x-stainless-lang", "python"},
                 {"authorization", "Bearer client-token-replaced-by-the-backend-key"}};
  add(sdk);
  add(Post("openai Completions streamed", openai, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", true), Sse(kOpenAiStream)));
  add(Post("openai Completions answered 429", openai, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", false), Json(kOpenAiRateLimited, 429)));
  add(Post("openai Completions streamed answered 429", openai, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", true), Json(kOpenAiRateLimited, 429)));
  add(Post("openai Messages", openai, "/v1/messages", MessagesRequest("gpt-4o-mini", false),
           Json(kOpenAiCompletion)));
  add(Post("openai Messages streamed", openai, "/v1/messages", MessagesRequest("gpt-4o-mini", true),
           Sse(kOpenAiStream)));
  add(Post("openai Responses", openai, "/v1/responses", ResponsesRequest("gpt-4o-mini", false),
           Json(kResponseObject)));
  add(Post("openai Responses streamed", openai, "/v1/responses",
           ResponsesRequest("gpt-4o-mini", true), Sse(kResponsesStream)));
  add(Post("openai Embeddings", openai, "/v1/embeddings",
           EmbeddingsRequest("text-embedding-3-small"), Json(kOpenAiEmbeddings)));
  add(Post("openai Rerank", openai, "/v1/rerank", RerankRequest("rerank-v3.5"),
           Json(kCohereRerank)));
  add(Post("openai Passthrough", openai, "/v1/moderations",
           R"({"model":"omni-moderation-latest","input":"hello"})", Json(kModeration)));
  add(Post("openai Detect", openai, "/v1/detect", R"({"model":"llama-guard-3-8b","input":"hello"})",
           Json(kDetectAnswer)));
  add(Post("openai Detect streamed", openai, "/v1/detect",
           R"({"model":"llama-guard-3-8b","input":"hello","stream":true})", Sse(kDetectStream)));
  add(Local("openai Models answered by the gateway", openai, "GET", "/v1/models", ""));
  add(Local("openai AnthropicTokenCount answered by the gateway", openai, "POST",
            "/v1/messages/count_tokens", CountTokensRequest("gpt-4o-mini")));
  add(Local("openai GenerateContent is an unsupported conversion", openai, "POST",
            "/v1beta/models/gpt-4o-mini:generateContent", kGeminiRequest));

  // Anthropic.
  add(Post("anthropic Messages", anthropic, "/v1/messages", MessagesRequest(claude, false),
           Json(anthropic_response)));
  add(Post("anthropic Messages streamed", anthropic, "/v1/messages", MessagesRequest(claude, true),
           Sse(anthropic_stream)));
  add(Post("anthropic Messages answered 429", anthropic, "/v1/messages",
           MessagesRequest(claude, false), Json(anthropic_error, 429)));
  add(Post("anthropic Completions", anthropic, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", false), Json(anthropic_response)));
  add(Post("anthropic Completions streamed", anthropic, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", true), Sse(anthropic_stream)));
  add(Post("anthropic Completions answered 429", anthropic, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", false), Json(anthropic_error, 429)));
  add(Post("anthropic AnthropicTokenCount", anthropic, "/v1/messages/count_tokens",
           CountTokensRequest(claude), Json(kAnthropicCount)));
  add(Post("anthropic Passthrough", anthropic, "/v1/moderations", R"({"input":"hello"})",
           Json(R"({"ok":true})")));
  add(Local("anthropic Responses is an unsupported conversion", anthropic, "POST", "/v1/responses",
            ResponsesRequest(claude, false)));
  add(Local("anthropic Embeddings is an unsupported conversion", anthropic, "POST",
            "/v1/embeddings", EmbeddingsRequest("voyage-3")));

  // Gemini.
  add(Post("gemini Completions", gemini, "/v1/chat/completions",
           ChatRequest("gemini-2.0-flash", false), Json(kGeminiResponse)));
  add(Post("gemini Completions streamed", gemini, "/v1/chat/completions",
           ChatRequest("gemini-2.0-flash", true), Sse(kGeminiStream)));
  add(Post("gemini Completions answered 400", gemini, "/v1/chat/completions",
           ChatRequest("gemini-2.0-flash", false), Json(kGeminiBadKey, 400)));
  add(Post("gemini GenerateContent", gemini, "/v1beta/models/gemini-2.0-flash:generateContent",
           kGeminiRequest, Json(kGeminiResponse)));
  add(Post("gemini GenerateContent streamed", gemini,
           "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", kGeminiRequest,
           Sse(kGeminiStream)));
  add(Post("gemini GeminiCountTokens", gemini, "/v1beta/models/gemini-2.0-flash:countTokens",
           R"({"contents":[{"role":"user","parts":[{"text":"What is the capital of France?"}]}]})",
           Json(kGeminiCount)));
  add(Post("gemini Messages", gemini, "/v1/messages", MessagesRequest("gemini-2.0-flash", false),
           Json(kOpenAiCompletion)));
  add(Post("gemini Responses", gemini, "/v1/responses", ResponsesRequest("gemini-2.0-flash", false),
           Json(kOpenAiCompletion)));
  add(Post("gemini Embeddings", gemini, "/v1/embeddings", EmbeddingsRequest("text-embedding-004"),
           Json(kOpenAiEmbeddings)));
  add(Local("gemini streamGenerateContent without alt=sse answered by the gateway", gemini, "POST",
            "/v1beta/models/gemini-2.0-flash:streamGenerateContent", kGeminiRequest));

  // Vertex AI: Gemini and Claude models, embeddings.
  add(Post("vertexai Completions", vertex, "/v1/chat/completions",
           ChatRequest("gemini-2.0-flash", false), Json(kGeminiResponse)));
  add(Post("vertexai Completions streamed", vertex, "/v1/chat/completions",
           ChatRequest("gemini-2.0-flash", true), Sse(kGeminiStream)));
  add(Post("vertexai GenerateContent", vertex, "/v1beta/models/gemini-2.0-flash:generateContent",
           kGeminiRequest, Json(kGeminiResponse)));
  add(Post("vertexai Messages to Claude", vertex, "/v1/messages", MessagesRequest(claude, false),
           Json(anthropic_response)));
  add(Post("vertexai Messages to Claude streamed", vertex, "/v1/messages",
           MessagesRequest(claude, true), Sse(anthropic_stream)));
  add(Post("vertexai AnthropicTokenCount", vertex, "/v1/messages/count_tokens",
           CountTokensRequest(claude), Json(kAnthropicCount)));
  add(Post("vertexai Embeddings", vertex, "/v1/embeddings", EmbeddingsRequest("text-embedding-005"),
           Json(kVertexEmbeddings)));

  // Bedrock with an API key, and signed with SigV4.
  add(Post("bedrock Completions", bedrock, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", false), Json(kConverseResponse)));
  add(Post("bedrock Completions streamed", bedrock, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", true), EventStream(kConverseStream)));
  add(Post("bedrock Completions answered 400", bedrock, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", false), Json(kConverseInvalid, 400)));
  add(Post("bedrock Messages", bedrock, "/v1/messages", MessagesRequest(claude, false),
           Json(kConverseResponse)));
  add(Post("bedrock Messages streamed", bedrock, "/v1/messages", MessagesRequest(claude, true),
           EventStream(kConverseStream)));
  add(Post("bedrock Responses", bedrock, "/v1/responses", ResponsesRequest(claude, false),
           Json(kConverseResponse)));
  add(Post("bedrock Responses streamed", bedrock, "/v1/responses", ResponsesRequest(claude, true),
           EventStream(kConverseStream)));
  add(Post("bedrock AnthropicTokenCount", bedrock, "/v1/messages/count_tokens",
           CountTokensRequest(claude), Json(kBedrockCount)));
  add(Post("bedrock Embeddings", test::OneAiBackend("llm", kBedrockTitan), "/v1/embeddings",
           EmbeddingsRequest("amazon.titan-embed-text-v2:0"), Json(kTitanEmbeddings)));
  add(Post("bedrock Rerank", test::OneAiBackend("llm", kBedrockRerankSpec), "/v1/rerank",
           RerankRequest("cohere.rerank-v3-5:0"), Json(kBedrockRerank)));
  Case signed_call =
      Post("bedrock Completions signed with SigV4", test::OneAiBackend("llm", kBedrockSigV4),
           "/v1/chat/completions", ChatRequest("gpt-4o-mini", false), Json(kConverseResponse));
  signed_call.sigv4 = true;
  add(signed_call);
  Case signed_stream =
      Post("bedrock Messages streamed signed with SigV4", test::OneAiBackend("llm", kBedrockSigV4),
           "/v1/messages", MessagesRequest(claude, true), EventStream(kConverseStream));
  signed_stream.sigv4 = true;
  add(signed_stream);

  // Azure OpenAI (key from a Secret) and Azure AI Foundry serving Claude.
  add(Post("azureopenai Completions", azure, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", false), Json(kOpenAiCompletion)));
  add(Post("azureopenai Completions streamed", azure, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", true), Sse(kOpenAiStream)));
  add(Post("azureopenai Responses", azure, "/v1/responses", ResponsesRequest("gpt-4o-mini", false),
           Json(kResponseObject)));
  add(Post("azureopenai Embeddings", azure, "/v1/embeddings",
           EmbeddingsRequest("text-embedding-3-small"), Json(kOpenAiEmbeddings)));
  add(Post("azure Foundry Messages", foundry, "/v1/messages", MessagesRequest(claude, false),
           Json(anthropic_response)));
  add(Post("azure Foundry Messages streamed", foundry, "/v1/messages",
           MessagesRequest(claude, true), Sse(anthropic_stream)));
  add(Post("azure Foundry Completions", foundry, "/v1/chat/completions",
           ChatRequest("gpt-4o-mini", false), Json(anthropic_response)));

  // xAI through its --provider-url stand-in (the backend name as the key).
  for (Case c : {Post("xai Completions", test::OneAiBackend("llm", kXai), "/v1/chat/completions",
                      ChatRequest("grok-4", false), Json(kOpenAiCompletion)),
                 Post("xai Completions streamed", test::OneAiBackend("llm", kXai),
                      "/v1/chat/completions", ChatRequest("grok-4", true), Sse(kOpenAiStream))}) {
    c.provider_url = "llm";
    add(c);
  }

  // Local OpenAI-compatible servers: the manifests address the fake, no --provider-url.
  for (Case c : {Post("local model Completions", local, "/v1/chat/completions",
                      ChatRequest("gpt-4o-mini", false), Json(kOpenAiCompletion)),
                 Post("local model Completions streamed", local, "/v1/chat/completions",
                      ChatRequest("gpt-4o-mini", true), Sse(kOpenAiStream)),
                 Post("local model Rerank", local, "/v1/rerank", RerankRequest("bge-reranker"),
                      Json(kCohereRerank)),
                 Post("custom Completions", custom, "/v1/chat/completions",
                      ChatRequest("gpt-4o-mini", false), Json(kOpenAiCompletion)),
                 Post("custom Messages streamed", custom, "/v1/messages",
                      MessagesRequest(claude, true), Sse(anthropic_stream))}) {
    c.provider_url.clear();
    add(c);
  }

  // Route filters in front of an AI backend.
  Case filtered =
      Post("HTTPRoute filters in front of openai Completions", kFiltered, "/llm/chat/completions",
           ChatRequest("gpt-4o-mini", false), Json(kOpenAiCompletion));
  filtered.provider_url = "openai";
  filtered.headers = {{"user-agent", "curl/8.5.0"}, {"x-drop", "please"}, {"accept", "*/*"}};
  add(filtered);
  Case filtered_stream = filtered;
  filtered_stream.name = "HTTPRoute filters in front of openai Completions streamed";
  filtered_stream.body = ChatRequest("gpt-4o-mini", true);
  filtered_stream.answer = Sse(kOpenAiStream);
  add(filtered_stream);

  // A priority group, the first tier's provider chosen by name.
  Case group =
      Post("priority group Completions to the first tier", test::OneAiBackend("llm", kGroup),
           "/v1/chat/completions", ChatRequest("gpt-4o-mini", false), Json(kOpenAiCompletion));
  group.provider_url = "llm/first";
  group.provider = "first";
  add(group);
  Case group_stream = group;
  group_stream.name = "priority group Completions streamed to the first tier";
  group_stream.body = ChatRequest("gpt-4o-mini", true);
  group_stream.answer = Sse(kOpenAiStream);
  add(group_stream);
  return cases;
}

// ---------------------------------------------------------------------------------------------
// The two sides

std::string Render(const std::vector<validate::manifest::Diagnostic>& diagnostics) {
  std::string text;
  for (const validate::manifest::Diagnostic& d : diagnostics) {
    text += validate::manifest::RenderText(d) + "\n";
  }
  return text;
}

// The agentgateway CRDs of its main branch: the newest release (v1.4.1) does not have the
// GenerateContent and GeminiCountTokens route types yet, which the data plane serves.
const validate::schema::CrdCatalog& MainCrds() {
  static const validate::schema::CrdCatalog catalog = [] {
    auto built = validate::schema::CrdCatalog::WithBuiltinSets("", "main");
    INFO((built ? "" : built.error()));
    REQUIRE(built.has_value());
    return *built;
  }();
  return catalog;
}

std::shared_ptr<const Snapshot> SnapshotOf(const std::string& yaml) {
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("m.yaml", yaml);
  validate::manifest::LoadOptions load;
  load.paths = {"m.yaml"};
  auto pipeline =
      validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{}, MainCrds());
  INFO(Render(pipeline->sink.diagnostics()));
  REQUIRE(pipeline->input_errors == 0);
  auto snapshot = MakeSnapshot(std::move(pipeline));
  REQUIRE(snapshot->problems.empty());
  return snapshot;
}

gateway::AiOptions AiOptionsFor(const Case& c, std::uint16_t provider_port) {
  gateway::AiOptions ai;
  ai.stamper = emulator::llm::FixedStamper(kUnixMillis, kSeed);
  if (!c.provider_url.empty()) {
    std::string spec = c.provider_url + "=http://127.0.0.1:" + std::to_string(provider_port);
    INFO(spec);
    REQUIRE(ai.AddProviderUrl(spec).has_value());
  }
  return ai;
}

// Sets AWS_* credentials for the life of a SigV4 case, and clears them for the others (a
// developer's own credentials must not sign, or leak into, a keyless case).
class AwsEnvironment {
 public:
  explicit AwsEnvironment(bool set) {
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
      if (const char* value = std::getenv(name)) {
        saved_.emplace_back(name, value);
      }
      ::unsetenv(name);
    }
    if (set) {
      ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEEQUIVALENCE", 1);
      ::setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    }
  }
  ~AwsEnvironment() {
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
      ::unsetenv(name);
    }
    for (const auto& [name, value] : saved_) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

bool IsCredential(const std::string& name) {
  for (const char* credential : {"authorization", "x-api-key", "x-goog-api-key", "api-key"}) {
    if (emulator::http::HeaderNameEquals(name, credential)) {
      return true;
    }
  }
  return false;
}

std::string Show(const Headers& headers) {
  std::string text;
  for (const auto& [name, value] : headers) {
    text += "  " + name + ": " + value + "\n";
  }
  return text;
}

// The upstream request's header fields: equal in order; credential fields by name only (the dry
// run redacts their values), every other field by name and value.
void CheckSameUpstreamHeaders(const Headers& run, const Headers& dry) {
  INFO("run sent:\n" << Show(run) << "translate shows:\n" << Show(dry));
  REQUIRE(run.size() == dry.size());
  for (std::size_t i = 0; i < run.size(); ++i) {
    INFO("field " << i);
    CHECK(run[i].first == dry[i].first);
    if (!IsCredential(run[i].first)) {
      CHECK(run[i].second == dry[i].second);
    } else {
      CHECK(dry[i].second.rfind("<redacted", 0) == 0);
    }
  }
}

void RunCase(const Case& c) {
  INFO("case: " << c.name);
  AwsEnvironment aws(c.sigv4);
  auto started = test::FakeProvider::Start(c.answer);
  REQUIRE(started.has_value());
  std::unique_ptr<test::FakeProvider> fake = std::move(*started);
  std::string manifests = c.manifests;
  for (std::size_t at; (at = manifests.find("{PORT}")) != std::string::npos;) {
    manifests.replace(at, 6, std::to_string(fake->port()));
  }

  // The request as translate builds it; run gets exactly these header fields.
  std::shared_ptr<const Snapshot> dry_snapshot = SnapshotOf(manifests);
  auto bind = gateway::ChooseBind(*dry_snapshot->table, "", 0);
  REQUIRE(bind.has_value());
  Headers headers = c.headers;
  headers.emplace_back("content-type", "application/json");
  route::Request arriving = gateway::ArrivingRequest(*dry_snapshot->table, *bind, c.method,
                                                     c.target, "", headers, c.body.size());
  test::ClientRequest client;
  client.method = c.method;
  client.target = c.target;
  client.omit_host = true;
  client.body = c.body;
  for (const auto& field : arriving.headers) {
    // The client writes Content-Length itself for a body, after the other fields (where
    // ArrivingRequest puts it too).
    if (!c.body.empty() && emulator::http::HeaderNameEquals(field.first, "content-length")) {
      continue;
    }
    client.headers.push_back(field);
  }

  // run.
  std::ostringstream access_log;
  ServerOptions options;
  options.port_map = {{80, 0}};
  options.admin_port = -1;
  options.threads = 1;
  options.json_log = true;
  options.access_log = &access_log;
  options.ai = AiOptionsFor(c, fake->port());
  std::mutex seen_mutex;
  std::optional<route::Request> seen;
  options.on_request_for_test = [&](const route::Request& request) {
    std::lock_guard<std::mutex> lock(seen_mutex);
    seen = request;
  };
  auto server = Server::Start(SnapshotOf(manifests), std::move(options));
  INFO((server ? "" : server.error().message));
  REQUIRE(server.has_value());
  auto port = static_cast<std::uint16_t>((*server)->listeners().at(0).local_port);
  auto answered = test::Fetch(port, client, 5s);
  INFO((answered ? "" : answered.error()));
  REQUIRE(answered.has_value());
  const test::ClientResponse& got = *answered;
  (*server)->Shutdown(1s);
  (*server)->Wait();
  {
    // run saw the request translate is given: same method, target and header fields (the
    // client spells Content-Length its own way; field names are case-insensitive).
    std::lock_guard<std::mutex> lock(seen_mutex);
    REQUIRE(seen.has_value());
    CHECK(seen->method == arriving.method);
    CHECK(seen->PathAndQuery() == arriving.PathAndQuery());
    REQUIRE(seen->headers.size() == arriving.headers.size());
    for (std::size_t i = 0; i < arriving.headers.size(); ++i) {
      CHECK(emulator::http::HeaderNameEquals(seen->headers[i].first, arriving.headers[i].first));
      CHECK(seen->headers[i].second == arriving.headers[i].second);
    }
  }
  std::vector<test::RecordedRequest> received = fake->Requests();

  // translate.
  gateway::AiOptions dry_ai = AiOptionsFor(c, fake->port());
  gateway::DryRunInput input;
  input.request = arriving;
  input.body = c.body;
  input.provider = c.provider;
  if (!received.empty()) {
    input.response = fake->body();
    input.response_status = c.answer.status;
  }
  auto dry = gateway::RunDry(*dry_snapshot, *bind, input, dry_ai);
  INFO((dry ? "" : dry.error().message));
  REQUIRE(dry.has_value());
  for (const std::string& note : dry->notes) {
    UNSCOPED_INFO("translate note: " << note);
  }

  // The upstream request.
  if (c.gateway_answers) {
    CHECK(received.empty());
    CHECK_FALSE(dry->upstream.has_value());
    REQUIRE(dry->gateway_answer.has_value());
  } else {
    REQUIRE(received.size() == 1);
    const test::RecordedRequest& sent = received.front();
    REQUIRE(dry->upstream.has_value());
    const gateway::UpstreamCall& shown = *dry->upstream;
    CHECK(shown.method == sent.method);
    CHECK(shown.url == "http://127.0.0.1:" + std::to_string(fake->port()) + sent.target);
    CheckSameUpstreamHeaders(sent.headers, shown.headers);
    CHECK(shown.body == sent.body);
    if (c.sigv4) {
      // The dry run shows the signature redacted; the unredacted one comes from the same core
      // (DecideLlm on the dry run's snapshot and options): with the clock pinned it is run's.
      std::mt19937_64 random(0);
      gateway::RequestDecision decision =
          gateway::Decide(*dry_snapshot, &*bind, arriving, 80, nullptr, random);
      gateway::ProviderHealth health;
      auto state =
          dry_snapshot->AiBackendFor(*decision.plan.upstream->backend->backend, dry_ai, health);
      gateway::LlmDecision llm =
          gateway::DecideLlm(state->plan, state->plan.tiers[0][0], decision.plan, c.body, dry_ai);
      REQUIRE(llm.upstream.has_value());
      CHECK(llm.upstream->signed_with_sigv4);
      std::optional<std::string> signature =
          emulator::http::GetHeader(llm.upstream->headers, "authorization");
      REQUIRE(signature.has_value());
      CHECK(signature->rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEEQUIVALENCE/20250101/", 0) ==
            0);
      CHECK(emulator::http::GetHeader(sent.headers, "authorization") == signature);
      CHECK(emulator::http::GetHeader(shown.headers, "authorization") ==
            "<redacted: SigV4 from the AWS_* environment credentials>");
    }
  }

  // The client's answer, every header field included. No framing field needs an exception:
  // run frames a translated stream for this HTTP/1.1 client with `transfer-encoding: chunked`
  // and a whole answer with its content-length, and the dry run appends the same field in the
  // same place (an HTTP/1.0 client would get a close-delimited stream, which translate does not
  // model).
  const gateway::HttpAnswer& expected =
      c.gateway_answers ? *dry->gateway_answer : dry->client_response.value();
  Headers got_headers(got.headers.begin(), got.headers.end());
  INFO("run answered " << got.status << ":\n"
                       << Show(got_headers) << got.body << "\ntranslate shows " << expected.status
                       << ":\n"
                       << Show(expected.headers) << expected.body);
  CHECK(got.status == expected.status);
  if (!c.gateway_answers) {
    // The provider's status reaches the client: the case exercises a translation (or a pass-
    // through), not a gateway failure that both sides happen to share.
    CHECK(got.status == c.answer.status);
  }
  CHECK(got_headers == expected.headers);
  CHECK(got.body == expected.body);

  // Usage: what run's access log reports is what translate read.
  if (dry->usage && dry->usage->contains("output_tokens")) {
    std::string log = access_log.str();
    REQUIRE_FALSE(log.empty());
    auto record = nlohmann::json::parse(log.substr(0, log.find('\n')));
    CHECK(record.value("gen_ai.usage.output_tokens", std::int64_t{-1}) ==
          (*dry->usage)["output_tokens"].get<std::int64_t>());
  }
}

TEST_CASE("translate shows the upstream request and client answer run gives for every provider") {
  for (const Case& c : Cases()) {
    DYNAMIC_SECTION(c.name) { RunCase(c); }
  }
}

}  // namespace
}  // namespace agw::emulator::io
