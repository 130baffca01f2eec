// Every x-kubernetes-validations rule of every built-in CRD, read by the CEL parser: a check
// that the parser reads the rules the API server compiles (3,081 in the five sets), and the
// inventory of functions the CEL evaluator (issue 13) must support for them.

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "validate/cel/parser.h"
#include "validate/schema/builtin.h"
#include "validate/schema/crd.h"

namespace agw::validate::schema {
namespace {

void CollectRules(const Schema& schema, std::vector<const ValidationRule*>& rules) {
  for (const ValidationRule& rule : schema.rules) {
    rules.push_back(&rule);
  }
  for (const auto& [name, property] : schema.properties) {
    CollectRules(property, rules);
  }
  if (schema.additional_properties) {
    CollectRules(*schema.additional_properties, rules);
  }
  if (schema.items) {
    CollectRules(*schema.items, rules);
  }
  if (schema.not_schema) {
    CollectRules(*schema.not_schema, rules);
  }
  for (const auto* list : {&schema.all_of, &schema.any_of, &schema.one_of}) {
    for (const Schema& child : *list) {
      CollectRules(child, rules);
    }
  }
}

void CollectCalls(const validate::cel::Expr& expr, std::set<std::string>& functions) {
  if (expr.kind == validate::cel::Expr::Kind::kCall) {
    functions.insert(expr.name);
  }
  if (expr.target) {
    CollectCalls(*expr.target, functions);
  }
  for (const validate::cel::ExprPtr& arg : expr.args) {
    CollectCalls(*arg, functions);
  }
  for (const validate::cel::Entry& entry : expr.entries) {
    if (entry.key) {
      CollectCalls(*entry.key, functions);
    }
    if (entry.value) {
      CollectCalls(*entry.value, functions);
    }
  }
  if (const validate::cel::Comprehension* c = expr.comprehension.get()) {
    for (const validate::cel::ExprPtr* part :
         {&c->iter_range, &c->accu_init, &c->loop_condition, &c->loop_step, &c->result}) {
      if (*part) {
        CollectCalls(**part, functions);
      }
    }
  }
}

TEST_CASE("The CEL parser reads every rule of every built-in CRD") {
  std::size_t rules_seen = 0, parsed = 0;
  std::set<std::string> functions;
  std::map<std::string, std::string> failures;  // rule -> error, one of each
  for (const BuiltinCrdSet& set : BuiltinCrdSets()) {
    for (const BuiltinCrd& builtin : set.crds) {
      auto crd = LoadBuiltinCrd(set, builtin);
      REQUIRE(crd);
      for (const CrdVersion& version : (*crd)->versions) {
        if (!version.schema) {
          continue;
        }
        std::vector<const ValidationRule*> rules;
        CollectRules(*version.schema, rules);
        for (const ValidationRule* rule : rules) {
          ++rules_seen;
          auto ast = validate::cel::Parse(rule->rule);
          if (!ast) {
            failures.emplace(rule->rule, ast.error().ToString());
            continue;
          }
          ++parsed;
          CollectCalls(*ast->root, functions);
        }
      }
    }
  }
  std::string inventory;
  for (const std::string& name : functions) {
    inventory += " " + name;
  }
  WARN("CEL rules of the built-in CRDs: " << parsed << "/" << rules_seen
                                          << " parse; functions and operators used:" << inventory);
  for (const auto& [rule, error] : failures) {
    UNSCOPED_INFO(error << " in: " << rule);
  }
  CHECK(rules_seen >= 1000);
  CHECK(failures.empty());
  // What the evaluator must implement for these CRDs (besides macros, which parse into
  // comprehensions, and has(), a test-only selection). A CRD set that uses another function
  // fails here until the evaluator supports it.
  CHECK(functions == std::set<std::string>{"!_",
                                           "@in",
                                           "@not_strictly_false",
                                           "_!=_",
                                           "_&&_",
                                           "_+_",
                                           "_-_",
                                           "_<=_",
                                           "_<_",
                                           "_==_",
                                           "_>=_",
                                           "_>_",
                                           "_?_:_",
                                           "_[_]",
                                           "_||_",
                                           "contains",
                                           "duration",
                                           "endsWith",
                                           "getHostname",
                                           "getScheme",
                                           "indexOf",
                                           "int",
                                           "isGreaterThan",
                                           "isIP",
                                           "isLessThan",
                                           "isURL",
                                           "lastIndexOf",
                                           "matches",
                                           "quantity",
                                           "size",
                                           "split",
                                           "startsWith",
                                           "string",
                                           "substring",
                                           "url"});
}

}  // namespace
}  // namespace agw::validate::schema
