// The tutorial examples decode into the objects the tutorials describe: every field they use
// reaches the typed model.

#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/support/paths.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/loader.h"
#include "validate/model/model.h"

namespace agw::validate::model {
namespace {

struct Loaded {
  validate::manifest::Manifest manifest;
  Model model;
  validate::manifest::DiagnosticSink sink;
};

std::unique_ptr<Loaded> LoadExample(const std::string& name) {
  auto loaded = std::make_unique<Loaded>();
  validate::manifest::LoadOptions options;
  options.paths = {std::string(test::kSourceDir) + "/testdata/examples/" + name};
  validate::manifest::DiskFileSystem disk;
  loaded->manifest = validate::manifest::Load(options, disk, loaded->sink);
  loaded->model = Decode(loaded->manifest, loaded->sink);
  return loaded;
}

template <typename T>
const T& Named(const std::vector<T>& objects, const std::string& name) {
  auto it = std::find_if(objects.begin(), objects.end(),
                         [&](const T& object) { return object.metadata.name == name; });
  REQUIRE(it != objects.end());
  return *it;
}

TEST_CASE("The multi-provider tutorial decodes its gateway, backends and routes") {
  auto loaded = LoadExample("multi-llm-providers");
  CHECK(loaded->sink.diagnostics().empty());
  const Model& model = loaded->model;
  REQUIRE(model.gateways.size() == 1);
  const Gateway& gateway = model.gateways[0];
  CHECK(gateway.gateway_class_name == "enterprise-agentgateway");
  REQUIRE(gateway.infrastructure);
  CHECK(gateway.infrastructure->parameters_ref->kind == "EnterpriseAgentgatewayParameters");
  REQUIRE(gateway.listeners.size() == 1);
  CHECK(gateway.listeners[0].name == "llm-providers");
  CHECK(gateway.listeners[0].port == 8080);
  CHECK(gateway.listeners[0].protocol == "HTTP");
  CHECK(gateway.listeners[0].allowed_routes.namespaces_from == "All");

  const AgentgatewayBackend& xai = Named(model.backends, "xai");
  REQUIRE(xai.ai->provider);
  CHECK(xai.ai->provider->kind == "openai");
  CHECK(xai.ai->provider->model == "grok-4-1-fast-reasoning");
  CHECK(xai.ai->provider->host == "api.x.ai");
  CHECK(xai.ai->provider->port == 443);
  CHECK(xai.ai->provider->path == "/v1/chat/completions");
  CHECK(xai.policies->tls->sni == "api.x.ai");
  CHECK(xai.policies->auth->secret_ref->name == "xai-secret");
  CHECK(Named(model.backends, "anthropic").ai->provider->kind == "anthropic");

  const Secret& secret = Named(model.secrets, "openai-secret");
  CHECK(secret.data.at("Authorization") == "$OPENAI_API_KEY");

  const HTTPRoute& route = Named(model.http_routes, "xai");
  CHECK(route.metadata.labels.at("route-type") == "llm-provider");
  REQUIRE(route.parent_refs.size() == 1);
  CHECK(route.parent_refs[0].section_name == "llm-providers");
  CHECK(route.parent_refs[0].namespace_ == "agentgateway-system");
  REQUIRE(route.rules.size() == 1);
  CHECK(route.rules[0].matches[0].path->type == "PathPrefix");
  CHECK(route.rules[0].matches[0].path->value == "/xai");
  const HTTPBackendRef& backend = route.rules[0].backend_refs[0];
  CHECK(backend.ref.group == "agentgateway.dev");
  CHECK(backend.ref.kind == "AgentgatewayBackend");
  CHECK(backend.ref.name == "xai");
  CHECK(backend.weight == 1);
}

TEST_CASE("The local model tutorial decodes a catch-all route and a provider group") {
  auto loaded = LoadExample("local-llm");
  CHECK(loaded->sink.diagnostics().empty());
  const AgentgatewayBackend& pool = Named(loaded->model.backends, "llm-pool");
  REQUIRE(pool.ai->groups.size() == 1);
  const auto& providers = pool.ai->groups[0].providers;
  REQUIRE(providers.size() == 2);
  CHECK(providers[0].name == "local-a");
  CHECK(providers[0].provider.kind == "openai");
  CHECK(providers[0].provider.host == "host.docker.internal");
  CHECK(providers[0].provider.port == 8090);
  CHECK(providers[1].provider.model == "gemma-4-12b-it-Q5_K_M.gguf");

  // No matches written: the API server's default is one PathPrefix "/" match.
  const HTTPRoute& route = Named(loaded->model.http_routes, "local-llm");
  REQUIRE(route.rules.size() == 1);
  REQUIRE(route.rules[0].matches.size() == 1);
  CHECK(route.rules[0].matches[0].path->type == "PathPrefix");
  CHECK(route.rules[0].matches[0].path->value == "/");
}

TEST_CASE("The Gemini and Anthropic tutorial decodes its URL rewrites") {
  auto loaded = LoadExample("gemini-anthropic");
  CHECK(loaded->sink.diagnostics().empty());
  CHECK(Named(loaded->model.backends, "gemini").ai->provider->kind == "gemini");
  const HTTPRoute& route = Named(loaded->model.http_routes, "llm-route");
  REQUIRE(route.rules.size() == 2);
  for (const HTTPRouteRule& rule : route.rules) {
    REQUIRE(rule.filters.size() == 1);
    CHECK(rule.filters[0].type == "URLRewrite");
    CHECK(rule.filters[0].url_rewrite->path->type == "ReplacePrefixMatch");
    CHECK(rule.filters[0].url_rewrite->path->replace_prefix_match == "/");
  }
  // Objects written without a namespace land in "default", as kubectl puts them.
  CHECK(Named(loaded->model.secrets, "gemini-secret").metadata.namespace_ == "default");
}

TEST_CASE("The second-provider tutorial keeps the Bearer prefix in its placeholder Secret") {
  auto loaded = LoadExample("multiple-providers");
  CHECK(loaded->sink.diagnostics().empty());
  CHECK(Named(loaded->model.secrets, "anthropic-secret").data.at("Authorization") ==
        "Bearer sk-ant-demo-placeholder-key");
  const HTTPRoute& route = Named(loaded->model.http_routes, "anthropic-route");
  CHECK_FALSE(route.parent_refs[0].section_name.has_value());
  CHECK(route.rules[0].backend_refs[0].ref.namespace_ == std::nullopt);
}

}  // namespace
}  // namespace agw::validate::model
