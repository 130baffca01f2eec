#include "emulator/llm/call.h"

#include <algorithm>
#include <regex>

#include "emulator/http/target.h"
#include "emulator/llm/boundary.h"
#include "emulator/llm/chat_json.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/sigv4.h"

namespace agw::emulator::llm {
namespace {

using chat::Find;
using http::GetHeader;
using http::HeaderNameEquals;
using http::RemoveHeader;
using http::SetHeader;

constexpr std::pair<std::string_view, RouteType> kRouteTypes[] = {
    {"Completions", RouteType::kCompletions},
    {"Messages", RouteType::kMessages},
    {"Models", RouteType::kModels},
    {"Passthrough", RouteType::kPassthrough},
    {"Detect", RouteType::kDetect},
    {"Responses", RouteType::kResponses},
    {"AnthropicTokenCount", RouteType::kAnthropicTokenCount},
    {"Embeddings", RouteType::kEmbeddings},
    {"Realtime", RouteType::kRealtime},
    {"Rerank", RouteType::kRerank},
    {"GenerateContent", RouteType::kGenerateContent},
    {"GeminiCountTokens", RouteType::kGeminiCountTokens},
};

LlmCall Local(LlmCall call, int status, std::string content_type, std::string body) {
  call.local = LocalResponse{status, std::move(content_type), std::move(body)};
  return call;
}

LlmCall RequestFailure(LlmCall call, int status, const std::string& detail) {
  return Local(std::move(call), status, "text/plain", "failed to process LLM request: " + detail);
}

InputFormat InputFor(RouteType route) {
  switch (route) {
    case RouteType::kMessages:
      return InputFormat::kMessages;
    case RouteType::kResponses:
      return InputFormat::kResponses;
    case RouteType::kEmbeddings:
      return InputFormat::kEmbeddings;
    case RouteType::kRerank:
      return InputFormat::kRerank;
    case RouteType::kAnthropicTokenCount:
      return InputFormat::kCountTokens;
    case RouteType::kGenerateContent:
      return InputFormat::kGemini;
    case RouteType::kGeminiCountTokens:
      return InputFormat::kGeminiCountTokens;
    case RouteType::kDetect:
      return InputFormat::kDetect;
    default:
      return InputFormat::kCompletions;
  }
}

bool IsAzure(const validate::model::LLMProvider& provider) {
  return provider.kind == "azure" || provider.kind == "azureopenai";
}

bool CustomSupports(const validate::model::LLMProvider& provider, std::string_view type) {
  return std::any_of(
      provider.custom_formats.begin(), provider.custom_formats.end(),
      [&](const validate::model::ProviderFormat& format) { return format.type == type; });
}

// The chat formats a provider accepts for `model`, in agentgateway's terms (2.4).
std::vector<WireFormat> ChatFormats(const validate::model::LLMProvider& provider,
                                    std::string_view model) {
  const std::string& kind = provider.kind;
  if (kind == "openai") {
    return {WireFormat::kOpenAIResponses, WireFormat::kOpenAICompletions};
  }
  if (kind == "anthropic") {
    return {WireFormat::kAnthropicMessages};
  }
  if (kind == "gemini") {
    return {WireFormat::kGeminiNative, WireFormat::kOpenAICompletions};
  }
  if (kind == "bedrock") {
    return {WireFormat::kBedrockConverse};
  }
  if (kind == "vertexai") {
    if (validate::model::IsVertexAnthropicModel(model)) {
      return {WireFormat::kAnthropicMessages};
    }
    if (validate::model::IsVertexGeminiModel(model)) {
      return {WireFormat::kGeminiNative, WireFormat::kOpenAICompletions};
    }
    return {WireFormat::kOpenAICompletions};
  }
  if (IsAzure(provider)) {
    if (validate::model::NativeChatRoute(provider, model) ==
        validate::model::UpstreamRoute::kMessages) {
      return {WireFormat::kAnthropicMessages};
    }
    return {WireFormat::kOpenAIResponses, WireFormat::kOpenAICompletions};
  }
  std::vector<WireFormat> formats;
  if (CustomSupports(provider, "Completions") || provider.custom_formats.empty()) {
    formats.push_back(WireFormat::kOpenAICompletions);
  }
  if (CustomSupports(provider, "Messages")) {
    formats.push_back(WireFormat::kAnthropicMessages);
  }
  if (CustomSupports(provider, "Responses")) {
    formats.push_back(WireFormat::kOpenAIResponses);
  }
  if (CustomSupports(provider, "GenerateContent")) {
    formats.push_back(WireFormat::kGeminiNative);
  }
  return formats;
}

// agentgateway's ordered translation table: the first pair the provider supports wins.
std::optional<WireFormat> ChooseChatFormat(InputFormat input,
                                           const std::vector<WireFormat>& supported) {
  static constexpr std::pair<InputFormat, WireFormat> kTable[] = {
      {InputFormat::kResponses, WireFormat::kOpenAIResponses},
      {InputFormat::kGemini, WireFormat::kGeminiNative},
      {InputFormat::kCompletions, WireFormat::kGeminiNative},
      {InputFormat::kCompletions, WireFormat::kOpenAICompletions},
      {InputFormat::kMessages, WireFormat::kAnthropicMessages},
      {InputFormat::kCompletions, WireFormat::kAnthropicMessages},
      {InputFormat::kCompletions, WireFormat::kBedrockConverse},
      {InputFormat::kMessages, WireFormat::kOpenAICompletions},
      {InputFormat::kMessages, WireFormat::kOpenAIResponses},
      {InputFormat::kMessages, WireFormat::kBedrockConverse},
      {InputFormat::kResponses, WireFormat::kOpenAICompletions},
      {InputFormat::kResponses, WireFormat::kBedrockConverse},
  };
  for (const auto& [from, to] : kTable) {
    if (from == input && std::find(supported.begin(), supported.end(), to) != supported.end()) {
      return to;
    }
  }
  return std::nullopt;
}

// The non-chat format a provider takes for `input`, or nullopt when it has none (2.5).
std::optional<WireFormat> ChooseOtherFormat(InputFormat input,
                                            const validate::model::LLMProvider& provider,
                                            std::string_view model) {
  const std::string& kind = provider.kind;
  bool vertex_claude = kind == "vertexai" && validate::model::IsVertexAnthropicModel(model);
  switch (input) {
    case InputFormat::kEmbeddings:
      if (kind == "vertexai") {
        return WireFormat::kVertexEmbeddings;
      }
      if (kind == "bedrock") {
        return WireFormat::kBedrockEmbeddings;
      }
      if (kind == "anthropic") {
        return std::nullopt;  // Messages and token counting only
      }
      return WireFormat::kOpenAIEmbeddings;
    case InputFormat::kRerank:
      if (kind == "vertexai") {
        return WireFormat::kVertexRerank;
      }
      if (kind == "bedrock") {
        return WireFormat::kBedrockRerank;
      }
      if (kind == "anthropic" || kind == "gemini") {
        return std::nullopt;
      }
      return WireFormat::kCohereRerank;
    case InputFormat::kCountTokens:
      if (kind == "anthropic" || (kind == "custom" && CustomSupports(provider, "Messages"))) {
        return WireFormat::kAnthropicCountTokens;
      }
      if (vertex_claude) {
        return WireFormat::kVertexCountTokens;
      }
      if (kind == "bedrock" && model.find("anthropic.claude") != std::string_view::npos) {
        return WireFormat::kBedrockCountTokens;
      }
      if (IsAzure(provider) && validate::model::NativeChatRoute(provider, model) ==
                                   validate::model::UpstreamRoute::kMessages) {
        return WireFormat::kAnthropicCountTokens;
      }
      return std::nullopt;  // answered locally
    case InputFormat::kGeminiCountTokens:
      if (kind == "gemini" || (kind == "vertexai" && validate::model::IsVertexGeminiModel(model))) {
        return WireFormat::kGeminiCountTokens;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

validate::model::UpstreamRoute UpstreamRouteFor(WireFormat wire) {
  switch (wire) {
    case WireFormat::kOpenAICompletions:
      return validate::model::UpstreamRoute::kCompletions;
    case WireFormat::kOpenAIResponses:
      return validate::model::UpstreamRoute::kResponses;
    case WireFormat::kAnthropicMessages:
      return validate::model::UpstreamRoute::kMessages;
    case WireFormat::kBedrockConverse:
    case WireFormat::kGeminiNative:
      return validate::model::UpstreamRoute::kGenerateContent;
    case WireFormat::kOpenAIEmbeddings:
    case WireFormat::kVertexEmbeddings:
    case WireFormat::kBedrockEmbeddings:
      return validate::model::UpstreamRoute::kEmbeddings;
    case WireFormat::kCohereRerank:
    case WireFormat::kVertexRerank:
    case WireFormat::kBedrockRerank:
      return validate::model::UpstreamRoute::kRerank;
    case WireFormat::kAnthropicCountTokens:
    case WireFormat::kVertexCountTokens:
    case WireFormat::kBedrockCountTokens:
      return validate::model::UpstreamRoute::kAnthropicTokenCount;
    case WireFormat::kGeminiCountTokens:
      return validate::model::UpstreamRoute::kGeminiCountTokens;
    case WireFormat::kRaw:
      return validate::model::UpstreamRoute::kPassthrough;
  }
  return validate::model::UpstreamRoute::kCompletions;
}

// The model named in a provider-shaped URL, if any: `.../models/{m}:generateContent` (also
// streamGenerateContent, countTokens, rawPredict, streamRawPredict) or Bedrock's
// `.../model/{m}/converse` (also converse-stream, invoke, invoke-with-response-stream).
// Parsed by hand: this runs on every LLM request.
std::optional<std::string> ModelFromPath(std::string_view path) {
  auto last_segment = [](std::string_view& rest) {
    size_t slash = rest.rfind('/');
    std::string_view segment = slash == std::string_view::npos ? rest : rest.substr(slash + 1);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(0, slash);
    return segment;
  };
  std::string_view rest = path;
  std::string_view last = last_segment(rest);
  std::string_view encoded;
  if (size_t colon = last.find(':'); colon != std::string_view::npos) {
    static constexpr std::string_view kMethods[] = {"generateContent", "streamGenerateContent",
                                                    "countTokens", "rawPredict",
                                                    "streamRawPredict"};
    std::string_view method = last.substr(colon + 1);
    bool known = std::find(std::begin(kMethods), std::end(kMethods), method) != std::end(kMethods);
    if (known && last_segment(rest) == "models") {
      encoded = last.substr(0, colon);
    }
  } else {
    static constexpr std::string_view kActions[] = {"invoke", "invoke-with-response-stream",
                                                    "converse", "converse-stream"};
    if (std::find(std::begin(kActions), std::end(kActions), last) != std::end(kActions)) {
      std::string_view model = last_segment(rest);
      if (last_segment(rest) == "model") {
        encoded = model;
      }
    }
  }
  if (encoded.empty()) {
    return std::nullopt;
  }
  std::string model = http::PercentDecode(encoded);
  if (model.find("..") != std::string::npos || !IsUtf8(model)) {
    return std::nullopt;
  }
  return model;
}

// Policy `overrides` and `defaults` carry JSON text or YAML values; strings that parse as JSON
// are JSON ("gpt-4o" quoted is a string, 0.2 a number).
Json FieldValue(const validate::manifest::Value& value) {
  if (value.is_string()) {
    Json parsed = ReadJson(value.text());
    if (!parsed.is_discarded()) {
      return parsed;
    }
  }
  return value.ToJson();
}

std::string AliasFor(const std::map<std::string, std::string>& aliases, const std::string& model) {
  if (auto exact = aliases.find(model); exact != aliases.end()) {
    return exact->second;
  }
  std::vector<std::pair<std::string, std::string>> wildcards;
  for (const auto& [pattern, target] : aliases) {
    if (pattern.find('*') != std::string::npos) {
      wildcards.emplace_back(pattern, target);
    }
  }
  std::stable_sort(wildcards.begin(), wildcards.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [pattern, target] : wildcards) {
    std::string expression;
    for (char c : pattern) {
      if (c == '*') {
        expression += ".*";
      } else {
        if (std::string_view("\\^$.|?+()[]{}").find(c) != std::string_view::npos) {
          expression += '\\';
        }
        expression += c;
      }
    }
    if (std::regex_match(model, std::regex(expression))) {
      return target;
    }
  }
  return model;
}

bool IsOpenAIFamily(const validate::model::LLMProvider& provider) {
  return provider.kind == "openai" || IsAzure(provider);
}

void CopyClientHeaders(const http::HeaderList& from, http::HeaderList& to) {
  static constexpr std::string_view kDropped[] = {
      "host", "content-length", "connection", "keep-alive",       "transfer-encoding",
      "te",   "trailer",        "upgrade",    "proxy-connection", "content-encoding"};
  // Not a structured binding: clang 14 cannot capture one in the lambda (C++20 allows it).
  for (const auto& header : from) {
    bool dropped = std::any_of(std::begin(kDropped), std::end(kDropped), [&](std::string_view d) {
      return HeaderNameEquals(header.first, d);
    });
    if (!dropped) {
      to.push_back(header);
    }
  }
}

// Provider auth and required headers (llm-dataplane.md 3).
void ApplyAuthHeaders(const ProviderSetup& setup, const LlmCall& call, http::HeaderList& headers) {
  const validate::model::LLMProvider& provider = *setup.provider;
  if (setup.api_key) {
    SetHeader(headers, "authorization", "Bearer " + *setup.api_key);
  }
  std::optional<std::string> authorization = GetHeader(headers, "authorization");
  std::string bearer;
  if (authorization && authorization->rfind("Bearer ", 0) == 0) {
    bearer = authorization->substr(7);
  }
  if (provider.kind == "anthropic") {
    if (!bearer.empty()) {
      if (bearer.rfind("sk-ant-oat", 0) == 0 || setup.auth_location_explicit) {
        RemoveHeader(headers, "x-api-key");
      } else {
        RemoveHeader(headers, "authorization");
        SetHeader(headers, "x-api-key", bearer);
      }
    }
    SetHeader(headers, "anthropic-version", "2023-06-01");
    for (std::string_view name :
         {"origin", "access-control-request-method", "access-control-request-headers"}) {
      RemoveHeader(headers, name);
    }
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [](const auto& header) {
                                   return header.first.size() >= 9 &&
                                          HeaderNameEquals(header.first.substr(0, 9), "sec-fetch");
                                 }),
                  headers.end());
  }
  bool gemini_native =
      call.wire == WireFormat::kGeminiNative || call.wire == WireFormat::kGeminiCountTokens;
  if ((provider.kind == "gemini" || provider.kind == "vertexai") && gemini_native &&
      bearer.rfind("AIza", 0) == 0 && !setup.auth_location_explicit) {
    RemoveHeader(headers, "authorization");
    SetHeader(headers, "x-goog-api-key", bearer);
  }
  if (IsAzure(provider) && call.wire == WireFormat::kAnthropicMessages) {
    SetHeader(headers, "anthropic-version", "2023-06-01");
  }
}

// Model resolution and body mutations (llm-dataplane.md 4). Returns the final model or an error.
tl::expected<std::string, std::string> ResolveModel(const ProviderSetup& setup, RouteType route,
                                                    std::string_view path, Json& body) {
  const validate::model::LLMProvider& provider = *setup.provider;
  bool native_gemini =
      route == RouteType::kGenerateContent || route == RouteType::kGeminiCountTokens;
  std::optional<std::string> path_model = provider.model ? std::nullopt : ModelFromPath(path);
  if (provider.model) {
    body["model"] = *provider.model;
  } else if (path_model &&
             (native_gemini || !body.contains("model") || !body["model"].is_string())) {
    body["model"] = *path_model;
  }
  if (setup.ai != nullptr) {
    for (const validate::model::FieldDefault& field : setup.ai->overrides) {
      body[field.field] = FieldValue(field.value);
    }
    for (const validate::model::FieldDefault& field : setup.ai->defaults) {
      if (!body.contains(field.field)) {
        body[field.field] = FieldValue(field.value);
      }
    }
  }
  if (!body.contains("model") || !body["model"].is_string()) {
    return tl::unexpected(std::string("missing field: model not specified"));
  }
  std::string model = body["model"].get<std::string>();
  if (setup.ai != nullptr && !setup.ai->model_aliases.empty()) {
    model = AliasFor(setup.ai->model_aliases, model);
    body["model"] = model;
  }
  return model;
}

// serde's `Unexpected` for a JSON value, as its invalid-type errors print it.
std::string SerdeUnexpected(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return std::string("boolean `") + (value.get<bool>() ? "true" : "false") + "`";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer `" + value.dump() + "`";
    case Json::value_t::number_float:
      return "floating point `" + value.dump() + "`";
    case Json::value_t::array:
      return "sequence";
    case Json::value_t::object:
      return "map";
    default:
      break;
  }
  // Rust's Debug form of a str: quoted, with quotes, backslashes and control characters escaped.
  std::string quoted = "string \"";
  for (unsigned char c : value.get_ref<const std::string&>()) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += static_cast<char>(c);
    } else if (c == '\n') {
      quoted += "\\n";
    } else if (c == '\r') {
      quoted += "\\r";
    } else if (c == '\t') {
      quoted += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      quoted += "\\u{";
      if (c >= 0x10) {
        quoted += kHex[c >> 4];
      }
      quoted += kHex[c & 0xf];
      quoted += '}';
    } else {
      quoted += static_cast<char>(c);
    }
  }
  return quoted + "\"";
}

// Whether a chat request streams. agentgateway deserialises Completions, Messages and Responses
// bodies into typed requests whose `stream` is an Option<bool>: null (or no member) is not
// streaming, and any other non-boolean fails the parse with serde's message (which also names
// the line and column; ReadJson keeps no positions, so they are left out here).
tl::expected<bool, std::string> ChatStreaming(const Json& body) {
  auto stream = body.find("stream");
  if (stream == body.end() || stream->is_null()) {
    return false;
  }
  if (stream->is_boolean()) {
    return stream->get<bool>();
  }
  return tl::unexpected("failed to parse request: invalid type: " + SerdeUnexpected(*stream) +
                        ", expected a boolean");
}

// agentgateway's local count for providers without a token-counting endpoint (llm-dataplane.md
// 2.6), approximated: 3, plus per text (the system prompt, then each message's string content)
// 4 and a token per 4 bytes. Content that is not text (blocks) adds nothing.
int64_t EstimateInputTokens(const Json& body) {
  int64_t tokens = 3;
  auto count = [&](const Json* text) {
    if (text != nullptr && text->is_string()) {
      tokens += 4 + static_cast<int64_t>((text->get_ref<const std::string&>().size() + 3) / 4);
    }
  };
  count(Find(body, "system"));
  if (const Json* messages = Find(body, "messages"); messages != nullptr && messages->is_array()) {
    for (const Json& message : *messages) {
      count(Find(message, "content"));
    }
  }
  return tokens;
}

}  // namespace

std::optional<RouteType> ParseRouteType(std::string_view name) {
  for (const auto& [spelled, type] : kRouteTypes) {
    if (spelled == name) {
      return type;
    }
  }
  return std::nullopt;
}

std::string_view RouteTypeName(RouteType type) {
  for (const auto& [spelled, known] : kRouteTypes) {
    if (known == type) {
      return spelled;
    }
  }
  return "Completions";
}

RouteType ResolveRouteType(const std::vector<std::pair<std::string, std::string>>& routes,
                           std::string_view path) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  for (const auto& entry : routes) {
    sorted.push_back(&entry);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    bool a_star = a->first == "*";
    bool b_star = b->first == "*";
    if (a_star != b_star) {
      return b_star;
    }
    if (a->first.size() != b->first.size()) {
      return a->first.size() > b->first.size();
    }
    return a->first < b->first;
  });
  for (const auto* entry : sorted) {
    if (entry->first == "*" || path.ends_with(entry->first)) {
      if (std::optional<RouteType> type = ParseRouteType(entry->second)) {
        return *type;
      }
    }
  }
  return RouteType::kCompletions;
}

std::string ProviderId(const validate::model::LLMProvider& provider) {
  const std::string& kind = provider.kind;
  if (kind == "gemini") {
    return "gcp.gemini";
  }
  if (kind == "vertexai") {
    return "gcp.vertex_ai";
  }
  if (kind == "bedrock") {
    return "aws.bedrock";
  }
  if (kind == "azureopenai") {
    return "azure";
  }
  return kind;
}

namespace {

bool SupportsPromptGuard(InputFormat input) {
  return input == InputFormat::kCompletions || input == InputFormat::kMessages ||
         input == InputFormat::kResponses || input == InputFormat::kGemini;
}

// Prompt enrichment, then the request's prompt guards, on the client's request
// (llm-dataplane.md 2.3 step 6). Returns the guard's answer when one refuses the request.
std::optional<LocalResponse> ApplyPromptPolicies(const ProviderSetup& setup, InputFormat input,
                                                 Json& body, const http::HeaderList& headers,
                                                 std::string& reason,
                                                 std::vector<std::string>& guard_actions) {
  if (setup.enrichment != nullptr) {
    const PromptEnrichment& enrichment = *setup.enrichment;
    switch (input) {
      case InputFormat::kCompletions:
        EnrichCompletionsPrompt(body, enrichment);
        break;
      case InputFormat::kMessages:
        EnrichMessagesPrompt(body, enrichment);
        break;
      case InputFormat::kResponses:
        EnrichResponsesPrompt(body, enrichment);
        break;
      case InputFormat::kGemini:
      case InputFormat::kGeminiCountTokens:
        EnrichGeminiPrompt(body, enrichment);
        break;
      default:
        break;  // embeddings, rerank, detect: nothing to enrich
    }
  }
  if (setup.request_check == nullptr || !SupportsPromptGuard(input)) {
    return std::nullopt;
  }
  return setup.request_check->Check(input, body, headers, reason, guard_actions);
}

LlmCall Plan(const ProviderSetup& setup, ClientRequest request) {
  const validate::model::LLMProvider& provider = *setup.provider;
  LlmCall call;
  call.provider_id = ProviderId(provider);
  call.options.model = provider.model.value_or("");
  call.options.region =
      provider.region.value_or(provider.kind == "bedrock" ? "us-east-1" : "global");
  call.options.project = provider.project_id.value_or("");
  call.options.provider = provider.kind;
  call.options.record_prompt = false;  // read by no part of the data plane; a copy of every message
  call.options.stamper = setup.stamper;
  static const std::vector<std::pair<std::string, std::string>> kNoRoutes;
  call.route = ResolveRouteType(setup.ai != nullptr ? setup.ai->routes : kNoRoutes, request.path);
  call.input = InputFor(call.route);
  if (call.route == RouteType::kModels) {
    return Local(std::move(call), 501, "application/json",
                 R"({"error":"Route 'Models' not implemented"})");
  }

  validate::model::TargetRequest target_request;
  target_request.path = request.path;
  target_request.query = request.query;
  target_request.tls_policy = setup.tls_policy;
  std::string model;
  if (call.route == RouteType::kPassthrough || call.route == RouteType::kRealtime ||
      call.route == RouteType::kDetect) {
    call.wire = WireFormat::kRaw;
    call.body = std::move(request.body);
    target_request.route = validate::model::UpstreamRoute::kPassthrough;
    if (call.route == RouteType::kDetect) {
      Json body = ReadJson(call.body);
      if (body.is_object()) {
        if (body.contains("model") && body["model"].is_string()) {
          model = body["model"];
        }
        // Detect reads the body loosely: only a boolean `true` streams.
        auto stream = body.find("stream");
        call.streaming = stream != body.end() && stream->is_boolean() && stream->get<bool>();
      }
    }
    call.info.input_format = call.input;
    call.info.request_model = model;
    call.info.streaming = call.streaming;
  } else {
    // A large chat request keeps its messages as the client wrote them, read one at a time as
    // they are written upstream; not when an override replaces them.
    bool messages_as_text =
        request.body.size() >= kMessagesAsTextFromBytes && setup.enrichment == nullptr &&
        setup.request_check == nullptr &&
        (call.input == InputFormat::kCompletions || call.input == InputFormat::kMessages) &&
        !(setup.ai != nullptr && std::any_of(setup.ai->overrides.begin(), setup.ai->overrides.end(),
                                             [](const validate::model::FieldDefault& field) {
                                               return field.field == "messages";
                                             }));
    JsonKeepingArrayText read = messages_as_text
                                    ? ReadJsonKeepingArrayText(request.body, "messages")
                                    : JsonKeepingArrayText{ReadJson(request.body), std::nullopt};
    // Freed when nothing points into it: not held through the translation.
    if (!read.array_text) {
      std::string().swap(request.body);
    }
    Json& body = read.document;
    if (body.is_discarded() || !body.is_object()) {
      return RequestFailure(std::move(call), 400,
                            "failed to parse request: body is not a JSON object");
    }
    auto resolved = ResolveModel(setup, call.route, request.path, body);
    if (!resolved) {
      return RequestFailure(std::move(call), 400, resolved.error());
    }
    model = *resolved;
    if (call.input == InputFormat::kGemini) {
      call.streaming = request.path.ends_with(":streamGenerateContent");
      if (call.streaming && request.query.find("alt=sse") == std::string::npos) {
        return Local(
            std::move(call), 400, "application/json",
            R"({"error":{"code":400,"message":"streamGenerateContent requires alt=sse; the gateway only supports SSE streaming for Gemini","status":"INVALID_ARGUMENT"}})");
      }
      body.erase("model");  // native Gemini names the model in the URL
    } else if (call.input == InputFormat::kCompletions || call.input == InputFormat::kMessages ||
               call.input == InputFormat::kResponses) {
      tl::expected<bool, std::string> streaming = ChatStreaming(body);
      if (!streaming) {
        return RequestFailure(std::move(call), 400, streaming.error());
      }
      call.streaming = *streaming;
    } else {
      // The other typed requests have no `stream` member: serde ignores it, whatever its type.
      auto stream = body.find("stream");
      call.streaming = stream != body.end() && stream->is_boolean() && stream->get<bool>();
    }
    if (call.input == InputFormat::kCompletions) {
      if (call.streaming && !body.contains("stream_options")) {
        body["stream_options"] = Json{{"include_usage", true}};
      }
      if (IsOpenAIFamily(provider) && model.rfind("gpt-", 0) == 0 && body.contains("max_tokens")) {
        if (!body.contains("max_completion_tokens")) {
          body["max_completion_tokens"] = body["max_tokens"];
        }
        body.erase("max_tokens");
      }
    }
    std::optional<WireFormat> wire;
    if (call.input == InputFormat::kCompletions || call.input == InputFormat::kMessages ||
        call.input == InputFormat::kResponses || call.input == InputFormat::kGemini) {
      wire = ChooseChatFormat(call.input, ChatFormats(provider, model));
    } else {
      wire = ChooseOtherFormat(call.input, provider, model);
      if (!wire && call.input == InputFormat::kCountTokens) {
        // agentgateway reads the body as its typed count_tokens request: `messages` must be an
        // array of message objects, or the request fails to parse (400).
        const Json* messages = Find(body, "messages");
        bool typed = messages != nullptr && messages->is_array() &&
                     std::all_of(messages->begin(), messages->end(),
                                 [](const Json& message) { return message.is_object(); });
        if (!typed) {
          return RequestFailure(std::move(call), 400,
                                "failed to parse request: messages: expected an array of "
                                "message objects");
        }
        return Local(std::move(call), 200, "application/json",
                     WriteJson(Json{{"input_tokens", EstimateInputTokens(body)}}));
      }
    }
    if (!wire) {
      return RequestFailure(std::move(call), 400,
                            "unsupported conversion: from " +
                                std::string(InputFormatName(call.input)) + " to provider " +
                                provider.kind);
    }
    call.wire = *wire;
    call.options.model = model;
    if (std::optional<LocalResponse> answer =
            ApplyPromptPolicies(setup, call.input, body, request.headers, call.local_reason,
                                call.request_guard_actions)) {
      call.local = std::move(answer);
      return call;
    }
    Translated<RequestText> translated =
        TranslateRequestText(call.input, call.wire, body, read.array_text, call.options);
    std::string().swap(request.body);
    // Kept for the one response translation that reads it (Bedrock's tool names): a long
    // conversation's document is most of the memory of the call.
    if (call.wire == WireFormat::kBedrockConverse) {
      call.client_body = std::move(body);
    }
    if (!translated) {
      return RequestFailure(std::move(call), 400, translated.error());
    }
    call.body = std::move(translated->body);
    call.info = std::move(translated->info);
    call.info.streaming = call.streaming;
    call.info.request_model = model;
    target_request.route = UpstreamRouteFor(call.wire);
  }
  call.info.provider = call.provider_id;
  target_request.model = model;
  target_request.streaming = call.streaming;
  call.target = validate::model::ProviderTarget(provider, target_request);
  // Provider host, or with a host override the target's hostname (auto-hostname: no port).
  call.authority = call.target.host;
  CopyClientHeaders(request.headers, call.headers);
  if (call.wire != WireFormat::kRaw) {
    SetHeader(call.headers, "content-type", "application/json");
  }
  ApplyAuthHeaders(setup, call, call.headers);
  return call;
}

ClientResponse Answer(const LlmCall& call, int upstream_status,
                      std::string_view upstream_content_type, std::string_view body) {
  ClientResponse response;
  response.status = upstream_status;
  response.content_type = std::string(upstream_content_type);
  bool error = upstream_status < 200 || upstream_status >= 300;
  if (error && call.wire == WireFormat::kRaw) {
    response.body = std::string(body);  // raw routes take no answer apart, errors included
    return response;
  }
  if (error) {
    std::optional<std::string> translated =
        TranslateError(call.input, call.wire, upstream_status, body);
    if (!translated) {
      response.status = 502;
      response.content_type = "text/plain";
      response.body =
          "failed to process LLM response: the upstream error body could not be translated";
      return response;
    }
    response.body = std::move(*translated);
    return response;
  }
  if (IsPassthrough(call.input, call.wire)) {
    response.body = std::string(body);
    if (auto translated =
            TranslateResponse(call.input, call.wire, body, call.options, call.client_body)) {
      response.info = std::move(translated->info);
    }
    return response;
  }
  Translated<ResponseTranslation> translated =
      TranslateResponse(call.input, call.wire, body, call.options, call.client_body);
  if (!translated) {
    response.status = 502;
    response.content_type = "text/plain";
    response.body = "failed to process LLM response: " + translated.error();
    return response;
  }
  response.content_type = "application/json";
  response.body = WriteJson(translated->body);
  response.info = std::move(translated->info);
  return response;
}

}  // namespace

// The safety net of STYLE.md 3.3: a body of a shape no check above foresaw must cost its own
// request a 400 (or its response a 502), never `run` the connection or `translate` its life.
LlmCall PlanCall(const ProviderSetup& setup, ClientRequest request) {
  try {
    return Plan(setup, std::move(request));
  } catch (const std::exception& error) {
    NoteCaughtException(error);
    LlmCall call;
    call.provider_id = ProviderId(*setup.provider);
    call.info.provider = call.provider_id;
    return RequestFailure(std::move(call), 400,
                          std::string("failed to parse request: ") + error.what());
  }
}

ClientResponse AnswerBuffered(const LlmCall& call, int upstream_status,
                              std::string_view upstream_content_type, std::string_view body) {
  try {
    return Answer(call, upstream_status, upstream_content_type, body);
  } catch (const std::exception& error) {
    NoteCaughtException(error);
    ClientResponse response;
    response.status = 502;
    response.content_type = "text/plain";
    response.body =
        std::string("failed to process LLM response: failed to parse response: ") + error.what();
    return response;
  }
}

}  // namespace agw::emulator::llm
