#include "validate/resolve/suggest.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "validate/schema/suggest.h"

namespace agw::validate::resolve {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

bool IsSegmentSeparator(char c) { return c == '-' || c == '.' || c == '_'; }

// Whether `longer` is `shorter` with a segment added at its start or end.
bool AddsSegment(std::string_view shorter, std::string_view longer) {
  if (shorter.size() < 3 || longer.size() <= shorter.size() + 1) {
    return false;
  }
  std::size_t extra = longer.size() - shorter.size();
  return (EqualsIgnoringCase(longer.substr(0, shorter.size()), shorter) &&
          IsSegmentSeparator(longer[shorter.size()])) ||
         (EqualsIgnoringCase(longer.substr(extra), shorter) &&
          IsSegmentSeparator(longer[extra - 1]));
}

}  // namespace

std::size_t NameDistance(std::string_view a, std::string_view b) {
  return schema::NameDistance(a, b);
}

std::optional<std::size_t> Closeness(std::string_view name, std::string_view candidate,
                                     bool segments) {
  if (name.empty() || candidate.empty() || name.size() > kMaxSuggestedNameLength ||
      candidate.size() > kMaxSuggestedNameLength) {
    return std::nullopt;
  }
  std::size_t threshold = std::max<std::size_t>(1, name.size() / 3);
  // Names far apart in length are far apart in edits: skip the table for them.
  std::size_t length_gap = name.size() > candidate.size() ? name.size() - candidate.size()
                                                          : candidate.size() - name.size();
  if (length_gap <= threshold) {
    std::size_t distance = NameDistance(name, candidate);
    if (distance <= threshold && distance < std::min(name.size(), candidate.size())) {
      return distance;
    }
  }
  if (segments && (AddsSegment(name, candidate) || AddsSegment(candidate, name))) {
    return threshold + 1;
  }
  return std::nullopt;
}

std::string DidYouMean(std::string_view ns, std::string_view name,
                       const std::vector<NamedObject>& candidates, bool segments) {
  const NamedObject* best = nullptr;
  std::tuple<std::size_t, bool, std::string_view, std::string_view> best_key;
  for (const NamedObject& candidate : candidates) {
    if (candidate.namespace_ == ns && candidate.name == name) {
      return {};  // it is there: whatever is wrong, it is not the name
    }
    std::optional<std::size_t> rank = Closeness(name, candidate.name, segments);
    if (!rank) {
      continue;
    }
    auto key = std::tuple(*rank, candidate.namespace_ != ns, std::string_view(candidate.namespace_),
                          std::string_view(candidate.name));
    if (best == nullptr || key < best_key) {
      best = &candidate;
      best_key = key;
    }
  }
  if (best == nullptr) {
    return {};
  }
  if (best->namespace_ == ns) {
    return "did you mean \"" + best->name + "\"?";
  }
  if (best->name == name) {
    return "did you mean namespace " + best->namespace_ + " (" + best->name + " exists there)?";
  }
  return "did you mean \"" + best->name + "\" in namespace " + best->namespace_ + "?";
}

std::string ListNames(std::string_view label, const std::vector<std::string>& names,
                      std::size_t limit) {
  std::string out(label);
  out += ": ";
  std::set<std::string_view> seen;
  std::size_t listed = 0;
  std::size_t more = 0;
  for (const std::string& name : names) {
    if (!seen.insert(name).second) {
      continue;
    }
    if (listed == limit) {
      ++more;
      continue;
    }
    out += (listed > 0 ? ", " : "") + name;
    ++listed;
  }
  if (more > 0) {
    out += ", and " + std::to_string(more) + " more";
  }
  return out;
}

std::string JoinHints(std::string first, const std::string& second) {
  if (first.empty()) {
    return second;
  }
  if (!second.empty()) {
    first += " " + second;
  }
  return first;
}

}  // namespace agw::validate::resolve
