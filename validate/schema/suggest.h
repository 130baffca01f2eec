#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace agw::validate::schema {

// Optimal string alignment distance (insertions, deletions, substitutions and swaps of adjacent
// letters), ignoring ASCII case. Above `limit` it stops early and says limit + 1.
std::size_t NameDistance(std::string_view a, std::string_view b,
                         std::size_t limit = static_cast<std::size_t>(-1) - 1);

// The candidate a user most likely meant by `word`, for "did you mean" hints: one that differs
// only in letter case, else the closest within two edits (insertions, deletions, substitutions
// or swaps of adjacent letters, ignoring case) when the word is longer than the distance. Ties go
// to the earlier candidate. "" when none is close.
std::string ClosestName(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace agw::validate::schema
