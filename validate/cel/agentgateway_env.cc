// agentgateway's runtime CEL context as checker environments. The types of the fields are
// those the runtime materializes (cel-derive on the Rust structs in cel/types.rs): u16/u64
// fields are uint, i64 int, f64 and decimals double, CelDuration duration, RequestTime
// timestamp, header maps a map from header name to a string or a list of strings (dyn), JSON
// values dyn.

#include "validate/cel/agentgateway_env.h"

#include <array>
#include <iterator>
#include <optional>
#include <string>

namespace agw::validate::cel {
namespace {

constexpr std::size_t kPhaseCount = std::size(kAttributePhases);

struct FieldText {
  std::string_view name;
  std::string_view type;
};

struct ObjectText {
  std::string_view name;
  std::vector<FieldText> fields;
};

// The object types, each after the types its fields name. They are named by where they
// appear, so that messages read "request has no field ...".
const std::vector<ObjectText>& Objects() {
  static const std::vector<ObjectText> kObjects = {
      {"request",
       {{"method", "string"},
        {"uri", "string"},
        {"host", "string"},
        {"scheme", "string"},
        {"path", "string"},
        {"pathAndQuery", "string"},
        {"version", "string"},
        {"headers", "map(string, dyn)"},
        {"body", "bytes"},
        {"bodyPrefix", "bytes"},
        {"startTime", "timestamp"},
        // Set only when logging; elsewhere the field exists and is null.
        {"endTime", "timestamp"}}},
      {"response",
       {{"code", "uint"},
        {"grpcStatus", "uint"},
        {"headers", "map(string, dyn)"},
        {"body", "bytes"},
        {"bodyPrefix", "bytes"}}},
      {"proxy.gateway", {{"namespace", "string"}, {"name", "string"}}},
      {"proxy.listener", {{"name", "string"}}},
      {"proxy.route",
       {{"namespace", "string"}, {"name", "string"}, {"kind", "string"}, {"rule", "string"}}},
      {"proxy",
       {{"bind", "string"},
        {"gateway", "proxy.gateway"},
        {"listener", "proxy.listener"},
        {"route", "proxy.route"},
        {"requestProcessingDuration", "duration"},
        {"upstreamDuration", "duration"},
        {"responseProcessingDuration", "duration"}}},
      {"env", {{"podName", "string"}, {"namespace", "string"}, {"gateway", "string"}}},
      {"source.identity",
       {{"trustDomain", "string"}, {"namespace", "string"}, {"serviceAccount", "string"}}},
      {"source.unverifiedWorkload",
       {{"name", "string"}, {"namespace", "string"}, {"serviceAccount", "string"}}},
      {"source",
       {{"address", "string"},
        {"port", "uint"},
        {"rawAddress", "string"},
        {"rawPort", "uint"},
        {"identity", "source.identity"},
        {"spiffeId", "string"},
        {"subjectAltNames", "list(string)"},
        {"issuer", "string"},
        {"subject", "string"},
        {"subjectCn", "string"},
        {"certificate", "string"},
        {"unverifiedWorkload", "source.unverifiedWorkload"},
        {"connectHeaders", "map(string, dyn)"}}},
      {"destination", {{"address", "string"}, {"port", "uint"}, {"hostname", "string"}}},
      {"basicAuth", {{"username", "string"}}},
      {"backend", {{"name", "string"}, {"type", "string"}, {"protocol", "string"}}},
      {"llm.PromptMessage", {{"role", "string"}, {"content", "string"}}},
      {"llm.ToolCall", {{"id", "string"}, {"name", "string"}, {"arguments", "dyn"}}},
      {"llm.params",
       {{"temperature", "double"},
        {"top_p", "double"},
        {"frequency_penalty", "double"},
        {"presence_penalty", "double"},
        {"seed", "int"},
        {"max_tokens", "uint"},
        {"encoding_format", "string"},
        {"dimensions", "uint"}}},
      {"llm.cost",
       {{"total", "double"},
        {"input", "double"},
        {"output", "double"},
        {"cacheRead", "double"},
        {"cacheWrite", "double"},
        {"reasoning", "double"},
        {"inputAudio", "double"},
        {"outputAudio", "double"}}},
      {"llm.costRates",
       {{"input", "double"},
        {"output", "double"},
        {"cacheRead", "double"},
        {"cacheWrite", "double"},
        {"reasoning", "double"},
        {"inputAudio", "double"},
        {"outputAudio", "double"}}},
      {"llm",
       {{"streaming", "bool"},
        {"requestModel", "string"},
        {"responseModel", "string"},
        {"provider", "string"},
        {"serviceTier", "string"},
        {"inputTokens", "uint"},
        {"providerInputTokens", "uint"},
        {"inputImageTokens", "uint"},
        {"inputTextTokens", "uint"},
        {"inputAudioTokens", "uint"},
        {"cachedInputTokens", "uint"},
        {"cacheCreationInputTokens", "uint"},
        {"outputTokens", "uint"},
        {"outputImageTokens", "uint"},
        {"outputTextTokens", "uint"},
        {"outputAudioTokens", "uint"},
        {"reasoningTokens", "uint"},
        {"totalTokens", "uint"},
        {"providerTotalTokens", "uint"},
        {"countTokens", "uint"},
        {"timeToFirstToken", "duration"},
        {"timePerOutputToken", "duration"},
        {"prompt", "list(llm.PromptMessage)"},
        {"completion", "list(string)"},
        {"toolCalls", "list(llm.ToolCall)"},
        {"params", "llm.params"},
        {"cost", "llm.cost"},
        {"costRates", "llm.costRates"}}},
      {"mcp.tool",
       {{"target", "string"},
        {"name", "string"},
        {"arguments", "map(string, dyn)"},
        {"result", "dyn"},
        {"error", "dyn"}}},
      {"mcp.prompt", {{"target", "string"}, {"name", "string"}}},
      {"mcp.resource", {{"target", "string"}, {"name", "string"}}},
      {"mcp.task", {{"target", "string"}, {"name", "string"}}},
      {"mcp",
       {{"methodName", "string"},
        {"sessionId", "string"},
        {"tool", "mcp.tool"},
        {"prompt", "mcp.prompt"},
        {"resource", "mcp.resource"},
        {"task", "mcp.task"}}},
  };
  return kObjects;
}

constexpr std::uint8_t Bit(AttributePhase phase) {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(phase));
}

// Where the variables exist (spec 2.3): the HTTP phases have the request; policies that run
// after authentication also have its results and the backend; the response and logging add the
// response and the LLM usage; logging and MCP authorization have the MCP call.
constexpr std::uint8_t kHttp = Bit(AttributePhase::kFrontend) | Bit(AttributePhase::kRequest) |
                               Bit(AttributePhase::kResponse) | Bit(AttributePhase::kLlmRequest) |
                               Bit(AttributePhase::kMcp) | Bit(AttributePhase::kLogging);
constexpr std::uint8_t kRouted = kHttp & ~Bit(AttributePhase::kFrontend);
constexpr std::uint8_t kConnection = kHttp | Bit(AttributePhase::kNetwork);
constexpr std::uint8_t kAll = kConnection | Bit(AttributePhase::kResources);
constexpr std::uint8_t kAfterResponse =
    Bit(AttributePhase::kResponse) | Bit(AttributePhase::kLogging);

struct VariableText {
  std::string_view name;
  std::string_view type;
  std::uint8_t phases;
};

// In the order of agentgateway's schema (schema/cel.md).
constexpr VariableText kVariables[] = {
    {"request", "request", kHttp},
    {"response", "response", kAfterResponse},
    {"proxy", "proxy", kHttp},
    {"env", "env", kAll},
    {"jwt", "map(string, dyn)", kRouted},
    {"apiKey", "map(string, dyn)", kRouted},
    {"basicAuth", "basicAuth", kRouted},
    {"llm", "llm", kAfterResponse},
    {"llmRequest", "dyn", Bit(AttributePhase::kLlmRequest)},
    {"source", "source", kConnection},
    {"destination", "destination", kConnection},
    {"mcp", "mcp", Bit(AttributePhase::kMcp) | Bit(AttributePhase::kLogging)},
    {"backend", "backend", kRouted},
    {"extauthz", "map(string, dyn)", kRouted},
    {"extproc", "map(string, dyn)", kRouted},
    {"mcpGuardrails", "map(string, dyn)", kRouted},
    {"metadata", "map(string, dyn)", kRouted},
};

struct FunctionText {
  std::string_view function;
  std::string_view signature;
};

// crates/celx (general.rs, strings.rs, math.rs, cidr.rs, flatten.rs), the header-view and
// query methods (cel/types.rs Headers, cel/query.rs) and cel-fork's max and min. Where the
// runtime's argument types are not pinned down the declarations take dyn.
constexpr FunctionText kFunctions[] = {
    {"json", "(string) -> dyn"},
    {"json", "(bytes) -> dyn"},
    {"jsonField", "(string, string) -> dyn"},
    {"jsonField", "(bytes, string) -> dyn"},
    {"toJson", "(dyn) -> string"},
    {"to_json", "(dyn) -> string"},
    {"unvalidatedJwtPayload", "(string) -> dyn"},
    {"variables", "() -> map(string, dyn)"},
    // The maps' values may differ in type: the union is as dynamic as the runtime.
    {"merge", "map(K, V).(map(K, W)) -> map(K, dyn)"},
    {"random", "() -> double"},
    {"regexReplace", "string.(string, string) -> string"},
    {"fail", "(dyn) -> dyn"},
    {"uuid", "() -> string"},
    {"base64Encode", "(string) -> string"},
    {"base64Encode", "(bytes) -> string"},
    {"base64.encode", "(string) -> string"},
    {"base64.encode", "(bytes) -> string"},
    {"base64Decode", "(string) -> bytes"},
    {"base64Decode", "(bytes) -> bytes"},
    {"base64.decode", "(string) -> bytes"},
    {"base64.decode", "(bytes) -> bytes"},
    {"url.encode", "(string) -> string"},
    {"url.decode", "(string) -> string"},
    {"form.decode", "(string) -> map(string, dyn)"},
    {"form.decode", "(bytes) -> map(string, dyn)"},
    {"form.encode", "(map(string, dyn)) -> string"},
    {"sha1.encode", "(string) -> string"},
    {"sha1.encode", "(bytes) -> string"},
    {"sha256.encode", "(string) -> string"},
    {"sha256.encode", "(bytes) -> string"},
    {"md5.encode", "(string) -> string"},
    {"md5.encode", "(bytes) -> string"},
    {"flatten", "(list(A)) -> dyn"},
    {"flatten", "(map(K, V)) -> dyn"},
    {"flattenRecursive", "(list(A)) -> dyn"},
    {"flattenRecursive", "(map(K, V)) -> dyn"},
    {"flatten_recursive", "(list(A)) -> dyn"},
    {"flatten_recursive", "(map(K, V)) -> dyn"},
    {"stripPrefix", "string.(string) -> string"},
    {"stripSuffix", "string.(string) -> string"},
    // cel-fork's contains also searches lists, map keys and bytes; a string containing a
    // non-string is false, and `in` finds a substring.
    {"contains", "string.(dyn) -> bool"},
    {"contains", "list(A).(B) -> bool"},
    {"contains", "map(K, V).(B) -> bool"},
    {"contains", "bytes.(bytes) -> bool"},
    {"@in", "(string, string) -> bool"},
    // Conversions and type() also work as methods (`x.string()`).
    {"string", "A.() -> string"},
    {"int", "A.() -> int"},
    {"uint", "A.() -> uint"},
    {"double", "A.() -> double"},
    {"type", "A.() -> type(A)"},
    {"max", "(dyn, dyn...) -> dyn"},
    {"min", "(dyn, dyn...) -> dyn"},
    // Header views: request.headers, response.headers, source.connectHeaders.
    {"redacted", "map(string, dyn).() -> map(string, dyn)"},
    {"join", "map(string, dyn).() -> map(string, dyn)"},
    {"raw", "map(string, dyn).() -> map(string, dyn)"},
    {"split", "map(string, dyn).() -> map(string, dyn)"},
    {"cookie", "map(string, dyn).(string) -> string"},
    // Query accessors: request.uri, request.pathAndQuery.
    {"query", "string.(string) -> list(string)"},
    {"addQuery", "string.(string, dyn) -> string"},
    {"setQuery", "string.(string, dyn) -> string"},
    // Secrets: jwt.rawToken, apiKey.key.
    {"unredacted", "string.() -> string"},
    // The Kubernetes IP and CIDR libraries.
    {"isIP", "(string) -> bool"},
    {"ip", "(string) -> net.IP"},
    {"family", "net.IP.() -> int"},
    {"isUnspecified", "net.IP.() -> bool"},
    {"isLoopback", "net.IP.() -> bool"},
    {"isLinkLocalMulticast", "net.IP.() -> bool"},
    {"isLinkLocalUnicast", "net.IP.() -> bool"},
    {"isGlobalUnicast", "net.IP.() -> bool"},
    {"cidr", "(string) -> net.CIDR"},
    {"containsIP", "net.CIDR.(net.IP) -> bool"},
    {"containsIP", "net.CIDR.(string) -> bool"},
    {"containsCIDR", "net.CIDR.(net.CIDR) -> bool"},
    {"containsCIDR", "net.CIDR.(string) -> bool"},
    {"ip", "net.CIDR.() -> net.IP"},
    {"masked", "net.CIDR.() -> net.CIDR"},
    {"prefixLength", "net.CIDR.() -> int"},
    {"string", "(net.IP) -> string"},
    {"string", "(net.CIDR) -> string"},
    // celx's math functions read any number as a double, and the bit functions take bytes.
    {"math.ceil", "(int) -> double"},
    {"math.ceil", "(uint) -> double"},
    {"math.floor", "(int) -> double"},
    {"math.floor", "(uint) -> double"},
    {"math.round", "(int) -> double"},
    {"math.round", "(uint) -> double"},
    {"math.trunc", "(int) -> double"},
    {"math.trunc", "(uint) -> double"},
    {"math.isInf", "(int) -> bool"},
    {"math.isInf", "(uint) -> bool"},
    {"math.isNaN", "(int) -> bool"},
    {"math.isNaN", "(uint) -> bool"},
    {"math.isFinite", "(int) -> bool"},
    {"math.isFinite", "(uint) -> bool"},
    {"math.bitAnd", "(bytes, bytes) -> bytes"},
    {"math.bitOr", "(bytes, bytes) -> bytes"},
    {"math.bitXor", "(bytes, bytes) -> bytes"},
    {"math.bitNot", "(bytes) -> bytes"},
};

// Declares the object types; returns the field types that did not parse or name an object
// type that is not declared.
std::vector<std::string> AddObjectTypes(Env& env) {
  std::vector<std::string> errors;
  for (const ObjectText& object : Objects()) {
    std::vector<FieldDecl> fields;
    for (const FieldText& field : object.fields) {
      std::optional<Type> type = ParseType(field.type, env);
      if (!type || type->kind == Type::Kind::kOpaque) {
        errors.push_back(std::string(object.name) + "." + std::string(field.name) + ": " +
                         std::string(field.type));
        type = Type::Dyn();
      }
      fields.push_back({std::string(field.name), std::move(*type)});
    }
    env.AddObjectType(std::string(object.name), std::move(fields));
  }
  return errors;
}

void AddFunctions(Env& env) {
  for (const FunctionText& f : kFunctions) {
    env.AddOverload(f.function, f.signature);
  }
  // cel-fork's functions take their receiver from the target or the first argument alike
  // (its `This` extractor): size(s) and s.size(), startsWith(s, p) and s.startsWith(p).
  env.set_any_call_style(true);
  env.AddSpecialForm("with", SpecialForm::kWith);
  env.AddSpecialForm("mapValues", SpecialForm::kMapValues);
  env.AddSpecialForm("filterKeys", SpecialForm::kFilterKeys);
  env.AddSpecialForm("default", SpecialForm::kDefault);
  env.AddSpecialForm("coalesce", SpecialForm::kCoalesce);
}

// Declares the variables of `phase`, and the others absent; returns the types that did not
// parse.
std::vector<std::string> AddVariables(Env& env, AttributePhase phase) {
  std::vector<std::string> errors;
  for (const VariableText& variable : kVariables) {
    if ((variable.phases & Bit(phase)) == 0) {
      env.AddAbsentVariable(std::string(variable.name));
      continue;
    }
    std::optional<Type> type = ParseType(variable.type, env);
    if (!type || type->kind == Type::Kind::kOpaque) {
      errors.push_back(std::string(variable.name) + ": " + std::string(variable.type));
      type = Type::Dyn();
    }
    env.AddVariable(std::string(variable.name), std::move(*type));
  }
  return errors;
}

Env BuildEnv(AttributePhase phase, std::vector<std::string>* errors) {
  Env env = StandardEnv();
  std::vector<std::string> object_errors = AddObjectTypes(env);
  AddFunctions(env);
  std::vector<std::string> variable_errors = AddVariables(env, phase);
  if (errors != nullptr) {
    *errors = env.declaration_errors();
    errors->insert(errors->end(), object_errors.begin(), object_errors.end());
    errors->insert(errors->end(), variable_errors.begin(), variable_errors.end());
  }
  return env;
}

const VariableText* FindVariable(std::string_view name) {
  for (const VariableText& variable : kVariables) {
    if (variable.name == name) {
      return &variable;
    }
  }
  return nullptr;
}

}  // namespace

std::string_view PhaseName(AttributePhase phase) {
  switch (phase) {
    case AttributePhase::kFrontend:
      return "frontend";
    case AttributePhase::kRequest:
      return "request";
    case AttributePhase::kResponse:
      return "response";
    case AttributePhase::kLlmRequest:
      return "LLM request";
    case AttributePhase::kMcp:
      return "MCP authorization";
    case AttributePhase::kNetwork:
      return "network";
    case AttributePhase::kLogging:
      return "logging";
    case AttributePhase::kResources:
      return "tracing resources";
  }
  return "request";
}

const Env& AgentgatewayEnv(AttributePhase phase) {
  static const std::array<Env, kPhaseCount> kEnvs = [] {
    std::array<Env, kPhaseCount> envs;
    for (std::size_t i = 0; i < kPhaseCount; ++i) {
      envs[i] = BuildEnv(kAttributePhases[i], nullptr);
    }
    return envs;
  }();
  return kEnvs[static_cast<std::size_t>(phase)];
}

bool IsAgentgatewayVariable(std::string_view name) { return FindVariable(name) != nullptr; }

std::vector<std::string> AgentgatewayVariables() {
  std::vector<std::string> names;
  for (const VariableText& variable : kVariables) {
    names.emplace_back(variable.name);
  }
  return names;
}

std::vector<AttributePhase> PhasesProviding(std::string_view name) {
  std::vector<AttributePhase> phases;
  const VariableText* variable = FindVariable(name);
  for (AttributePhase phase : kAttributePhases) {
    if (variable != nullptr && (variable->phases & Bit(phase)) != 0) {
      phases.push_back(phase);
    }
  }
  return phases;
}

std::vector<std::string> AgentgatewayDeclarationErrors() {
  std::vector<std::string> errors;
  for (AttributePhase phase : kAttributePhases) {
    std::vector<std::string> phase_errors;
    BuildEnv(phase, &phase_errors);
    errors.insert(errors.end(), phase_errors.begin(), phase_errors.end());
  }
  return errors;
}

}  // namespace agw::validate::cel
