// The CEL type checker (validate/cel/checker.h): cel-go's messages for undeclared names,
// undefined fields and calls no overload accepts, the departures for dynamically typed
// runtimes, and the conformance suite as the oracle for what must type-check.

#include "validate/cel/checker.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/paths.h"
#include "validate/cel/agentgateway_env.h"
#include "validate/cel/parser.h"

namespace agw::validate::cel {
namespace {

using Json = nlohmann::json;

// The standard environment plus a few variables and an object type for the unit cases.
const Env& TestEnv() {
  static const Env env = [] {
    Env e = StandardEnv();
    e.AddObjectType("Pet", {{"name", Type::Of(Type::Kind::kString)},
                            {"age", Type::Of(Type::Kind::kInt)},
                            {"tags", Type::List(Type::Of(Type::Kind::kString))}});
    e.AddVariable("pet", Type::Object("Pet"));
    e.AddVariable("pets", Type::List(Type::Object("Pet")));
    e.AddVariable("claims", Type::Map(Type::Of(Type::Kind::kString), Type::Dyn()));
    e.AddVariable("n", Type::Of(Type::Kind::kInt));
    e.AddVariable("u", Type::Of(Type::Kind::kUint));
    e.AddVariable("s", Type::Of(Type::Kind::kString));
    e.AddVariable("a.b.c", Type::Of(Type::Kind::kString));
    e.AddAbsentVariable("gone");
    e.AddSpecialForm("with", SpecialForm::kWith);
    e.AddSpecialForm("mapValues", SpecialForm::kMapValues);
    e.AddSpecialForm("filterKeys", SpecialForm::kFilterKeys);
    e.AddSpecialForm("default", SpecialForm::kDefault);
    e.AddSpecialForm("coalesce", SpecialForm::kCoalesce);
    return e;
  }();
  return env;
}

CheckResult CheckText(const std::string& text, const Env& env = TestEnv()) {
  auto ast = Parse(text);
  INFO(text);
  REQUIRE(ast);
  return Check(*ast, env);
}

// "offset: message" of each issue, one per line.
std::string Issues(const std::string& text, const Env& env = TestEnv()) {
  std::string out;
  for (const Issue& issue : CheckText(text, env).issues) {
    out += std::to_string(issue.offset) + ": " + issue.message + "\n";
  }
  return out;
}

std::string TypeOf(const std::string& text) {
  CheckResult result = CheckText(text);
  INFO(text);
  CHECK(result.issues.empty());
  return result.type.ToString();
}

TEST_CASE("The standard declarations all parse") {
  CHECK(StandardEnv().declaration_errors().empty());
}

TEST_CASE("Types print in CEL notation and in cel-go's message notation") {
  Type duration_map = Type::Map(Type::Of(Type::Kind::kString), Type::Of(Type::Kind::kDuration));
  CHECK(duration_map.ToString() == "map(string, google.protobuf.Duration)");
  CHECK(FormatType(duration_map) == "map(string, duration)");
  CHECK(Type::Of(Type::Kind::kNull).ToString() == "null_type");
  CHECK(FormatType(Type::Of(Type::Kind::kNull)) == "null");
  CHECK(Type::Optional(Type::List(Type::Dyn())).ToString() == "optional_type(list(dyn))");
  CHECK(Type::TypeOf(Type::Of(Type::Kind::kTimestamp)).ToString() ==
        "type(google.protobuf.Timestamp)");
  CHECK(Type::Opaque("net.IP").ToString() == "net.IP");
}

TEST_CASE("ParseType reads the notation back") {
  const Env& env = TestEnv();
  for (const char* text : {"int", "list(string)", "map(string, dyn)", "google.protobuf.Duration",
                           "type(int)", "optional_type(list(int))", "Pet", "net.IP"}) {
    std::optional<Type> type = ParseType(text, env);
    REQUIRE(type);
    CHECK(type->ToString() == text);
  }
  CHECK(ParseType("map(string)", env) == std::nullopt);
  CHECK(ParseType("list(int", env) == std::nullopt);
  CHECK(ParseType("int int", env) == std::nullopt);
}

TEST_CASE("Result types follow the overloads and the literals") {
  CHECK(TypeOf("1 + 2") == "int");
  CHECK(TypeOf("n + 1 > 2u") == "bool");
  CHECK(TypeOf("[1, 2].map(x, x * 2)") == "list(int)");
  CHECK(TypeOf("[1, 2].filter(x, x > 1)") == "list(int)");
  CHECK(TypeOf("{'a': 1}") == "map(string, int)");
  CHECK(TypeOf("[1, 'a']") == "list(dyn)");
  CHECK(TypeOf("[] + [1]") == "list(int)");
  CHECK(TypeOf("[]") == "list(dyn)");
  CHECK(TypeOf("pet.tags[0]") == "string");
  CHECK(TypeOf("pets.exists(p, p.age > 3)") == "bool");
  CHECK(TypeOf("claims.sub") == "dyn");
  CHECK(TypeOf("a.b.c") == "string");
  CHECK(TypeOf("timestamp('2020-01-01T00:00:00Z') - duration('1s')") ==
        "google.protobuf.Timestamp");
  CHECK(TypeOf("type(1) == int") == "bool");
  CHECK(TypeOf("optional.of(1).orValue(2)") == "int");
  CHECK(TypeOf("math.abs(-1.5)") == "double");
  CHECK(TypeOf("n > 1 ? 'a' : 2") == "dyn");
  CHECK(TypeOf("s.split(',').join('-')") == "string");
}

TEST_CASE("An undeclared variable or function is reported in cel-go's words") {
  CHECK(Issues("foo + 1") == "0: undeclared reference to 'foo' (in container '')\n");
  CHECK(Issues("n + bar(1)") == "4: undeclared reference to 'bar' (in container '')\n");
  CHECK(Issues("s.frobnicate()") == "2: undeclared reference to 'frobnicate' (in container '')\n");
  CHECK(Issues("[1].exists(x, y)") == "14: undeclared reference to 'y' (in container '')\n");
  CHECK(Issues("[1].exists(x, x > 0)").empty());
}

TEST_CASE("An undefined field of an object type is reported at the field name") {
  std::vector<Issue> issues = CheckText("pet.nmae == 'x'").issues;
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].kind == Issue::Kind::kUndefinedField);
  CHECK(issues[0].message == "undefined field 'nmae'");
  CHECK(issues[0].offset == 4);
  CHECK(issues[0].name == "nmae");
  CHECK(issues[0].type == "Pet");
  CHECK(Issues("pets[0].colour") == "8: undefined field 'colour'\n");
  CHECK(Issues("has(pet.name) && pet['anything'] != null").empty());
}

TEST_CASE("Calls no overload accepts name the argument types") {
  CHECK(Issues("1 + 'a'") ==
        "2: found no matching overload for '_+_' applied to '(int, string)'\n");
  CHECK(Issues("n / u") == "2: found no matching overload for '_/_' applied to '(int, uint)'\n");
  CHECK(Issues("s.startsWith(1)") ==
        "2: found no matching overload for 'startsWith' applied to 'string.(int)'\n");
  CHECK(Issues("size(1)") == "0: found no matching overload for 'size' applied to '(int)'\n");
  CHECK(Issues("math.sqrt('x')") ==
        "5: found no matching overload for 'math.sqrt' applied to '(string)'\n");
  CHECK(Issues("duration('1s') + 1") ==
        "15: found no matching overload for '_+_' applied to '(duration, int)'\n");
  CHECK(Issues("n.size") == "2: type 'int' does not support field selection\n");
  CHECK(Issues("1 && true") == "0: expected type 'bool' but found 'int'\n");
  CHECK(Issues("1 ? 2 : 3") ==
        "2: found no matching overload for '_?_:_' applied to '(int, int, int)'\n");
  CHECK(Issues("5.map(x, x)") ==
        "0: expression of type 'int' cannot be range of a comprehension (must be list, map, or "
        "dynamic)\n");
}

TEST_CASE("dyn operands are compatible with everything") {
  CHECK(Issues("claims.n + 1 > 2.5 && claims.s.startsWith('a') && dyn(1) + 'a' == 'b'").empty());
  CHECK(Issues("claims.l.map(x, x.y)[0] == claims").empty());
}

TEST_CASE("Equality membership and ordering are as permissive as the runtime") {
  CHECK(Issues("1 == 1u && 2.0 != 'a' && 1 in [1.0, 'a'] && 1 < 2u && 2.5 >= 1").empty());
  CHECK(Issues("'a' < 1") ==
        "4: found no matching overload for '_<_' applied to '(string, int)'\n");
}

TEST_CASE("An object type is a map of its fields") {
  CHECK(Issues("'name' in pet && size(pet) > 0 && pet.all(k, k.startsWith('n'))").empty());
}

TEST_CASE("An absent variable is reported unless a null cannot fail") {
  CHECK(Issues("gone.x") == "0: undeclared reference to 'gone' (in container '')\n");
  CHECK(Issues("has(gone.x) || gone == null || null != gone").empty());
  CHECK(Issues("default(gone.x, 1) + 1").empty());
}

TEST_CASE("The special forms bind their variables") {
  CHECK(TypeOf("pet.with(p, p.age + 1)") == "int");
  CHECK(Issues("pet.with(p, p.agee)") == "14: undefined field 'agee'\n");
  CHECK(TypeOf("{'a': 1}.mapValues(v, double(v) * 2.0 > 1.0)") == "map(string, bool)");
  CHECK(Issues("{'a': 1}.mapValues(v, v + 'x')") ==
        "24: found no matching overload for '_+_' applied to '(int, string)'\n");
  CHECK(TypeOf("{'a': 1}.filterKeys(k, k.startsWith('a'))") == "map(string, int)");
  CHECK(Issues("[1].mapValues(v, v)") ==
        "4: found no matching overload for 'mapValues' applied to 'list(int).(dyn, dyn)'\n");
  CHECK(TypeOf("default(claims.x, 'y')") == "dyn");
  CHECK(Issues("default(nope.x, nope2)") ==
        "16: undeclared reference to 'nope2' (in container '')\n");
  CHECK(Issues("coalesce(nope, 1 + 'a', s)").empty());
  CHECK(Issues("coalesce(nope, nope2)") ==
        "15: undeclared reference to 'nope2' (in container '')\n");
  CHECK(Issues("default(1)") == "0: found no matching overload for 'default' applied to '(int)'\n");
}

TEST_CASE("Qualified function names are resolved before receivers") {
  CHECK(Issues("optional.none().hasValue() && strings.quote(s) != ''").empty());
  // Neither a function math.nope nor a variable math: cel-go reports both names.
  CHECK(Issues("math.nope(1)") ==
        "0: undeclared reference to 'math' (in container '')\n"
        "5: undeclared reference to 'nope' (in container '')\n");
}

TEST_CASE("Nesting deeper than the limit is typed dyn without being checked") {
  std::string text = "nope";
  for (int i = 0; i < 40; ++i) {
    text = "[" + text + "]";
  }
  auto ast = Parse(text);
  REQUIRE(ast);
  CheckOptions options;
  options.max_depth = 20;
  CheckResult result = Check(*ast, TestEnv(), options);
  CHECK(result.issues.empty());
  CHECK(Check(*ast, TestEnv()).issues.size() == 1);
}

// --- agentgateway's environments ---

std::string PhaseIssues(AttributePhase phase, const std::string& text) {
  return Issues(text, AgentgatewayEnv(phase));
}

TEST_CASE("agentgateway's declaration tables are sound") {
  CHECK(AgentgatewayDeclarationErrors().empty());
  CHECK(PhaseName(AttributePhase::kLlmRequest) == "LLM request");
}

TEST_CASE("agentgateway's variables exist in the phases that set them") {
  CHECK(PhasesProviding("response") ==
        std::vector<AttributePhase>{AttributePhase::kResponse, AttributePhase::kLogging});
  CHECK(PhasesProviding("llmRequest") == std::vector<AttributePhase>{AttributePhase::kLlmRequest});
  CHECK(PhasesProviding("env").size() == std::size(kAttributePhases));
  CHECK(PhasesProviding("nope").empty());
  CHECK(IsAgentgatewayVariable("mcpGuardrails"));
  CHECK_FALSE(IsAgentgatewayVariable("requests"));
  CHECK(AgentgatewayVariables().front() == "request");
  CHECK(PhaseIssues(AttributePhase::kRequest, "response.code == 200") ==
        "0: undeclared reference to 'response' (in container '')\n");
  CHECK(PhaseIssues(AttributePhase::kResponse, "response.code == 200").empty());
  CHECK(PhaseIssues(AttributePhase::kResources, "env.podName + request.path") ==
        "14: undeclared reference to 'request' (in container '')\n");
  CHECK(PhaseIssues(AttributePhase::kNetwork, "source.port > 1000 && destination.hostname != ''")
            .empty());
  CHECK(PhaseIssues(AttributePhase::kFrontend, "default(jwt.sub, 'anonymous') != ''").empty());
}

TEST_CASE("agentgateway's attributes have their runtime types") {
  const Env& logging = AgentgatewayEnv(AttributePhase::kLogging);
  auto type_of = [&](const std::string& text) {
    CheckResult result = CheckText(text, logging);
    INFO(text);
    CHECK(result.issues.empty());
    return result.type.ToString();
  };
  CHECK(type_of("response.code") == "uint");
  CHECK(type_of("llm.inputTokens + llm.outputTokens") == "uint");
  CHECK(type_of("llm.params.seed") == "int");
  CHECK(type_of("llm.prompt[0].content") == "string");
  CHECK(type_of("llm.cost.total") == "double");
  CHECK(type_of("request.body") == "bytes");
  CHECK(type_of("request.startTime") == "google.protobuf.Timestamp");
  CHECK(type_of("proxy.upstreamDuration") == "google.protobuf.Duration");
  CHECK(type_of("request.headers['x']") == "dyn");
  CHECK(type_of("request.headers.join()") == "map(string, dyn)");
  CHECK(type_of("request.pathAndQuery.setQuery('a', 'b')") == "string");
  CHECK(type_of("base64.decode('aGk=')") == "bytes");
  CHECK(type_of("ip('10.0.0.1').family()") == "int");
  CHECK(type_of("cidr('10.0.0.0/8').ip()") == "net.IP");
  CHECK(type_of("variables()") == "map(string, dyn)");
  CHECK(type_of("form.decode('a=1')") == "map(string, dyn)");
  CHECK(type_of("{'a': request.path}.merge({'b': 1})") == "map(string, dyn)");
  // cel-fork takes a receiver from the target or the first argument, and contains searches
  // lists and maps too.
  CHECK(type_of("startsWith(request.path, '/a') && request.path.size() == size(request.path)") ==
        "bool");
  CHECK(type_of("['GET', 'HEAD'].contains(request.method) && 'api' in request.path") == "bool");
  CHECK(type_of("response.code.string()") == "string");
  CHECK(Issues("response.code / 100", logging) ==
        "14: found no matching overload for '_/_' applied to '(uint, int)'\n");
  CHECK(Issues("request.body.contains('x')", logging) ==
        "13: found no matching overload for 'contains' applied to 'bytes.(string)'\n");
  CHECK(Issues("llm.prompt[0].text", logging) == "14: undefined field 'text'\n");
}

// --- the conformance suite as the oracle ---

// The type of a value in the suite's JSON form, as far as its kind goes.
std::optional<Type::Kind> KindOfValue(const Json& value) {
  static const std::map<std::string, Type::Kind> kKinds = {
      {"null", Type::Kind::kNull},         {"bool", Type::Kind::kBool},
      {"int", Type::Kind::kInt},           {"uint", Type::Kind::kUint},
      {"double", Type::Kind::kDouble},     {"string", Type::Kind::kString},
      {"bytes", Type::Kind::kBytes},       {"list", Type::Kind::kList},
      {"map", Type::Kind::kMap},           {"type", Type::Kind::kType},
      {"duration", Type::Kind::kDuration}, {"timestamp", Type::Kind::kTimestamp},
  };
  if (!value.is_object() || value.size() != 1) {
    return std::nullopt;
  }
  auto it = kKinds.find(value.begin().key());
  if (it == kKinds.end()) {
    return std::nullopt;
  }
  return it->second;
}

TEST_CASE("Every conformance case that cel-go checks and that has a value type-checks") {
  std::ifstream in(std::string(test::kSharedDir) + "/cel/cel-conformance.jsonl");
  REQUIRE(in.good());
  int total = 0, unchecked = 0, errors = 0, errors_flagged = 0;
  int valued = 0, clean = 0, exact_kind = 0, with_type = 0, type_agrees = 0;
  std::string failures;
  for (std::string line; std::getline(in, line);) {
    Json test = Json::parse(line);
    ++total;
    ParseOptions parse_options;
    parse_options.enable_quoted_identifiers = true;
    auto ast = Parse(test["expr"].get<std::string>(), parse_options);
    if (!ast) {
      continue;
    }
    Env env = StandardEnv();
    if (test.contains("decls")) {
      for (const auto& [name, type_text] : test["decls"].items()) {
        std::optional<Type> type = ParseType(type_text.get<std::string>(), env);
        REQUIRE(type);
        env.AddVariable(name, *type);
      }
    }
    CheckResult result = Check(*ast, env);
    if (!test.value("check", true)) {
      ++unchecked;
      continue;
    }
    if (test.contains("error")) {
      ++errors;
      errors_flagged += result.issues.empty() ? 0 : 1;
      continue;
    }
    ++valued;
    if (!result.issues.empty()) {
      failures += "\n  " + test["id"].get<std::string>() + ": " + result.issues[0].message;
      continue;
    }
    std::optional<Type::Kind> kind = KindOfValue(test["expect"]);
    bool compatible = result.type.kind == Type::Kind::kDyn || (kind && *kind == result.type.kind);
    exact_kind += kind && *kind == result.type.kind ? 1 : 0;
    if (test.contains("type")) {
      ++with_type;
      type_agrees += result.type.ToString() == test["type"].get<std::string>() ? 1 : 0;
    }
    if (!compatible) {
      failures += "\n  " + test["id"].get<std::string>() + ": typed " + result.type.ToString();
      continue;
    }
    ++clean;
  }
  WARN("checker on the conformance cases: "
       << clean << "/" << valued << " checked cases with a value type-check cleanly (" << exact_kind
       << " with the value's exact type, " << valued - exact_kind << " dyn); " << errors_flagged
       << "/" << errors << " checked cases expecting an error are flagged; " << unchecked
       << " unchecked cases skipped; " << type_agrees << "/" << with_type
       << " cases with a type agree" << failures);
  CHECK(total == 1086);
  CHECK(failures.empty());
  CHECK(clean == valued);
  CHECK(type_agrees == with_type);
}

}  // namespace
}  // namespace agw::validate::cel
