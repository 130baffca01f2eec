#include "validate/model/provider_defaults.h"

#include <cctype>

namespace agw::validate::model {
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

// Path segments never open a new segment from a model name ("a/../b" stays one segment).
std::string EncodeSegment(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '/' || c == '%' || c == '?' || c == '#' || c == ' ') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string OpenAISuffix(UpstreamRoute route) {
  switch (route) {
    case UpstreamRoute::kResponses:
      return "/responses";
    case UpstreamRoute::kEmbeddings:
      return "/embeddings";
    case UpstreamRoute::kRerank:
      return "/rerank";
    default:
      return "/chat/completions";
  }
}

std::string GeminiNativePath(std::string_view model, std::string_view method, bool streaming) {
  std::string name(model);
  std::string collection = "models";
  for (std::string_view known : {"models/", "tunedModels/"}) {
    if (StartsWith(name, known)) {
      collection = std::string(known.substr(0, known.size() - 1));
      name = name.substr(known.size());
    }
  }
  std::string path = "/v1beta/" + collection + "/" + EncodeSegment(name);
  if (method == "generateContent" && streaming) {
    return path + ":streamGenerateContent?alt=sse";
  }
  return path + ":" + std::string(method);
}

std::string StripPrefixes(std::string_view model,
                          std::initializer_list<std::string_view> prefixes) {
  for (std::string_view prefix : prefixes) {
    if (StartsWith(model, prefix)) {
      return std::string(model.substr(prefix.size()));
    }
  }
  return std::string(model);
}

std::string VertexPath(const LLMProvider& provider, UpstreamRoute route, std::string_view model,
                       bool streaming) {
  std::string base = "/v1/projects/" + provider.project_id.value_or("{project}") + "/locations/" +
                     provider.region.value_or("global");
  std::string m(model.empty() ? "{model}" : model);
  switch (route) {
    case UpstreamRoute::kAnthropicTokenCount:
      return base + "/publishers/anthropic/models/count-tokens:rawPredict";
    case UpstreamRoute::kRerank:
      return base + "/rankingConfigs/default_ranking_config:rank";
    case UpstreamRoute::kEmbeddings:
      return base + "/publishers/google/models/" + m + ":predict";
    default:
      break;
  }
  if (IsVertexAnthropicModel(m)) {
    std::string name = VertexAnthropicModel(StripPrefixes(m, {"anthropic/"}));
    if (size_t at = name.find("publishers/anthropic/models/"); at != std::string::npos) {
      name = name.substr(at + 28);
    }
    return base + "/publishers/anthropic/models/" + name +
           (streaming ? ":streamRawPredict" : ":rawPredict");
  }
  if (IsVertexGeminiModel(m) && route != UpstreamRoute::kCompletions) {
    std::string name = StripPrefixes(m, {"publishers/google/models/", "models/", "google/"});
    if (route == UpstreamRoute::kGeminiCountTokens) {
      return base + "/publishers/google/models/" + name + ":countTokens";
    }
    return base + "/publishers/google/models/" + name +
           (streaming ? ":streamGenerateContent?alt=sse" : ":generateContent");
  }
  return base + "/endpoints/openapi/chat/completions";
}

std::string BedrockPath(UpstreamRoute route, std::string_view model, bool streaming) {
  std::string m = EncodeSegment(model.empty() ? "{model}" : model);
  switch (route) {
    case UpstreamRoute::kEmbeddings:
      return "/model/" + m + "/invoke";
    case UpstreamRoute::kAnthropicTokenCount:
      return "/model/" + m + "/count-tokens";
    case UpstreamRoute::kRerank:
      return "/rerank";
    default:
      return "/model/" + m + (streaming ? "/converse-stream" : "/converse");
  }
}

bool IsFoundryClaude(const LLMProvider& provider, std::string_view model) {
  if (provider.resource_type != "Foundry") {
    return false;
  }
  std::string lower;
  for (char c : model) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return StartsWith(lower, "claude");
}

std::string AzurePath(const LLMProvider& provider, UpstreamRoute route, std::string_view model) {
  if (IsFoundryClaude(provider, model)) {
    if (route == UpstreamRoute::kMessages) {
      return "/anthropic/v1/messages";
    }
    if (route == UpstreamRoute::kAnthropicTokenCount) {
      return "/anthropic/v1/messages/count_tokens";
    }
  }
  std::string suffix = OpenAISuffix(route).substr(1);
  if (provider.resource_type == "Foundry") {
    return "/api/projects/" + provider.project_name.value_or(provider.resource_name.value_or("")) +
           "/openai/v1/" + suffix;
  }
  std::string version = provider.api_version.value_or("v1");
  if (version == "v1") {
    return "/openai/v1/" + suffix;
  }
  if (version == "preview") {
    return "/openai/v1/" + suffix + "?api-version=preview";
  }
  if (route == UpstreamRoute::kResponses) {
    return "/openai/responses?api-version=" + version;
  }
  std::string deployment =
      provider.deployment_name.value_or(provider.model.value_or(std::string(model)));
  return "/openai/deployments/" + deployment + "/" + suffix + "?api-version=" + version;
}

std::string CustomPath(const LLMProvider& provider, UpstreamRoute route, std::string_view model,
                       bool streaming) {
  for (const ProviderFormat& format : provider.custom_formats) {
    bool same =
        (format.type == "Completions" && route == UpstreamRoute::kCompletions) ||
        (format.type == "Messages" && route == UpstreamRoute::kMessages) ||
        (format.type == "Responses" && route == UpstreamRoute::kResponses) ||
        (format.type == "Embeddings" && route == UpstreamRoute::kEmbeddings) ||
        (format.type == "Rerank" && route == UpstreamRoute::kRerank) ||
        (format.type == "AnthropicTokenCount" && route == UpstreamRoute::kAnthropicTokenCount) ||
        (format.type == "GenerateContent" && route == UpstreamRoute::kGenerateContent);
    if (same && format.path) {
      return *format.path;
    }
  }
  if (route == UpstreamRoute::kGenerateContent) {
    return GeminiNativePath(model, "generateContent", streaming);
  }
  if (route == UpstreamRoute::kGeminiCountTokens) {
    return GeminiNativePath(model, "countTokens", false);
  }
  std::string base = provider.path_prefix ? TrimTrailingSlash(*provider.path_prefix) : "/v1";
  if (route == UpstreamRoute::kMessages) {
    return base + "/messages";
  }
  if (route == UpstreamRoute::kAnthropicTokenCount) {
    return base + "/messages/count_tokens";
  }
  return base + OpenAISuffix(route);
}

// The provider's own path for a request, before pathPrefix handling.
std::string DefaultPath(const LLMProvider& provider, UpstreamRoute route, std::string_view model,
                        bool streaming) {
  const std::string& kind = provider.kind;
  std::string m(model.empty() ? "{model}" : model);
  if (kind == "openai") {
    return "/v1" + OpenAISuffix(route);
  }
  if (kind == "anthropic") {
    return route == UpstreamRoute::kAnthropicTokenCount ? "/v1/messages/count_tokens"
                                                        : "/v1/messages";
  }
  if (kind == "gemini") {
    switch (route) {
      case UpstreamRoute::kGenerateContent:
        return GeminiNativePath(m, "generateContent", streaming);
      case UpstreamRoute::kGeminiCountTokens:
        return GeminiNativePath(m, "countTokens", false);
      case UpstreamRoute::kEmbeddings:
        return "/v1beta/openai/embeddings";
      case UpstreamRoute::kRerank:
        return "/rerank";
      default:
        return "/v1beta/openai/chat/completions";
    }
  }
  if (kind == "vertexai") {
    return VertexPath(provider, route, m, streaming);
  }
  if (kind == "bedrock") {
    return BedrockPath(route, m, streaming);
  }
  if (kind == "azureopenai" || kind == "azure") {
    return AzurePath(provider, route, m);
  }
  return CustomPath(provider, route, m, streaming);
}

bool HasV1Base(const LLMProvider& provider) {
  return provider.kind == "openai" || provider.kind == "anthropic" || provider.kind == "custom";
}

// `query` without the parameters named `name` (compared as written, before any decoding).
std::string WithoutParameter(std::string_view query, std::string_view name) {
  std::string kept;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.substr(0, item.find('=')) == name) {
      continue;
    }
    kept += kept.empty() ? "" : "&";
    kept += item;
  }
  return kept;
}

std::string WithQuery(std::string path, std::string_view query) {
  if (query.empty()) {
    return path;
  }
  path += path.find('?') == std::string::npos ? '?' : '&';
  path += query;
  return path;
}

}  // namespace

std::string VertexAnthropicModel(std::string_view model) {
  std::string name(model);
  // claude-3-5-sonnet-20241022 -> claude-3-5-sonnet@20241022
  if (name.size() > 9 && name[name.size() - 9] == '-') {
    bool date = true;
    for (size_t i = name.size() - 8; i < name.size(); ++i) {
      date = date && std::isdigit(name[i]);
    }
    if (date) {
      name[name.size() - 9] = '@';
    }
  }
  return name;
}

bool IsVertexAnthropicModel(std::string_view model) {
  return StartsWith(model, "claude") || StartsWith(model, "anthropic/claude") ||
         model.find("publishers/anthropic/models/") != std::string_view::npos;
}

bool IsVertexGeminiModel(std::string_view model) {
  std::string name = StripPrefixes(model, {"publishers/google/models/", "models/", "google/"});
  if (name.find("embedding") != std::string::npos) {
    return false;
  }
  return StartsWith(name, "gemini-") || StartsWith(name, "gemini@");
}

std::string UpstreamTarget::Url() const {
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  return scheme + "://" + host + (default_port ? "" : ":" + std::to_string(port)) + path;
}

std::string DefaultProviderHost(const LLMProvider& provider, UpstreamRoute route) {
  const std::string& kind = provider.kind;
  if (kind == "openai") {
    return "api.openai.com";
  }
  if (kind == "anthropic") {
    return "api.anthropic.com";
  }
  if (kind == "gemini") {
    return "generativelanguage.googleapis.com";
  }
  if (kind == "vertexai") {
    if (route == UpstreamRoute::kRerank) {
      return "discoveryengine.googleapis.com";
    }
    std::string region = provider.region.value_or("global");
    if (region == "global") {
      return "aiplatform.googleapis.com";
    }
    if (region == "us" || region == "eu") {
      return "aiplatform." + region + ".rep.googleapis.com";
    }
    return region + "-aiplatform.googleapis.com";
  }
  if (kind == "bedrock") {
    std::string service =
        route == UpstreamRoute::kRerank ? "bedrock-agent-runtime." : "bedrock-runtime.";
    return service + provider.region.value_or("us-east-1") + ".amazonaws.com";
  }
  if (kind == "azureopenai") {
    // The controller splits the endpoint by suffix; a bare resource name gets .openai.azure.com.
    std::string endpoint = provider.endpoint.value_or("");
    if (endpoint.ends_with(".openai.azure.com") || endpoint.ends_with(".services.ai.azure.com")) {
      return endpoint;
    }
    return endpoint + ".openai.azure.com";
  }
  if (kind == "azure") {
    std::string suffix =
        provider.resource_type == "Foundry" ? ".services.ai.azure.com" : ".openai.azure.com";
    return provider.resource_name.value_or("") + suffix;
  }
  return "";
}

UpstreamRoute NativeChatRoute(const LLMProvider& provider, std::string_view model) {
  const std::string& kind = provider.kind;
  if (kind == "anthropic") {
    return UpstreamRoute::kMessages;
  }
  if (kind == "gemini" || kind == "bedrock") {
    return UpstreamRoute::kGenerateContent;
  }
  if (kind == "vertexai") {
    if (IsVertexAnthropicModel(model)) {
      return UpstreamRoute::kMessages;
    }
    if (IsVertexGeminiModel(model)) {
      return UpstreamRoute::kGenerateContent;
    }
  }
  if ((kind == "azure" || kind == "azureopenai") && IsFoundryClaude(provider, model)) {
    return UpstreamRoute::kMessages;
  }
  return UpstreamRoute::kCompletions;
}

UpstreamTarget ProviderTarget(const LLMProvider& provider, const TargetRequest& request) {
  UpstreamTarget target;
  if (provider.host) {
    target.host = *provider.host;
    target.port = provider.port.value_or(443);
    target.scheme = request.tls_policy ? "https" : "http";
    target.host_overridden = true;
  } else {
    target.host = DefaultProviderHost(provider, request.route);
    target.port = 443;
    target.scheme = "https";
  }
  if (provider.path) {
    target.path = *provider.path;  // replaces path and query, for every route type
    return target;
  }
  if (request.route == UpstreamRoute::kPassthrough) {
    std::string path(request.path);
    if (provider.path_prefix) {
      std::string prefix = TrimTrailingSlash(*provider.path_prefix);
      if (HasV1Base(provider) && (path == "/v1" || StartsWith(path, "/v1/"))) {
        path = path.substr(3);
      }
      path = prefix + path;
    }
    target.path = WithQuery(path, request.query);
    target.path_forwarded = !provider.path_prefix;
    return target;
  }
  if (provider.host && !provider.path_prefix && provider.kind != "custom") {
    // A host override without pathPrefix leaves the client's path alone.
    target.path = WithQuery(std::string(request.path), request.query);
    target.path_forwarded = true;
    return target;
  }
  std::string path = DefaultPath(provider, request.route, request.model, request.streaming);
  if (provider.path_prefix && provider.kind != "custom") {
    std::string prefix = TrimTrailingSlash(*provider.path_prefix);
    path = HasV1Base(provider) ? prefix + path.substr(3) : prefix + path;
  }
  // Google's native methods read `alt`, which the gateway sets itself for a stream: the client's
  // own `alt` is dropped so that it never arrives twice (and countTokens never answers in SSE).
  bool native_google = request.route == UpstreamRoute::kGeminiCountTokens ||
                       path.find(":generateContent") != std::string::npos ||
                       path.find(":streamGenerateContent") != std::string::npos;
  target.path = WithQuery(
      path, native_google ? WithoutParameter(request.query, "alt") : std::string(request.query));
  return target;
}

UpstreamTarget ChatTarget(const LLMProvider& provider, std::string_view request_path,
                          std::string_view model, bool tls_policy) {
  TargetRequest request;
  request.route = NativeChatRoute(provider, model);
  request.path = request_path;
  request.model = model;
  request.tls_policy = tls_policy;
  return ProviderTarget(provider, request);
}

}  // namespace agw::validate::model
