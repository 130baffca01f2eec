#include "emulator/llm/vertex.h"

#include <algorithm>
#include <charconv>

#include "emulator/llm/chat_json.h"
#include "emulator/llm/gemini.h"
#include "emulator/llm/json_codec.h"
#include "emulator/llm/request_info.h"

namespace agw::emulator::llm {

namespace {

using chat::Member;
using chat::StringOr;

constexpr std::string_view kVertexAnthropicVersion = "vertex-2023-10-16";

// Iterable whatever the client sent: a non-array member reads as empty.
const Json& ArrayMember(const Json& object, const char* key) {
  static const Json kEmpty = Json::array();
  const Json& value = Member(object, key);
  return value.is_array() ? value : kEmpty;
}

bool BoolOr(const Json& object, const char* key, bool fallback) {
  const Json& value = Member(object, key);
  return value.is_boolean() ? value.get<bool>() : fallback;
}

Translated<Json> RequireObject(const Json& body) {
  if (!body.is_object()) {
    return tl::unexpected(std::string("failed to parse request: body is not a JSON object"));
  }
  return body;
}

// Vertex rejects cache_control's `scope`, which Anthropic's own API accepts.
void RemoveCacheControlScope(Json& node) {
  if (node.is_array()) {
    for (Json& child : node) {
      RemoveCacheControlScope(child);
    }
    return;
  }
  if (!node.is_object()) {
    return;
  }
  for (auto& [key, value] : node.items()) {
    if (key == "cache_control" && value.is_object()) {
      value.erase("scope");
    }
    RemoveCacheControlScope(value);
  }
}

RequestInfo SummaryWithoutPrompt(InputFormat format, const Json& body) {
  RequestInfo info;
  info.input_format = format;
  info.request_model = StringOr(body, "model");
  info.prompt = nullptr;  // only chat requests record a prompt
  return info;
}

Translated<Json> ParseObject(std::string_view body) {
  Json parsed = ReadJson(body);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return tl::unexpected(std::string("failed to parse response: not a JSON object"));
  }
  return parsed;
}

}  // namespace

Translated<RequestTranslation> VertexMessagesRequest(const Json& client_body,
                                                     const ProviderOptions& options) {
  Translated<Json> checked = RequireObject(client_body);
  if (!checked) {
    return tl::unexpected(checked.error());
  }
  RequestTranslation out;
  out.info = MessagesRequestInfo(client_body, "", options.record_prompt);

  out.body = client_body;
  out.body.erase("model");  // Vertex names the model in the path
  out.body.erase("output_format");
  out.body["anthropic_version"] = kVertexAnthropicVersion;
  RemoveCacheControlScope(out.body);
  return out;
}

Translated<RequestTranslation> VertexCountTokensRequest(const Json& client_body,
                                                        const ProviderOptions& options) {
  Translated<Json> checked = RequireObject(client_body);
  if (!checked) {
    return tl::unexpected(checked.error());
  }
  RequestTranslation out;
  out.info = SummaryWithoutPrompt(InputFormat::kCountTokens, client_body);
  out.body = client_body;
  if (!options.model.empty()) {
    out.body["model"] = options.model;
  }
  out.body.erase("output_format");
  out.body["anthropic_version"] = kVertexAnthropicVersion;
  RemoveCacheControlScope(out.body);
  return out;
}

Translated<RequestTranslation> VertexEmbeddingsRequest(const Json& client_body,
                                                       const ProviderOptions& /*options*/) {
  Translated<Json> checked = RequireObject(client_body);
  if (!checked) {
    return tl::unexpected(checked.error());
  }
  Json inputs = Member(client_body, "input");
  if (inputs.is_string()) {
    inputs = Json::array({inputs});
  }
  if (!inputs.is_array() || inputs.empty() ||
      !std::all_of(inputs.begin(), inputs.end(), [](const Json& i) { return i.is_string(); })) {
    return tl::unexpected(
        std::string("Vertex embeddings take a string or an array of strings as input"));
  }
  std::string_view task = StringOr(client_body, "task_type");
  std::string_view title = StringOr(client_body, "title");
  Json instances = Json::array();
  for (const Json& input : inputs) {
    Json instance = {{"content", input}, {"task_type", task.empty() ? "RETRIEVAL_QUERY" : task}};
    if (!title.empty()) {
      instance["title"] = title;
    }
    instances.push_back(std::move(instance));
  }

  RequestTranslation out;
  out.body = {{"instances", std::move(instances)}};
  Json parameters = Json::object();
  if (client_body.contains("dimensions")) {
    parameters["outputDimensionality"] = client_body["dimensions"];
  }
  if (client_body.contains("auto_truncate")) {
    parameters["autoTruncate"] = client_body["auto_truncate"];
  }
  if (!parameters.empty()) {
    out.body["parameters"] = std::move(parameters);
  }

  out.info = SummaryWithoutPrompt(InputFormat::kEmbeddings, client_body);
  for (const char* key : {"encoding_format", "dimensions"}) {
    if (client_body.contains(key)) {
      out.info.params[key] = client_body[key];
    }
  }
  return out;
}

Translated<ResponseTranslation> VertexEmbeddingsResponse(std::string_view upstream_body,
                                                         std::string_view model) {
  Translated<Json> parsed = ParseObject(upstream_body);
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  Json data = Json::array();
  int64_t tokens = 0;
  for (const Json& prediction : ArrayMember(*parsed, "predictions")) {
    const Json& embeddings = Member(prediction, "embeddings");
    const Json& token_count = Member(Member(embeddings, "statistics"), "token_count");
    if (token_count.is_number_integer()) {
      tokens += token_count.get<int64_t>();
    }
    data.push_back({{"index", data.size()},
                    {"object", "embedding"},
                    {"embedding", ArrayMember(embeddings, "values")}});
  }
  ResponseTranslation out;
  out.body = {{"object", "list"},
              {"data", std::move(data)},
              {"model", model},
              {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
  out.info.input_tokens = tokens;
  out.info.total_tokens = tokens;
  out.info.provider_model = std::string(model);
  return out;
}

Translated<RequestTranslation> VertexRerankRequest(const Json& client_body,
                                                   const ProviderOptions& options) {
  Translated<Json> checked = RequireObject(client_body);
  if (!checked) {
    return tl::unexpected(checked.error());
  }
  Json records = Json::array();
  for (const Json& document : ArrayMember(client_body, "documents")) {
    std::string content(document.is_string() ? document.get<std::string>()
                                             : std::string(StringOr(document, "text")));
    records.push_back({{"id", std::to_string(records.size())}, {"content", std::move(content)}});
  }
  RequestTranslation out;
  out.body = {{"model", options.model.empty() ? StringOr(client_body, "model") : options.model},
              {"query", StringOr(client_body, "query")},
              {"records", std::move(records)}};
  if (client_body.contains("top_n")) {
    out.body["topN"] = client_body["top_n"];
  }
  // Clients that do not ask for the documents back get scores and ids only.
  out.body["ignoreRecordDetailsInResponse"] = !BoolOr(client_body, "return_documents", false);
  out.info = SummaryWithoutPrompt(InputFormat::kRerank, client_body);
  return out;
}

Translated<ResponseTranslation> VertexRerankResponse(std::string_view upstream_body) {
  Translated<Json> parsed = ParseObject(upstream_body);
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  Json results = Json::array();
  for (const Json& record : ArrayMember(*parsed, "records")) {
    std::string_view id = StringOr(record, "id");
    size_t index = 0;
    auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), index);
    if (id.empty() || error != std::errc() || end != id.data() + id.size()) {
      return tl::unexpected("invalid response: rerank record id " + std::string(id) +
                            " is not a document index");
    }
    Json result = {
        {"index", index},
        {"relevance_score", Member(record, "score").is_number() ? record["score"] : Json(1.0)}};
    if (record.contains("content")) {
      result["document"] = {{"text", record["content"]}};
    }
    results.push_back(std::move(result));
  }
  ResponseTranslation out;
  out.body = {{"results", std::move(results)}};
  return out;
}

std::string VertexRerankError(int status, std::string_view upstream_body) {
  return GeminiError(status, upstream_body);
}

}  // namespace agw::emulator::llm
