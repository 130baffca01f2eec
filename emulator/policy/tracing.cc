#include "emulator/policy/tracing.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

namespace agw::emulator::policy {

namespace {

using validate::manifest::Value;

// ---------------------------------------------------------------------------------------------
// Configuration

std::optional<std::string> StringField(const Value& map, std::string_view key) {
  const Value* value = map.Find(key);
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return value->text();
}

std::vector<NamedExpression> NamedExpressions(const Value* list) {
  std::vector<NamedExpression> result;
  if (list == nullptr) {
    return result;
  }
  for (const Value& item : list->items()) {
    std::optional<std::string> name = StringField(item, "name");
    std::optional<std::string> expression = StringField(item, "expression");
    if (name && expression) {
      result.push_back({*name, *expression});
    }
  }
  return result;
}

// Go's %q for the ASCII text a URL holds.
std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// controller/pkg/agentgateway/remotehttp ParseHTTPURL: scheme http or https, a host, no userinfo,
// query or fragment, the port defaulted by scheme.
Expected<TracingUrl> ParseTracingUrl(std::string_view text) {
  std::size_t separator = text.find("://");
  std::string scheme =
      separator == std::string_view::npos ? "" : Lowercase(text.substr(0, separator));
  if (scheme != "http" && scheme != "https") {
    return MakeError("unsupported URL scheme " + GoQuote(scheme));
  }
  std::string_view rest = text.substr(separator + 3);
  std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view after =
      authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  std::size_t fragment_at = after.find('#');
  std::string_view fragment =
      fragment_at == std::string_view::npos ? "" : after.substr(fragment_at + 1);
  after = after.substr(0, fragment_at);
  std::size_t query_at = after.find('?');
  std::string_view query = query_at == std::string_view::npos ? "" : after.substr(query_at + 1);
  std::string_view path = after.substr(0, query_at);

  TracingUrl url;
  url.tls = scheme == "https";
  std::string_view host_port = authority;
  bool has_userinfo = authority.find('@') != std::string_view::npos;
  if (has_userinfo) {
    host_port = authority.substr(authority.rfind('@') + 1);
  }
  std::string_view port_text;
  if (!host_port.empty() && host_port.front() == '[') {
    std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) {
      return MakeError("url must include a host");
    }
    url.host = std::string(host_port.substr(1, close - 1));
    std::string_view tail = host_port.substr(close + 1);
    if (!tail.empty() && tail.front() == ':') {
      port_text = tail.substr(1);
    }
  } else {
    std::size_t colon = host_port.rfind(':');
    url.host = std::string(host_port.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = host_port.substr(colon + 1);
    }
  }
  if (url.host.empty()) {
    return MakeError("url must include a host");
  }
  if (has_userinfo) {
    return MakeError("url must not include userinfo");
  }
  if (!query.empty()) {
    return MakeError("url must not include a query");
  }
  if (!fragment.empty()) {
    return MakeError("url must not include a fragment");
  }
  if (port_text.empty()) {
    url.port = url.tls ? 443 : 80;
  } else {
    bool digits = port_text.size() <= 5 && std::all_of(port_text.begin(), port_text.end(),
                                                       [](char c) { return c >= '0' && c <= '9'; });
    int port = digits ? std::stoi(std::string(port_text)) : 0;
    if (port < 1 || port > 65535) {
      return MakeError("invalid URL port " + GoQuote(port_text));
    }
    url.port = port;
  }
  url.path = std::string(path);
  return url;
}

// ---------------------------------------------------------------------------------------------
// Trace context

int HexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Decodes 2 * out.size() hex digits.
template <std::size_t N>
bool DecodeHex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) {
    return false;
  }
  for (std::size_t i = 0; i < N; ++i) {
    int high = HexDigit(text[2 * i]);
    int low = HexDigit(text[2 * i + 1]);
    if (high < 0 || low < 0) {
      return false;
    }
    out[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return true;
}

template <std::size_t N>
std::string EncodeHex(const std::array<std::uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * N);
  for (std::uint8_t byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0F]);
  }
  return out;
}

template <std::size_t N>
bool AllZero(const std::array<std::uint8_t, N>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// Random bytes that are not all zero (the W3C invalid id).
template <std::size_t N>
std::array<std::uint8_t, N> RandomId(std::mt19937_64& random) {
  std::array<std::uint8_t, N> id{};
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t word = random();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j) {
        id[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
      }
    }
  } while (AllZero(id));
  return id;
}

// ---------------------------------------------------------------------------------------------
// Spans

// Appends attributes unless their key is removed or replaced by an added attribute.
class AttributeList {
 public:
  explicit AttributeList(const TracingConfig& config) : config_(config) {}

  void Add(std::string_view key, otlp::AnyValue value) {
    if (Suppressed(key)) {
      return;
    }
    list_.push_back({std::string(key), std::move(value)});
  }
  void AddText(std::string_view key, const std::optional<std::string>& value) {
    if (value) {
      Add(key, *value);
    }
  }
  void AddInt(std::string_view key, const std::optional<std::int64_t>& value) {
    if (value) {
      Add(key, *value);
    }
  }
  void AddDouble(std::string_view key, const std::optional<double>& value) {
    if (value) {
      Add(key, *value);
    }
  }
  // Not subject to remove/add: agentgateway appends these after filtering.
  void Append(std::string key, otlp::AnyValue value) {
    list_.push_back({std::move(key), std::move(value)});
  }

  std::vector<otlp::KeyValue> Take() { return std::move(list_); }

 private:
  bool Suppressed(std::string_view key) const {
    const auto& removed = config_.remove_attributes;
    if (std::find(removed.begin(), removed.end(), key) != removed.end()) {
      return true;
    }
    return std::any_of(config_.add_attributes.begin(), config_.add_attributes.end(),
                       [&](const NamedExpression& added) { return added.name == key; });
  }

  const TracingConfig& config_;
  std::vector<otlp::KeyValue> list_;
};

otlp::AnyValue ResourceValueFromJson(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::string:
      return value.get<std::string>();
    case nlohmann::ordered_json::value_t::number_integer:
      return value.get<std::int64_t>();
    case nlohmann::ordered_json::value_t::number_unsigned:
      // agentgateway casts a CEL uint to i64 (wrapping).
      return static_cast<std::int64_t>(value.get<std::uint64_t>());
    case nlohmann::ordered_json::value_t::number_float:
      return value.get<double>();
    case nlohmann::ordered_json::value_t::boolean:
      return value.get<bool>();
    default:
      return value.dump();
  }
}

// Writes `value` under `key`: in the key's place when it is already there (a later writer wins).
void Put(std::vector<otlp::KeyValue>& list, std::string key, otlp::AnyValue value) {
  for (otlp::KeyValue& existing : list) {
    if (existing.key == key) {
      existing.value = std::move(value);
      return;
    }
  }
  list.push_back({std::move(key), std::move(value)});
}

std::string_view Trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    return {};
  }
  std::size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::optional<TracingConfig> ReadTracingConfig(const Value& tracing,
                                               std::string_view policy_namespace,
                                               std::vector<std::string>* problems) {
  auto problem = [&](std::string text) {
    if (problems != nullptr) {
      problems->push_back(std::move(text));
    }
  };
  if (!tracing.is_map()) {
    return std::nullopt;
  }
  TracingConfig config;
  const Value* backend_ref = tracing.Find("backendRef");
  std::optional<std::string> url_text = StringField(tracing, "url");
  if ((backend_ref != nullptr) == url_text.has_value()) {
    problem("exactly one of the fields in [backendRef url] must be set");
    return std::nullopt;
  }
  if (const Value* protocol = tracing.Find("protocol");
      protocol != nullptr && protocol->text() == "HTTP") {
    config.protocol = TracingProtocol::kHttp;
  }
  if (backend_ref != nullptr) {
    TracingBackendRef ref;
    ref.group = StringField(*backend_ref, "group").value_or("");
    ref.kind = StringField(*backend_ref, "kind").value_or("Service");
    ref.name = StringField(*backend_ref, "name").value_or("");
    ref.namespace_name =
        StringField(*backend_ref, "namespace").value_or(std::string(policy_namespace));
    if (const Value* port = backend_ref->Find("port"); port != nullptr && port->is_int()) {
      ref.port = static_cast<std::int32_t>(port->int_value());
    }
    config.backend_ref = std::move(ref);
  } else {
    Expected<TracingUrl> url = ParseTracingUrl(*url_text);
    if (!url) {
      problem("failed to translate tracing backend: " + url.error().message);
      return std::nullopt;
    }
    if (!url->path.empty() && config.protocol != TracingProtocol::kHttp) {
      problem("frontend tracing url path is only valid with protocol HTTP");
      return std::nullopt;
    }
    if (!url->path.empty()) {
      config.path = url->path;
    }
    config.url = std::move(*url);
  }
  if (std::optional<std::string> path = StringField(tracing, "path")) {
    config.path = *path;
  }
  if (const Value* attributes = tracing.Find("attributes")) {
    config.add_attributes = NamedExpressions(attributes->Find("add"));
    if (const Value* remove = attributes->Find("remove")) {
      for (const Value& item : remove->items()) {
        if (item.is_string()) {
          config.remove_attributes.push_back(item.text());
        }
      }
    }
  }
  config.resources = NamedExpressions(tracing.Find("resources"));
  config.random_sampling = StringField(tracing, "randomSampling");
  config.client_sampling = StringField(tracing, "clientSampling");
  config.filter = StringField(tracing, "filter");
  return config;
}

std::optional<TraceParent> ParseTraceParent(std::string_view header) {
  // 2 + 1 + 32 + 1 + 16 + 1 + 2: the four fields at fixed places.
  if (header.size() != 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  std::array<std::uint8_t, 1> version{};
  std::array<std::uint8_t, 1> flags{};
  TraceParent parsed;
  if (!DecodeHex(header.substr(0, 2), version) ||
      !DecodeHex(header.substr(3, 32), parsed.trace_id) ||
      !DecodeHex(header.substr(36, 16), parsed.span_id) ||
      !DecodeHex(header.substr(53, 2), flags)) {
    return std::nullopt;
  }
  parsed.version = version[0];
  parsed.flags = flags[0];
  if (parsed.version == 0xFF || AllZero(parsed.trace_id) || AllZero(parsed.span_id)) {
    return std::nullopt;
  }
  return parsed;
}

std::string FormatTraceParent(const TraceParent& context) {
  return EncodeHex(std::array<std::uint8_t, 1>{context.version}) + "-" +
         EncodeHex(context.trace_id) + "-" + EncodeHex(context.span_id) + "-" +
         EncodeHex(std::array<std::uint8_t, 1>{context.flags});
}

std::string TraceIdHex(const otlp::TraceId& id) { return EncodeHex(id); }
std::string SpanIdHex(const otlp::SpanId& id) { return EncodeHex(id); }

bool SamplingVerdict(const SamplingValue& value, std::mt19937_64& random) {
  double probability = 0;
  switch (value.type) {
    case SamplingValue::Type::kBool:
      return value.boolean;
    case SamplingValue::Type::kInt:
      probability = value.integer >= 1 ? 1.0 : 0.0;
      break;
    case SamplingValue::Type::kDouble:
      if (std::isnan(value.number)) {
        return false;
      }
      probability = std::clamp(value.number, 0.0, 1.0);
      break;
    case SamplingValue::Type::kError:
      return false;
  }
  if (probability <= 0) {
    return false;
  }
  if (probability >= 1) {
    return true;
  }
  return std::bernoulli_distribution(probability)(random);
}

const std::string* ApplicableSamplingExpression(const TracingConfig& config, bool has_parent) {
  const std::optional<std::string>& expression =
      has_parent ? config.client_sampling : config.random_sampling;
  return expression ? &*expression : nullptr;
}

TraceDecision DecideTrace(const std::optional<TraceParent>& incoming, std::optional<bool> verdict,
                          std::mt19937_64& random) {
  TraceDecision decision;
  // Unset clientSampling trusts the client; unset randomSampling traces nothing.
  decision.sampled = verdict.value_or(incoming.has_value());
  if (!decision.sampled) {
    return decision;
  }
  if (incoming) {
    decision.span = NewChildSpan(*incoming, random);
    decision.remote_parent = incoming;
  } else {
    decision.span.version = 0;
    decision.span.trace_id = RandomId<16>(random);
    decision.span.span_id = RandomId<8>(random);
    decision.span.flags = 0x01;
  }
  decision.traceparent = FormatTraceParent(decision.span);
  return decision;
}

TraceParent NewChildSpan(const TraceParent& parent, std::mt19937_64& random) {
  TraceParent child = parent;
  child.span_id = RandomId<8>(random);
  return child;
}

bool FilterKeepsSpan(const TracingConfig& config, std::optional<bool> result) {
  return !config.filter.has_value() || result.value_or(false);
}

std::string PathMatchName(const PathMatchFacts& match) {
  switch (match.kind) {
    case PathMatchFacts::Kind::kExact:
    case PathMatchFacts::Kind::kRegex:
      return match.value;
    case PathMatchFacts::Kind::kPrefix:
      // agentgateway appends "/*" to the prefix as written; "/" alone becomes "/*".
      return match.value == "/" ? "/*" : match.value + "/*";
    case PathMatchFacts::Kind::kInvalid:
      return "<invalid>";
  }
  return "<invalid>";
}

otlp::AnyValue AttributeValueFromJson(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::string:
      return value.get<std::string>();
    case nlohmann::ordered_json::value_t::number_integer:
      return value.get<std::int64_t>();
    case nlohmann::ordered_json::value_t::number_unsigned: {
      auto unsigned_value = value.get<std::uint64_t>();
      if (unsigned_value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(unsigned_value);
      }
      return static_cast<double>(unsigned_value);
    }
    case nlohmann::ordered_json::value_t::number_float:
      return value.get<double>();
    case nlohmann::ordered_json::value_t::boolean:
      return std::string(value.get<bool>() ? "true" : "false");
    default:
      // AMBIG in the spec (value-bag's rendering of a captured serde value): compact JSON.
      return value.dump();
  }
}

otlp::Span ServerSpan(const SpanFacts& facts, const TracingConfig& config,
                      const std::vector<AddedAttribute>& added, const TraceDecision& decision) {
  otlp::Span span;
  span.trace_id = decision.span.trace_id;
  span.span_id = decision.span.span_id;
  span.trace_flags = decision.span.flags;
  if (decision.remote_parent) {
    span.has_parent = true;
    span.parent_span_id = decision.remote_parent->span_id;
    span.parent_is_remote = true;
  }
  span.kind = otlp::SpanKind::kServer;
  span.start_unix_nano = UnixNanos(facts.start);
  span.end_unix_nano = UnixNanos(facts.end);

  // The request log's fields in agentgateway's order (telemetry/log.rs, the kv list of Drop).
  AttributeList list(config);
  if (!facts.gateway_name.empty()) {
    list.Add("gateway", facts.gateway_namespace + "/" + facts.gateway_name);
  }
  list.AddText("listener", facts.listener);
  list.AddText("route_rule", facts.route_rule);
  if (!facts.route_name.empty()) {
    list.Add("route", facts.route_namespace + "/" + facts.route_name);
  }
  list.AddText("endpoint", facts.endpoint);
  list.AddText("src.addr", facts.src_addr);
  list.AddText("src.identity", facts.src_identity);
  list.AddText("http.method", facts.method);
  list.AddText("http.host", facts.host);
  list.AddText("http.path", facts.path);
  list.AddText("http.version", facts.http_version);
  list.AddInt("http.status", facts.status);
  list.AddInt("grpc.status", facts.grpc_status);
  if (!facts.host) {
    list.AddText("tls.sni", facts.tls_sni);
  }
  list.Add("trace.id", TraceIdHex(decision.span.trace_id));
  list.Add("span.id", SpanIdHex(decision.span.span_id));
  list.AddText("jwt.sub", facts.jwt_sub);
  list.AddText("protocol", facts.protocol);
  list.AddText("inferencepool.selected_endpoint", facts.inference_pool_endpoint);
  list.AddText("gen_ai.operation.name", facts.gen_ai_operation);
  list.AddText("gen_ai.provider.name", facts.gen_ai_provider);
  list.AddText("gen_ai.request.model", facts.gen_ai_request_model);
  list.AddText("gen_ai.response.model", facts.gen_ai_response_model);
  list.AddInt("gen_ai.usage.input_tokens", facts.input_tokens);
  list.AddInt("gen_ai.usage.cache_creation.input_tokens", facts.cache_creation_input_tokens);
  list.AddInt("gen_ai.usage.cache_read.input_tokens", facts.cache_read_input_tokens);
  list.AddInt("gen_ai.usage.output_tokens", facts.output_tokens);
  list.AddInt("gen_ai.usage.reasoning_tokens", facts.reasoning_tokens);
  list.AddDouble("agw.ai.time_to_first_token", facts.time_to_first_token_seconds);
  list.AddDouble("agw.ai.time_per_output_token", facts.time_per_output_token_seconds);
  list.AddText("agw.ai.usage.cost.total", facts.cost_total);
  list.AddInt("gen_ai.usage.output_image_tokens", facts.output_image_tokens);
  list.AddInt("gen_ai.usage.input_audio_tokens", facts.input_audio_tokens);
  list.AddInt("gen_ai.usage.output_audio_tokens", facts.output_audio_tokens);
  list.AddDouble("gen_ai.request.temperature", facts.temperature);
  list.AddDouble("gen_ai.request.top_p", facts.top_p);
  list.AddDouble("gen_ai.request.frequency_penalty", facts.frequency_penalty);
  list.AddDouble("gen_ai.request.presence_penalty", facts.presence_penalty);
  list.AddInt("gen_ai.embeddings.dimension.count", facts.embeddings_dimensions);
  list.AddInt("gen_ai.request.max_tokens", facts.max_tokens);
  list.AddInt("gen_ai.request.seed", facts.seed);
  list.AddText("gen_ai.request.encoding_formats", facts.encoding_formats);
  list.AddInt("retry.attempt", facts.retry_attempt);
  if (facts.reason && *facts.reason != "Upstream") {
    list.Add("reason", *facts.reason);
  }
  if (facts.duration) {
    list.Add("duration", std::to_string(facts.duration->count()) + "ms");
  }
  for (const auto& [part, cost] : facts.cost_parts) {
    list.Add("agw.ai.usage.cost." + part, cost);
  }
  list.Append("url.scheme", std::string("http"));
  if (facts.http_version == "HTTP/1.1") {
    list.Append("network.protocol.version", std::string("1.1"));
  } else if (facts.http_version == "HTTP/2.0") {
    list.Append("network.protocol.version", std::string("2"));
  }

  std::optional<std::string> name_override;
  for (const auto& [key, value] : added) {
    if (value.is_null()) {
      continue;
    }
    if (key == "span.name" && value.is_string()) {
      name_override = value.get<std::string>();
      continue;
    }
    list.Append(key, AttributeValueFromJson(value));
  }
  span.attributes = list.Take();

  if (name_override) {
    span.name = *name_override;
  } else if (facts.grpc_path) {
    std::string_view path = *facts.grpc_path;
    span.name = std::string(path.substr(path.starts_with('/') ? 1 : 0));
  } else if (facts.method && facts.path_match) {
    span.name = *facts.method + " " + PathMatchName(*facts.path_match);
  } else {
    span.name = "unknown";
  }
  if (facts.error) {
    span.status_code = otlp::StatusCode::kError;
    span.status_message = *facts.error;
  }
  return span;
}

otlp::Span OutboundSpan(const OutboundFacts& facts, const TraceParent& parent,
                        const TraceParent& span_context) {
  otlp::Span span;
  span.trace_id = span_context.trace_id;
  span.span_id = span_context.span_id;
  span.trace_flags = span_context.flags;
  span.has_parent = true;
  span.parent_span_id = parent.span_id;
  span.parent_is_remote = false;
  span.kind = otlp::SpanKind::kClient;
  span.start_unix_nano = UnixNanos(facts.start);
  span.end_unix_nano = UnixNanos(facts.end);
  if (facts.kind == "Primary") {
    span.name = facts.service_target ? facts.method + " " + *facts.service_target : facts.method;
  } else {
    span.name = facts.subtype;
  }
  span.attributes.push_back({"agentgateway.outbound.kind", facts.kind});
  span.attributes.push_back({"agentgateway.outbound.subtype", facts.subtype});
  span.attributes.push_back({"http.method", facts.method});
  if (facts.host) {
    span.attributes.push_back({"http.host", *facts.host});
  }
  span.attributes.push_back({"http.path", facts.path});
  if (facts.error_type) {
    span.attributes.push_back({"error.type", *facts.error_type});
    span.status_code = otlp::StatusCode::kError;
    span.status_message = facts.error_description;
  } else if (facts.status) {
    span.attributes.push_back({"http.status", *facts.status});
  }
  return span;
}

std::vector<otlp::KeyValue> TraceResource(const ResourceFacts& facts,
                                          const std::vector<ResourceAttribute>& resources) {
  std::vector<otlp::KeyValue> list;
  // opentelemetry-rust's Resource::builder() defaults; service.name is decided last.
  Put(list, "service.name", std::string("unknown_service"));
  Put(list, "telemetry.sdk.language", std::string("rust"));
  Put(list, "telemetry.sdk.name", std::string("opentelemetry"));
  Put(list, "telemetry.sdk.version", std::string("0.32.0"));
  std::string_view env = facts.otel_resource_attributes;
  // Bounded by the environment variable's length; each pair "k=v", keys not empty.
  while (!env.empty()) {
    std::size_t comma = env.find(',');
    std::string_view pair = Trim(env.substr(0, comma));
    env = comma == std::string_view::npos ? std::string_view() : env.substr(comma + 1);
    std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    std::string_view key = Trim(pair.substr(0, equals));
    if (!key.empty()) {
      Put(list, std::string(key), std::string(Trim(pair.substr(equals + 1))));
    }
  }
  if (!facts.gateway_namespace.empty()) {
    Put(list, "service.namespace", facts.gateway_namespace);
  }
  Put(list, "service.version", facts.version);
  std::optional<std::string> service_name;
  for (const auto& [name, value] : resources) {
    if (name == "service.name" && value.is_string() && !service_name) {
      service_name = value.get<std::string>();
    }
    Put(list, name, ResourceValueFromJson(value));
  }
  if (!service_name) {
    service_name = facts.gateway_name.empty() ? "agentgateway" : facts.gateway_name;
  }
  Put(list, "service.name", *service_name);
  return list;
}

std::uint64_t UnixNanos(std::chrono::system_clock::time_point time) {
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  return nanos < 0 ? 0 : static_cast<std::uint64_t>(nanos);
}

}  // namespace agw::emulator::policy
