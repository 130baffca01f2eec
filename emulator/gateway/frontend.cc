#include "emulator/gateway/frontend.h"

#include "emulator/policy/attachment.h"

namespace agw::emulator::gateway {

namespace {

namespace otlp = policy::otlp;

std::vector<NamedRuntimeExpression> Compile(const std::vector<policy::NamedExpression>& named) {
  std::vector<NamedRuntimeExpression> compiled;
  compiled.reserve(named.size());
  for (const policy::NamedExpression& entry : named) {
    compiled.emplace_back(entry.name, policy::RuntimeExpression(entry.expression));
  }
  return compiled;
}

std::optional<policy::RuntimeExpression> Compile(const std::optional<std::string>& text) {
  if (!text) {
    return std::nullopt;
  }
  return policy::RuntimeExpression(*text);
}

std::shared_ptr<const FrontendTracing> ReadTracing(
    const validate::resolve::AttachedPolicy& attached, const validate::manifest::Value& block,
    const std::string& version, std::vector<std::string>* problems) {
  const auto& policy = *attached.policy;
  std::vector<std::string> reasons;
  std::optional<policy::TracingConfig> config =
      policy::ReadTracingConfig(block, policy.metadata.namespace_, &reasons);
  for (const std::string& reason : reasons) {
    if (problems != nullptr) {
      problems->push_back("policy " + policy.metadata.namespace_ + "/" + policy.metadata.name +
                          ": frontend.tracing: " + reason);
    }
  }
  if (!config) {
    return nullptr;
  }
  auto tracing = std::make_shared<FrontendTracing>();
  tracing->key = policy::PolicyKey(attached, "frontend-tracing");
  tracing->gateway_namespace = attached.namespace_;
  tracing->gateway_name = attached.name;
  tracing->random_sampling = Compile(config->random_sampling);
  tracing->client_sampling = Compile(config->client_sampling);
  tracing->filter = Compile(config->filter);
  tracing->add_attributes = Compile(config->add_attributes);
  // Resources are evaluated once, when the tracer is made, with only `env` (spec 1.7).
  policy::AttributeContext empty;
  std::vector<policy::ResourceAttribute> resources;
  for (const policy::NamedExpression& entry : config->resources) {
    validate::cel::Value value =
        policy::RuntimeExpression(entry.expression).Evaluate(empty, policy::CelPhase::kEnvironment);
    if (!value.is_error() && value.kind() != validate::cel::Value::Kind::kNull) {
      resources.emplace_back(entry.name, policy::ToOrderedJson(value));
    }
  }
  policy::ResourceFacts facts;
  facts.gateway_namespace = attached.namespace_;
  facts.gateway_name = attached.name;
  facts.version = version;
  tracing->resource = policy::TraceResource(facts, resources);
  tracing->config = std::move(*config);
  return tracing;
}

std::shared_ptr<const FrontendAccessLog> ReadAccessLog(const validate::manifest::Value& block) {
  auto access_log = std::make_shared<FrontendAccessLog>();
  if (const auto* filter = block.Find("filter"); filter != nullptr && filter->is_scalar()) {
    access_log->filter.emplace(filter->text());
  }
  if (const auto* attributes = block.Find("attributes"); attributes != nullptr) {
    if (const auto* add = attributes->Find("add"); add != nullptr && add->is_sequence()) {
      for (const auto& entry : add->items()) {
        const auto* name = entry.Find("name");
        const auto* expression = entry.Find("expression");
        if (name != nullptr && expression != nullptr) {
          access_log->add_fields.emplace_back(name->text(),
                                              policy::RuntimeExpression(expression->text()));
        }
      }
    }
    if (const auto* remove = attributes->Find("remove");
        remove != nullptr && remove->is_sequence()) {
      for (const auto& entry : remove->items()) {
        access_log->remove_fields.push_back(entry.text());
      }
    }
  }
  return access_log;
}

}  // namespace

FrontendIndex::FrontendIndex(const std::vector<validate::resolve::AttachedPolicy>& policies,
                             const std::string& version, std::vector<std::string>* problems) {
  for (const validate::resolve::AttachedPolicy& attached : policies) {
    if (attached.kind != "Gateway" || !attached.policy->frontend) {
      continue;  // ListenerSet targets: not served by run yet (startup notes say so)
    }
    const validate::manifest::Value& frontend = *attached.policy->frontend;
    std::string gateway = attached.namespace_ + "/" + attached.name;
    FrontendPolicies& slot = attached.section_name ? by_listener_[{gateway, *attached.section_name}]
                                                   : by_gateway_[gateway];
    // The first policy (in input order) that sets a field on a target keeps it.
    if (const auto* tracing = frontend.Find("tracing"); tracing != nullptr && !slot.tracing) {
      slot.tracing = ReadTracing(attached, *tracing, version, problems);
    }
    if (const auto* access_log = frontend.Find("accessLog");
        access_log != nullptr && !slot.access_log) {
      slot.access_log = ReadAccessLog(*access_log);
    }
  }
}

FrontendPolicies FrontendIndex::For(const std::string& gateway,
                                    const std::vector<std::string>& listeners) const {
  FrontendPolicies result;
  for (const std::string& listener : listeners) {
    auto found = by_listener_.find({gateway, listener});
    if (found == by_listener_.end()) {
      continue;
    }
    if (!result.tracing) {
      result.tracing = found->second.tracing;
    }
    if (!result.access_log) {
      result.access_log = found->second.access_log;
    }
  }
  auto found = by_gateway_.find(gateway);
  if (found != by_gateway_.end()) {
    if (!result.tracing) {
      result.tracing = found->second.tracing;
    }
    if (!result.access_log) {
      result.access_log = found->second.access_log;
    }
  }
  return result;
}

RequestTrace StartTrace(std::shared_ptr<const FrontendTracing> tracing, http::HeaderList& headers,
                        const policy::AttributeContext& context, std::mt19937_64& random,
                        std::chrono::system_clock::time_point start) {
  RequestTrace trace;
  trace.start = start;
  std::optional<policy::TraceParent> incoming;
  if (std::optional<std::string> header = http::GetHeader(headers, "traceparent")) {
    incoming = policy::ParseTraceParent(*header);
  }
  const policy::RuntimeExpression* sampling =
      incoming ? (tracing->client_sampling ? &*tracing->client_sampling : nullptr)
               : (tracing->random_sampling ? &*tracing->random_sampling : nullptr);
  std::optional<bool> verdict;
  if (sampling != nullptr) {
    verdict = sampling->EvaluateSampling(context, policy::CelPhase::kFrontend, random);
  }
  trace.decision = policy::DecideTrace(incoming, verdict, random);
  if (trace.decision.sampled) {
    std::string traceparent = trace.decision.traceparent;
    if (trace.decision.exported()) {
      trace.upstream_span = policy::NewChildSpan(trace.decision.span, random);
      traceparent = policy::FormatTraceParent(*trace.upstream_span);
    }
    http::SetHeader(headers, "traceparent", traceparent);
  }
  trace.tracing = std::move(tracing);
  return trace;
}

std::vector<otlp::Span> FinishTrace(const RequestTrace& trace, const FinishedRequest& request,
                                    const policy::AttributeContext& context) {
  if (trace.tracing == nullptr || !trace.decision.exported()) {
    return {};
  }
  const FrontendTracing& tracing = *trace.tracing;
  std::optional<bool> kept;
  if (tracing.filter) {
    validate::cel::Value result = tracing.filter->Evaluate(context, policy::CelPhase::kLogging);
    if (result.kind() == validate::cel::Value::Kind::kBool) {
      kept = result.bool_value();
    }
  }
  if (!policy::FilterKeepsSpan(tracing.config, kept)) {
    return {};
  }
  const AccessRecord& record = *request.record;
  policy::SpanFacts facts;
  facts.gateway_namespace = tracing.gateway_namespace;
  facts.gateway_name = tracing.gateway_name;
  facts.listener = request.listener;
  facts.route_rule = request.route_rule;
  facts.route_namespace = request.route_namespace;
  facts.route_name = request.route_name;
  facts.endpoint = request.endpoint;
  facts.src_addr = request.source;
  facts.method = record.method;
  if (!request.host.empty()) {
    facts.host = request.host;
  }
  facts.path = record.target;
  facts.http_version = request.http_version;
  facts.status = record.status;
  if (!record.gen_ai_provider.empty()) {
    facts.protocol = "llm";
    facts.gen_ai_operation = "chat";
    facts.gen_ai_provider = record.gen_ai_provider;
    facts.gen_ai_request_model = record.gen_ai_request_model;
    if (!record.gen_ai_response_model.empty()) {
      facts.gen_ai_response_model = record.gen_ai_response_model;
    }
    facts.input_tokens = record.gen_ai_input_tokens;
    facts.output_tokens = record.gen_ai_output_tokens;
  } else if (!record.backend.empty()) {
    facts.protocol = "http";
  }
  if (!record.reason.empty()) {
    facts.reason = record.reason;
  }
  facts.duration = std::chrono::duration_cast<std::chrono::milliseconds>(request.end - trace.start);
  facts.path_match = request.path_match;
  facts.start = trace.start;
  facts.end = request.end;
  std::vector<policy::AddedAttribute> added;
  for (const auto& [name, expression] : tracing.add_attributes) {
    for (auto& field :
         policy::FlattenedFields(name, expression.Evaluate(context, policy::CelPhase::kLogging))) {
      added.push_back(std::move(field));
    }
  }
  std::vector<otlp::Span> spans;
  spans.push_back(policy::ServerSpan(facts, tracing.config, added, trace.decision));
  if (trace.upstream_span && record.upstream_status != 0) {
    policy::OutboundFacts outbound;
    outbound.subtype = record.gen_ai_provider.empty() ? "Http" : "Llm";
    outbound.method = record.method;
    outbound.host = request.endpoint;
    outbound.path = record.target;
    if (record.upstream_status != 0) {
      outbound.status = record.upstream_status;
    }
    outbound.start = trace.start;
    outbound.end = request.end;
    spans.push_back(policy::OutboundSpan(outbound, trace.decision.span, *trace.upstream_span));
  }
  return spans;
}

std::optional<std::vector<std::pair<std::string, nlohmann::ordered_json>>> AccessLogFields(
    const FrontendAccessLog& access_log, const policy::AttributeContext& context) {
  if (access_log.filter && !access_log.filter->EvaluateBool(context, policy::CelPhase::kLogging)) {
    return std::nullopt;
  }
  std::vector<std::pair<std::string, nlohmann::ordered_json>> fields;
  for (const auto& [name, expression] : access_log.add_fields) {
    for (auto& field :
         policy::FlattenedFields(name, expression.Evaluate(context, policy::CelPhase::kLogging))) {
      fields.push_back(std::move(field));
    }
  }
  return fields;
}

}  // namespace agw::emulator::gateway
