#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agw::validate::schema {

// The candidate a user most likely meant by `word`, for "did you mean" hints: one that differs
// only in letter case, else the closest within two edits (insertions, deletions, substitutions
// or swaps of adjacent letters, ignoring case) when the word is longer than the distance. Ties go
// to the earlier candidate. "" when none is close.
std::string ClosestName(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace agw::validate::schema
