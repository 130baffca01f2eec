#include "validate/schema/suggest.h"

#include <algorithm>
#include <cctype>

namespace agw::validate::schema {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool EqualIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

}  // namespace

std::size_t NameDistance(std::string_view a, std::string_view b, std::size_t limit) {
  std::size_t longer = std::max(a.size(), b.size());
  std::size_t shorter = std::min(a.size(), b.size());
  if (longer - shorter > limit) {
    return limit + 1;
  }
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    std::size_t row_best = current[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && Lower(a[i - 1]) == Lower(b[j - 2]) &&
          Lower(a[i - 2]) == Lower(b[j - 1])) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
      row_best = std::min(row_best, current[j]);
    }
    if (row_best > limit) {
      return limit + 1;
    }
    before.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

std::string ClosestName(std::string_view word, const std::vector<std::string_view>& candidates) {
  for (std::string_view candidate : candidates) {
    if (candidate != word && EqualIgnoringCase(candidate, word)) {
      return std::string(candidate);
    }
  }
  constexpr std::size_t kMaxEdits = 2;
  std::string_view best;
  std::size_t best_distance = kMaxEdits + 1;
  for (std::string_view candidate : candidates) {
    if (candidate == word) {
      continue;
    }
    std::size_t distance = NameDistance(word, candidate, kMaxEdits);
    if (distance < best_distance && distance < word.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return std::string(best);
}

}  // namespace agw::validate::schema
