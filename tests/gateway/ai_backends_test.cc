// How `run` finds an AI provider's key and address: Secrets (with $VAR references), --secret,
// --provider-url, policy layers.

#include "emulator/gateway/ai_backends.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

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
  REQUIRE(pipeline->input_errors == 0);
  return pipeline;
}

constexpr char kBackend[] = R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: openai, namespace: ai}
spec:
  ai:
    provider:
      openai: {model: gpt-4o-mini}
  policies:
    auth:
      secretRef: {name: openai-secret}
)";

std::string Secret(const std::string& value) {
  return std::string(kBackend) +
         "---\napiVersion: v1\nkind: Secret\nmetadata: {name: openai-secret, namespace: ai}\n"
         "stringData:\n  Authorization: \"" +
         value + "\"\n";
}

const AiProvider& Only(const AiBackendPlan& plan) {
  REQUIRE(plan.tiers.size() == 1);
  REQUIRE(plan.tiers[0].size() == 1);
  return plan.tiers[0][0];
}

TEST_CASE("A Secret's Authorization is the key, with 'Bearer ' and whitespace removed") {
  auto pipeline = Load(Secret(" Bearer sk-test-123 "));
  AiBackendPlan plan = PlanAiBackend(pipeline->model.backends.at(0), pipeline->model, {});
  CHECK(plan.backend == "ai/openai");
  CHECK(Only(plan).setup.api_key == "sk-test-123");
  CHECK(Only(plan).problem.empty());
}

TEST_CASE("A Secret value written $VAR or ${VAR} is read from the environment") {
  ::setenv("AGW_TEST_KEY", "sk-from-env", 1);
  for (const std::string value : {"$AGW_TEST_KEY", "${AGW_TEST_KEY}"}) {
    auto pipeline = Load(Secret(value));
    AiBackendPlan plan = PlanAiBackend(pipeline->model.backends.at(0), pipeline->model, {});
    CHECK(Only(plan).setup.api_key == "sk-from-env");
  }
  ::unsetenv("AGW_TEST_KEY");
  auto pipeline = Load(Secret("$AGW_TEST_KEY"));
  AiBackendPlan plan = PlanAiBackend(pipeline->model.backends.at(0), pipeline->model, {});
  CHECK_FALSE(Only(plan).setup.api_key);
  CHECK(Only(plan).problem == "Secret ai/openai-secret refers to $AGW_TEST_KEY, which is not set");
}

TEST_CASE(
    "The --secret flag supplies a Secret that is not in the manifests; its absence is named") {
  auto pipeline = Load(kBackend);
  AiBackendPlan missing = PlanAiBackend(pipeline->model.backends.at(0), pipeline->model, {});
  CHECK(Only(missing).problem ==
        "Secret ai/openai-secret is not in the manifests (supply it with --secret "
        "ai/openai-secret=ENV_VAR)");
  AiOptions options;
  REQUIRE(options.AddSecret("ai/openai-secret=AGW_TEST_SUPPLIED").has_value());
  CHECK_FALSE(options.AddSecret("no-slash=X").has_value());
  ::setenv("AGW_TEST_SUPPLIED", "Bearer sk-supplied", 1);
  AiBackendPlan supplied = PlanAiBackend(pipeline->model.backends.at(0), pipeline->model, options);
  CHECK(Only(supplied).setup.api_key == "sk-supplied");
  ::unsetenv("AGW_TEST_SUPPLIED");
}

TEST_CASE("The --provider-url flag replaces the provider's address, most specific key first") {
  auto pipeline = Load(Secret("sk"));
  const validate::model::AgentgatewayBackend& backend = pipeline->model.backends.at(0);
  AiOptions options;
  REQUIRE(options.AddProviderUrl("openai=http://127.0.0.1:9000").has_value());
  REQUIRE(options.AddProviderUrl("ai/openai=https://127.0.0.1:9443/prefix/").has_value());
  CHECK_FALSE(options.AddProviderUrl("openai=ftp://x").has_value());
  AiBackendPlan plan = PlanAiBackend(backend, pipeline->model, options);
  emulator::llm::LlmCall call = emulator::llm::PlanCall(
      Only(plan).setup, {"POST", "/v1/chat/completions", "", {}, R"({"model":"x","messages":[]})"});
  ProviderConnection connection = ConnectionFor(call, Only(plan));
  CHECK(connection.overridden);
  CHECK(connection.endpoint.host == "127.0.0.1");
  CHECK(connection.endpoint.port == 9443);
  CHECK(connection.endpoint.tls);
  CHECK(connection.path_prefix == "/prefix");

  AiOptions by_kind;
  REQUIRE(by_kind.AddProviderUrl("openai=http://127.0.0.1:9000").has_value());
  AiBackendPlan kind_plan = PlanAiBackend(backend, pipeline->model, by_kind);
  ProviderConnection kind = ConnectionFor(call, Only(kind_plan));
  CHECK(kind.endpoint.ToString().find("127.0.0.1:9000") != std::string::npos);
  CHECK_FALSE(kind.endpoint.tls);

  AiBackendPlan cloud_plan = PlanAiBackend(backend, pipeline->model, {});
  ProviderConnection cloud = ConnectionFor(call, Only(cloud_plan));
  CHECK_FALSE(cloud.overridden);
  CHECK(cloud.endpoint.host == "api.openai.com");
  CHECK(cloud.endpoint.port == 443);
  CHECK(cloud.endpoint.tls);
}

TEST_CASE(
    "A group provider's policies win over the backend's, the backend's over an "
    "AgentgatewayPolicy") {
  auto pipeline = Load(R"(apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: pool, namespace: ai}
spec:
  ai:
    groups:
    - providers:
      - name: a
        openai: {model: gpt-4o}
        policies:
          auth: {key: sk-provider}
      - name: b
        openai: {model: gpt-4o}
  policies:
    auth: {key: sk-backend}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: {name: p, namespace: ai}
spec:
  targetRefs: [{group: agentgateway.dev, kind: AgentgatewayBackend, name: pool}]
  backend:
    auth: {key: sk-policy}
    health:
      eviction: {duration: 10s, consecutiveFailures: 2}
)");
  AiBackendPlan plan = PlanAiBackend(pipeline->model.backends.at(0), pipeline->model, {});
  REQUIRE(plan.tiers.size() == 1);
  REQUIRE(plan.tiers[0].size() == 2);
  CHECK(plan.tiers[0][0].setup.api_key == "sk-provider");
  CHECK(plan.tiers[0][1].setup.api_key == "sk-backend");
  REQUIRE(plan.tiers[0][1].eviction);  // only the policy sets health
  CHECK(plan.tiers[0][1].eviction->duration == std::chrono::seconds(10));
  CHECK(plan.tiers[0][1].eviction->consecutive_failures == 2);
}

}  // namespace
}  // namespace agw::emulator::gateway
