#include "validate/model/provider_defaults.h"

namespace agw::model {
namespace {

std::string TrimTrailingSlash(std::string path) {
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The provider's own path for a chat request, before pathPrefix handling.
std::string DefaultChatPath(const LLMProvider& provider, std::string_view model) {
  const std::string& kind = provider.kind;
  std::string m(model.empty() ? "{model}" : model);
  if (kind == "openai") {
    return "/v1/chat/completions";
  }
  if (kind == "anthropic") {
    return "/v1/messages";
  }
  if (kind == "gemini") {
    return "/v1beta/models/" + m + ":generateContent";
  }
  if (kind == "vertexai") {
    std::string location = provider.region.value_or("global");
    std::string base = "/v1/projects/" + provider.project_id.value_or("{project}") +
                       "/locations/" + location;
    if (StartsWith(m, "claude") || StartsWith(m, "anthropic/")) {
      return base + "/publishers/anthropic/models/" + m + ":rawPredict";
    }
    if (StartsWith(m, "gemini")) {
      return base + "/publishers/google/models/" + m + ":generateContent";
    }
    return base + "/endpoints/openapi/chat/completions";
  }
  if (kind == "bedrock") {
    return "/model/" + m + "/converse";
  }
  if (kind == "azureopenai" || kind == "azure") {
    std::string version = provider.api_version.value_or("v1");
    if (version == "v1") {
      return "/openai/v1/chat/completions";
    }
    if (version == "preview") {
      return "/openai/v1/chat/completions?api-version=preview";
    }
    std::string deployment = provider.deployment_name.value_or(provider.model.value_or(m));
    return "/openai/deployments/" + deployment + "/chat/completions?api-version=" + version;
  }
  return "/v1/chat/completions";  // custom, Completions format
}

}  // namespace

std::string UpstreamTarget::Url() const {
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  return scheme + "://" + host + (default_port ? "" : ":" + std::to_string(port)) + path;
}

std::string DefaultProviderHost(const LLMProvider& provider) {
  const std::string& kind = provider.kind;
  if (kind == "openai") return "api.openai.com";
  if (kind == "anthropic") return "api.anthropic.com";
  if (kind == "gemini") return "generativelanguage.googleapis.com";
  if (kind == "vertexai") {
    std::string region = provider.region.value_or("global");
    if (region == "global") return "aiplatform.googleapis.com";
    if (region == "us" || region == "eu") return "aiplatform." + region + ".rep.googleapis.com";
    return region + "-aiplatform.googleapis.com";
  }
  if (kind == "bedrock") return "bedrock-runtime." + provider.region.value_or("us-east-1") +
                                ".amazonaws.com";
  if (kind == "azureopenai") {
    // The controller splits the endpoint by suffix; a bare resource name gets .openai.azure.com.
    std::string endpoint = provider.endpoint.value_or("");
    if (endpoint.ends_with(".openai.azure.com") || endpoint.ends_with(".services.ai.azure.com")) {
      return endpoint;
    }
    return endpoint + ".openai.azure.com";
  }
  if (kind == "azure") {
    std::string suffix = provider.resource_type == "Foundry" ? ".services.ai.azure.com"
                                                             : ".openai.azure.com";
    return provider.resource_name.value_or("") + suffix;
  }
  return "";
}

UpstreamTarget ChatTarget(const LLMProvider& provider, std::string_view request_path,
                          std::string_view model, bool tls_policy) {
  UpstreamTarget target;
  if (provider.host) {
    target.host = *provider.host;
    target.port = provider.port.value_or(443);
    target.scheme = tls_policy ? "https" : "http";
  } else {
    target.host = DefaultProviderHost(provider);
    target.port = 443;
    target.scheme = "https";
  }
  if (provider.path) {
    target.path = *provider.path;
    return target;
  }
  if (provider.host && !provider.path_prefix && provider.kind != "custom") {
    // A host override without pathPrefix leaves the client's path alone.
    target.path = std::string(request_path);
    target.path_forwarded = true;
    return target;
  }
  std::string path = DefaultChatPath(provider, model);
  if (provider.path_prefix) {
    std::string prefix = TrimTrailingSlash(*provider.path_prefix);
    if (provider.kind == "openai" || provider.kind == "anthropic" || provider.kind == "custom") {
      path = prefix + path.substr(3);  // the prefix replaces the /v1 base
    } else {
      path = prefix + path;
    }
  }
  target.path = path;
  return target;
}

}  // namespace agw::model
