// CEL's google.protobuf.Duration and google.protobuf.Timestamp functions with cel-go's
// semantics: durations are int64 nanoseconds (Go's time.Duration), timestamps lie between
// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, and the accessors take an optional
// time zone, an IANA name read from the system's TZif files or a fixed "[+-]hh:mm" offset.

#include "validate/cel/time.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "validate/cel/ast.h"
#include "validate/cel/library.h"

namespace agw::validate::cel::library {
namespace {

using K = Value::Kind;

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;
// cel-go's minUnixTime and maxUnixTime: 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
constexpr std::int64_t kMinUnixSeconds = -62'135'596'800;
constexpr std::int64_t kMaxUnixSeconds = 253'402'300'799;

constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo/";
// Real TZif files are a few KiB; anything bigger is not one.
constexpr std::size_t kMaxZoneFileBytes = 1 << 20;
// Zones remembered: every file tzdata installs fits, and a few hundred names that were not
// found. Names past these limits are looked up on every call.
constexpr std::size_t kMaxCachedZones = 4096;
constexpr std::size_t kMaxCachedMisses = 256;
// Fixed offsets further than this from UTC are refused rather than wrapped as Go would.
constexpr std::int64_t kMaxOffsetHours = 1'000'000;

Value IntegerOverflow() { return Value::Error("integer overflow"); }
Value TimestampOverflow() { return Value::Error("timestamp overflow"); }

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::int64_t FloorMod(std::int64_t a, std::int64_t b) { return a - FloorDiv(a, b) * b; }

// ---- The proleptic Gregorian calendar, days counted from 1970-01-01. ----

bool IsLeapYear(std::int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysInMonth(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Counts in 400-year eras (146,097 days each) of years that start on March 1, so the leap day
// falls at the end of a year.
std::int64_t DaysFromCivil(std::int64_t year, int month, int day) {
  std::int64_t y = month <= 2 ? year - 1 : year;
  std::int64_t era = FloorDiv(y, 400);
  std::int64_t year_of_era = y - era * 400;
  std::int64_t shifted_month = month > 2 ? month - 3 : month + 9;
  std::int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146'097 + day_of_era - 719'468;
}

struct CivilDate {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

CivilDate CivilFromDays(std::int64_t days) {
  std::int64_t shifted = days + 719'468;
  std::int64_t era = FloorDiv(shifted, 146'097);
  std::int64_t day_of_era = shifted - era * 146'097;
  std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  std::int64_t shifted_month = (5 * day_of_year + 2) / 153;
  int day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  int month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

// 0 for Sunday; 1970-01-01 was a Thursday.
int Weekday(std::int64_t days) { return static_cast<int>(FloorMod(days + 4, 7)); }

// ---- Durations: Go's time.ParseDuration and cel-go's formatting. ----

constexpr std::uint64_t kTwoTo63 = std::uint64_t{1} << 63;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ or a bare "0", with units ns, us,
// µs, μs, ms, s, m and h; nullopt for bad syntax, an unknown unit or overflow.
std::optional<std::int64_t> ParseDuration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") {
    return 0;
  }
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t total = 0;
  while (!text.empty()) {  // each pass consumes at least one byte
    if (text[0] != '.' && !IsDigit(text[0])) {
      return std::nullopt;
    }
    std::uint64_t whole = 0;
    std::size_t i = 0;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      if (whole > kTwoTo63 / 10) {
        return std::nullopt;
      }
      whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
      if (whole > kTwoTo63) {
        return std::nullopt;
      }
    }
    bool has_whole = i > 0;
    text.remove_prefix(i);
    // The fraction keeps the digits that fit in an int64 and ignores the rest, as Go does.
    std::uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!text.empty() && text[0] == '.') {
      text.remove_prefix(1);
      bool saturated = false;
      for (i = 0; i < text.size() && IsDigit(text[i]); ++i) {
        if (saturated) {
          continue;
        }
        if (fraction > (kTwoTo63 - 1) / 10) {
          saturated = true;
          continue;
        }
        std::uint64_t next = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
        if (next > kTwoTo63) {
          saturated = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      has_fraction = i > 0;
      text.remove_prefix(i);
    }
    if (!has_whole && !has_fraction) {
      return std::nullopt;
    }
    std::size_t unit_length = 0;
    while (unit_length < text.size() && text[unit_length] != '.' && !IsDigit(text[unit_length])) {
      ++unit_length;
    }
    std::string_view unit = text.substr(0, unit_length);
    text.remove_prefix(unit_length);
    std::uint64_t nanos_per_unit = 0;
    if (unit == "ns") {
      nanos_per_unit = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      nanos_per_unit = 1'000;
    } else if (unit == "ms") {
      nanos_per_unit = 1'000'000;
    } else if (unit == "s") {
      nanos_per_unit = 1'000'000'000;
    } else if (unit == "m") {
      nanos_per_unit = 60'000'000'000;
    } else if (unit == "h") {
      nanos_per_unit = 3'600'000'000'000;
    } else {
      return std::nullopt;  // also a missing unit
    }
    if (whole > kTwoTo63 / nanos_per_unit) {
      return std::nullopt;
    }
    std::uint64_t value = whole * nanos_per_unit;
    if (fraction > 0) {
      // Go scales the fraction in float64, which is exact to the nanosecond for one hour.
      value += static_cast<std::uint64_t>(static_cast<double>(fraction) *
                                          (static_cast<double>(nanos_per_unit) / scale));
      if (value > kTwoTo63) {
        return std::nullopt;
      }
    }
    total += value;
    if (total > kTwoTo63) {
      return std::nullopt;
    }
  }
  if (negative) {
    return static_cast<std::int64_t>(0 - total);  // 2^63 wraps to the minimum
  }
  if (total > kTwoTo63 - 1) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(total);
}

// Go's Duration.Hours(), Minutes() and Seconds(): whole units plus the remainder as a fraction,
// in float64, which cel-go's accessors then truncate.
double DurationIn(std::int64_t nanos, std::int64_t unit) {
  return static_cast<double>(nanos / unit) +
         static_cast<double>(nanos % unit) / static_cast<double>(unit);
}

// cel-go's string(duration): the seconds as the shortest decimal that reads back as the same
// float64 (strconv.FormatFloat(s, 'f', -1, 64)), then "s".
std::string GoDurationText(std::int64_t nanos) {
  double seconds = DurationIn(nanos, kNanosPerSecond);
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), seconds, std::chars_format::fixed);
  if (error != std::errc()) {
    return "0s";  // cannot happen: |seconds| < 1e10
  }
  return std::string(buffer, end) + "s";
}

// ---- Timestamps: RFC 3339 in and out. ----

// Exactly `count` digits at `pos`, advancing it; nullopt otherwise.
std::optional<int> FixedDigits(std::string_view text, std::size_t& pos, std::size_t count) {
  if (text.size() - pos < count) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!IsDigit(text[pos + i])) {
      return std::nullopt;
    }
    value = value * 10 + (text[pos + i] - '0');
  }
  pos += count;
  return value;
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) {
    return false;
  }
  ++pos;
  return true;
}

// What Go's time.Parse(time.RFC3339, text) accepts, as cel-go's timestamp(string) reads it: a
// four-digit year, two-digit month, day, minute and second, a one- or two-digit hour, an
// optional fraction after '.' or ',' (digits past the ninth ignored), then 'Z' or a "+hh:mm" /
// "-hh:mm" offset (Go allows up to 24:60 there). The result is not range-checked.
std::optional<Timestamp> ParseRfc3339(std::string_view text) {
  std::size_t pos = 0;
  std::optional<int> year = FixedDigits(text, pos, 4);
  if (!year || !Expect(text, pos, '-')) {
    return std::nullopt;
  }
  std::optional<int> month = FixedDigits(text, pos, 2);
  if (!month || *month < 1 || *month > 12 || !Expect(text, pos, '-')) {
    return std::nullopt;
  }
  std::optional<int> day = FixedDigits(text, pos, 2);
  if (!day || *day < 1 || *day > DaysInMonth(*year, *month) || !Expect(text, pos, 'T')) {
    return std::nullopt;
  }
  std::optional<int> hour = FixedDigits(text, pos, 2);
  if (!hour) {
    hour = FixedDigits(text, pos, 1);
  }
  if (!hour || *hour > 23 || !Expect(text, pos, ':')) {
    return std::nullopt;
  }
  std::optional<int> minute = FixedDigits(text, pos, 2);
  if (!minute || *minute > 59 || !Expect(text, pos, ':')) {
    return std::nullopt;
  }
  std::optional<int> second = FixedDigits(text, pos, 2);
  if (!second || *second > 59) {
    return std::nullopt;
  }
  std::int32_t nanos = 0;
  if (pos + 1 < text.size() && (text[pos] == '.' || text[pos] == ',') && IsDigit(text[pos + 1])) {
    ++pos;
    int digits = 0;
    for (; pos < text.size() && IsDigit(text[pos]); ++pos, ++digits) {
      if (digits < 9) {
        nanos = nanos * 10 + (text[pos] - '0');
      }
    }
    for (; digits < 9; ++digits) {
      nanos *= 10;
    }
  }
  std::int64_t offset = 0;
  if (Expect(text, pos, 'Z')) {
    // UTC
  } else {
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) {
      return std::nullopt;
    }
    bool west = text[pos] == '-';
    ++pos;
    std::optional<int> offset_hours = FixedDigits(text, pos, 2);
    if (!offset_hours || *offset_hours > 24 || !Expect(text, pos, ':')) {
      return std::nullopt;
    }
    std::optional<int> offset_minutes = FixedDigits(text, pos, 2);
    if (!offset_minutes || *offset_minutes > 60) {
      return std::nullopt;
    }
    offset = (*offset_hours * 60 + *offset_minutes) * 60;
    if (west) {
      offset = -offset;
    }
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  std::int64_t local =
      DaysFromCivil(*year, *month, *day) * kSecondsPerDay + *hour * 3600 + *minute * 60 + *second;
  return Timestamp{local - offset, nanos};
}

bool InRange(std::int64_t unix_seconds) {
  return unix_seconds >= kMinUnixSeconds && unix_seconds <= kMaxUnixSeconds;
}

void AppendPadded(std::string& out, std::int64_t value, int width) {
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) {
    out.append(width - digits.size(), '0');
  }
  out += digits;
}

// Go's Time.Format(time.RFC3339Nano) in UTC: the fraction without trailing zeros, none for a
// whole second.
std::string GoTimestampText(const Timestamp& t) {
  std::int64_t days = FloorDiv(t.seconds, kSecondsPerDay);
  std::int64_t second_of_day = t.seconds - days * kSecondsPerDay;
  CivilDate date = CivilFromDays(days);
  std::string out;
  AppendPadded(out, date.year, 4);
  out += '-';
  AppendPadded(out, date.month, 2);
  out += '-';
  AppendPadded(out, date.day, 2);
  out += 'T';
  AppendPadded(out, second_of_day / 3600, 2);
  out += ':';
  AppendPadded(out, second_of_day / 60 % 60, 2);
  out += ':';
  AppendPadded(out, second_of_day % 60, 2);
  if (t.nanos != 0) {
    std::string fraction;
    AppendPadded(fraction, t.nanos, 9);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    out += '.';
    out += fraction;
  }
  out += 'Z';
  return out;
}

// ---- Time zones: TZif files (RFC 8536) and their POSIX TZ footers. ----

// A day and time of year when a POSIX TZ rule switches: "Jn" (1..365, never counting February
// 29), "n" (0..365) or "Mm.w.d" (day d of week w of month m, week 5 meaning the last).
struct RuleDay {
  char kind = 'M';  // 'J', 'D' (zero-based day of year) or 'M'
  int day = 0;
  int week = 0;
  int month = 0;
  std::int64_t time = 2 * 3600;  // seconds of local time; may be negative or past a day
};

// A POSIX TZ string such as "PST8PDT,M3.2.0,M11.1.0", with offsets east of UTC.
struct PosixZone {
  std::int64_t std_offset = 0;
  bool has_dst = false;
  std::int64_t dst_offset = 0;
  RuleDay start;
  RuleDay end;
};

struct LocalTimeType {
  std::int64_t offset;  // seconds east of UTC
  bool is_dst;
};

struct Zone {
  std::vector<std::int64_t> transitions;  // strictly ascending Unix seconds
  std::vector<std::uint8_t> transition_types;
  std::vector<LocalTimeType> types;  // at least one
  std::optional<PosixZone> footer;
};

// A decimal number of at most `max`, as tzset reads them.
std::optional<std::int64_t> TzNumber(std::string_view& s, std::int64_t max) {
  std::size_t i = 0;
  std::int64_t value = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    value = value * 10 + (s[i] - '0');
    if (value > max) {
      return std::nullopt;
    }
  }
  if (i == 0) {
    return std::nullopt;
  }
  s.remove_prefix(i);
  return value;
}

// A zone abbreviation: "<...>" or at least three characters up to a digit, sign or comma.
bool TzName(std::string_view& s) {
  if (!s.empty() && s[0] == '<') {
    std::size_t close = s.find('>');
    if (close == std::string_view::npos) {
      return false;
    }
    s.remove_prefix(close + 1);
    return true;
  }
  std::size_t i = 0;
  while (i < s.size() && !IsDigit(s[i]) && s[i] != ',' && s[i] != '-' && s[i] != '+') {
    ++i;
  }
  if (i < 3) {
    return false;
  }
  s.remove_prefix(i);
  return true;
}

// "[+-]hh[:mm[:ss]]" in seconds, hours up to 167 (RFC 8536's extension).
std::optional<std::int64_t> TzOffset(std::string_view& s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::optional<std::int64_t> hours = TzNumber(s, 24 * 7);
  if (!hours) {
    return std::nullopt;
  }
  std::int64_t seconds = *hours * 3600;
  for (std::int64_t unit : {60, 1}) {
    if (s.empty() || s[0] != ':') {
      break;
    }
    s.remove_prefix(1);
    std::optional<std::int64_t> part = TzNumber(s, 59);
    if (!part) {
      return std::nullopt;
    }
    seconds += *part * unit;
  }
  return negative ? -seconds : seconds;
}

std::optional<RuleDay> TzRule(std::string_view& s) {
  RuleDay rule;
  if (!s.empty() && s[0] == 'J') {
    s.remove_prefix(1);
    std::optional<std::int64_t> day = TzNumber(s, 365);
    if (!day || *day < 1) {
      return std::nullopt;
    }
    rule.kind = 'J';
    rule.day = static_cast<int>(*day);
  } else if (!s.empty() && s[0] == 'M') {
    s.remove_prefix(1);
    std::optional<std::int64_t> month = TzNumber(s, 12);
    if (!month || *month < 1 || s.empty() || s[0] != '.') {
      return std::nullopt;
    }
    s.remove_prefix(1);
    std::optional<std::int64_t> week = TzNumber(s, 5);
    if (!week || *week < 1 || s.empty() || s[0] != '.') {
      return std::nullopt;
    }
    s.remove_prefix(1);
    std::optional<std::int64_t> day = TzNumber(s, 6);
    if (!day) {
      return std::nullopt;
    }
    rule.kind = 'M';
    rule.month = static_cast<int>(*month);
    rule.week = static_cast<int>(*week);
    rule.day = static_cast<int>(*day);
  } else {
    std::optional<std::int64_t> day = TzNumber(s, 365);
    if (!day) {
      return std::nullopt;
    }
    rule.kind = 'D';
    rule.day = static_cast<int>(*day);
  }
  if (!s.empty() && s[0] == '/') {
    s.remove_prefix(1);
    std::optional<std::int64_t> time = TzOffset(s);
    if (!time) {
      return std::nullopt;
    }
    rule.time = *time;
  }
  return rule;
}

// Parses a TZ string the way Go's tzset does; nullopt for one it would not use.
std::optional<PosixZone> ParsePosixZone(std::string_view s) {
  PosixZone zone;
  if (!TzName(s)) {
    return std::nullopt;
  }
  std::optional<std::int64_t> std_offset = TzOffset(s);
  if (!std_offset) {
    return std::nullopt;
  }
  // POSIX counts hours west of UTC.
  zone.std_offset = -*std_offset;
  if (s.empty() || s[0] == ',') {
    return zone;
  }
  if (!TzName(s)) {
    return std::nullopt;
  }
  zone.has_dst = true;
  if (s.empty() || s[0] == ',') {
    zone.dst_offset = zone.std_offset + 3600;
  } else {
    std::optional<std::int64_t> dst_offset = TzOffset(s);
    if (!dst_offset) {
      return std::nullopt;
    }
    zone.dst_offset = -*dst_offset;
  }
  // Without rules tzcode assumes the US ones.
  if (s.empty()) {
    s = ",M3.2.0,M11.1.0";
  }
  if (s[0] != ',' && s[0] != ';') {
    return std::nullopt;
  }
  s.remove_prefix(1);
  std::optional<RuleDay> start = TzRule(s);
  if (!start || s.empty() || s[0] != ',') {
    return std::nullopt;
  }
  s.remove_prefix(1);
  std::optional<RuleDay> end = TzRule(s);
  if (!end || !s.empty()) {
    return std::nullopt;
  }
  zone.start = *start;
  zone.end = *end;
  return zone;
}

// Seconds from the start of `year` (UTC) to the moment `rule` names, with `offset` the offset in
// effect just before it.
std::int64_t RuleSeconds(std::int64_t year, const RuleDay& rule, std::int64_t offset) {
  std::int64_t day_of_year = 0;
  if (rule.kind == 'J') {
    day_of_year = rule.day - 1 + (IsLeapYear(year) && rule.day >= 60 ? 1 : 0);
  } else if (rule.kind == 'D') {
    day_of_year = rule.day;
  } else {
    std::int64_t first = DaysFromCivil(year, rule.month, 1);
    int day = (rule.day - Weekday(first) + 7) % 7;  // zero-based day of the month
    int length = DaysInMonth(year, rule.month);
    for (int week = 1; week < rule.week && day + 7 < length; ++week) {
      day += 7;
    }
    day_of_year = first - DaysFromCivil(year, 1, 1) + day;
  }
  return day_of_year * kSecondsPerDay + rule.time - offset;
}

std::int64_t PosixOffsetAt(const PosixZone& zone, std::int64_t unix_seconds) {
  if (!zone.has_dst) {
    return zone.std_offset;
  }
  std::int64_t year = CivilFromDays(FloorDiv(unix_seconds, kSecondsPerDay)).year;
  std::int64_t second_of_year = unix_seconds - DaysFromCivil(year, 1, 1) * kSecondsPerDay;
  std::int64_t start = RuleSeconds(year, zone.start, zone.std_offset);
  std::int64_t end = RuleSeconds(year, zone.end, zone.dst_offset);
  std::int64_t outside = zone.std_offset;
  std::int64_t inside = zone.dst_offset;
  // Southern hemisphere: daylight time spans the new year.
  if (end < start) {
    std::swap(start, end);
    std::swap(outside, inside);
  }
  return second_of_year >= start && second_of_year < end ? inside : outside;
}

// The type for instants before the first transition: as Go chooses it, the first type unless
// transitions use it, then the standard-time type before the first transition's (if that one is
// daylight time), else the first standard-time type.
std::size_t FirstTypeIndex(const Zone& zone) {
  if (std::find(zone.transition_types.begin(), zone.transition_types.end(), 0) ==
      zone.transition_types.end()) {
    return 0;
  }
  if (!zone.transition_types.empty() && zone.types[zone.transition_types[0]].is_dst) {
    for (std::size_t i = zone.transition_types[0]; i-- > 0;) {
      if (!zone.types[i].is_dst) {
        return i;
      }
    }
  }
  for (std::size_t i = 0; i < zone.types.size(); ++i) {
    if (!zone.types[i].is_dst) {
      return i;
    }
  }
  return 0;
}

std::int64_t ZoneOffsetAt(const Zone& zone, std::int64_t unix_seconds) {
  if (zone.transitions.empty()) {
    return zone.footer ? PosixOffsetAt(*zone.footer, unix_seconds) : zone.types[0].offset;
  }
  if (unix_seconds < zone.transitions.front()) {
    return zone.types[FirstTypeIndex(zone)].offset;
  }
  auto after = std::upper_bound(zone.transitions.begin(), zone.transitions.end(), unix_seconds);
  auto index = static_cast<std::size_t>(after - zone.transitions.begin()) - 1;
  if (index + 1 == zone.transitions.size() && zone.footer) {
    return PosixOffsetAt(*zone.footer, unix_seconds);
  }
  return zone.types[zone.transition_types[index]].offset;
}

// Big-endian fields of a TZif file; any read past the end fails the whole parse.
class TzifReader {
 public:
  explicit TzifReader(std::string_view data) : data_(data) {}

  bool ok() const { return ok_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::string_view rest() const { return data_.substr(pos_); }

  std::int64_t Signed(int bytes) {
    if (!Has(static_cast<std::size_t>(bytes))) {
      return 0;
    }
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) {
      value = value << 8 | static_cast<unsigned char>(data_[pos_++]);
    }
    if (bytes == 4) {
      return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
    }
    return static_cast<std::int64_t>(value);
  }

  std::uint32_t Unsigned32() { return static_cast<std::uint32_t>(Signed(4)); }

  std::uint8_t Byte() {
    if (!Has(1)) {
      return 0;
    }
    return static_cast<unsigned char>(data_[pos_++]);
  }

  void Skip(std::uint64_t bytes) {
    if (Has(bytes)) {
      pos_ += static_cast<std::size_t>(bytes);
    }
  }

  bool Literal(std::string_view text) {
    if (!Has(text.size()) || data_.substr(pos_, text.size()) != text) {
      return ok_ = false;
    }
    pos_ += text.size();
    return true;
  }

 private:
  bool Has(std::uint64_t bytes) {
    if (!ok_ || bytes > remaining()) {
      ok_ = false;
    }
    return ok_;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

struct TzifCounts {
  std::uint32_t is_ut, is_std, leap, time, type, chars;
};

std::optional<TzifCounts> ReadTzifHeader(TzifReader& in, char& version) {
  if (!in.Literal("TZif")) {
    return std::nullopt;
  }
  version = static_cast<char>(in.Byte());
  in.Skip(15);
  TzifCounts c{in.Unsigned32(), in.Unsigned32(), in.Unsigned32(),
               in.Unsigned32(), in.Unsigned32(), in.Unsigned32()};
  if (!in.ok() || c.type == 0 || c.type > 256 || (c.is_ut != 0 && c.is_ut != c.type) ||
      (c.is_std != 0 && c.is_std != c.type)) {
    return std::nullopt;
  }
  // Every count is checked against the bytes left before anything is allocated for it.
  if (c.time > in.remaining() || c.chars > in.remaining() || c.leap > in.remaining()) {
    return std::nullopt;
  }
  return c;
}

std::uint64_t TzifBlockSize(const TzifCounts& c, int time_bytes) {
  return std::uint64_t{c.time} * (time_bytes + 1) + std::uint64_t{c.type} * 6 + c.chars +
         std::uint64_t{c.leap} * (time_bytes + 4) + c.is_std + c.is_ut;
}

// RFC 8536: the version 1 block with 32-bit times, then for version 2 and later a second header
// and block with 64-bit times and a footer holding a TZ string for instants after the last
// transition.
std::optional<Zone> ParseTzif(std::string_view data) {
  TzifReader in(data);
  char version = 0;
  std::optional<TzifCounts> counts = ReadTzifHeader(in, version);
  if (!counts) {
    return std::nullopt;
  }
  int time_bytes = 4;
  if (version != '\0') {
    in.Skip(TzifBlockSize(*counts, 4));
    char second_version = 0;
    counts = ReadTzifHeader(in, second_version);
    if (!counts) {
      return std::nullopt;
    }
    time_bytes = 8;
  }
  if (TzifBlockSize(*counts, time_bytes) > in.remaining()) {
    return std::nullopt;
  }
  Zone zone;
  zone.transitions.reserve(counts->time);
  for (std::uint32_t i = 0; i < counts->time; ++i) {
    std::int64_t when = in.Signed(time_bytes);
    if (!zone.transitions.empty() && when <= zone.transitions.back()) {
      return std::nullopt;
    }
    zone.transitions.push_back(when);
  }
  zone.transition_types.reserve(counts->time);
  for (std::uint32_t i = 0; i < counts->time; ++i) {
    std::uint8_t type = in.Byte();
    if (type >= counts->type) {
      return std::nullopt;
    }
    zone.transition_types.push_back(type);
  }
  for (std::uint32_t i = 0; i < counts->type; ++i) {
    std::int64_t offset = in.Signed(4);
    std::uint8_t is_dst = in.Byte();
    std::uint8_t name_index = in.Byte();
    if (offset == std::numeric_limits<std::int32_t>::min() || is_dst > 1 ||
        (counts->chars > 0 && name_index >= counts->chars)) {
      return std::nullopt;
    }
    zone.types.push_back({offset, is_dst == 1});
  }
  in.Skip(std::uint64_t{counts->chars} + std::uint64_t{counts->leap} * (time_bytes + 4) +
          counts->is_std + counts->is_ut);
  if (!in.ok()) {
    return std::nullopt;
  }
  if (time_bytes == 8) {
    std::string_view footer = in.rest();
    if (footer.size() > 2 && footer[0] == '\n') {
      std::size_t close = footer.find('\n', 1);
      if (close != std::string_view::npos) {
        zone.footer = ParsePosixZone(footer.substr(1, close - 1));
      }
    }
  }
  return zone;
}

// Reads at most kMaxZoneFileBytes of `path`; nullopt if it cannot be read or is bigger.
std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return std::nullopt;
  }
  std::string data;
  char chunk[16 * 1024];
  bool failed = false;
  while (true) {  // bounded: stops once past kMaxZoneFileBytes
    std::size_t got = std::fread(chunk, 1, sizeof(chunk), file);
    data.append(chunk, got);
    if (data.size() > kMaxZoneFileBytes || std::ferror(file) != 0) {
      failed = true;
      break;
    }
    if (got < sizeof(chunk)) {
      break;
    }
  }
  std::fclose(file);
  if (failed) {
    return std::nullopt;
  }
  return data;
}

// Names as tzdata spells them; the rest (and "..", which could leave the zoneinfo folder) are
// not looked up at all.
bool PlausibleZoneName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name[0] == '/' || name.find("..") != name.npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '/' || c == '_' ||
           c == '-' || c == '+' || c == '.';
  });
}

// The zone `name` from /usr/share/zoneinfo, remembered for later calls; null when there is no
// such readable TZif file.
std::shared_ptr<const Zone> LoadZone(std::string_view name) {
  // Leaked on purpose: never destroyed, so no destruction-order hazard at exit.
  static auto* mutex = new std::mutex;
  static auto* cache = new std::map<std::string, std::shared_ptr<const Zone>, std::less<>>;
  static std::size_t misses = 0;
  std::lock_guard<std::mutex> lock(*mutex);
  if (auto found = cache->find(name); found != cache->end()) {
    return found->second;
  }
  std::shared_ptr<const Zone> zone;
  if (PlausibleZoneName(name)) {
    std::optional<std::string> data = ReadSmallFile(std::string(kZoneInfoDir) + std::string(name));
    if (data) {
      if (std::optional<Zone> parsed = ParseTzif(*data)) {
        zone = std::make_shared<const Zone>(std::move(*parsed));
      }
    }
  }
  if (cache->size() < kMaxCachedZones && (zone != nullptr || misses < kMaxCachedMisses)) {
    misses += zone == nullptr ? 1 : 0;
    cache->emplace(std::string(name), zone);
  }
  return zone;
}

// Go's strconv.Atoi: an optional sign and at least one decimal digit, in int64 range. The
// error is strconv's wording.
std::variant<std::int64_t, Value> GoAtoi(std::string_view text) {
  auto error = [&](std::string_view reason) {
    std::string quoted = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') {
        quoted += '\\';
      }
      quoted += c;
    }
    return Value::Error("strconv.Atoi: parsing " + quoted + "\": " + std::string(reason));
  };
  std::string_view digits = text;
  bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    digits.remove_prefix(1);
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), IsDigit)) {
    return error("invalid syntax");
  }
  std::uint64_t magnitude = 0;
  auto [end, status] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
  if (status != std::errc() || end != digits.data() + digits.size() ||
      magnitude > (negative ? kTwoTo63 : kTwoTo63 - 1)) {
    return error("value out of range");
  }
  return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

// The offset east of UTC that time zone `zone` has at `unix_seconds`, as cel-go's timeZone reads
// the argument: with no ':' it is a location name for time.LoadLocation, otherwise hours and
// minutes on either side of the first ':' for strconv.Atoi, the sign of the hours applying to
// both. An error value when neither works.
std::variant<std::int64_t, Value> OffsetAt(std::string_view zone, std::int64_t unix_seconds) {
  std::size_t colon = zone.find(':');
  if (colon == std::string_view::npos) {
    // "Local" would be the machine's zone; validation runs as if on a UTC server.
    if (zone.empty() || zone == "UTC" || zone == "Local") {
      return std::int64_t{0};
    }
    if (zone.find("..") != zone.npos || zone[0] == '/' || zone[0] == '\\') {
      return Value::Error("time: invalid location name");
    }
    std::shared_ptr<const Zone> loaded = LoadZone(zone);
    if (!loaded) {
      return Value::Error("unknown time zone " + std::string(zone));
    }
    return ZoneOffsetAt(*loaded, unix_seconds);
  }
  std::string_view hours_text = zone.substr(0, colon);
  std::string_view minutes_text = zone.substr(colon + 1);
  std::variant<std::int64_t, Value> hours = GoAtoi(hours_text);
  if (const Value* error = std::get_if<Value>(&hours)) {
    return *error;
  }
  std::variant<std::int64_t, Value> minutes = GoAtoi(minutes_text);
  if (const Value* error = std::get_if<Value>(&minutes)) {
    return *error;
  }
  std::int64_t h = std::get<std::int64_t>(hours);
  std::int64_t m = std::get<std::int64_t>(minutes);
  if (m < 0 || m > 59) {
    return Value::Error("timezone offset minutes out of range [0, 59]: " + std::string(zone));
  }
  if (h > kMaxOffsetHours || h < -kMaxOffsetHours) {
    return Value::Error("timezone offset hours out of range: " + std::string(zone));
  }
  std::int64_t total_minutes = zone[0] == '-' ? h * 60 - m : h * 60 + m;
  return total_minutes * 60;
}

// ---- The functions. ----

// cel-go's addTimeDurationChecked: the sum must stay within the supported years.
Value AddDuration(const Timestamp& t, std::int64_t nanos) {
  std::int64_t seconds = 0;
  if (__builtin_add_overflow(t.seconds, nanos / kNanosPerSecond, &seconds)) {
    return IntegerOverflow();
  }
  std::int64_t sub_second = std::int64_t{t.nanos} + nanos % kNanosPerSecond;
  std::int64_t carry = 0;
  if (sub_second < 0) {
    sub_second += kNanosPerSecond;
    carry = -1;
  } else if (sub_second >= kNanosPerSecond) {
    sub_second -= kNanosPerSecond;
    carry = 1;
  }
  if (__builtin_add_overflow(seconds, carry, &seconds)) {
    return IntegerOverflow();
  }
  if (!InRange(seconds)) {
    return TimestampOverflow();
  }
  return Value::TimestampOf({seconds, static_cast<std::int32_t>(sub_second)});
}

// cel-go's subtractTimeChecked: the difference must fit in a time.Duration.
Value Difference(const Timestamp& a, const Timestamp& b) {
  std::int64_t seconds = 0, nanos = 0;
  if (__builtin_sub_overflow(a.seconds, b.seconds, &seconds) ||
      __builtin_mul_overflow(seconds, kNanosPerSecond, &nanos) ||
      __builtin_add_overflow(nanos, std::int64_t{a.nanos} - b.nanos, &nanos)) {
    return IntegerOverflow();
  }
  return Value::Duration(nanos);
}

std::optional<Value> Arithmetic(std::string_view f, const Value& a, const Value& b) {
  bool add = f == op::kAdd;
  if (a.kind() == K::kDuration && b.kind() == K::kDuration) {
    std::int64_t result = 0;
    bool overflow = add ? __builtin_add_overflow(a.duration_nanos(), b.duration_nanos(), &result)
                        : __builtin_sub_overflow(a.duration_nanos(), b.duration_nanos(), &result);
    return overflow ? IntegerOverflow() : Value::Duration(result);
  }
  if (a.kind() == K::kTimestamp && b.kind() == K::kDuration) {
    if (add) {
      return AddDuration(a.timestamp(), b.duration_nanos());
    }
    if (b.duration_nanos() == std::numeric_limits<std::int64_t>::min()) {
      return IntegerOverflow();
    }
    return AddDuration(a.timestamp(), -b.duration_nanos());
  }
  if (add && a.kind() == K::kDuration && b.kind() == K::kTimestamp) {
    return AddDuration(b.timestamp(), a.duration_nanos());
  }
  if (!add && a.kind() == K::kTimestamp && b.kind() == K::kTimestamp) {
    return Difference(a.timestamp(), b.timestamp());
  }
  return std::nullopt;
}

Value DurationAccessor(std::string_view f, std::int64_t nanos) {
  if (f == "getHours") {
    return Value::Int(static_cast<std::int64_t>(DurationIn(nanos, 3600 * kNanosPerSecond)));
  }
  if (f == "getMinutes") {
    return Value::Int(static_cast<std::int64_t>(DurationIn(nanos, 60 * kNanosPerSecond)));
  }
  if (f == "getSeconds") {
    return Value::Int(static_cast<std::int64_t>(DurationIn(nanos, kNanosPerSecond)));
  }
  // cel-go answers the whole duration in milliseconds here, not the spec's millisecond part.
  return Value::Int(nanos / 1'000'000);
}

bool IsTimestampAccessor(std::string_view f) {
  static constexpr std::string_view kNames[] = {
      "getFullYear",  "getMonth", "getDate",    "getDayOfMonth", "getDayOfWeek",
      "getDayOfYear", "getHours", "getMinutes", "getSeconds",    "getMilliseconds"};
  return std::find(std::begin(kNames), std::end(kNames), f) != std::end(kNames);
}

Value TimestampAccessor(std::string_view f, const Timestamp& t, const Value* zone) {
  std::int64_t offset = 0;
  if (zone != nullptr) {
    std::variant<std::int64_t, Value> found = OffsetAt(zone->text(), t.seconds);
    if (const Value* error = std::get_if<Value>(&found)) {
      return *error;
    }
    offset = std::get<std::int64_t>(found);
  }
  std::int64_t local = 0;
  if (__builtin_add_overflow(t.seconds, offset, &local)) {
    return IntegerOverflow();
  }
  std::int64_t days = FloorDiv(local, kSecondsPerDay);
  std::int64_t second_of_day = local - days * kSecondsPerDay;
  if (f == "getHours") {
    return Value::Int(second_of_day / 3600);
  }
  if (f == "getMinutes") {
    return Value::Int(second_of_day / 60 % 60);
  }
  if (f == "getSeconds") {
    return Value::Int(second_of_day % 60);
  }
  if (f == "getMilliseconds") {
    return Value::Int(t.nanos / 1'000'000);
  }
  if (f == "getDayOfWeek") {
    return Value::Int(Weekday(days));
  }
  CivilDate date = CivilFromDays(days);
  if (f == "getFullYear") {
    return Value::Int(date.year);
  }
  if (f == "getMonth") {
    return Value::Int(date.month - 1);
  }
  if (f == "getDate") {
    return Value::Int(date.day);
  }
  if (f == "getDayOfMonth") {
    return Value::Int(date.day - 1);
  }
  return Value::Int(days - DaysFromCivil(date.year, 1, 1));  // getDayOfYear, zero-based
}

std::optional<Value> Convert(std::string_view f, const Value& x) {
  if (f == "duration") {
    if (x.kind() == K::kDuration) {
      return x;
    }
    if (x.kind() != K::kString) {
      return std::nullopt;
    }
    std::optional<std::int64_t> nanos = ParseDuration(x.text());
    if (!nanos) {
      return Value::Error("type conversion error from 'string' to 'google.protobuf.Duration'");
    }
    return Value::Duration(*nanos);
  }
  if (f == "timestamp") {
    if (x.kind() == K::kTimestamp) {
      return x;
    }
    if (x.kind() == K::kInt) {
      if (!InRange(x.int_value())) {
        return TimestampOverflow();
      }
      return Value::TimestampOf({x.int_value(), 0});
    }
    if (x.kind() != K::kString) {
      return std::nullopt;
    }
    std::optional<Timestamp> t = ParseRfc3339(x.text());
    if (!t) {
      return Value::Error("type conversion error from 'string' to 'google.protobuf.Timestamp'");
    }
    if (!InRange(t->seconds)) {
      return TimestampOverflow();
    }
    return Value::TimestampOf(*t);
  }
  if (f == "string") {
    if (x.kind() == K::kDuration) {
      return Value::String(GoDurationText(x.duration_nanos()));
    }
    if (x.kind() == K::kTimestamp) {
      return Value::String(GoTimestampText(x.timestamp()));
    }
    return std::nullopt;
  }
  if (f == "int") {
    if (x.kind() == K::kDuration) {
      return Value::Int(x.duration_nanos());
    }
    if (x.kind() == K::kTimestamp) {
      return Value::Int(x.timestamp().seconds);
    }
  }
  return std::nullopt;
}

}  // namespace

std::string DurationText(std::int64_t nanos) { return GoDurationText(nanos); }

std::string TimestampText(const Timestamp& time) { return GoTimestampText(time); }

std::optional<Value> CallTime(std::string_view function, std::span<const Value> args) {
  if (args.empty()) {
    return std::nullopt;
  }
  const Value& x = args[0];
  if (args.size() == 1) {
    if (function == "duration" || function == "timestamp" || function == "string" ||
        function == "int") {
      return Convert(function, x);
    }
    if (function == op::kNegate && x.kind() == K::kDuration) {
      if (x.duration_nanos() == std::numeric_limits<std::int64_t>::min()) {
        return IntegerOverflow();
      }
      return Value::Duration(-x.duration_nanos());
    }
    if (x.kind() == K::kDuration && (function == "getHours" || function == "getMinutes" ||
                                     function == "getSeconds" || function == "getMilliseconds")) {
      return DurationAccessor(function, x.duration_nanos());
    }
  }
  if (args.size() == 2 && (function == op::kAdd || function == op::kSubtract)) {
    return Arithmetic(function, x, args[1]);
  }
  if (x.kind() == K::kTimestamp && IsTimestampAccessor(function)) {
    if (args.size() == 1) {
      return TimestampAccessor(function, x.timestamp(), nullptr);
    }
    if (args.size() == 2 && args[1].kind() == K::kString) {
      return TimestampAccessor(function, x.timestamp(), &args[1]);
    }
  }
  return std::nullopt;
}

}  // namespace agw::validate::cel::library

namespace agw::validate::cel {

std::optional<std::int64_t> ParseGoDuration(std::string_view text) {
  return library::ParseDuration(text);
}

std::optional<Timestamp> ParseTimestamp(std::string_view text) {
  std::optional<Timestamp> time = library::ParseRfc3339(text);
  if (!time || !library::InRange(time->seconds)) {
    return std::nullopt;
  }
  return time;
}

}  // namespace agw::validate::cel
