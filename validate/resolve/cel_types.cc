// The type check of runtime CEL: each CEL field of an AgentgatewayPolicy or AgentgatewayBackend
// checked against what agentgateway provides where it evaluates that field (spec 2.3: which
// context each policy builds). The controller only parses these fields (cel_fields.cc); what
// this reports, the cluster accepts and the request then fails on (or, where a boolean is
// expected, quietly takes as false).

#include "validate/resolve/cel_types.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "validate/cel/agentgateway_env.h"
#include "validate/cel/checker.h"
#include "validate/cel/parser.h"
#include "validate/resolve/finding.h"
#include "validate/resolve/resolver.h"
#include "validate/resolve/suggest.h"

namespace agw::validate::resolve::internal {
namespace {

using cel::AttributePhase;
using manifest::Value;

// One runtime CEL field as written.
struct CelField {
  std::string text;
  std::string path;
  manifest::Position position;  // of the scalar
  std::string_view context;     // what the field is, for messages: "an authorization rule"
  AttributePhase phase;
};

// Collects the CEL fields of one object.
class Fields {
 public:
  explicit Fields(const model::ObjectBase& object) : object_(object) {}

  // A scalar field; absent, null, empty and non-scalar values are not CEL.
  void Add(const Value* value, const std::string& path, std::string_view context,
           AttributePhase phase) {
    if (value == nullptr || value->is_null() || !value->is_scalar() || value->text().empty()) {
      return;
    }
    list_.push_back({value->text(), path, value->position(), context, phase});
  }

  // A field the model keeps as text only: its position comes from the object's field index.
  void AddText(const std::string& text, const std::string& path, std::string_view context,
               AttributePhase phase) {
    if (!text.empty()) {
      list_.push_back({text, path, object_.PositionOf(path), context, phase});
    }
  }

  // A list of expressions.
  void AddList(const Value* list, const std::string& path, std::string_view context,
               AttributePhase phase) {
    for (std::size_t i = 0; list != nullptr && list->is_sequence() && i < list->items().size();
         ++i) {
      Add(&list->items()[i], path + "[" + std::to_string(i) + "]", context, phase);
    }
  }

  // A map of expressions, keyed as cel_fields.cc keys its paths.
  void AddMap(const Value* map, const std::string& path, std::string_view context,
              AttributePhase phase) {
    if (map == nullptr || !map->is_map()) {
      return;
    }
    for (const manifest::MapEntry& entry : map->entries()) {
      Add(&entry.value, path + "[" + entry.key + "]", context, phase);
    }
  }

  // A list of objects whose `key` is an expression.
  void AddNamed(const Value* list, std::string_view key, const std::string& path,
                std::string_view context, AttributePhase phase) {
    for (std::size_t i = 0; list != nullptr && list->is_sequence() && i < list->items().size();
         ++i) {
      Add(list->items()[i].Find(key), path + "[" + std::to_string(i) + "]." + std::string(key),
          context, phase);
    }
  }

  const std::vector<CelField>& list() const { return list_; }

 private:
  const model::ObjectBase& object_;
  std::vector<CelField> list_;
};

const Value* Child(const Value* value, std::string_view key) {
  return value == nullptr ? nullptr : value->Find(key);
}

// A field that is either a Go duration or a CEL expression (delay, extAuth cache ttl): CEL
// only when it is not a duration.
const Value* UnlessDuration(const Value* value) {
  if (value == nullptr || !value->is_scalar() || !CheckGoDuration(value->text())) {
    return nullptr;
  }
  return value;
}

// A traffic feature written inline or as `conditional[]` entries, each with a condition
// evaluated against the request: `each` gets every policy body and its path.
template <typename Each>
void ForEachConditional(const Value& feature, const std::string& path, Fields& fields, Each each) {
  const Value* conditional = ValueItems(&feature, "conditional");
  if (conditional == nullptr) {
    each(feature, path);
    return;
  }
  for (std::size_t i = 0; i < conditional->items().size(); ++i) {
    const Value& entry = conditional->items()[i];
    std::string entry_path = path + ".conditional[" + std::to_string(i) + "]";
    fields.Add(entry.Find("condition"), entry_path + ".condition", "a policy condition",
               AttributePhase::kRequest);
    if (const Value* policy = entry.Find("policy")) {
      each(*policy, entry_path + ".policy");
    }
  }
}

// A Transformation: the request side runs with the request, the response side with the
// response.
void AddTransformation(const Value& transformation, const std::string& path, Fields& fields) {
  for (bool request : {true, false}) {
    std::string_view direction = request ? "request" : "response";
    const Value* spec = transformation.Find(direction);
    if (spec == nullptr || !spec->is_map()) {
      continue;
    }
    std::string spec_path = path + "." + std::string(direction);
    std::string_view context = request ? "a request transformation" : "a response transformation";
    AttributePhase phase = request ? AttributePhase::kRequest : AttributePhase::kResponse;
    fields.AddNamed(ValueItems(spec, "set"), "value", spec_path + ".set", context, phase);
    fields.AddNamed(ValueItems(spec, "add"), "value", spec_path + ".add", context, phase);
    fields.Add(spec->Find("body"), spec_path + ".body", context, phase);
    fields.AddMap(spec->Find("metadata"), spec_path + ".metadata", context, phase);
  }
}

// extAuth (traffic or backend): the check request is built from the request; response
// metadata is read from the authorization server's response.
void AddExtAuth(const Value& ext_auth, const std::string& path, Fields& fields) {
  constexpr AttributePhase kRequest = AttributePhase::kRequest;
  const Value* grpc = ext_auth.Find("grpc");
  fields.AddMap(Child(grpc, "requestMetadata"), path + ".grpc.requestMetadata",
                "an extAuth request metadata value", kRequest);
  const Value* http = ext_auth.Find("http");
  std::string http_path = path + ".http";
  fields.Add(Child(http, "path"), http_path + ".path", "an extAuth path", kRequest);
  fields.Add(Child(http, "redirect"), http_path + ".redirect", "an extAuth redirect", kRequest);
  fields.Add(Child(http, "body"), http_path + ".body", "an extAuth body", kRequest);
  fields.AddMap(Child(http, "addRequestHeaders"), http_path + ".addRequestHeaders",
                "an extAuth request header", kRequest);
  fields.AddMap(Child(http, "responseMetadata"), http_path + ".responseMetadata",
                "an extAuth response metadata value", AttributePhase::kResponse);
  const Value* cache = ext_auth.Find("cache");
  fields.AddList(Child(cache, "key"), path + ".cache.key", "an extAuth cache key", kRequest);
  fields.Add(UnlessDuration(Child(cache, "ttl")), path + ".cache.ttl", "an extAuth cache ttl",
             kRequest);
}

void AddExtProc(const Value& ext_proc, const std::string& path, Fields& fields) {
  fields.AddMap(ext_proc.Find("requestAttributes"), path + ".requestAttributes",
                "an extProc request attribute", AttributePhase::kRequest);
  fields.AddMap(ext_proc.Find("responseAttributes"), path + ".responseAttributes",
                "an extProc response attribute", AttributePhase::kResponse);
  const Value* contexts = ext_proc.Find("metadataContext");
  if (contexts != nullptr && contexts->is_map()) {
    for (const manifest::MapEntry& entry : contexts->entries()) {
      fields.AddMap(&entry.value, path + ".metadataContext[" + entry.key + "]",
                    "an extProc metadata context value", AttributePhase::kRequest);
    }
  }
}

void AddGlobalRateLimit(const Value& global, const std::string& path, Fields& fields) {
  const Value* descriptors = ValueItems(&global, "descriptors");
  for (std::size_t i = 0; descriptors != nullptr && i < descriptors->items().size(); ++i) {
    const Value& descriptor = descriptors->items()[i];
    std::string descriptor_path = path + ".descriptors[" + std::to_string(i) + "]";
    fields.AddNamed(ValueItems(&descriptor, "entries"), "expression", descriptor_path + ".entries",
                    "a rate limit descriptor entry", AttributePhase::kRequest);
    // A Tokens cost is evaluated when the LLM response is complete (remoteratelimit.rs
    // amend_tokens), with the usage in `llm`; a Requests cost with the request.
    bool tokens = ValueText(&descriptor, "unit") == "Tokens";
    fields.Add(descriptor.Find("cost"), descriptor_path + ".cost", "a rate limit descriptor cost",
               tokens ? AttributePhase::kResponse : AttributePhase::kRequest);
    fields.Add(descriptor.Find("limitOverride"), descriptor_path + ".limitOverride",
               "a rate limit override", AttributePhase::kRequest);
  }
}

void AddLocation(const Value* authentication, const std::string& path, std::string_view context,
                 Fields& fields) {
  fields.Add(Child(Child(authentication, "location"), "expression"), path + ".location.expression",
             context, AttributePhase::kRequest);
}

void AddTraffic(const model::Traffic& traffic, Fields& fields) {
  const std::string base = "spec.traffic";
  constexpr AttributePhase kRequest = AttributePhase::kRequest;
  if (traffic.ext_auth) {
    ForEachConditional(
        *traffic.ext_auth, base + ".extAuth", fields,
        [&](const Value& p, const std::string& path) { AddExtAuth(p, path, fields); });
  }
  if (traffic.ext_proc) {
    ForEachConditional(
        *traffic.ext_proc, base + ".extProc", fields,
        [&](const Value& p, const std::string& path) { AddExtProc(p, path, fields); });
  }
  if (traffic.authorization) {
    fields.AddList(Child(traffic.authorization->Find("policy"), "matchExpressions"),
                   base + ".authorization.policy.matchExpressions", "an authorization rule",
                   kRequest);
  }
  if (traffic.rate_limit) {
    ForEachConditional(*traffic.rate_limit, base + ".rateLimit", fields,
                       [&](const Value& p, const std::string& path) {
                         if (const Value* global = p.Find("global")) {
                           AddGlobalRateLimit(*global, path + ".global", fields);
                         }
                       });
  }
  if (traffic.transformation) {
    ForEachConditional(
        *traffic.transformation, base + ".transformation", fields,
        [&](const Value& p, const std::string& path) { AddTransformation(p, path, fields); });
  }
  if (traffic.direct_response) {
    ForEachConditional(*traffic.direct_response, base + ".directResponse", fields,
                       [&](const Value& p, const std::string& path) {
                         fields.Add(p.Find("bodyExpression"), path + ".bodyExpression",
                                    "a directResponse body", kRequest);
                         fields.AddNamed(ValueItems(&p, "headers"), "value", path + ".headers",
                                         "a directResponse header", kRequest);
                       });
  }
  AddLocation(traffic.jwt_authentication ? &*traffic.jwt_authentication : nullptr,
              base + ".jwtAuthentication", "a JWT location expression", fields);
  AddLocation(traffic.api_key_authentication ? &*traffic.api_key_authentication : nullptr,
              base + ".apiKeyAuthentication", "an API key location expression", fields);
  AddLocation(traffic.basic_authentication ? &*traffic.basic_authentication : nullptr,
              base + ".basicAuthentication", "a basic auth location expression", fields);
  if (traffic.retry) {
    fields.Add(traffic.retry->Find("condition"), base + ".retry.condition", "a retry condition",
               AttributePhase::kResponse);
    fields.Add(traffic.retry->Find("precondition"), base + ".retry.precondition",
               "a retry precondition", kRequest);
  }
  if (traffic.delay) {
    fields.Add(UnlessDuration(traffic.delay->Find("duration")), base + ".delay.duration", "a delay",
               kRequest);
  }
}

void AddFrontend(const Value& frontend, Fields& fields) {
  const std::string base = "spec.frontend";
  constexpr AttributePhase kLogging = AttributePhase::kLogging;
  auto attributes_add = [](const Value* holder) {
    return ValueItems(Child(holder, "attributes"), "add");
  };
  if (const Value* access_log = frontend.Find("accessLog")) {
    std::string path = base + ".accessLog";
    fields.Add(access_log->Find("filter"), path + ".filter", "an access log filter", kLogging);
    fields.AddNamed(attributes_add(access_log), "expression", path + ".attributes.add",
                    "an access log field", kLogging);
    const Value* otlp = access_log->Find("otlp");
    fields.Add(Child(otlp, "filter"), path + ".otlp.filter", "an access log filter", kLogging);
    fields.AddNamed(attributes_add(otlp), "expression", path + ".otlp.attributes.add",
                    "an access log field", kLogging);
  }
  if (const Value* tracing = frontend.Find("tracing")) {
    std::string path = base + ".tracing";
    fields.AddNamed(attributes_add(tracing), "expression", path + ".attributes.add",
                    "a tracing attribute", kLogging);
    fields.AddNamed(ValueItems(tracing, "resources"), "expression", path + ".resources",
                    "a tracing resource", AttributePhase::kResources);
    fields.Add(tracing->Find("randomSampling"), path + ".randomSampling", "tracing sampling",
               AttributePhase::kFrontend);
    fields.Add(tracing->Find("clientSampling"), path + ".clientSampling", "tracing sampling",
               AttributePhase::kFrontend);
    fields.Add(tracing->Find("filter"), path + ".filter", "a tracing filter", kLogging);
  }
  if (const Value* metrics = frontend.Find("metrics")) {
    fields.AddNamed(attributes_add(metrics), "expression", base + ".metrics.attributes.add",
                    "a metrics field", kLogging);
  }
  fields.AddList(Child(Child(frontend.Find("networkAuthorization"), "policy"), "matchExpressions"),
                 base + ".networkAuthorization.policy.matchExpressions",
                 "a network authorization rule", AttributePhase::kNetwork);
}

// AWS assumeRole (backend auth, and Bedrock guardrails' own auth): evaluated per request.
void AddAssumeRole(const Value* aws, const std::string& path, Fields& fields) {
  const Value* assume_role = Child(aws, "assumeRole");
  std::string role_path = path + ".assumeRole";
  fields.Add(Child(assume_role, "sessionNameExpression"), role_path + ".sessionNameExpression",
             "an AWS session name", AttributePhase::kRequest);
  fields.AddNamed(ValueItems(assume_role, "tags"), "expression", role_path + ".tags",
                  "an AWS session tag", AttributePhase::kRequest);
}

void AddBackendAuth(const model::BackendAuth& auth, const std::string& path, Fields& fields) {
  constexpr AttributePhase kRequest = AttributePhase::kRequest;
  AddAssumeRole(auth.aws ? &*auth.aws : nullptr, path + ".aws", fields);
  if (auth.oauth_token_exchange) {
    std::string exchange = path + ".oauthTokenExchange";
    for (const char* token : {"subjectToken", "actorToken"}) {
      fields.Add(Child(Child(auth.oauth_token_exchange->Find(token), "source"), "expression"),
                 exchange + "." + token + ".source.expression", "an OAuth token source", kRequest);
    }
    fields.AddMap(auth.oauth_token_exchange->Find("additionalParams"),
                  exchange + ".additionalParams", "an OAuth parameter", kRequest);
  }
  if (auth.cross_app_access) {
    fields.Add(Child(Child(auth.cross_app_access->Find("subjectToken"), "source"), "expression"),
               path + ".crossAppAccess.subjectToken.source.expression", "an OAuth token source",
               kRequest);
  }
}

void AddPromptGuard(const Value& prompt_guard, const std::string& path, Fields& fields) {
  for (const char* direction : {"request", "response"}) {
    const Value* guards = ValueItems(&prompt_guard, direction);
    for (std::size_t i = 0; guards != nullptr && i < guards->items().size(); ++i) {
      const Value& guard = guards->items()[i];
      std::string guard_path = path + "." + direction + "[" + std::to_string(i) + "]";
      // Webhook headers: the LLM request (webhook.rs uses Executor::new_llm either way).
      fields.AddMap(Child(guard.Find("webhook"), "headers"), guard_path + ".webhook.headers",
                    "a prompt guard webhook header", AttributePhase::kLlmRequest);
      const Value* bedrock_auth = Child(Child(guard.Find("bedrockGuardrails"), "policies"), "auth");
      AddAssumeRole(Child(bedrock_auth, "aws"), guard_path + ".bedrockGuardrails.policies.auth.aws",
                    fields);
    }
  }
}

void AddAI(const model::BackendAI& ai, const std::string& path, Fields& fields) {
  auto add_transformations = [&](const std::vector<model::FieldTransformation>& list,
                                 const std::string& list_path) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      fields.AddText(list[i].expression, list_path + "[" + std::to_string(i) + "].expression",
                     "an AI transformation", AttributePhase::kLlmRequest);
    }
  };
  add_transformations(ai.transformations, path + ".transformations");
  add_transformations(ai.final_transformations, path + ".finalTransformations");
  if (ai.prompt_guard) {
    AddPromptGuard(*ai.prompt_guard, path + ".promptGuard", fields);
  }
}

void AddBackendPolicies(const model::BackendPolicies& policies, const std::string& path,
                        Fields& fields) {
  if (policies.transformation) {
    AddTransformation(*policies.transformation, path + ".transformation", fields);
  }
  if (policies.mcp) {
    const Value* rule = Child(policies.mcp->Find("authorization"), "policy");
    fields.AddList(Child(rule, "matchExpressions"),
                   path + ".mcp.authorization.policy.matchExpressions", "an MCP authorization rule",
                   AttributePhase::kMcp);
    const Value* processors = ValueItems(policies.mcp->Find("guardrails"), "processors");
    for (std::size_t i = 0; processors != nullptr && i < processors->items().size(); ++i) {
      fields.AddMap(Child(processors->items()[i].Find("remote"), "metadata"),
                    path + ".mcp.guardrails.processors[" + std::to_string(i) + "].remote.metadata",
                    "an MCP guardrails metadata value", AttributePhase::kMcp);
    }
  }
  if (policies.ai) {
    AddAI(*policies.ai, path + ".ai", fields);
  }
  if (policies.health && policies.health->unhealthy_condition) {
    fields.AddText(*policies.health->unhealthy_condition, path + ".health.unhealthyCondition",
                   "a backend health condition", AttributePhase::kLogging);
  }
  if (policies.auth) {
    AddBackendAuth(*policies.auth, path + ".auth", fields);
  }
  if (policies.ext_auth) {
    AddExtAuth(*policies.ext_auth, path + ".extAuth", fields);
  }
}

std::vector<CelField> PolicyFields(const model::AgentgatewayPolicy& policy) {
  Fields fields(policy);
  if (policy.traffic) {
    AddTraffic(*policy.traffic, fields);
  }
  if (policy.frontend) {
    AddFrontend(*policy.frontend, fields);
  }
  if (policy.backend) {
    AddBackendPolicies(*policy.backend, "spec.backend", fields);
  }
  return fields.list();
}

std::vector<CelField> BackendFields(const model::AgentgatewayBackend& backend) {
  Fields fields(backend);
  if (backend.policies) {
    AddBackendPolicies(*backend.policies, "spec.policies", fields);
  }
  for (const model::MCPTargetPolicies& target : backend.mcp_target_policies) {
    AddBackendPolicies(target.policies, target.path, fields);
  }
  if (backend.ai) {
    for (const model::PriorityGroup& group : backend.ai->groups) {
      for (const model::NamedLLMProvider& provider : group.providers) {
        if (provider.policies) {
          AddBackendPolicies(*provider.policies, provider.path + ".policies", fields);
        }
      }
    }
  }
  return fields.list();
}

// --- messages ---

// "response and logging", "frontend, request and logging".
std::string PhaseList(const std::vector<AttributePhase>& phases) {
  std::string text;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    text += i == 0 ? "" : (i + 1 == phases.size() ? " and " : ", ");
    text += cel::PhaseName(phases[i]);
  }
  return text;
}

// How an operator is written ("+" for _+_, "in" for @in), or "" for a function.
std::string OperatorSymbol(std::string_view function) {
  if (function == cel::op::kIn) {
    return "in";
  }
  if (function == cel::op::kIndex) {
    return "[]";
  }
  if (function == cel::op::kConditional) {
    return "?:";
  }
  if (function.size() >= 2 && function.front() == '_' && function.back() == '_') {
    return std::string(function.substr(1, function.size() - 2));
  }
  if (function.size() == 2 && function.back() == '_') {
    return std::string(function.substr(0, 1));  // !_ and -_
  }
  return "";
}

// What the user did wrong, in one line: "<path>: <what> (<phase> phase): <cel-go message>".
std::string Message(const CelField& field, const cel::Issue& issue) {
  std::string in =
      std::string(field.context) + " (" + std::string(cel::PhaseName(field.phase)) + " phase";
  std::string what;
  switch (issue.kind) {
    case cel::Issue::Kind::kUndeclaredReference:
      if (cel::IsAgentgatewayVariable(issue.name)) {
        std::vector<AttributePhase> phases = cel::PhasesProviding(issue.name);
        what = issue.name + " is not available to " + in + "; it is set in the " +
               PhaseList(phases) + (phases.size() > 1 ? " phases)" : " phase)");
      } else {
        what = "'" + issue.name + "' is not a variable agentgateway provides to " + in + ")";
      }
      break;
    case cel::Issue::Kind::kUndeclaredFunction:
      what = "'" + issue.name + "' is not a function agentgateway provides to " + in + ")";
      break;
    case cel::Issue::Kind::kUndefinedField:
      what = issue.type + " has no field '" + issue.name + "' in " + in + ")";
      break;
    case cel::Issue::Kind::kNoMatchingOverload:
      if (std::string symbol = OperatorSymbol(issue.name); !symbol.empty()) {
        what = "operator '" + symbol + "' does not apply to these operand types in " + in + ")";
      } else {
        what = "'" + issue.name + "' does not take these argument types in " + in + ")";
      }
      break;
    case cel::Issue::Kind::kOther:
      what = in + ") does not type-check";
      break;
  }
  return field.path + ": " + what + ": " + issue.message;
}

// "did you mean ...?" for a misspelt variable, field or function.
std::string Suggestion(const CelField& field, const cel::Issue& issue) {
  const cel::Env& env = cel::AgentgatewayEnv(field.phase);
  std::vector<std::string> candidates;
  if (issue.kind == cel::Issue::Kind::kUndeclaredReference &&
      !cel::IsAgentgatewayVariable(issue.name)) {
    candidates = cel::AgentgatewayVariables();
  } else if (issue.kind == cel::Issue::Kind::kUndeclaredFunction) {
    candidates = env.FunctionNames();
  } else if (issue.kind == cel::Issue::Kind::kUndefinedField) {
    if (const std::vector<cel::FieldDecl>* decls = env.FindObjectType(issue.type)) {
      for (const cel::FieldDecl& decl : *decls) {
        candidates.push_back(decl.name);
      }
    }
  }
  std::optional<std::size_t> best_rank;
  std::string best;
  for (const std::string& candidate : candidates) {
    std::optional<std::size_t> rank = Closeness(issue.name, candidate, /*segments=*/false);
    if (rank && (!best_rank || *rank < *best_rank)) {
      best_rank = rank;
      best = candidate;
    }
  }
  return best.empty() ? "" : "did you mean \"" + best + "\"?";
}

void CheckField(const model::ObjectBase& object, const CelField& field, Resolution& resolution) {
  tl::expected<cel::Ast, cel::ParseError> ast = cel::Parse(field.text);
  if (!ast) {
    return;  // the controller's syntax check reports it (cel_fields.cc)
  }
  cel::CheckResult result = cel::Check(*ast, cel::AgentgatewayEnv(field.phase));
  std::set<std::pair<std::size_t, std::string>> seen;
  for (const cel::Issue& issue : result.issues) {
    if (!seen.insert({issue.offset, issue.message}).second) {
      continue;
    }
    resolution.findings.push_back(MakeFinding(
        object, manifest::Severity::kWarning, "cel-type", Message(field, issue), field.path,
        Suggestion(field, issue), ExpressionPosition(field.position, field.text, issue.offset)));
  }
}

// The source column (0-based, in bytes) of each byte of a quoted scalar's value, or empty when
// the scalar does not close on its line or uses an escape that is not one byte.
std::vector<std::size_t> QuotedColumns(std::string_view line, std::size_t open) {
  char quote = line[open];
  std::vector<std::size_t> columns;
  for (std::size_t i = open + 1; i < line.size(); ++i) {
    char c = line[i];
    if (quote == '\'' && c == '\'') {
      if (i + 1 < line.size() && line[i + 1] == '\'') {
        columns.push_back(i++);  // '' is one quote
        continue;
      }
      return columns;
    }
    if (quote == '"' && c == '"') {
      return columns;
    }
    if (quote == '"' && c == '\\') {
      static constexpr std::string_view kOneByte = "0abtnvfre \"/\\";
      if (i + 1 >= line.size() || kOneByte.find(line[i + 1]) == std::string_view::npos) {
        return {};
      }
      columns.push_back(i++);
      continue;
    }
    columns.push_back(i);
  }
  return {};  // continued on the next line
}

}  // namespace

manifest::Position ExpressionPosition(const manifest::Position& scalar, std::string_view text,
                                      std::size_t offset) {
  if (!scalar.known() || scalar.column < 1 || offset >= text.size()) {
    return scalar;
  }
  std::string_view line = scalar.file->Line(scalar.line);
  std::size_t start = static_cast<std::size_t>(scalar.column - 1);
  if (start >= line.size()) {
    return scalar;
  }
  manifest::Position at = scalar;
  char first = line[start];
  if (first == '"' || first == '\'') {
    std::vector<std::size_t> columns = QuotedColumns(line, start);
    if (columns.size() != text.size()) {
      return scalar;  // multi-line, or an escape this does not follow
    }
    at.column = static_cast<int>(columns[offset]) + 1;
    return at;
  }
  if (line.substr(start, text.size()) != text) {
    return scalar;  // a block scalar, or a plain scalar folded over lines
  }
  at.column = scalar.column + static_cast<int>(offset);
  return at;
}

void CheckCelTypes(const model::Model& model, Resolution& resolution) {
  for (const model::AgentgatewayPolicy& policy : model.policies) {
    for (const CelField& field : PolicyFields(policy)) {
      CheckField(policy, field, resolution);
    }
  }
  for (const model::AgentgatewayBackend& backend : model.backends) {
    for (const CelField& field : BackendFields(backend)) {
      CheckField(backend, field, resolution);
    }
  }
}

}  // namespace agw::validate::resolve::internal
