#include "emulator/policy/global_rate_limit.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "validate/cel/agentgateway_values.h"
#include "validate/manifest/diagnostic.h"
#include "validate/manifest/source.h"
#include "validate/manifest/yaml_reader.h"

namespace agw::emulator::policy {
namespace {

using validate::manifest::MapEntry;
using validate::manifest::Value;
using K = validate::cel::Value::Kind;

constexpr std::uint32_t kMaxUint32 = std::numeric_limits<std::uint32_t>::max();

struct UnitInfo {
  RateLimitUnit unit;
  std::string_view name;
  std::int64_t seconds;
};

constexpr std::array<UnitInfo, 7> kUnits = {{
    {RateLimitUnit::kSecond, "SECOND", 1},
    {RateLimitUnit::kMinute, "MINUTE", 60},
    {RateLimitUnit::kHour, "HOUR", 60 * 60},
    {RateLimitUnit::kDay, "DAY", 60 * 60 * 24},
    {RateLimitUnit::kWeek, "WEEK", 60 * 60 * 24 * 7},
    {RateLimitUnit::kMonth, "MONTH", 60 * 60 * 24 * 30},
    {RateLimitUnit::kYear, "YEAR", 60 * 60 * 24 * 365},
}};

const UnitInfo& InfoOf(RateLimitUnit unit) {
  for (const UnitInfo& info : kUnits) {
    if (info.unit == unit) {
      return info;
    }
  }
  return kUnits[0];
}

std::string AsciiUpper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return upper;
}

// ----- ReadGlobalRateLimit ----------------------------------------------------------------------

std::optional<std::string> ScalarText(const Value* value) {
  if (value == nullptr || !value->is_scalar() || value->is_null()) {
    return std::nullopt;
  }
  return value->text();
}

// ----- BuildDescriptors -------------------------------------------------------------------------

// cost as agentgateway reads it (eval, then as_unsigned): a uint, or an int that is not
// negative.
std::optional<std::uint64_t> CostOf(const validate::cel::Value& value) {
  if (value.kind() == K::kUint) {
    return value.uint_value();
  }
  if (value.kind() == K::kInt && value.int_value() >= 0) {
    return static_cast<std::uint64_t>(value.int_value());
  }
  return std::nullopt;
}

// limitOverride as agentgateway reads it: the result as JSON, deserialized into
// {unit: String, requestsPerUnit (alias requests_per_unit): u32}; other keys are ignored, both
// spellings at once are serde's "duplicate field".
std::optional<RateLimitOverride> OverrideOf(const validate::cel::Value& value) {
  if (value.is_error()) {
    return std::nullopt;
  }
  nlohmann::json json = ToJson(value);
  if (!json.is_object()) {
    return std::nullopt;
  }
  auto unit = json.find("unit");
  auto camel = json.find("requestsPerUnit");
  auto snake = json.find("requests_per_unit");
  if (unit == json.end() || !unit->is_string() || (camel == json.end()) == (snake == json.end())) {
    return std::nullopt;
  }
  const nlohmann::json& count = camel != json.end() ? *camel : *snake;
  RateLimitOverride result;
  if (count.is_number_unsigned()) {
    std::uint64_t n = count.get<std::uint64_t>();
    if (n > kMaxUint32) {
      return std::nullopt;
    }
    result.requests_per_unit = static_cast<std::uint32_t>(n);
  } else if (count.is_number_integer()) {
    std::int64_t n = count.get<std::int64_t>();
    if (n < 0 || n > static_cast<std::int64_t>(kMaxUint32)) {
      return std::nullopt;
    }
    result.requests_per_unit = static_cast<std::uint32_t>(n);
  } else {
    return std::nullopt;  // a double (even 5.0) or anything else: serde's "invalid type"
  }
  // Week is a unit of the protocol but not one agentgateway's override accepts.
  std::string name = AsciiUpper(unit->get<std::string>());
  for (const UnitInfo& info : kUnits) {
    if (info.name == name && info.unit != RateLimitUnit::kWeek) {
      result.unit = info.unit;
      return result;
    }
  }
  return std::nullopt;
}

// ----- RateLimitServiceConfig -------------------------------------------------------------------

class ConfigReader {
 public:
  explicit ConfigReader(std::string path) : path_(std::move(path)) {}

  Expected<RateLimitServiceDomain> Read(const Value& root) {
    RateLimitServiceDomain domain;
    domain.path = path_;
    if (auto known = CheckKeys(root, "", {"domain", "descriptors"}); !known) {
      return tl::unexpected(known.error());
    }
    const Value* name = root.Find("domain");
    if (name != nullptr && !name->is_scalar()) {
      return Fail(name->position(), "domain", "must be a string");
    }
    domain.domain = name == nullptr || name->is_null() ? "" : name->text();
    if (domain.domain.empty()) {
      return Fail(name != nullptr ? name->position() : root.position(), "domain",
                  "config file cannot have empty domain");
    }
    if (const Value* list = root.Find("descriptors")) {
      if (auto read =
              ReadDescriptors(*list, "descriptors", domain.domain + ".", 1, domain.descriptors);
          !read) {
        return tl::unexpected(read.error());
      }
    }
    return domain;
  }

  tl::unexpected<Error> Fail(const validate::manifest::Position& position, const std::string& field,
                             const std::string& message) const {
    std::string where = position.known() ? position.ToString() : path_;
    return MakeError(where + ": " + (field.empty() ? "" : field + ": ") + message);
  }

 private:
  Expected<void> CheckKeys(const Value& map, const std::string& field,
                           std::initializer_list<std::string_view> allowed) const {
    for (const MapEntry& entry : map.entries()) {
      if (std::find(allowed.begin(), allowed.end(), entry.key) == allowed.end()) {
        return Fail(entry.key_position, field.empty() ? entry.key : field + "." + entry.key,
                    "config error, unknown key '" + entry.key + "'");
      }
    }
    return {};
  }

  // A string field; null or absent is "" (as yaml.v2 leaves a Go string), other scalars are
  // their text as written.
  Expected<std::string> StringField(const Value& map, std::string_view key,
                                    const std::string& field) const {
    const Value* value = map.Find(key);
    if (value == nullptr || value->is_null()) {
      return std::string();
    }
    if (!value->is_scalar()) {
      return Fail(value->position(), field, "must be a string");
    }
    return value->text();
  }

  Expected<bool> BoolField(const Value& map, std::string_view key, const std::string& field) const {
    const Value* value = map.Find(key);
    if (value == nullptr || value->is_null()) {
      return false;
    }
    if (!value->is_bool()) {
      return Fail(value->position(), field, "must be true or false");
    }
    return value->bool_value();
  }

  Expected<std::optional<RateLimitServiceLimit>> ReadLimit(const Value& block,
                                                           const std::string& field) const {
    if (block.is_null()) {
      return std::nullopt;
    }
    if (!block.is_map()) {
      return Fail(block.position(), field, "must be a map");
    }
    if (auto known =
            CheckKeys(block, field, {"unit", "requests_per_unit", "unlimited", "name", "replaces"});
        !known) {
      return tl::unexpected(known.error());
    }
    RateLimitServiceLimit limit;
    Expected<bool> unlimited = BoolField(block, "unlimited", field + ".unlimited");
    if (!unlimited) {
      return tl::unexpected(unlimited.error());
    }
    limit.unlimited = *unlimited;
    Expected<std::string> unit = StringField(block, "unit", field + ".unit");
    if (!unit) {
      return tl::unexpected(unit.error());
    }
    std::string upper = AsciiUpper(*unit);
    auto info = std::find_if(kUnits.begin(), kUnits.end(),
                             [&](const UnitInfo& u) { return u.name == upper; });
    const Value* unit_value = block.Find("unit");
    auto unit_position = unit_value != nullptr ? unit_value->position() : block.position();
    if (limit.unlimited) {
      if (info != kUnits.end()) {
        return Fail(unit_position, field + ".unit",
                    "should not specify rate limit unit when unlimited");
      }
    } else if (info == kUnits.end()) {
      return Fail(unit_position, field + ".unit", "invalid rate limit unit '" + *unit + "'");
    } else {
      limit.unit = info->unit;
    }
    if (const Value* count = block.Find("requests_per_unit");
        count != nullptr && !count->is_null()) {
      if (!count->is_int() || count->int_value() < 0 ||
          count->int_value() > static_cast<std::int64_t>(kMaxUint32)) {
        return Fail(count->position(), field + ".requests_per_unit",
                    "must be an integer from 0 to 4294967295");
      }
      limit.requests_per_unit = static_cast<std::uint32_t>(count->int_value());
    }
    Expected<std::string> name = StringField(block, "name", field + ".name");
    if (!name) {
      return tl::unexpected(name.error());
    }
    limit.name = *name;
    if (const Value* replaces = block.Find("replaces");
        replaces != nullptr && !replaces->is_null()) {
      if (!replaces->is_sequence()) {
        return Fail(replaces->position(), field + ".replaces", "must be a list");
      }
      for (std::size_t i = 0; i < replaces->items().size(); ++i) {
        const Value& item = replaces->items()[i];
        std::string item_field = field + ".replaces[" + std::to_string(i) + "]";
        if (!item.is_map()) {
          return Fail(item.position(), item_field,
                      "config error, yaml file contains list of type other than map");
        }
        if (auto known = CheckKeys(item, item_field, {"name"}); !known) {
          return tl::unexpected(known.error());
        }
        Expected<std::string> replaced = StringField(item, "name", item_field + ".name");
        if (!replaced) {
          return tl::unexpected(replaced.error());
        }
        if (replaced->empty()) {
          return Fail(item.position(), item_field, "should not have an empty replaces entry");
        }
        if (*replaced == limit.name) {
          return Fail(item.position(), item_field,
                      "replaces should not contain name of same descriptor");
        }
        limit.replaces.push_back(*replaced);
      }
    }
    return limit;
  }

  Expected<void> ReadDescriptors(const Value& list, const std::string& field,
                                 const std::string& parent_key, int depth,
                                 std::vector<RateLimitServiceDescriptor>& out) {
    if (list.is_null()) {
      return {};
    }
    if (!list.is_sequence()) {
      return Fail(list.position(), field, "must be a list");
    }
    if (depth > RateLimitServiceConfig::kMaxDepth) {
      return Fail(list.position(), field,
                  "descriptors nest deeper than " +
                      std::to_string(RateLimitServiceConfig::kMaxDepth) + " levels");
    }
    // envoy-ratelimit keys each level by "<key>" or "<key>_<value>".
    std::set<std::string> final_keys;
    for (std::size_t i = 0; i < list.items().size(); ++i) {
      const Value& item = list.items()[i];
      std::string item_field = field + "[" + std::to_string(i) + "]";
      if (!item.is_map()) {
        return Fail(item.position(), item_field,
                    "config error, yaml file contains list of type other than map");
      }
      if (auto known = CheckKeys(
              item, item_field,
              {"key", "value", "rate_limit", "descriptors", "shadow_mode", "detailed_metric"});
          !known) {
        return known;
      }
      if (++count_ > RateLimitServiceConfig::kMaxDescriptorsPerDomain) {
        return Fail(item.position(), item_field,
                    "more than " +
                        std::to_string(RateLimitServiceConfig::kMaxDescriptorsPerDomain) +
                        " descriptors in one domain");
      }
      RateLimitServiceDescriptor descriptor;
      Expected<std::string> key = StringField(item, "key", item_field + ".key");
      if (!key) {
        return tl::unexpected(key.error());
      }
      if (key->empty()) {
        const Value* key_value = item.Find("key");
        return Fail(key_value != nullptr ? key_value->position() : item.position(),
                    item_field + ".key", "descriptor has empty key");
      }
      descriptor.key = *key;
      Expected<std::string> value = StringField(item, "value", item_field + ".value");
      if (!value) {
        return tl::unexpected(value.error());
      }
      descriptor.value = *value;
      std::string final_key =
          descriptor.value.empty() ? descriptor.key : descriptor.key + "_" + descriptor.value;
      std::string composite = parent_key + final_key;
      if (!final_keys.insert(final_key).second) {
        return Fail(item.position(), item_field,
                    "duplicate descriptor composite key '" + composite + "'");
      }
      Expected<bool> shadow = BoolField(item, "shadow_mode", item_field + ".shadow_mode");
      if (!shadow) {
        return tl::unexpected(shadow.error());
      }
      if (Expected<bool> detailed =
              BoolField(item, "detailed_metric", item_field + ".detailed_metric");
          !detailed) {
        return tl::unexpected(detailed.error());
      }
      if (const Value* block = item.Find("rate_limit")) {
        auto limit = ReadLimit(*block, item_field + ".rate_limit");
        if (!limit) {
          return tl::unexpected(limit.error());
        }
        descriptor.rate_limit = std::move(*limit);
        if (descriptor.rate_limit) {
          descriptor.rate_limit->shadow_mode = *shadow;
        }
      }
      if (const Value* nested = item.Find("descriptors")) {
        if (auto read = ReadDescriptors(*nested, item_field + ".descriptors", composite + ".",
                                        depth + 1, descriptor.descriptors);
            !read) {
          return read;
        }
      }
      out.push_back(std::move(descriptor));
    }
    return {};
  }

  std::string path_;
  std::size_t count_ = 0;
};

// The node of `level` an entry reaches (GetLimit): key and value, then a wildcard value that
// prefixes the entry's, then the key alone.
const RateLimitServiceDescriptor* MatchLevel(const std::vector<RateLimitServiceDescriptor>& level,
                                             const std::pair<std::string, std::string>& entry) {
  for (const RateLimitServiceDescriptor& node : level) {
    if (!node.value.empty() && node.key == entry.first && node.value == entry.second) {
      return &node;
    }
  }
  for (const RateLimitServiceDescriptor& node : level) {
    if (!node.value.empty() && node.value.back() == '*' && node.key == entry.first) {
      std::string_view prefix(node.value.data(), node.value.size() - 1);
      if (std::string_view(entry.second).substr(0, prefix.size()) == prefix) {
        return &node;
      }
    }
  }
  for (const RateLimitServiceDescriptor& node : level) {
    if (node.value.empty() && node.key == entry.first) {
      return &node;
    }
  }
  return nullptr;
}

std::string CounterKey(const std::string& domain, const DescriptorEntries& entries,
                       RateLimitUnit unit) {
  // Length-prefixed parts: no key or value can make two descriptors share a counter.
  std::string key;
  auto add = [&](std::string_view part) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
  };
  add(domain);
  for (const auto& [name, value] : entries) {
    add(name);
    add(value);
  }
  add(InfoOf(unit).name);
  return key;
}

}  // namespace

std::string_view RateLimitUnitName(RateLimitUnit unit) { return InfoOf(unit).name; }

std::int64_t RateLimitUnitSeconds(RateLimitUnit unit) { return InfoOf(unit).seconds; }

bool GlobalRateLimitConfig::Has(GlobalDescriptor::Type type) const {
  return std::any_of(descriptors.begin(), descriptors.end(),
                     [&](const GlobalDescriptor& d) { return d.type == type; });
}

GlobalRateLimitConfig ReadGlobalRateLimit(const Value& global, std::vector<std::string>* problems) {
  GlobalRateLimitConfig config;
  auto problem = [&](const std::string& text) {
    if (problems != nullptr) {
      problems->push_back(text);
    }
  };
  if (!global.is_map()) {
    problem("global must be an object");
    return config;
  }
  config.domain = ScalarText(global.Find("domain")).value_or("");
  if (config.domain.empty()) {
    problem("domain is required");
  }
  if (std::optional<std::string> mode = ScalarText(global.Find("failureMode"))) {
    if (*mode == "FailOpen") {
      config.failure_mode = GlobalRateLimitConfig::FailureMode::kFailOpen;
    } else if (*mode != "FailClosed") {
      problem("failureMode must be FailOpen or FailClosed");
    }
  }
  const Value* descriptors = global.Find("descriptors");
  if (descriptors == nullptr || !descriptors->is_sequence() || descriptors->items().empty()) {
    problem("descriptors must list at least one descriptor");
    return config;
  }
  for (std::size_t i = 0; i < descriptors->items().size(); ++i) {
    const Value& item = descriptors->items()[i];
    std::string at = "descriptors[" + std::to_string(i) + "]";
    GlobalDescriptor descriptor;
    std::optional<std::string> unit = ScalarText(item.Find("unit"));
    if (!unit || *unit == "Requests") {
      descriptor.type = GlobalDescriptor::Type::kRequests;
    } else if (*unit == "Tokens") {
      descriptor.type = GlobalDescriptor::Type::kTokens;
    } else {
      problem(at + ": unit must be Requests or Tokens");
      continue;
    }
    const Value* entries = item.Find("entries");
    bool complete = true;
    for (std::size_t j = 0;
         entries != nullptr && entries->is_sequence() && j < entries->items().size(); ++j) {
      const Value& entry = entries->items()[j];
      std::optional<std::string> name = ScalarText(entry.Find("name"));
      std::optional<std::string> expression = ScalarText(entry.Find("expression"));
      if (!name || name->empty() || !expression) {
        problem(at + ".entries[" + std::to_string(j) + "]: name and expression are required");
        complete = false;
        break;
      }
      descriptor.entries.push_back({*name, RuntimeExpression(*expression)});
    }
    if (!complete) {
      continue;
    }
    if (descriptor.entries.empty()) {
      // agentgateway skips a descriptor without entries (the RLS needs at least one).
      problem(at + ": entries must list at least one entry");
      continue;
    }
    if (std::optional<std::string> cost = ScalarText(item.Find("cost"))) {
      descriptor.cost.emplace(*cost);
    }
    if (std::optional<std::string> limit = ScalarText(item.Find("limitOverride"))) {
      descriptor.limit_override.emplace(*limit);
    }
    config.descriptors.push_back(std::move(descriptor));
  }
  return config;
}

std::optional<std::string> DescriptorValueText(const validate::cel::Value& value) {
  switch (value.kind()) {
    case K::kString:
      return value.text();
    case K::kBool:
      return std::string(value.bool_value() ? "true" : "false");
    case K::kInt:
      return std::to_string(value.int_value());
    case K::kUint:
      return std::to_string(value.uint_value());
    case K::kBytes:
      return validate::cel::Base64Text(value.text());
    default:
      return std::nullopt;
  }
}

std::vector<RateLimitDescriptor> BuildDescriptors(const GlobalRateLimitConfig& config,
                                                  const AttributeContext& context, CelPhase phase,
                                                  GlobalDescriptor::Type type,
                                                  std::optional<std::uint64_t> default_cost) {
  std::vector<RateLimitDescriptor> out;
  for (const GlobalDescriptor& descriptor : config.descriptors) {
    if (descriptor.type != type || descriptor.entries.empty()) {
      continue;
    }
    RateLimitDescriptor built;
    bool complete = true;
    for (const GlobalDescriptor::Entry& entry : descriptor.entries) {
      std::optional<std::string> text =
          DescriptorValueText(entry.expression.Evaluate(context, phase));
      if (!text) {
        complete = false;
        break;
      }
      built.entries.emplace_back(entry.name, std::move(*text));
    }
    if (!complete) {
      continue;
    }
    if (type == GlobalDescriptor::Type::kTokens && descriptor.cost) {
      // A token cost is charged after the response; the pre-check only asks.
      built.hits_addend = 0;
    } else if (descriptor.cost) {
      std::optional<std::uint64_t> cost = CostOf(descriptor.cost->Evaluate(context, phase));
      if (!cost) {
        continue;
      }
      built.hits_addend = *cost;
    } else {
      built.hits_addend = default_cost;
    }
    if (descriptor.limit_override) {
      std::optional<RateLimitOverride> limit =
          OverrideOf(descriptor.limit_override->Evaluate(context, phase));
      if (!limit) {
        continue;
      }
      built.limit = *limit;
    }
    out.push_back(std::move(built));
  }
  return out;
}

Expected<void> RateLimitServiceConfig::AddFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError("cannot read rate limit configuration \"" + path + "\"");
  }
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return MakeError("cannot read rate limit configuration \"" + path + "\"");
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  return AddText(path, text);
}

Expected<void> RateLimitServiceConfig::AddText(const std::string& path, std::string_view text) {
  if (text.size() > kMaxFileBytes) {
    return MakeError(path + ": a rate limit configuration file is limited to " +
                     std::to_string(kMaxFileBytes) + " bytes");
  }
  if (domains_.size() >= kMaxDomains) {
    return MakeError(path + ": more than " + std::to_string(kMaxDomains) +
                     " rate limit configuration files");
  }
  validate::manifest::SourceFile file(path, text);
  validate::manifest::DiagnosticSink sink;
  std::vector<validate::manifest::Document> documents =
      validate::manifest::ParseDocuments(file, sink);
  for (const validate::manifest::Diagnostic& diagnostic : sink.diagnostics()) {
    if (diagnostic.severity == validate::manifest::Severity::kError) {
      return MakeError(diagnostic.position.ToString() + ": " + diagnostic.message);
    }
  }
  ConfigReader reader(path);
  if (documents.size() > 1) {
    return reader.Fail(documents[1].start, "",
                       "a rate limit configuration file holds one YAML document");
  }
  Value empty = Value::Map({&file, 1, 1});
  const Value& root = documents.empty() ? empty : documents[0].root;
  if (!root.is_map()) {
    return reader.Fail(root.position(), "", "must be a map with `domain` and `descriptors`");
  }
  Expected<RateLimitServiceDomain> domain = reader.Read(root);
  if (!domain) {
    return tl::unexpected(domain.error());
  }
  if (const RateLimitServiceDomain* known = Find(domain->domain)) {
    const Value* name = root.Find("domain");
    return reader.Fail(
        name->position(), "domain",
        "duplicate domain '" + domain->domain + "' in config file (also in " + known->path + ")");
  }
  domains_.push_back(std::move(*domain));
  return {};
}

const RateLimitServiceDomain* RateLimitServiceConfig::Find(std::string_view domain) const {
  for (const RateLimitServiceDomain& known : domains_) {
    if (known.domain == domain) {
      return &known;
    }
  }
  return nullptr;
}

const RateLimitServiceLimit* RateLimitServiceConfig::Lookup(
    std::string_view domain, const DescriptorEntries& entries) const {
  const RateLimitServiceDomain* known = Find(domain);
  if (known == nullptr) {
    return nullptr;
  }
  const std::vector<RateLimitServiceDescriptor>* level = &known->descriptors;
  const RateLimitServiceLimit* limit = nullptr;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const RateLimitServiceDescriptor* node = MatchLevel(*level, entries[i]);
    if (node != nullptr && node->rate_limit && i + 1 == entries.size()) {
      limit = &*node->rate_limit;
    }
    if (node == nullptr || node->descriptors.empty()) {
      break;
    }
    level = &node->descriptors;
  }
  return limit;
}

RateLimitService::RateLimitService(RateLimitServiceConfig config, std::size_t max_counters)
    : config_(std::move(config)), max_counters_(std::max<std::size_t>(1, max_counters)) {}

void RateLimitService::SetAvailable(bool available) {
  std::lock_guard lock(mutex_);
  available_ = available;
}

std::size_t RateLimitService::CounterCountForTest() const {
  std::lock_guard lock(mutex_);
  return counters_.size();
}

void RateLimitService::DropEndedWindows(std::int64_t now_seconds) {
  while (!expiries_.empty() && expiries_.begin()->first <= now_seconds) {
    counters_.erase(expiries_.begin()->second);
    expiries_.erase(expiries_.begin());
  }
}

RateLimitService::Counter& RateLimitService::CounterFor(const std::string& key,
                                                        std::int64_t window_start,
                                                        std::int64_t window_end,
                                                        std::int64_t now_seconds) {
  auto found = counters_.find(key);
  if (found != counters_.end()) {
    Counter& counter = found->second;
    if (counter.window_start != window_start) {
      // Only when the clock went back: windows that ended were dropped already.
      counter.window_start = window_start;
      counter.hits = 0;
      expiries_.erase(counter.expiry);
      counter.expiry = expiries_.emplace(window_end, key);
    }
    return counter;
  }
  DropEndedWindows(now_seconds);
  while (counters_.size() >= max_counters_ && !expiries_.empty()) {
    // Full of live windows: forget the one closest to its end.
    counters_.erase(expiries_.begin()->second);
    expiries_.erase(expiries_.begin());
  }
  Counter& counter = counters_[key];
  counter.window_start = window_start;
  counter.expiry = expiries_.emplace(window_end, key);
  return counter;
}

Expected<RateLimitResponse> RateLimitService::ShouldRateLimit(
    const RateLimitRequest& request, RateLimitServiceClock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    if (!available_) {
      return MakeError("rate limit service unavailable");
    }
  }
  if (request.domain.empty()) {
    return MakeError("rate limit domain must not be empty");
  }
  if (request.descriptors.empty()) {
    return MakeError("rate limit descriptor list must not be empty");
  }
  // The limit of each descriptor: its override, or the configuration's.
  struct Applied {
    RateLimitOverride limit;
    bool unlimited = false;
    bool shadow_mode = false;
    const std::string* name = nullptr;
  };
  std::vector<std::optional<Applied>> applied(request.descriptors.size());
  std::set<std::string> replaced;
  for (std::size_t i = 0; i < request.descriptors.size(); ++i) {
    const RateLimitDescriptor& descriptor = request.descriptors[i];
    if (descriptor.limit) {
      applied[i] = Applied{*descriptor.limit, false, false, nullptr};
      continue;
    }
    if (const RateLimitServiceLimit* limit = config_.Lookup(request.domain, descriptor.entries)) {
      applied[i] = Applied{{limit->requests_per_unit, limit->unit},
                           limit->unlimited,
                           limit->shadow_mode,
                           &limit->name};
      replaced.insert(limit->replaces.begin(), limit->replaces.end());
    }
  }
  for (std::optional<Applied>& limit : applied) {
    // An unlimited limit is answered as such even when another replaces it.
    if (limit && !limit->unlimited && limit->name != nullptr && !limit->name->empty() &&
        replaced.count(*limit->name) != 0) {
      limit.reset();
    }
  }

  std::int64_t now_seconds =
      std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  RateLimitResponse response;
  response.statuses.reserve(request.descriptors.size());
  std::lock_guard lock(mutex_);
  DropEndedWindows(now_seconds);
  for (std::size_t i = 0; i < request.descriptors.size(); ++i) {
    RateLimitStatus status;
    if (!applied[i]) {
      response.statuses.push_back(status);
      continue;
    }
    if (applied[i]->unlimited) {
      status.limit_remaining = kMaxUint32;
      response.statuses.push_back(status);
      continue;
    }
    const RateLimitDescriptor& descriptor = request.descriptors[i];
    RateLimitOverride limit = applied[i]->limit;
    std::int64_t window = RateLimitUnitSeconds(limit.unit);
    std::int64_t window_start = now_seconds - ((now_seconds % window) + window) % window;
    std::int64_t window_end = window_start + window;
    std::uint64_t hits = descriptor.hits_addend.value_or(1);
    std::string key = CounterKey(request.domain, descriptor.entries, limit.unit);
    std::uint64_t count = 0;
    if (hits == 0) {
      // Only asking: no counter is made for it.
      if (auto found = counters_.find(key);
          found != counters_.end() && found->second.window_start == window_start) {
        count = found->second.hits;
      }
    } else {
      Counter& counter = CounterFor(key, window_start, window_end, now_seconds);
      counter.hits = counter.hits > std::numeric_limits<std::uint64_t>::max() - hits
                         ? std::numeric_limits<std::uint64_t>::max()
                         : counter.hits + hits;
      count = counter.hits;
    }
    status.current_limit = limit;
    status.seconds_until_reset = window_end - now_seconds;
    if (count > limit.requests_per_unit) {
      // A limit in shadow mode is counted but never refuses.
      status.over_limit = !applied[i]->shadow_mode;
      status.limit_remaining = 0;
    } else {
      status.limit_remaining = static_cast<std::uint32_t>(limit.requests_per_unit - count);
    }
    response.over_limit = response.over_limit || status.over_limit;
    response.statuses.push_back(status);
  }
  return response;
}

http::HeaderList GlobalRateLimitHeaders(const std::vector<RateLimitStatus>& statuses) {
  const RateLimitStatus* best = nullptr;
  for (const RateLimitStatus& status : statuses) {
    if (status.current_limit &&
        (best == nullptr || status.limit_remaining < best->limit_remaining)) {
      best = &status;
    }
  }
  if (best == nullptr) {
    return {};
  }
  return {
      {"x-ratelimit-limit", std::to_string(best->current_limit->requests_per_unit)},
      {"x-ratelimit-remaining", std::to_string(best->limit_remaining)},
      {"x-ratelimit-reset", std::to_string(std::max<std::int64_t>(0, best->seconds_until_reset))}};
}

GlobalRateLimitAnswer AnswerGlobalRateLimit(const GlobalRateLimitConfig& config,
                                            const Expected<RateLimitResponse>& response) {
  GlobalRateLimitAnswer answer;
  answer.checked = true;
  if (!response) {
    bool open = config.failure_mode == GlobalRateLimitConfig::FailureMode::kFailOpen;
    answer.warning = "ratelimit service failed (domain: " + config.domain +
                     "): " + response.error().message + "; " +
                     (open ? "failure will be ignored (failure_mode: failOpen)"
                           : "denying request (failure_mode: failClosed)");
    if (!open) {
      answer.allowed = false;
      answer.status = 500;
      answer.body = kRateLimitFailedBody;
      answer.headers = {{"content-type", "text/plain"}};
      answer.reason = "RateLimit";
      answer.error = kRateLimitFailedBody;
    }
    return answer;
  }
  answer.headers = GlobalRateLimitHeaders(response->statuses);
  if (response->over_limit) {
    answer.allowed = false;
    answer.status = 429;
    answer.reason = "DirectResponse";
  }
  return answer;
}

GlobalRateLimitAnswer CheckGlobalRateLimit(const GlobalRateLimitConfig& config,
                                           RateLimitService& service,
                                           const AttributeContext& context, CelPhase phase,
                                           RateLimitServiceClock::time_point now,
                                           GlobalDescriptor::Type type,
                                           std::optional<std::uint64_t> default_cost) {
  RateLimitRequest request;
  request.descriptors = BuildDescriptors(config, context, phase, type, default_cost);
  if (request.descriptors.empty()) {
    return GlobalRateLimitAnswer{};
  }
  request.domain = config.domain;
  return AnswerGlobalRateLimit(config, service.ShouldRateLimit(request, now));
}

}  // namespace agw::emulator::policy
