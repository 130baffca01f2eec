// Which AI backends a --provider-url key captures, the usage errors for keys that name nothing,
// the Host a stand-in receives, and the startup lines `run` prints for the flags. No sockets.

#include <catch2/catch.hpp>
#include <sstream>

#include "emulator/gateway/ai_backends.h"
#include "emulator/gateway/startup_notes.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/mock.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/resolve/pipeline.h"

namespace agw::emulator::gateway {
namespace {

std::unique_ptr<validate::resolve::Pipeline> Load(const std::string& yaml) {
  validate::manifest::InMemoryFileSystem files;
  files.AddFile("m.yaml", yaml);
  validate::manifest::LoadOptions load;
  load.paths = {"m.yaml"};
  auto pipeline = validate::resolve::RunPipeline(load, files, validate::resolve::ResolveOptions{});
  std::ostringstream findings;
  validate::manifest::WriteText(pipeline->sink.diagnostics(), findings,
                                validate::manifest::Severity::kError);
  INFO(findings.str());
  REQUIRE(pipeline->input_errors == 0);
  return pipeline;
}

std::string Backend(const std::string& ns, const std::string& name, const std::string& ai) {
  return "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\nmetadata: {name: " +
         name + ", namespace: " + ns + "}\nspec:\n  ai:\n" + ai + "---\n";
}

// The multi-llm-providers tutorial's three backends (xAI through the openai provider), a
// priority group of two OpenAI members, a local model, and an MCP backend.
std::string Manifests() {
  return Backend("ai", "openai", "    provider:\n      openai: {model: gpt-4o-mini}\n") +
         Backend("ai", "anthropic", "    provider:\n      anthropic: {model: claude}\n") +
         Backend("ai", "xai",
                 "    provider:\n      openai: {model: grok-4}\n      host: api.x.ai\n"
                 "      port: 443\n") +
         Backend("pools", "pool",
                 "    groups:\n    - providers:\n      - name: first\n"
                 "        openai: {model: gpt-4o}\n      - name: second\n"
                 "        openai: {model: gpt-4o}\n        host: 127.0.0.1\n        port: 8090\n") +
         Backend("local", "vllm",
                 "    provider:\n      openai: {model: llama}\n      host: vllm.local\n"
                 "      port: 8000\n") +
         "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\n"
         "metadata: {name: tools, namespace: ai}\nspec:\n  mcp:\n    targets:\n"
         "    - name: t\n      static: {host: mcp.local, port: 3000}\n";
}

AiOptions Urls(const std::vector<std::string>& specs) {
  AiOptions options;
  for (const std::string& spec : specs) {
    INFO(spec);
    REQUIRE(options.AddProviderUrl(spec).has_value());
  }
  return options;
}

std::string Error(const std::vector<std::string>& specs, const std::string& yaml = Manifests()) {
  auto pipeline = Load(yaml);
  auto checked = CheckProviderUrls(Urls(specs), pipeline->model);
  REQUIRE_FALSE(checked.has_value());
  return checked.error().message;
}

std::vector<ProviderUrlCapture> Captures(const std::vector<std::string>& specs,
                                         const std::string& yaml = Manifests()) {
  auto pipeline = Load(yaml);
  auto checked = CheckProviderUrls(Urls(specs), pipeline->model);
  INFO((checked ? "" : checked.error().message));
  REQUIRE(checked.has_value());
  return *checked;
}

constexpr char kValidKeys[] =
    "valid keys:\n"
    "  providers: openai, anthropic, gemini, vertexai, bedrock, azure, azureopenai\n"
    "  AI backends: ai/openai, ai/anthropic, ai/xai (or xai), pools/pool (or pool), local/vllm "
    "(or vllm)\n"
    "  group members: pools/pool/first (or pool/first), pools/pool/second (or pool/second)";

TEST_CASE("A provider URL key that names nothing is an error with the closest key and the list") {
  CHECK(Error({"anthropc=http://127.0.0.1:1"}) ==
        "--provider-url anthropc=http://127.0.0.1:1: \"anthropc\" is neither a provider nor an "
        "AI backend of the inputs (did you mean \"anthropic\"?)\n" +
            std::string(kValidKeys));
  std::string unknown = " is neither a provider nor an AI backend of the inputs";
  CHECK(Error({"OpenAI=http://127.0.0.1:1"}) ==
        "--provider-url OpenAI=http://127.0.0.1:1: \"OpenAI\"" + unknown +
            " (did you mean \"openai\"?)\n" + kValidKeys);
  CHECK(Error({"ai/xia=http://127.0.0.1:1"}) ==
        "--provider-url ai/xia=http://127.0.0.1:1: \"ai/xia\"" + unknown +
            " (did you mean \"ai/xai\"?)\n" + kValidKeys);
  // Nothing close: no suggestion.
  CHECK(Error({"mistral=http://127.0.0.1:1"}) ==
        "--provider-url mistral=http://127.0.0.1:1: \"mistral\" is neither a provider nor an AI "
        "backend of the inputs\n" +
            std::string(kValidKeys));
}

TEST_CASE("Every bad provider URL key is named before the one list of valid keys") {
  CHECK(Error({"anthropc=http://127.0.0.1:1", "pools/pool/third=http://127.0.0.1:2",
               "ai/tools=http://127.0.0.1:3", "openai=http://127.0.0.1:4"}) ==
        "--provider-url ai/tools=http://127.0.0.1:3: ai/tools is an AgentgatewayBackend without "
        "spec.ai: --provider-url captures AI backends only\n"
        "--provider-url anthropc=http://127.0.0.1:1: \"anthropc\" is neither a provider nor an "
        "AI backend of the inputs (did you mean \"anthropic\"?)\n"
        "--provider-url pools/pool/third=http://127.0.0.1:2: \"pools/pool/third\" is neither a "
        "provider nor an AI backend of the inputs (did you mean \"pools/pool/first\"?)\n" +
            std::string(kValidKeys));
}

TEST_CASE("A backend NAME or NAME/MEMBER that two namespaces share must be written in full") {
  std::string twice = Manifests() + "---\n" +
                      Backend("other", "pool",
                              "    groups:\n    - providers:\n      - name: first\n"
                              "        openai: {model: gpt-4o}\n");
  std::string message = Error({"pool=http://127.0.0.1:1", "pool/first=http://127.0.0.1:2"}, twice);
  CHECK(message.rfind("--provider-url pool=http://127.0.0.1:1: \"pool\" could be pools/pool, "
                      "other/pool: write the namespace too\n"
                      "--provider-url pool/first=http://127.0.0.1:2: \"pool/first\" could be "
                      "pools/pool/first, other/pool/first: write the namespace too\n"
                      "valid keys:\n",
                      0) == 0);
  CHECK(message.find("  AI backends: ai/openai, ai/anthropic, ai/xai (or xai), pools/pool, "
                     "local/vllm (or vllm), other/pool\n") != std::string::npos);
  CHECK(Captures({"other/pool=http://127.0.0.1:1", "other/pool/first=http://127.0.0.1:2"}, twice)
            .size() == 2);
}

TEST_CASE("Inputs without AI backends still list the providers") {
  std::string none =
      "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\n"
      "metadata: {name: tools, namespace: ai}\nspec:\n  mcp:\n    targets:\n"
      "    - name: t\n      static: {host: mcp.local, port: 3000}\n";
  CHECK(Error({"llm=http://127.0.0.1:1"}, none) ==
        "--provider-url llm=http://127.0.0.1:1: \"llm\" is neither a provider nor an AI backend "
        "of the inputs\n"
        "valid keys:\n"
        "  providers: openai, anthropic, gemini, vertexai, bedrock, azure, azureopenai\n"
        "  AI backends: none in the inputs");
  std::vector<ProviderUrlCapture> captures = Captures({"openai=http://127.0.0.1:1"}, none);
  REQUIRE(captures.size() == 1);
  CHECK(captures[0].captured.empty());
  CHECK(captures[0].why_none == "no AI backend of the inputs uses the openai provider");
}

TEST_CASE("A provider key captures only the backends that talk to the provider's own host") {
  std::vector<ProviderUrlCapture> captures =
      Captures({"openai=http://127.0.0.1:9000", "anthropic=http://127.0.0.1:9001",
                "gemini=http://127.0.0.1:9002"});
  REQUIRE(captures.size() == 3);
  // In key order: anthropic, gemini, openai.
  CHECK(captures[0].spec == "anthropic=http://127.0.0.1:9001");
  CHECK(captures[0].captured == std::vector<std::string>{"ai/anthropic"});
  CHECK(captures[1].captured.empty());
  CHECK(captures[1].why_none == "no AI backend of the inputs uses the gemini provider");
  // Not ai/xai (api.x.ai), not local/vllm, not the group member with its own host.
  CHECK(captures[2].captured == std::vector<std::string>{"ai/openai", "pools/pool/first"});
}

TEST_CASE("A provider key that captures nothing says which backends set their own host") {
  std::string xai_only = Backend("ai", "xai",
                                 "    provider:\n      openai: {model: grok-4}\n"
                                 "      host: api.x.ai\n      port: 443\n");
  std::vector<ProviderUrlCapture> one = Captures({"openai=http://127.0.0.1:9000"}, xai_only);
  REQUIRE(one.size() == 1);
  CHECK(one[0].captured.empty());
  CHECK(one[0].why_none ==
        "ai/xai sets its own host (api.x.ai); capture it with --provider-url ai/xai=URL");
  std::vector<ProviderUrlCapture> taken =
      Captures({"openai=http://127.0.0.1:9000", "ai/openai=http://127.0.0.1:9001",
                "pools/pool=http://127.0.0.1:9002"});
  REQUIRE(taken.size() == 3);
  CHECK(taken[1].spec == "openai=http://127.0.0.1:9000");
  CHECK(taken[1].captured.empty());
  CHECK(taken[1].why_none ==
        "ai/xai, pools/pool/second, local/vllm set their own host (api.x.ai, 127.0.0.1, "
        "vllm.local); capture one with --provider-url NS/NAME=URL; ai/openai is captured by "
        "--provider-url ai/openai=http://127.0.0.1:9001, pools/pool/first is captured by "
        "--provider-url pools/pool=http://127.0.0.1:9002");
}

TEST_CASE("A backend key captures the whole backend, its own host and every group member too") {
  std::vector<ProviderUrlCapture> captures =
      Captures({"xai=http://127.0.0.1:9000", "pools/pool=http://127.0.0.1:9001",
                "local/vllm=http://127.0.0.1:9002", "openai=http://127.0.0.1:9003"});
  REQUIRE(captures.size() == 4);
  CHECK(captures[0].spec == "local/vllm=http://127.0.0.1:9002");
  CHECK(captures[0].captured == std::vector<std::string>{"local/vllm"});
  CHECK(captures[1].captured == std::vector<std::string>{"ai/openai"});
  CHECK(captures[2].captured == std::vector<std::string>{"pools/pool"});
  CHECK(captures[3].captured == std::vector<std::string>{"ai/xai"});
}

TEST_CASE("A member key wins over its backend's key and the backend key keeps the rest") {
  std::vector<ProviderUrlCapture> captures =
      Captures({"pools/pool=http://127.0.0.1:9000", "pool/second=http://127.0.0.1:9001"});
  REQUIRE(captures.size() == 2);
  CHECK(captures[0].spec == "pool/second=http://127.0.0.1:9001");
  CHECK(captures[0].captured == std::vector<std::string>{"pools/pool/second"});
  CHECK(captures[1].captured == std::vector<std::string>{"pools/pool/first"});
  // The full member key wins over the short one.
  std::vector<ProviderUrlCapture> both =
      Captures({"pools/pool/first=http://127.0.0.1:9000", "pool/first=http://127.0.0.1:9001"});
  REQUIRE(both.size() == 2);
  CHECK(both[0].spec == "pool/first=http://127.0.0.1:9001");
  CHECK(both[0].captured.empty());
  CHECK(both[0].why_none ==
        "pools/pool/first is captured by --provider-url pools/pool/first=http://127.0.0.1:9000");
  CHECK(both[1].captured == std::vector<std::string>{"pools/pool/first"});
}

TEST_CASE("A provider name as the key means the provider even where a backend has that name") {
  // ai/openai is a backend named openai; the key openai still captures every OpenAI backend
  // on api.openai.com, and ai/openai alone is written with its namespace.
  std::vector<ProviderUrlCapture> captures = Captures({"openai=http://127.0.0.1:9000"});
  REQUIRE(captures.size() == 1);
  CHECK(captures[0].captured == std::vector<std::string>{"ai/openai", "pools/pool/first"});
}

TEST_CASE("A host override that is the provider's own host is still captured by the provider") {
  std::string explicit_host = Backend("ai", "openai",
                                      "    provider:\n      openai: {model: gpt-4o}\n"
                                      "      host: api.openai.com\n      port: 443\n");
  std::vector<ProviderUrlCapture> captures =
      Captures({"openai=http://127.0.0.1:9000"}, explicit_host);
  REQUIRE(captures.size() == 1);
  CHECK(captures[0].captured == std::vector<std::string>{"ai/openai"});
}

// The connection and Host of the first request to each provider of `ns/name`.
std::vector<OutgoingRequest> Outgoing(const validate::model::Model& model, const std::string& ns,
                                      const std::string& name, const AiOptions& options) {
  std::vector<OutgoingRequest> outgoing;
  for (const validate::model::AgentgatewayBackend& backend : model.backends) {
    if (backend.metadata.namespace_ != ns || backend.metadata.name != name) {
      continue;
    }
    AiBackendPlan plan = PlanAiBackend(backend, model, options);
    for (const auto& tier : plan.tiers) {
      for (const AiProvider& provider : tier) {
        llm::LlmCall call = llm::PlanCall(
            provider.setup,
            {"POST", "/v1/chat/completions", "", {}, R"({"model":"x","messages":[]})"});
        outgoing.push_back(MakeOutgoingRequest(call, plan, provider, options, "POST"));
      }
    }
  }
  return outgoing;
}

TEST_CASE("Requests go where CheckProviderUrls says the keys capture them") {
  auto pipeline = Load(Manifests());
  AiOptions options = Urls({"openai=http://127.0.0.1:9000", "pool/second=http://127.0.0.1:9001/v"});
  std::vector<OutgoingRequest> openai = Outgoing(pipeline->model, "ai", "openai", options);
  REQUIRE(openai.size() == 1);
  CHECK(openai[0].connection.overridden);
  CHECK(openai[0].authority == "127.0.0.1:9000");
  CHECK(openai[0].path_and_query == "/v1/chat/completions");
  // xAI keeps its own host, and its key.
  std::vector<OutgoingRequest> xai = Outgoing(pipeline->model, "ai", "xai", options);
  REQUIRE(xai.size() == 1);
  CHECK_FALSE(xai[0].connection.overridden);
  CHECK(xai[0].connection.endpoint.host == "api.x.ai");
  CHECK(xai[0].authority == "api.x.ai");
  std::vector<OutgoingRequest> pool = Outgoing(pipeline->model, "pools", "pool", options);
  REQUIRE(pool.size() == 2);
  CHECK(pool[0].authority == "127.0.0.1:9000");  // first: the openai key
  CHECK(pool[1].authority == "127.0.0.1:9001");  // second: its member key
  CHECK(pool[1].path_and_query == "/v/v1/chat/completions");
}

TEST_CASE("A provider URL with an IPv6 literal host sends the host in brackets") {
  auto pipeline = Load(Manifests());
  AiOptions options = Urls({"anthropic=http://[::1]:9000"});
  std::vector<OutgoingRequest> anthropic = Outgoing(pipeline->model, "ai", "anthropic", options);
  REQUIRE(anthropic.size() == 1);
  CHECK(anthropic[0].connection.endpoint.host == "::1");  // what the connection dials
  CHECK(anthropic[0].connection.endpoint.port == 9000);
  CHECK(anthropic[0].authority == "[::1]:9000");
}

TEST_CASE("run prints what each provider URL captures, or why it captures nothing") {
  std::vector<ProviderUrlCapture> captures =
      Captures({"openai=http://127.0.0.1:9000", "gemini=http://127.0.0.1:9001"});
  CHECK(ProviderUrlNotes(captures, false) ==
        std::vector<std::string>{
            "warning: provider-url gemini=http://127.0.0.1:9001 captures no backend: no AI "
            "backend of the inputs uses the gemini provider",
            "provider-url openai=http://127.0.0.1:9000: ai/openai, pools/pool/first"});
  CHECK(ProviderUrlNotes(captures, true) ==
        std::vector<std::string>{
            "warning: provider-url gemini=http://127.0.0.1:9001 is not used: --mock-providers "
            "answers every AI backend in-process",
            "warning: provider-url openai=http://127.0.0.1:9000 is not used: --mock-providers "
            "answers every AI backend in-process"});
}

TEST_CASE("A mocked OpenAI answer is created at the time of the stamper the options carry") {
  auto pipeline = Load(R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: openai, namespace: ai}
spec:
  ai:
    provider:
      openai: {model: gpt-4o-mini}
  policies:
    ai:
      routes:
        /v1/chat/completions: Completions
        /v1/responses: Responses
)");
  AiOptions options;
  options.stamper = llm::FixedStamper(1234567890123, 7);
  AiBackendPlan plan = PlanAiBackend(pipeline->model.backends.at(0), pipeline->model, options);
  const AiProvider& provider = plan.tiers.at(0).at(0);
  std::string chat = R"({"model":"x","messages":[{"role":"user","content":"hi"}]})";
  llm::MockResponse completion = llm::MockProviderResponse(
      llm::PlanCall(provider.setup, {"POST", "/v1/chat/completions", "", {}, chat}));
  REQUIRE(completion.status == 200);
  CHECK(llm::ReadJson(completion.body)["created"] == 1234567890);
  std::string streamed =
      R"({"model":"x","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  llm::MockResponse chunks = llm::MockProviderResponse(
      llm::PlanCall(provider.setup, {"POST", "/v1/chat/completions", "", {}, streamed}));
  std::string first_chunk = chunks.body.substr(0, chunks.body.find('\n'));
  CHECK(llm::ReadJson(first_chunk.substr(6))["created"] == 1234567890);  // after "data: "
  llm::MockResponse response = llm::MockProviderResponse(llm::PlanCall(
      provider.setup, {"POST", "/v1/responses", "", {}, R"({"model":"x","input":"hi"})"}));
  REQUIRE(response.status == 200);
  CHECK(llm::ReadJson(response.body)["created_at"] == 1234567890);
}

}  // namespace
}  // namespace agw::emulator::gateway
