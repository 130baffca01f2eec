#include "tests/support/fake_label_selector.h"

#include <algorithm>
#include <string_view>

namespace agw::test {

namespace {

std::string Trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(' ');
  std::size_t end = text.find_last_not_of(' ');
  return begin == std::string_view::npos ? "" : std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::optional<std::vector<LabelRequirement>> ParseLabelSelector(const std::string& selector) {
  std::vector<std::string> parts;
  int depth = 0;
  std::string current;
  for (char c : selector) {
    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    if (c == ',' && depth == 0) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  std::vector<LabelRequirement> requirements;
  for (const std::string& raw : parts) {
    std::string part = Trim(raw);
    if (part.empty()) {
      if (parts.size() == 1) {
        break;  // an empty selector selects everything
      }
      return std::nullopt;
    }
    LabelRequirement r;
    std::size_t pos;
    if (part.front() == '!') {
      r = {Trim(part.substr(1)), "!exists", {}};
    } else if ((pos = part.find("!=")) != std::string::npos) {
      r = {Trim(part.substr(0, pos)), "!=", {Trim(part.substr(pos + 2))}};
    } else if ((pos = part.find("==")) != std::string::npos) {
      r = {Trim(part.substr(0, pos)), "=", {Trim(part.substr(pos + 2))}};
    } else if ((pos = part.find('=')) != std::string::npos) {
      r = {Trim(part.substr(0, pos)), "=", {Trim(part.substr(pos + 1))}};
    } else if (std::size_t open = part.find('('); open != std::string::npos) {
      std::vector<std::string> words = Split(Trim(part.substr(0, open)), ' ');
      if (words.size() < 2 || part.back() != ')') {
        return std::nullopt;
      }
      r.key = words.front();
      r.op = words.back();
      if (r.op != "in" && r.op != "notin") {
        return std::nullopt;
      }
      for (const std::string& value : Split(part.substr(open + 1, part.size() - open - 2), ',')) {
        r.values.push_back(Trim(value));
      }
    } else {
      r = {part, "exists", {}};
    }
    if (r.key.empty()) {
      return std::nullopt;
    }
    requirements.push_back(std::move(r));
  }
  return requirements;
}

bool MatchesLabels(const std::vector<LabelRequirement>& requirements,
                   const nlohmann::ordered_json& object) {
  using Json = nlohmann::ordered_json;
  const Json* labels = nullptr;
  if (auto metadata = object.find("metadata"); metadata != object.end()) {
    if (auto found = metadata->find("labels"); found != metadata->end() && found->is_object()) {
      labels = &*found;
    }
  }
  for (const LabelRequirement& r : requirements) {
    std::optional<std::string> value;
    if (labels != nullptr && labels->contains(r.key) && (*labels)[r.key].is_string()) {
      value = (*labels)[r.key].get<std::string>();
    }
    bool in = value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    bool ok = r.op == "exists"              ? value.has_value()
              : r.op == "!exists"           ? !value.has_value()
              : r.op == "=" || r.op == "in" ? in
                                            : !in;  // "!=" and "notin" also match a missing label
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace agw::test
