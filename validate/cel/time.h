#pragma once

// Reading durations and timestamps as CEL does, for callers that build values themselves (the
// schema walk types strings of format duration, date and date-time this way).

#include <cstdint>
#include <optional>
#include <string_view>

#include "validate/cel/value.h"

namespace agw::validate::cel {

// Go's time.ParseDuration, which duration(string) uses: nanoseconds, or nullopt for bad syntax,
// an unknown unit or overflow.
std::optional<std::int64_t> ParseGoDuration(std::string_view text);

// RFC 3339 as Go's time.Parse(time.RFC3339) reads it (timestamp(string)), within CEL's range of
// years 0001 to 9999; nullopt otherwise.
std::optional<Timestamp> ParseTimestamp(std::string_view text);

}  // namespace agw::validate::cel
