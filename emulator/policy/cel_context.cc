#include "emulator/policy/cel_context.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>
#include <limits>

#include "validate/cel/agentgateway_values.h"
#include "validate/cel/parser.h"

namespace agw::emulator::policy {
namespace {

namespace cel = validate::cel;
using cel::Value;
using K = Value::Kind;

// How deep JSON conversions go, as serde_json's recursion limit.
constexpr int kMaxJsonDepth = 128;

// The variables of agentgateway's Executor, in its order (which variables() keeps).
enum Variable : std::size_t {
  kRequestVar,
  kResponseVar,
  kProxyVar,
  kEnvVar,
  kSourceVar,
  kDestinationVar,
  kJwtVar,
  kApiKeyVar,
  kBasicAuthVar,
  kLlmVar,
  kLlmRequestVar,
  kMcpVar,
  kBackendVar,
  kExtauthzVar,
  kExtprocVar,
  kMcpGuardrailsVar,
  kMetadataVar,
  kVariableCount
};

constexpr std::array<std::string_view, kVariableCount> kVariableNames = {
    "request", "response", "proxy",     "env",           "source",     "destination",
    "jwt",     "apiKey",   "basicAuth", "llm",           "llmRequest", "mcp",
    "backend", "extauthz", "extproc",   "mcpGuardrails", "metadata"};

using VariableSet = std::bitset<kVariableCount>;

VariableSet Of(std::initializer_list<Variable> variables) {
  VariableSet set;
  for (Variable v : variables) {
    set.set(v);
  }
  return set;
}

// Spec 2.3: what each of agentgateway's Executor constructors sets.
VariableSet PhaseVariables(CelPhase phase) {
  VariableSet frontend = Of({kRequestVar, kSourceVar, kDestinationVar, kEnvVar, kProxyVar});
  VariableSet request = frontend | Of({kJwtVar, kApiKeyVar, kBasicAuthVar, kBackendVar,
                                       kExtauthzVar, kExtprocVar, kMcpGuardrailsVar, kMetadataVar});
  switch (phase) {
    case CelPhase::kFrontend:
      return frontend;
    case CelPhase::kRequest:
      return request;
    case CelPhase::kResponse:
      return request | Of({kResponseVar, kLlmVar});
    case CelPhase::kLlmRequest:
      return request | Of({kLlmVar, kLlmRequestVar});
    case CelPhase::kMcpRequest:
      return request | Of({kMcpVar});
    case CelPhase::kNetwork:
      return Of({kSourceVar, kDestinationVar, kEnvVar});
    case CelPhase::kLogging:
      return VariableSet().set().reset(kLlmRequestVar);
    case CelPhase::kEnvironment:
      return Of({kEnvVar});
  }
  return VariableSet();
}

// ---------------------------------------------------------------------------------------------
// Building values.

class MapBuilder {
 public:
  MapBuilder& Add(std::string_view key, Value value) {
    entries_.emplace_back(Value::String(std::string(key)), std::move(value));
    return *this;
  }
  // Adds the field only when it is set: agentgateway leaves such fields out (skip_serializing_if),
  // so reading an unset one is "no such key".
  template <typename T, typename Convert>
  MapBuilder& AddIf(std::string_view key, const std::optional<T>& value, Convert convert) {
    if (value) {
      Add(key, convert(*value));
    }
    return *this;
  }
  MapBuilder& AddIf(std::string_view key, const std::optional<std::string>& value) {
    return AddIf(key, value, [](const std::string& text) { return Value::String(text); });
  }
  Value Build() { return Value::Map(std::move(entries_)); }

 private:
  cel::ValueMap entries_;
};

Value StringOrNull(const std::optional<std::string>& value) {
  return value ? Value::String(*value) : Value();
}

Value Uint(std::uint64_t n) { return Value::Uint(n); }

Value PortValue(int port) { return Value::Uint(static_cast<std::uint64_t>(std::max(port, 0))); }

Value DurationValue(std::chrono::nanoseconds duration) { return Value::Duration(duration.count()); }

Value TimeValue(CelTime time) {
  std::int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  std::int64_t seconds = nanos / 1'000'000'000;
  std::int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  return Value::TimestampOf(cel::Timestamp{seconds, static_cast<std::int32_t>(rest)});
}

template <typename Json>
Value FromJsonAt(const Json& json, int depth) {
  if (depth > kMaxJsonDepth) {
    return Value();
  }
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return Value::Bool(json.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value::Int(json.template get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto n = json.template get<std::uint64_t>();
      if (n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Value::Int(static_cast<std::int64_t>(n));
      }
      return Value::Uint(n);
    }
    case nlohmann::json::value_t::number_float:
      return Value::Double(json.template get<double>());
    case nlohmann::json::value_t::string:
      return Value::String(json.template get<std::string>());
    case nlohmann::json::value_t::array: {
      cel::ValueList items;
      items.reserve(json.size());
      for (const auto& item : json) {
        items.push_back(FromJsonAt(item, depth + 1));
      }
      return Value::List(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      cel::ValueMap entries;
      entries.reserve(json.size());
      for (auto it = json.begin(); it != json.end(); ++it) {
        entries.emplace_back(Value::String(it.key()), FromJsonAt(it.value(), depth + 1));
      }
      return Value::Map(std::move(entries));
    }
    case nlohmann::json::value_t::binary:
      return Value::Bytes(std::string(json.get_binary().begin(), json.get_binary().end()));
    default:
      return Value();
  }
}

Value RequestValue(const CelRequest& request, bool logging,
                   const std::vector<std::string>& sensitive) {
  MapBuilder map;
  map.Add("method", Value::String(request.method))
      .Add("uri", cel::QueryView(request.uri))
      .Add("path", Value::String(request.path))
      .Add("pathAndQuery", cel::QueryView(request.path_and_query))
      .Add("host", StringOrNull(request.host))
      .Add("scheme", StringOrNull(request.scheme))
      .Add("version", Value::String(request.version))
      .Add("headers", cel::HeaderView(request.headers, sensitive));
  auto bytes = [](const std::string& body) { return Value::Bytes(body); };
  map.AddIf("body", request.body, bytes);
  map.AddIf("bodyPrefix", request.body_prefix ? request.body_prefix : request.body, bytes);
  map.AddIf("startTime", request.start_time, TimeValue);
  if (logging) {
    map.AddIf("endTime", request.end_time, TimeValue);
  }
  return map.Build();
}

Value ResponseValue(const CelResponse& response, const std::vector<std::string>& sensitive) {
  MapBuilder map;
  map.Add("code", PortValue(response.code));
  map.AddIf("grpcStatus", response.grpc_status, PortValue);
  map.Add("headers", cel::HeaderView(response.headers, sensitive));
  auto bytes = [](const std::string& body) { return Value::Bytes(body); };
  map.AddIf("body", response.body, bytes);
  map.AddIf("bodyPrefix", response.body_prefix ? response.body_prefix : response.body, bytes);
  return map.Build();
}

Value ProxyValue(const CelProxy& proxy) {
  MapBuilder map;
  map.AddIf("bind", proxy.bind);
  map.AddIf("gateway", proxy.gateway, [](const CelProxy::Gateway& gateway) {
    return MapBuilder()
        .Add("namespace", Value::String(gateway.namespace_name))
        .Add("name", Value::String(gateway.name))
        .Build();
  });
  map.AddIf("listener", proxy.listener, [](const std::string& name) {
    return MapBuilder().Add("name", Value::String(name)).Build();
  });
  map.AddIf("route", proxy.route, [](const CelProxy::Route& route) {
    MapBuilder fields;
    fields.Add("namespace", Value::String(route.namespace_name))
        .Add("name", Value::String(route.name))
        .AddIf("kind", route.kind)
        .AddIf("rule", route.rule);
    return fields.Build();
  });
  map.AddIf("requestProcessingDuration", proxy.request_processing_duration, DurationValue);
  map.AddIf("upstreamDuration", proxy.upstream_duration, DurationValue);
  map.AddIf("responseProcessingDuration", proxy.response_processing_duration, DurationValue);
  return map.Build();
}

Value EnvValue(const CelEnvironment& env) {
  MapBuilder map;
  map.AddIf("podName", env.pod_name)
      .AddIf("namespace", env.namespace_name)
      .AddIf("gateway", env.gateway);
  return map.Build();
}

Value SourceValue(const CelSource& source, const std::vector<std::string>& sensitive) {
  MapBuilder map;
  map.Add("address", Value::String(source.address))
      .Add("port", PortValue(source.port))
      .Add("rawAddress", Value::String(source.raw_address))
      .Add("rawPort", PortValue(source.raw_port));
  if (source.tls) {
    // TlsInfo is flattened into `source`; its unset options read as null.
    const CelTlsPeer& tls = *source.tls;
    Value identity;
    if (tls.identity) {
      identity = MapBuilder()
                     .Add("trustDomain", Value::String(tls.identity->trust_domain))
                     .Add("namespace", Value::String(tls.identity->namespace_name))
                     .Add("serviceAccount", Value::String(tls.identity->service_account))
                     .Build();
    }
    cel::ValueList names;
    for (const std::string& name : tls.subject_alt_names) {
      names.push_back(Value::String(name));
    }
    map.Add("identity", std::move(identity))
        .Add("spiffeId", StringOrNull(tls.spiffe_id))
        .Add("subjectAltNames", Value::List(std::move(names)))
        .Add("issuer", Value::String(tls.issuer))
        .Add("subject", Value::String(tls.subject))
        .Add("subjectCn", StringOrNull(tls.subject_cn))
        .Add("certificate", StringOrNull(tls.certificate));
  }
  map.AddIf("unverifiedWorkload", source.unverified_workload,
            [](const CelSource::Workload& workload) {
              return MapBuilder()
                  .Add("name", Value::String(workload.name))
                  .Add("namespace", Value::String(workload.namespace_name))
                  .Add("serviceAccount", Value::String(workload.service_account))
                  .Build();
            });
  map.Add("connectHeaders", cel::HeaderView(source.connect_headers, sensitive));
  return map.Build();
}

Value DestinationValue(const CelDestination& destination) {
  MapBuilder map;
  map.Add("address", Value::String(destination.address))
      .Add("port", PortValue(destination.port))
      .AddIf("hostname", destination.hostname);
  return map.Build();
}

Value ApiKeyValue(const AttributeContext::ApiKey& api_key) {
  // The key first, then the metadata's fields beside it (serde flatten); a metadata field named
  // "key" replaces it, as a later insert into agentgateway's map does.
  cel::ValueMap entries;
  entries.emplace_back(Value::String("key"), cel::RedactedString(api_key.key));
  if (api_key.metadata.is_object()) {
    for (auto it = api_key.metadata.begin(); it != api_key.metadata.end(); ++it) {
      Value value = FromJsonAt(it.value(), 1);
      auto same = std::find_if(entries.begin(), entries.end(),
                               [&](const auto& entry) { return entry.first.text() == it.key(); });
      if (same != entries.end()) {
        same->second = std::move(value);
      } else {
        entries.emplace_back(Value::String(it.key()), std::move(value));
      }
    }
  }
  return Value::Map(std::move(entries));
}

Value LlmValue(const CelLlm& llm) {
  MapBuilder map;
  map.Add("streaming", Value::Bool(llm.streaming))
      .Add("requestModel", Value::String(llm.request_model))
      .AddIf("responseModel", llm.response_model)
      .Add("provider", Value::String(llm.provider))
      .AddIf("inputTokens", llm.input_tokens, Uint)
      .AddIf("providerInputTokens", llm.provider_input_tokens, Uint)
      .AddIf("inputImageTokens", llm.input_image_tokens, Uint)
      .AddIf("inputTextTokens", llm.input_text_tokens, Uint)
      .AddIf("inputAudioTokens", llm.input_audio_tokens, Uint)
      .AddIf("cachedInputTokens", llm.cached_input_tokens, Uint)
      .AddIf("cacheCreationInputTokens", llm.cache_creation_input_tokens, Uint)
      .AddIf("outputTokens", llm.output_tokens, Uint)
      .AddIf("outputImageTokens", llm.output_image_tokens, Uint)
      .AddIf("outputTextTokens", llm.output_text_tokens, Uint)
      .AddIf("outputAudioTokens", llm.output_audio_tokens, Uint)
      .AddIf("reasoningTokens", llm.reasoning_tokens, Uint)
      .AddIf("totalTokens", llm.total_tokens, Uint)
      .AddIf("providerTotalTokens", llm.provider_total_tokens, Uint)
      .AddIf("serviceTier", llm.service_tier)
      .AddIf("timeToFirstToken", llm.time_to_first_token, DurationValue)
      .AddIf("timePerOutputToken", llm.time_per_output_token, DurationValue)
      .AddIf("countTokens", llm.count_tokens, Uint);
  map.AddIf("prompt", llm.prompt, [](const std::vector<CelLlm::Message>& messages) {
    cel::ValueList items;
    for (const CelLlm::Message& message : messages) {
      items.push_back(MapBuilder()
                          .Add("role", Value::String(message.role))
                          .Add("content", Value::String(message.content))
                          .Build());
    }
    return Value::List(std::move(items));
  });
  map.AddIf("completion", llm.completion, [](const std::vector<std::string>& texts) {
    cel::ValueList items;
    for (const std::string& text : texts) {
      items.push_back(Value::String(text));
    }
    return Value::List(std::move(items));
  });
  map.AddIf("toolCalls", llm.tool_calls, [](const std::vector<CelLlm::ToolCall>& calls) {
    cel::ValueList items;
    for (const CelLlm::ToolCall& call : calls) {
      items.push_back(MapBuilder()
                          .Add("id", Value::String(call.id))
                          .Add("name", Value::String(call.name))
                          .Add("arguments", FromJsonAt(call.arguments, 2))
                          .Build());
    }
    return Value::List(std::move(items));
  });
  const CelLlm::Params& p = llm.params;
  auto number = [](double d) { return Value::Double(d); };
  map.Add("params", MapBuilder()
                        .AddIf("temperature", p.temperature, number)
                        .AddIf("top_p", p.top_p, number)
                        .AddIf("frequency_penalty", p.frequency_penalty, number)
                        .AddIf("presence_penalty", p.presence_penalty, number)
                        .AddIf("seed", p.seed, [](std::int64_t n) { return Value::Int(n); })
                        .AddIf("max_tokens", p.max_tokens, Uint)
                        .AddIf("encoding_format", p.encoding_format)
                        .AddIf("dimensions", p.dimensions, Uint)
                        .Build());
  auto figures = [](const std::vector<std::pair<std::string, double>>& named) {
    MapBuilder costs;
    for (const auto& [name, amount] : named) {
      costs.Add(name, Value::Double(amount));
    }
    return costs.Build();
  };
  map.AddIf("cost", llm.cost, figures);
  map.AddIf("costRates", llm.cost_rates, figures);
  return map.Build();
}

Value McpValue(const CelMcp& mcp) {
  auto target = [](const CelMcp::Target& t) {
    return MapBuilder()
        .Add("target", Value::String(t.target))
        .Add("name", Value::String(t.name))
        .Build();
  };
  auto json = [](const CelJson& j) { return FromJsonAt(j, 2); };
  MapBuilder map;
  map.AddIf("methodName", mcp.method_name)
      .AddIf("sessionId", mcp.session_id)
      .AddIf("tool", mcp.tool,
             [&](const CelMcp::Tool& tool) {
               MapBuilder fields;
               fields.Add("target", Value::String(tool.target))
                   .Add("name", Value::String(tool.name))
                   .AddIf("arguments", tool.arguments, json)
                   .AddIf("result", tool.result, json)
                   .AddIf("error", tool.error, json);
               return fields.Build();
             })
      .AddIf("prompt", mcp.prompt, target)
      .AddIf("resource", mcp.resource, target)
      .AddIf("task", mcp.task, target);
  return map.Build();
}

Value BackendValue(const CelBackend& backend) {
  return MapBuilder()
      .Add("name", Value::String(backend.name))
      .Add("type", Value::String(backend.type))
      .Add("protocol", Value::String(backend.protocol))
      .Build();
}

Value JsonObjectValue(const std::optional<CelJson>& json) {
  return json ? FromJsonAt(*json, 1) : Value();
}

Value VariableValue(Variable variable, const AttributeContext& c, CelPhase phase) {
  switch (variable) {
    case kRequestVar:
      return c.request ? RequestValue(*c.request, phase == CelPhase::kLogging, c.sensitive_headers)
                       : Value();
    case kResponseVar:
      return c.response ? ResponseValue(*c.response, c.sensitive_headers) : Value();
    case kProxyVar:
      return c.proxy ? ProxyValue(*c.proxy) : Value();
    case kEnvVar:
      return EnvValue(c.env);
    case kSourceVar:
      return c.source ? SourceValue(*c.source, c.sensitive_headers) : Value();
    case kDestinationVar:
      return c.destination ? DestinationValue(*c.destination) : Value();
    case kJwtVar:
      return c.jwt ? cel::JwtClaimsView(FromJsonAt(c.jwt->claims, 1), c.jwt->raw_token) : Value();
    case kApiKeyVar:
      return c.api_key ? ApiKeyValue(*c.api_key) : Value();
    case kBasicAuthVar:
      return c.basic_auth_username
                 ? MapBuilder().Add("username", Value::String(*c.basic_auth_username)).Build()
                 : Value();
    case kLlmVar:
      return c.llm ? LlmValue(*c.llm) : Value();
    case kLlmRequestVar:
      return JsonObjectValue(c.llm_request);
    case kMcpVar:
      return c.mcp ? McpValue(*c.mcp) : Value();
    case kBackendVar:
      return c.backend ? BackendValue(*c.backend) : Value();
    case kExtauthzVar:
      return JsonObjectValue(c.extauthz);
    case kExtprocVar:
      return JsonObjectValue(c.extproc);
    case kMcpGuardrailsVar:
      return JsonObjectValue(c.mcp_guardrails);
    case kMetadataVar:
      return JsonObjectValue(c.metadata);
    case kVariableCount:
      break;
  }
  return Value();
}

// ---------------------------------------------------------------------------------------------
// References.

void Record(const std::vector<std::string_view>& path, VariableUse& use) {
  if (path.empty()) {
    return;
  }
  std::string_view name = path[0];
  std::string_view field = path.size() > 1 ? path[1] : std::string_view();
  auto at = std::lower_bound(use.names.begin(), use.names.end(), name);
  if (at == use.names.end() || *at != name) {
    use.names.insert(at, std::string(name));
  }
  if (name == "request" && (field == "body" || field == "bodyPrefix")) {
    use.request_body = true;
  } else if (name == "response" && (field == "body" || field == "bodyPrefix")) {
    use.response_body = true;
  } else if (name == "llm" && field == "prompt") {
    use.llm_prompt = true;
  } else if (name == "llm" && field == "completion") {
    use.llm_completion = true;
  } else if (name == "llm" && field == "toolCalls") {
    use.llm_tool_calls = true;
  }
}

// agentgateway's properties(): the chain of selections an identifier starts, one path per
// identifier; a call result starts no path (so `a["b"].c` names `a`, not `a.b`).
void Walk(const cel::Expr& expr, std::vector<std::string_view>& path, VariableUse& use, int depth) {
  if (depth > 1000) {
    return;
  }
  switch (expr.kind) {
    case cel::Expr::Kind::kConstant:
      path.clear();
      return;
    case cel::Expr::Kind::kIdent:
      if (!expr.name.starts_with("@")) {
        path.insert(path.begin(), expr.name);
        Record(path, use);
      }
      path.clear();
      return;
    case cel::Expr::Kind::kSelect:
      path.insert(path.begin(), expr.name);
      Walk(*expr.target, path, use, depth + 1);
      return;
    case cel::Expr::Kind::kCall:
      path.clear();
      if (expr.name == "variables" && !expr.target && expr.args.empty()) {
        use.everything = true;
      }
      if (expr.target) {
        Walk(*expr.target, path, use, depth + 1);
      }
      for (const cel::ExprPtr& arg : expr.args) {
        path.clear();
        Walk(*arg, path, use, depth + 1);
      }
      return;
    case cel::Expr::Kind::kList:
      for (const cel::ExprPtr& item : expr.args) {
        path.clear();
        Walk(*item, path, use, depth + 1);
      }
      return;
    case cel::Expr::Kind::kMap:
    case cel::Expr::Kind::kStruct:
      for (const cel::Entry& entry : expr.entries) {
        if (entry.key) {
          path.clear();
          Walk(*entry.key, path, use, depth + 1);
        }
        path.clear();
        Walk(*entry.value, path, use, depth + 1);
      }
      return;
    case cel::Expr::Kind::kComprehension: {
      const cel::Comprehension& c = *expr.comprehension;
      for (const cel::ExprPtr* part :
           {&c.iter_range, &c.accu_init, &c.loop_condition, &c.loop_step, &c.result}) {
        path.clear();
        Walk(**part, path, use, depth + 1);
      }
      return;
    }
  }
}

// Rust's Debug of a str, as agentgateway's `{expr:?}` prints the expression in its compile
// failure: double quotes, with \t \r \n \\ \" \0 escaped and other control characters as
// \u{..}.
std::string RustDebugQuoted(std::string_view text) {
  static constexpr char kLowerHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '\t':
        out.append("\\t");
        continue;
      case '\r':
        out.append("\\r");
        continue;
      case '\n':
        out.append("\\n");
        continue;
      case '\\':
        out.append("\\\\");
        continue;
      case '"':
        out.append("\\\"");
        continue;
      case '\0':
        out.append("\\0");
        continue;
      default:
        break;
    }
    std::uint32_t control = 0x110000;
    if (c < 0x20 || c == 0x7F) {
      control = c;
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      control = static_cast<unsigned char>(text[i + 1]);  // U+0080..U+009F
      ++i;
    }
    if (control == 0x110000) {
      out.push_back(text[i]);
      continue;
    }
    out.append("\\u{");
    if (control >= 0x10) {
      out.push_back(kLowerHex[control >> 4]);
    }
    out.push_back(kLowerHex[control & 0xF]);
    out.push_back('}');
  }
  out.push_back('"');
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON out.

template <typename Json>
Json ToJsonAt(const Value& value, int depth) {
  if (depth > kMaxJsonDepth) {
    return nullptr;
  }
  switch (value.kind()) {
    case K::kNull:
    case K::kError:
      return nullptr;
    case K::kBool:
      return value.bool_value();
    case K::kInt:
      return value.int_value();
    case K::kUint:
      return value.uint_value();
    case K::kDouble:
      if (!std::isfinite(value.double_value())) {
        return nullptr;
      }
      return value.double_value();
    case K::kString:
    case K::kType:
      return value.text();
    case K::kBytes:
      return cel::Base64Text(value.text());
    case K::kDuration:
      return cel::DurationJsonText(value.duration_nanos());
    case K::kTimestamp:
      return cel::TimestampJsonText(value.timestamp());
    case K::kOptional:
      return value.optional_value() == nullptr ? Json(nullptr)
                                               : ToJsonAt<Json>(*value.optional_value(), depth + 1);
    case K::kList: {
      Json array = Json::array();
      for (const Value& item : value.list()) {
        array.push_back(ToJsonAt<Json>(item, depth + 1));
      }
      return array;
    }
    case K::kMap: {
      Json object = Json::object();
      for (const auto& [key, item] : value.map()) {
        object[validate::cel::MapKeyText(key)] = ToJsonAt<Json>(item, depth + 1);
      }
      return object;
    }
    case K::kOpaque:
      if (const cel::DynamicView* view = cel::AsDynamicView(value)) {
        return ToJsonAt<Json>(view->Materialize(), depth + 1);
      }
      // The Kubernetes IP and CIDR values write themselves as text; others are null.
      {
        Json parsed = Json::parse(cel::JsonText(value), nullptr, false);
        return parsed.is_discarded() ? Json(nullptr) : parsed;
      }
  }
  return nullptr;
}

using Fields = std::vector<std::pair<std::string, nlohmann::ordered_json>>;

void Resolve(Fields& out, const std::string& key, const Value& value, bool always, int depth) {
  if (const cel::DynamicView* view = cel::AsDynamicView(value)) {
    Resolve(out, key, view->Materialize(), always, depth + 1);
    return;
  }
  if (depth > kMaxJsonDepth) {
    out.emplace_back(key, ToOrderedJson(value));
    return;
  }
  bool recursive = always;
  const Value* items = &value;
  std::optional<cel::FlattenMarker> marker = cel::AsFlattenMarker(value);
  if (marker) {
    recursive = marker->recursive;
    items = &marker->items;
  }
  if (marker || always) {
    if (items->kind() == K::kList) {
      for (std::size_t i = 0; i < items->list().size(); ++i) {
        Resolve(out, key + "." + std::to_string(i), items->list()[i], recursive, depth + 1);
      }
      return;
    }
    if (items->kind() == K::kMap) {
      for (const auto& [name, item] : items->map()) {
        Resolve(out, key + "." + validate::cel::MapKeyText(name), item, recursive, depth + 1);
      }
      return;
    }
  }
  out.emplace_back(key, ToOrderedJson(value));
}

}  // namespace

bool VariableUse::Uses(std::string_view name) const {
  return everything || std::binary_search(names.begin(), names.end(), name);
}

VariableUse ReferencedVariables(const validate::cel::Expr& root) {
  VariableUse use;
  std::vector<std::string_view> path;
  Walk(root, path, use, 0);
  return use;
}

validate::cel::Activation BuildActivation(const AttributeContext& context, CelPhase phase,
                                          const VariableUse* only) {
  cel::Activation vars;
  VariableSet present = PhaseVariables(phase);
  for (std::size_t i = 0; i < kVariableCount; ++i) {
    std::string_view name = kVariableNames[i];
    bool wanted = only == nullptr || only->Uses(name);
    vars.Bind(std::string(name), present.test(i) && wanted
                                     ? VariableValue(static_cast<Variable>(i), context, phase)
                                     : Value());
  }
  return vars;
}

RuntimeExpression::RuntimeExpression(std::string text) : text_(std::move(text)) {
  // agentgateway's parser has no optional syntax (`a.?b`) unless asked, and its xDS path does
  // not ask.
  auto ast = cel::Parse(text_, cel::ParseOptions());
  if (!ast) {
    compile_error_ = ast.error().ToString();
    return;
  }
  variables_ = ReferencedVariables(*ast->root);
  ast_ = std::make_shared<const cel::Ast>(std::move(*ast));
}

validate::cel::Value RuntimeExpression::Evaluate(const validate::cel::Activation& vars,
                                                 std::function<std::uint64_t()> random_bits) const {
  if (!ast_) {
    // What agentgateway evaluates in place of an expression that did not compile:
    // fail("the expression {text:?} could not be compiled").
    return Value::Error("fail() called: the expression " + RustDebugQuoted(text_) +
                        " could not be compiled");
  }
  cel::EvalOptions options;
  options.step_limit = kStepLimit;
  options.agentgateway_functions = true;
  options.random_bits = std::move(random_bits);
  return cel::Materialized(cel::Evaluate(*ast_->root, vars, options));
}

validate::cel::Value RuntimeExpression::Evaluate(const AttributeContext& context, CelPhase phase,
                                                 std::function<std::uint64_t()> random_bits) const {
  if (!ast_) {
    return Evaluate(cel::Activation(), std::move(random_bits));
  }
  return Evaluate(BuildActivation(context, phase, &variables_), std::move(random_bits));
}

bool RuntimeExpression::EvaluateBool(const AttributeContext& context, CelPhase phase,
                                     std::function<std::uint64_t()> random_bits) const {
  return ResultIsTrue(Evaluate(context, phase, std::move(random_bits)));
}

bool RuntimeExpression::EvaluateSampling(const AttributeContext& context, CelPhase phase,
                                         std::mt19937_64& random) const {
  return SampleResult(Evaluate(context, phase, [&random] { return random(); }), random);
}

bool ResultIsTrue(const validate::cel::Value& result) {
  return result.kind() == K::kBool && result.bool_value();
}

bool SampleResult(const validate::cel::Value& result, std::mt19937_64& random) {
  double p = 0;
  switch (result.kind()) {
    case K::kBool:
      return result.bool_value();
    case K::kDouble:
      if (std::isnan(result.double_value())) {
        return false;
      }
      p = std::clamp(result.double_value(), 0.0, 1.0);
      break;
    case K::kInt:
      p = result.int_value() >= 1 ? 1.0 : 0.0;
      break;
    default:
      // eval_rng matches Bool, Float and Int only: a uint (such as response.code) is false.
      return false;
  }
  // rand's Bernoulli: certain at 1, otherwise one 64-bit draw against p * 2^64.
  if (p >= 1.0) {
    return true;
  }
  if (p <= 0.0) {
    return false;
  }
  auto threshold = static_cast<std::uint64_t>(p * 18446744073709551616.0);
  return random() < threshold;
}

nlohmann::json ToJson(const validate::cel::Value& value) {
  return ToJsonAt<nlohmann::json>(value, 0);
}

nlohmann::ordered_json ToOrderedJson(const validate::cel::Value& value) {
  return ToJsonAt<nlohmann::ordered_json>(value, 0);
}

std::vector<std::pair<std::string, nlohmann::ordered_json>> FlattenedFields(
    std::string_view name, const validate::cel::Value& value) {
  Fields out;
  if (value.kind() == K::kNull || value.is_error()) {
    return out;
  }
  Resolve(out, std::string(name), value, false, 0);
  return out;
}

validate::cel::Value FromJson(const nlohmann::json& json) { return FromJsonAt(json, 0); }

validate::cel::Value FromJson(const nlohmann::ordered_json& json) { return FromJsonAt(json, 0); }

}  // namespace agw::emulator::policy
