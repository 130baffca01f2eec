#pragma once

// Label selectors as the API server evaluates them for ?labelSelector= (apimachinery
// labels.Parse): "a=b", "a==b", "a!=b", "a", "!a", "a in (x,y)", "a notin (x)", joined by ','.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agw::test {

struct LabelRequirement {
  std::string key;
  std::string op;  // "exists", "!exists", "=", "!=", "in", "notin"
  std::vector<std::string> values;
};

// `text` cut at every `separator` (empty pieces kept): the fake server's path and query helper.
std::vector<std::string> Split(std::string_view text, char separator);

// Nullopt when the selector does not parse. "" selects everything.
std::optional<std::vector<LabelRequirement>> ParseLabelSelector(const std::string& selector);

// Whether the object's metadata.labels satisfy every requirement ("!=" and "notin" also match
// an object without the label).
bool MatchesLabels(const std::vector<LabelRequirement>& requirements,
                   const nlohmann::ordered_json& object);

}  // namespace agw::test
