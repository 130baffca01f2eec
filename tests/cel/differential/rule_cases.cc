// agw_cel_rule_cases: every evaluation of a built-in CRD's x-kubernetes-validations rule over
// real documents and deterministic mutations of them, as JSON lines, so that
// differential.test.js can evaluate the same rule on the same `self` with @bufbuild/cel and
// compare. The documents are the valid agentgateway CRD cases (agentgateway `main` CRDs) and the
// Gateway API v1.4.0 conformance manifests (the newest built-in Gateway API CRDs).
//
// Usage: agw_cel_rule_cases [--seed N] [--mutations N] [--max-cases N] [--shared DIR]
// Output, one JSON object a line:
//   {"kind":"HTTPRoute","rule":"...","self":VALUE,"result":{"bool":true}|{"error":"..."}}
//   ... and last {"summary":{...}} with the document counts and the rule coverage.
// VALUE is the CEL conformance data's tagged form, which keeps int, uint and double apart:
// {"null":null} {"bool":b} {"int":"5"} {"uint":"5"} {"double":1.5|"NaN"|"Infinity"}
// {"string":"s"} {"list":[VALUE...]} {"map":[[VALUE,VALUE]...]}; other kinds as
// {"unsupported":"<type name>"}.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/crd_cases.h"
#include "tests/support/paths.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/file_system.h"
#include "validate/manifest/loader.h"
#include "validate/schema/builtin.h"
#include "validate/schema/catalog.h"
#include "validate/schema/validator.h"

namespace agw::test {
namespace {

using validate::manifest::Value;
using validate::schema::Schema;
using Json = nlohmann::ordered_json;

// SplitMix64: the same sequence on every platform and standard library (std's distributions
// are not specified bit for bit), so a seed names one set of mutations everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for n far below 2^64; 0 when n is 0.
  std::size_t Below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(Next() % n); }

 private:
  std::uint64_t state_;
};

// Deeper values are cut off when encoded: real documents are far shallower.
constexpr int kMaxDepth = 64;
// A document's nodes considered for mutation; the largest upstream case has a few hundred.
constexpr std::size_t kMaxNodes = 20000;
// How deep a synthesized value may nest.
constexpr int kSynthesisDepth = 6;

Json Tagged(std::string_view tag, Json value) {
  Json out = Json::object();
  out[std::string(tag)] = std::move(value);
  return out;
}

Json EncodeDouble(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "Infinity" : "-Infinity";
  }
  return value;
}

Json Encode(const validate::cel::Value& value, int depth) {
  using Kind = validate::cel::Value::Kind;
  if (depth > kMaxDepth) {
    return Tagged("unsupported", "depth");
  }
  switch (value.kind()) {
    case Kind::kNull:
      return Tagged("null", nullptr);
    case Kind::kBool:
      return Tagged("bool", value.bool_value());
    case Kind::kInt:
      return Tagged("int", std::to_string(value.int_value()));
    case Kind::kUint:
      return Tagged("uint", std::to_string(value.uint_value()));
    case Kind::kDouble:
      return Tagged("double", EncodeDouble(value.double_value()));
    case Kind::kString:
      return Tagged("string", value.text());
    case Kind::kList: {
      Json items = Json::array();
      for (const validate::cel::Value& item : value.list()) {
        items.push_back(Encode(item, depth + 1));
      }
      return Tagged("list", std::move(items));
    }
    case Kind::kMap: {
      Json entries = Json::array();
      for (const auto& [key, item] : value.map()) {
        entries.push_back(Json::array({Encode(key, depth + 1), Encode(item, depth + 1)}));
      }
      return Tagged("map", std::move(entries));
    }
    default:
      return Tagged("unsupported", std::string(value.TypeName()));
  }
}

Json EncodeResult(const validate::cel::Value& result) {
  if (result.is_error()) {
    return Tagged("error", result.text());
  }
  if (result.kind() == validate::cel::Value::Kind::kBool) {
    return Tagged("bool", result.bool_value());
  }
  return Tagged("value", Encode(result, 0));
}

// Where the cases go: deduplicated by (rule, self), at most `max_cases` of them.
class CaseWriter {
 public:
  explicit CaseWriter(std::size_t max_cases) : max_cases_(max_cases) {}

  void Observe(std::string_view kind, const validate::schema::ValidationRule& rule,
               const validate::cel::Value& self, const validate::cel::Value& result) {
    ++evaluations_;
    rules_seen_.insert(rule.rule);
    if (cases_ >= max_cases_) {
      truncated_ = true;
      return;
    }
    Json encoded_self = Encode(self, 0);
    std::string self_text = encoded_self.dump();
    if (!seen_.insert(rule.rule + '\0' + self_text).second) {
      return;
    }
    Json line = Json::object();
    line["kind"] = kind;
    line["rule"] = rule.rule;
    line["self"] = std::move(encoded_self);
    line["result"] = EncodeResult(result);
    std::cout << line.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
    ++cases_;
  }

  std::size_t evaluations() const { return evaluations_; }
  std::size_t cases() const { return cases_; }
  bool truncated() const { return truncated_; }
  const std::set<std::string>& rules_seen() const { return rules_seen_; }

 private:
  std::size_t max_cases_;
  std::size_t evaluations_ = 0;
  std::size_t cases_ = 0;
  bool truncated_ = false;
  std::set<std::string> seen_;
  std::set<std::string> rules_seen_;
};

// One node of a document that a mutation can change: the entry or item indices from the root
// (an index into a map's entries or a sequence's items), and its schema when known.
struct Node {
  std::vector<std::size_t> path;
  bool in_map = false;  // the node is a map entry's value, so it can be dropped
  const Schema* schema = nullptr;
  Value::Type type = Value::Type::kNull;
};

const Schema* ChildSchema(const Schema* parent, std::string_view key) {
  if (parent == nullptr) {
    return nullptr;
  }
  if (const Schema* property = parent->Property(key)) {
    return property;
  }
  return parent->additional_properties.get();
}

// The document's nodes below the root, in document order, leaving out the root's apiVersion,
// kind and metadata (their rules are not the CRD's).
std::vector<Node> CollectNodes(const Value& root, const Schema& root_schema) {
  struct Pending {
    const Value* value;
    Node node;
  };
  std::vector<Node> nodes;
  std::vector<Pending> stack;
  const std::vector<validate::manifest::MapEntry>& top = root.entries();
  for (std::size_t i = top.size(); i-- > 0;) {
    const std::string& key = top[i].key;
    if (key == "apiVersion" || key == "kind" || key == "metadata") {
      continue;
    }
    stack.push_back({&top[i].value, Node{{i}, true, ChildSchema(&root_schema, key), {}}});
  }
  while (!stack.empty() && nodes.size() < kMaxNodes) {
    Pending pending = std::move(stack.back());
    stack.pop_back();
    const Value& value = *pending.value;
    pending.node.type = value.type();
    // Children pushed last-first so that they come out in document order.
    if (value.is_map()) {
      const std::vector<validate::manifest::MapEntry>& entries = value.entries();
      for (std::size_t i = entries.size(); i-- > 0;) {
        Node child{pending.node.path, true, ChildSchema(pending.node.schema, entries[i].key), {}};
        child.path.push_back(i);
        stack.push_back({&entries[i].value, std::move(child)});
      }
    } else if (value.is_sequence()) {
      const Schema* items =
          pending.node.schema != nullptr ? pending.node.schema->items.get() : nullptr;
      for (std::size_t i = value.items().size(); i-- > 0;) {
        Node child{pending.node.path, false, items, {}};
        child.path.push_back(i);
        stack.push_back({&value.items()[i], std::move(child)});
      }
    }
    nodes.push_back(std::move(pending.node));
  }
  return nodes;
}

// The node `depth` steps down `path` (all of it when depth is the path's length).
Value* Navigate(Value& root, const std::vector<std::size_t>& path, std::size_t depth) {
  Value* at = &root;
  for (std::size_t i = 0; i < depth; ++i) {
    if (at->is_map() && path[i] < at->entries().size()) {
      at = &at->mutable_entries()[path[i]].value;
    } else if (at->is_sequence() && path[i] < at->items().size()) {
      at = &at->mutable_items()[path[i]];
    } else {
      return nullptr;
    }
  }
  return at;
}

// Strings that rules look at: empty, durations (Go's time.ParseDuration edge cases), wildcards,
// paths, URLs, case, non-ASCII text (size() counts code points), spaces and newlines.
constexpr std::string_view kStrings[] = {"",
                                         "0",
                                         "0s",
                                         "-1s",
                                         "+1s",
                                         "1.5h",
                                         ".5s",
                                         "5.s",
                                         "1us",
                                         "1\u00b5s",
                                         "1h30m",
                                         "1d",
                                         "*",
                                         "*.example.com",
                                         "/",
                                         "/a//b",
                                         "a/b",
                                         "https://example.com:8443/path",
                                         "UPPER_case",
                                         "10.0.0.1",
                                         "x-y.z",
                                         "\u00f1and\u00fa",
                                         "\u65e5\u672c",
                                         "\U0001F600",
                                         "a\nb",
                                         " padded "};
// Duration texts for the rules that parse a string with duration(): what Go's
// time.ParseDuration (cel-go's conversion) accepts and rejects, and the int64 nanosecond limit.
constexpr std::string_view kDurations[] = {
    "0",           "-0",          "+0",       "0s",       "-1s",      "+1s",   "1.5h",
    ".5s",         "5.s",         "1.s",      "1us",      "1\u00b5s", "1h30m", "1h-30m",
    "1d",          "1e3s",        "00001s",   "1m60s",    "-",        "+",     "s",
    "9223372036s", "9223372037s", "2562047h", "2562048h", "1S",       " 1s"};
constexpr std::int64_t kInts[] = {0,
                                  -1,
                                  1,
                                  65535,
                                  65536,
                                  2147483648LL,
                                  std::numeric_limits<std::int64_t>::max(),
                                  std::numeric_limits<std::int64_t>::min()};
constexpr double kDoubles[] = {0.0, -1.5, 0.5, 1e300};

enum class Op {
  kDrop,
  kString,
  kDuration,
  kLongString,
  kEnumSwap,
  kInt,
  kDouble,
  kFlip,
  kDropItem,
  kDuplicateItem,
  kClear,
  kAdd
};

std::vector<std::string> StringEnum(const Schema* schema) {
  std::vector<std::string> values;
  if (schema == nullptr) {
    return values;
  }
  for (const validate::schema::Json& value : schema->enum_values) {
    if (value.is_string()) {
      values.push_back(value.get<std::string>());
    }
  }
  return values;
}

// The properties of an object schema that `value` does not have.
std::vector<const std::string*> AbsentProperties(const Schema* schema, const Value& value) {
  std::vector<const std::string*> absent;
  if (schema == nullptr) {
    return absent;
  }
  for (const auto& [name, property] : schema->properties) {
    if (value.Find(name) == nullptr) {
      absent.push_back(&name);
    }
  }
  return absent;
}

// A small value of `schema`'s type that the schema accepts in most cases: an object with its
// required properties (and now and then one optional one), a list of one item, an enum value or
// a plain scalar. Objects and lists below `depth` levels are left empty, since schemas nest. The
// type always matches: the API server runs no rule on an object of the wrong shape.
Value Synthesize(const Schema* schema, Rng& rng, validate::manifest::Position at, int depth) {
  if (schema == nullptr) {
    return Value::Map(at);
  }
  if (schema->int_or_string) {
    return Value::String("1", at);
  }
  if (!schema->enum_values.empty()) {
    const validate::schema::Json& value =
        schema->enum_values[rng.Below(schema->enum_values.size())];
    return Value::FromJson(Json::parse(value.dump(), nullptr, false), at);
  }
  switch (schema->type) {
    case Schema::Type::kObject: {
      Value object = Value::Map(at);
      if (depth <= 0) {
        return object;
      }
      for (const std::string& name : schema->required) {
        object.Set(name, Synthesize(schema->Property(name), rng, at, depth - 1), at);
      }
      std::vector<const std::string*> absent = AbsentProperties(schema, object);
      if (!absent.empty() && rng.Below(2) == 0) {
        const std::string& name = *absent[rng.Below(absent.size())];
        object.Set(name, Synthesize(schema->Property(name), rng, at, depth - 1), at);
      }
      return object;
    }
    case Schema::Type::kArray: {
      Value list = Value::Sequence(at);
      if (depth > 0) {
        list.Push(Synthesize(schema->items.get(), rng, at, depth - 1));
      }
      return list;
    }
    case Schema::Type::kString:
      return Value::String(
          rng.Below(2) == 0 ? "example" : std::string(kStrings[rng.Below(std::size(kStrings))]),
          at);
    case Schema::Type::kInteger:
      return Value::Int(1, "1", at);
    case Schema::Type::kNumber:
      return Value::Float(1.5, "1.5", at);
    case Schema::Type::kBoolean:
      return Value::Bool(true, "true", at);
    case Schema::Type::kUnset:
      break;
  }
  return Value::Map(at);
}

std::vector<Op> OpsFor(const Node& node, const Value& value) {
  std::vector<Op> ops;
  if (node.in_map) {
    ops.push_back(Op::kDrop);
  }
  switch (node.type) {
    case Value::Type::kString:
      ops.push_back(Op::kString);
      ops.push_back(Op::kDuration);
      ops.push_back(Op::kLongString);
      if (StringEnum(node.schema).size() > 1) {
        ops.push_back(Op::kEnumSwap);
      }
      break;
    case Value::Type::kInt:
      ops.push_back(Op::kInt);
      break;
    case Value::Type::kFloat:
      ops.push_back(Op::kDouble);
      break;
    case Value::Type::kBool:
      ops.push_back(Op::kFlip);
      break;
    case Value::Type::kSequence:
      ops.push_back(Op::kDropItem);
      ops.push_back(Op::kDuplicateItem);
      ops.push_back(Op::kClear);
      break;
    case Value::Type::kMap:
      ops.push_back(Op::kClear);
      // Adding is the only way to reach the rules of fields the upstream documents never set:
      // weighted up.
      if (!AbsentProperties(node.schema, value).empty()) {
        ops.insert(ops.end(), 3, Op::kAdd);
      }
      break;
    case Value::Type::kNull:
      break;
  }
  return ops;
}

// Applies one random mutation to `root`; false when the document has nothing to mutate.
bool Mutate(Value& root, const Schema& root_schema, Rng& rng) {
  std::vector<Node> nodes = CollectNodes(root, root_schema);
  if (nodes.empty()) {
    return false;
  }
  const Node& node = nodes[rng.Below(nodes.size())];
  Value* parent = Navigate(root, node.path, node.path.size() - 1);
  Value* target = Navigate(root, node.path, node.path.size());
  if (parent == nullptr || target == nullptr) {
    return false;
  }
  std::vector<Op> ops = OpsFor(node, *target);
  if (ops.empty()) {
    return false;
  }
  Op op = ops[rng.Below(ops.size())];
  validate::manifest::Position at = target->position();
  switch (op) {
    case Op::kDrop: {
      std::vector<validate::manifest::MapEntry>& entries = parent->mutable_entries();
      entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(node.path.back()));
      return true;
    }
    case Op::kString:
      *target = Value::String(std::string(kStrings[rng.Below(std::size(kStrings))]), at);
      return true;
    case Op::kDuration:
      *target = Value::String(std::string(kDurations[rng.Below(std::size(kDurations))]), at);
      return true;
    case Op::kLongString:
      *target = Value::String(target->text() + std::string(300, 'a'), at);
      return true;
    case Op::kEnumSwap: {
      std::vector<std::string> values = StringEnum(node.schema);
      std::erase(values, target->text());
      if (values.empty()) {
        return false;
      }
      *target = Value::String(values[rng.Below(values.size())], at);
      return true;
    }
    case Op::kInt: {
      std::int64_t value = kInts[rng.Below(std::size(kInts))];
      *target = Value::Int(value, std::to_string(value), at);
      return true;
    }
    case Op::kDouble: {
      double value = kDoubles[rng.Below(std::size(kDoubles))];
      *target = Value::Float(value, std::to_string(value), at);
      return true;
    }
    case Op::kFlip:
      *target = Value::Bool(!target->bool_value(), target->bool_value() ? "false" : "true", at);
      return true;
    case Op::kDropItem: {
      std::vector<Value>& items = target->mutable_items();
      if (items.empty()) {
        return false;
      }
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(rng.Below(items.size())));
      return true;
    }
    case Op::kDuplicateItem: {
      std::vector<Value>& items = target->mutable_items();
      if (items.empty()) {
        return false;
      }
      Value copy = items[rng.Below(items.size())];
      items.push_back(std::move(copy));
      return true;
    }
    case Op::kClear:
      target->mutable_items().clear();
      target->mutable_entries().clear();
      return true;
    case Op::kAdd: {
      std::vector<const std::string*> absent = AbsentProperties(node.schema, *target);
      if (absent.empty()) {
        return false;
      }
      std::string name = *absent[rng.Below(absent.size())];
      Value value = Synthesize(node.schema->Property(name), rng, at, kSynthesisDepth);
      target->Set(std::move(name), std::move(value), at);
      return true;
    }
  }
  return false;
}

struct Options {
  std::uint64_t seed = 1;
  std::size_t mutations = 20;  // per document
  std::size_t max_cases = 60000;
  std::string shared_dir = kSharedDir;
};

struct Counts {
  std::size_t documents = 0;
  std::size_t variants = 0;
  std::size_t skipped = 0;  // resources with no built-in CRD version
};

// Runs the rules over `resource` and its mutations, as the API server would on create.
void RunResource(const validate::manifest::Resource& resource,
                 const validate::schema::CrdCatalog& catalog, const Options& options, Rng& rng,
                 CaseWriter& writer, Counts& counts) {
  std::shared_ptr<const validate::schema::Crd> crd =
      catalog.Find(resource.id.group, resource.id.kind);
  const validate::schema::CrdVersion* version =
      crd != nullptr ? crd->Version(validate::manifest::VersionOf(resource.api_version)) : nullptr;
  if (version == nullptr || !version->schema) {
    ++counts.skipped;
    return;
  }
  ++counts.documents;
  const Schema& root_schema = *version->schema;
  auto run = [&](Value object) {
    if (version->status_subresource) {
      std::erase_if(object.mutable_entries(), [](const validate::manifest::MapEntry& entry) {
        return entry.key == "status";
      });
    }
    validate::schema::ApplyDefaults(root_schema, object);
    ++counts.variants;
    validate::schema::ValidateRules(
        root_schema, object,
        [&](const validate::schema::ValidationRule& rule, const validate::cel::Value& self,
            const validate::cel::Value& result) {
          writer.Observe(resource.id.kind, rule, self, result);
        });
  };
  run(resource.object);
  for (std::size_t i = 0; i < options.mutations; ++i) {
    Value mutated = resource.object;
    // Now and then two edits, for rules that relate two fields.
    std::size_t edits = rng.Below(3) == 0 ? 2 : 1;
    bool changed = false;
    for (std::size_t e = 0; e < edits; ++e) {
      changed = Mutate(mutated, root_schema, rng) || changed;
    }
    if (changed) {
      run(std::move(mutated));
    }
  }
}

void RunManifest(const validate::manifest::Manifest& loaded,
                 const validate::schema::CrdCatalog& catalog, const Options& options, Rng& rng,
                 CaseWriter& writer, Counts& counts) {
  for (const validate::manifest::Resource& resource : loaded.resources) {
    RunResource(resource, catalog, options, rng, writer, counts);
  }
}

// The rule texts a create evaluates (transition rules without optionalOldSelf never run), of
// every CRD of the set.
void CollectRules(const validate::schema::BuiltinCrdSet& set, std::set<std::string>& rules,
                  std::set<std::string>& transition_rules) {
  for (const validate::schema::BuiltinCrd& builtin : set.crds) {
    auto crd = validate::schema::LoadBuiltinCrd(set, builtin);
    if (!crd) {
      continue;
    }
    for (const validate::schema::CrdVersion& version : (*crd)->versions) {
      if (!version.schema) {
        continue;
      }
      std::vector<const Schema*> stack = {version.schema.get()};
      // Each node is visited once: the schema is a tree.
      while (!stack.empty()) {
        const Schema* node = stack.back();
        stack.pop_back();
        for (const validate::schema::ValidationRule& rule : node->rules) {
          if (rule.program->reads_old_self() && !rule.optional_old_self) {
            transition_rules.insert(rule.rule);
          } else {
            rules.insert(rule.rule);
          }
        }
        for (const auto& [name, property] : node->properties) {
          stack.push_back(&property);
        }
        if (node->additional_properties) {
          stack.push_back(node->additional_properties.get());
        }
        if (node->items) {
          stack.push_back(node->items.get());
        }
        if (node->not_schema) {
          stack.push_back(node->not_schema.get());
        }
        for (const auto* branches : {&node->all_of, &node->any_of, &node->one_of}) {
          for (const Schema& branch : *branches) {
            stack.push_back(&branch);
          }
        }
      }
    }
  }
}

bool ParseNumber(std::string_view text, std::uint64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

int Run(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "missing value for " << flag << "\n";
      return 2;
    }
    std::string_view value = argv[++i];
    std::uint64_t number = 0;
    if (flag == "--shared") {
      options.shared_dir = std::string(value);
    } else if (!ParseNumber(value, number)) {
      std::cerr << "not a number: " << value << "\n";
      return 2;
    } else if (flag == "--seed") {
      options.seed = number;
    } else if (flag == "--mutations") {
      options.mutations = static_cast<std::size_t>(std::min<std::uint64_t>(number, 1000));
    } else if (flag == "--max-cases") {
      options.max_cases = static_cast<std::size_t>(number);
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  auto catalog = validate::schema::CrdCatalog::WithBuiltinSets("", "main");
  if (!catalog) {
    std::cerr << catalog.error() << "\n";
    return 1;
  }
  Rng rng(options.seed);
  CaseWriter writer(options.max_cases);
  Counts counts;

  // agentgateway's valid CRD cases.
  std::size_t crd_case_documents = 0;
  for (const CrdCase& c : ReadCrdCases()) {
    if (c.invalid) {
      continue;
    }
    validate::manifest::Manifest loaded;
    validate::manifest::DiagnosticSink sink;
    validate::manifest::LoadText(loaded, c.file, c.document, validate::manifest::LoadOptions{},
                                 sink);
    crd_case_documents += loaded.resources.size();
    RunManifest(loaded, *catalog, options, rng, writer, counts);
  }

  // The Gateway API conformance manifests, file by file: they reuse names across files, which
  // one load of the whole folder would drop as duplicates.
  std::filesystem::path conformance = std::filesystem::path(options.shared_dir) /
                                      "upstream-testdata/gateway-api-conformance-v1.4.0";
  std::vector<std::string> files;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(conformance, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->path().extension() == ".yaml") {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  validate::manifest::DiskFileSystem disk;
  std::size_t conformance_documents = 0;
  for (const std::string& file : files) {
    validate::manifest::LoadOptions load;
    load.paths = {file};
    validate::manifest::DiagnosticSink sink;
    validate::manifest::Manifest loaded = validate::manifest::Load(load, disk, sink);
    for (const validate::manifest::Resource& resource : loaded.resources) {
      if (resource.id.group == "gateway.networking.k8s.io") {
        ++conformance_documents;
      }
    }
    RunManifest(loaded, *catalog, options, rng, writer, counts);
  }

  std::set<std::string> rules, transition_rules;
  for (const auto& [project, version] : {std::pair{"gateway-api", ""}, {"agentgateway", "main"}}) {
    if (const validate::schema::BuiltinCrdSet* set =
            validate::schema::FindBuiltinCrdSet(project, version)) {
      CollectRules(*set, rules, transition_rules);
    }
  }
  Json never = Json::array();
  std::size_t evaluated = 0;
  for (const std::string& rule : rules) {
    if (writer.rules_seen().contains(rule)) {
      ++evaluated;
    } else {
      never.push_back(rule);
    }
  }
  Json summary = Json::object();
  summary["seed"] = options.seed;
  summary["mutations_per_document"] = options.mutations;
  summary["crd_case_documents"] = crd_case_documents;
  summary["conformance_documents"] = conformance_documents;
  summary["documents"] = counts.documents;
  summary["skipped_documents"] = counts.skipped;
  summary["variants"] = counts.variants;
  summary["evaluations"] = writer.evaluations();
  summary["cases"] = writer.cases();
  summary["truncated"] = writer.truncated();
  summary["rules"] = rules.size();
  summary["rules_evaluated"] = evaluated;
  summary["transition_rules"] = transition_rules.size();
  summary["rules_never_evaluated"] = std::move(never);
  std::cout
      << Tagged("summary", std::move(summary)).dump(-1, ' ', false, Json::error_handler_t::replace)
      << '\n';
  std::cout.flush();
  return std::cout.good() ? 0 : 1;
}

}  // namespace
}  // namespace agw::test

int main(int argc, char** argv) { return agw::test::Run(argc, argv); }
