#include "emulator/llm/json_codec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <system_error>
#include <utility>
#include <vector>

#include "emulator/llm/json_events.h"

// Boost.JSON is used header-only (Debian ships no libboost_json for 1.81), the documented way:
// its compiled parts are included in exactly one file of the program, this one.
#include <boost/json/src.hpp>

namespace agw::emulator::llm {
namespace {

// Builds nlohmann values from Boost.JSON's parse events, placing each value where
// nlohmann's own DOM parser would. With a `deferred_member`, an array that is the value of that
// top-level member is checked but not built: an empty array holds its place.
class JsonBuilder : public JsonEventHandler {
 public:
  // `text_size`: the size of the document, which decides how objects are given room.
  explicit JsonBuilder(std::size_t text_size, std::string_view deferred_member = {})
      : object_room_(text_size <= kSmallDocument ? kMembersReserved : 0),
        deferred_member_(deferred_member) {}

  Json TakeRoot() { return std::move(root_); }
  // Whether the deferred member's (last) value was an array, and how many elements it had.
  bool deferred() const { return deferred_; }
  std::size_t deferred_elements() const { return deferred_elements_; }

  bool on_object_begin(ErrorCode&) {
    if (Skipped()) {
      ++skipping_;
      return true;
    }
    Json& slot = NextSlot();
    slot = Json::object();
    // Room for a typical object's members at once: growing 1, 2, 4, 8 was four allocations
    // and three moves of every member for each object of a streamed event. Not in a large
    // document, where the room would stay empty: 384 bytes for each 2-member object of a
    // 200,000-message conversation was 77 MB of a 7 MB body.
    if (object_room_ != 0) {
      slot.get_ref<Json::object_t&>().reserve(object_room_);
    }
    open_.push_back(&slot);
    return true;
  }
  bool on_object_end(std::size_t, ErrorCode&) {
    if (skipping_ != 0) {
      --skipping_;
      return true;
    }
    open_.pop_back();
    return true;
  }
  bool on_array_begin(ErrorCode&) {
    if (Skipped()) {
      ++skipping_;
      return true;
    }
    bool defer = !deferred_member_.empty() && open_.size() == 1 && key_ == deferred_member_;
    Json& slot = NextSlot();
    slot = Json::array();
    if (defer) {
      deferred_ = true;
      deferred_elements_ = 0;
      skipping_ = 1;
      return true;
    }
    open_.push_back(&slot);
    return true;
  }
  bool on_array_end(std::size_t, ErrorCode&) {
    if (skipping_ != 0) {
      --skipping_;
      return true;
    }
    open_.pop_back();
    return true;
  }

  bool on_string_part(Text part, std::size_t, ErrorCode&) {
    if (skipping_ == 0) {
      text_.append(part.data(), part.size());
    }
    return true;
  }
  bool on_string(Text part, std::size_t, ErrorCode&) {
    if (Skipped()) {
      return true;
    }
    if (text_.empty()) {
      NextSlot() = std::string(part.data(), part.size());
    } else {
      text_.append(part.data(), part.size());
      NextSlot() = std::move(text_);
      text_.clear();
    }
    return true;
  }

  bool on_number_part(Text part, ErrorCode&) {
    number_.append(part.data(), part.size());
    return true;
  }
  bool on_int64(int64_t value, Text part, ErrorCode&) {
    // nlohmann keeps every integer written without a minus sign unsigned.
    bool negative = number_.empty() ? part.starts_with('-') : number_.front() == '-';
    number_.clear();
    if (Skipped()) {
      return true;
    }
    if (negative) {
      NextSlot() = value;
    } else {
      NextSlot() = static_cast<uint64_t>(value);
    }
    return true;
  }
  bool on_uint64(uint64_t value, Text, ErrorCode&) {
    number_.clear();
    if (Skipped()) {
      return true;
    }
    NextSlot() = value;
    return true;
  }
  bool on_double(double, Text part, ErrorCode& ec) {
    // Converted again from the text, correctly rounded as nlohmann's strtod does: Boost's own
    // conversion may differ in the last digit.
    number_.append(part.data(), part.size());
    double value = 0;
    auto [end, error] = std::from_chars(number_.data(), number_.data() + number_.size(), value);
    if (error == std::errc::result_out_of_range) {
      // Underflow reads as zero or a subnormal; overflow is refused, as nlohmann refuses it.
      value = std::strtod(number_.c_str(), nullptr);
      if (!std::isfinite(value)) {
        ec = boost::json::error::exponent_overflow;
        return false;
      }
    } else if (error != std::errc() || end != number_.data() + number_.size()) {
      ec = boost::json::error::syntax;
      return false;
    }
    number_.clear();
    if (Skipped()) {
      return true;
    }
    NextSlot() = value;
    return true;
  }

  bool on_bool(bool value, ErrorCode&) {
    if (!Skipped()) {
      NextSlot() = value;
    }
    return true;
  }
  bool on_null(ErrorCode&) {
    if (!Skipped()) {
      NextSlot() = nullptr;
    }
    return true;
  }

 private:
  // Whether the value starting now is inside the deferred array (and is not built); counts the
  // array's own elements.
  bool Skipped() {
    if (skipping_ == 0) {
      return false;
    }
    if (skipping_ == 1) {
      ++deferred_elements_;
    }
    key_.clear();
    return true;
  }

  // Where the value being read goes: the root, the end of the open array, or the open
  // object's member named by the last key (operator[]: a repeated key keeps its first place).
  Json& NextSlot() {
    if (open_.empty()) {
      return root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      auto& elements = parent.get_ref<Json::array_t&>();
      elements.emplace_back();
      return elements.back();
    }
    auto& members = parent.get_ref<Json::object_t&>();
    if (members.size() == members.capacity()) {
      Grow(members);
    }
    // A later value of the deferred member replaces the array (an array defers again).
    if (open_.size() == 1 && !deferred_member_.empty() && key_ == deferred_member_) {
      deferred_ = false;
    }
    Json& member = members[key_];
    key_.clear();
    return member;
  }

  // Doubles the room of a full object. By hand: the members' type pairs a const name with the
  // value, so the vector's own growth copies every value already read (a whole conversation
  // when `messages` comes before the other fields) instead of moving it.
  static void Grow(Json::object_t& members) {
    Json::object_t grown;
    grown.reserve(std::max<std::size_t>(1, 2 * members.size()));
    for (auto& [name, value] : members) {
      grown.emplace_back(name, std::move(value));
    }
    members.swap(grown);
  }

  // Documents up to kSmallDocument bytes reserve room for kMembersReserved in every object.
  static constexpr std::size_t kSmallDocument = 64 * 1024;
  static constexpr std::size_t kMembersReserved = 8;

  std::size_t object_room_;
  std::string_view deferred_member_;
  bool deferred_ = false;
  std::size_t deferred_elements_ = 0;
  std::size_t skipping_ = 0;  // open arrays and objects of the deferred array, itself included
  Json root_;
  std::vector<Json*> open_;  // the arrays and objects being filled, innermost last
  std::string text_;
  std::string number_;
};

// ReadJsonStrings' handler: follows the path of member names to each value and keeps the
// strings at the paths asked for.
class StringPathReader : public JsonEventHandler {
 public:
  explicit StringPathReader(std::initializer_list<JsonPath> paths)
      : paths_(paths), values_(paths.size()) {}

  std::vector<std::optional<std::string>>& values() { return values_; }

  bool on_object_begin(ErrorCode&) {
    if (depth_ == 0) {
      ++depth_;
      return true;  // the top-level object: its members start paths
    }
    BeginValue();
    Enter(/*object=*/true);
    return true;
  }
  bool on_array_begin(ErrorCode& ec) {
    if (depth_ == 0) {
      return Refuse(ec);
    }
    BeginValue();
    Enter(/*object=*/false);
    return true;
  }
  bool on_object_end(std::size_t, ErrorCode&) { return Leave(); }
  bool on_array_end(std::size_t, ErrorCode&) { return Leave(); }
  bool on_string_part(Text part, std::size_t, ErrorCode&) {
    if (followed_ == depth_) {
      text_.append(part.data(), part.size());
    }
    return true;
  }
  bool on_string(Text part, std::size_t, ErrorCode& ec) {
    if (depth_ == 0) {
      return Refuse(ec);
    }
    if (followed_ == depth_) {
      text_.append(part.data(), part.size());
    }
    int asked = BeginValue();
    if (asked >= 0) {
      values_[asked] = std::move(text_);
    }
    text_.clear();
    return true;
  }
  bool on_number_part(Text, ErrorCode&) { return true; }
  bool on_int64(int64_t, Text, ErrorCode& ec) { return Scalar(ec); }
  bool on_uint64(uint64_t, Text, ErrorCode& ec) { return Scalar(ec); }
  bool on_double(double, Text, ErrorCode& ec) { return Scalar(ec); }
  bool on_bool(bool, ErrorCode& ec) { return Scalar(ec); }
  bool on_null(ErrorCode& ec) { return Scalar(ec); }

 private:
  bool Scalar(ErrorCode& ec) {
    if (depth_ == 0) {
      return Refuse(ec);
    }
    BeginValue();
    return true;
  }

  // A value starts at the current path: it replaces whatever an earlier member of the same
  // name held at or below it. Returns the index of the path asked for that ends here, or -1.
  int BeginValue() {
    if (followed_ != depth_) {
      key_.clear();
      return -1;
    }
    names_.resize(depth_ - 1);
    names_.push_back(std::move(key_));
    key_.clear();
    int ends_here = -1;
    int index = 0;
    for (const JsonPath& path : paths_) {
      if (path.size() >= names_.size() && std::equal(names_.begin(), names_.end(), path.begin())) {
        values_[index].reset();
        if (path.size() == names_.size()) {
          ends_here = index;
        }
      }
      ++index;
    }
    return ends_here;
  }

  // Paths go on only through objects whose name is on some path asked for.
  void Enter(bool object) {
    bool on_a_path = false;
    if (object && followed_ == depth_) {
      for (const JsonPath& path : paths_) {
        if (path.size() > names_.size() && std::equal(names_.begin(), names_.end(), path.begin())) {
          on_a_path = true;
        }
      }
    }
    ++depth_;
    if (on_a_path) {
      followed_ = depth_;
    }
  }

  bool Leave() {
    if (followed_ == depth_) {
      --followed_;
    }
    --depth_;
    key_.clear();
    return true;
  }

  bool Refuse(ErrorCode& ec) {
    ec = boost::json::error::syntax;
    return false;
  }

  std::initializer_list<JsonPath> paths_;
  std::vector<std::optional<std::string>> values_;
  std::vector<std::string> names_;  // member names from the top to the current value
  std::string text_;
  size_t depth_ = 0;     // open containers
  size_t followed_ = 1;  // the deepest open container still on a path asked for
};

// How each byte reads inside a string: written as is, escaped, or the start of a multi-byte
// UTF-8 sequence to check.
enum class ByteClass : unsigned char { kPlain, kEscape, kMultiByte };

constexpr std::array<ByteClass, 256> MakeByteClasses() {
  std::array<ByteClass, 256> classes{};
  for (int byte = 0; byte < 256; ++byte) {
    if (byte < 0x20 || byte == '"' || byte == '\\') {
      classes[byte] = ByteClass::kEscape;
    } else if (byte >= 0x80) {
      classes[byte] = ByteClass::kMultiByte;
    } else {
      classes[byte] = ByteClass::kPlain;
    }
  }
  return classes;
}
constexpr std::array<ByteClass, 256> kByteClasses = MakeByteClasses();

// The length of the well-formed UTF-8 sequence at text[at] (Unicode table 3-7), 0 if there
// is none.
size_t Utf8SequenceLength(std::string_view text, size_t at) {
  auto byte = [&](size_t offset) -> unsigned {
    return at + offset < text.size() ? static_cast<unsigned char>(text[at + offset]) : 0x100;
  };
  auto continuation = [&](size_t offset, unsigned low = 0x80, unsigned high = 0xBF) {
    unsigned value = byte(offset);
    return value >= low && value <= high;
  };
  unsigned lead = byte(0);
  if (lead >= 0xC2 && lead <= 0xDF) {
    return continuation(1) ? 2 : 0;
  }
  if (lead == 0xE0) {
    return continuation(1, 0xA0) && continuation(2) ? 3 : 0;
  }
  if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    return continuation(1) && continuation(2) ? 3 : 0;
  }
  if (lead == 0xED) {
    return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
  }
  if (lead == 0xF0) {
    return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  }
  if (lead >= 0xF1 && lead <= 0xF3) {
    return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  }
  if (lead == 0xF4) {
    return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

void AppendEscape(unsigned char byte, std::string& out) {
  switch (byte) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\r':
      out += "\\r";
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      char escaped[6] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
      out.append(escaped, sizeof(escaped));
    }
  }
}

// Whether any of the 8 bytes at `bytes` is not plain: a control character, `"`, `\` or a byte
// of a multi-byte character. Word-at-a-time tests (may flag a plain byte beside a flagged one,
// never miss one): prose runs through 8 bytes a step.
bool AnyNotPlain(const char* bytes) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighBits = 0x8080808080808080;
  uint64_t word;
  std::memcpy(&word, bytes, sizeof(word));
  uint64_t quote = word ^ (kOnes * '"');
  uint64_t backslash = word ^ (kOnes * '\\');
  uint64_t flagged = word |                               // >= 0x80
                     ((word - kOnes * 0x20) & ~word) |    // < 0x20
                     ((quote - kOnes) & ~quote) |         // == '"'
                     ((backslash - kOnes) & ~backslash);  // == '\\'
  return (flagged & kHighBits) != 0;
}

// False when `text` is not valid UTF-8 (the caller lets dump() report it).
bool AppendString(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  size_t run_start = 0;
  size_t at = 0;
  while (at < text.size()) {
    if (at + 8 <= text.size() && !AnyNotPlain(text.data() + at)) {
      at += 8;
      continue;
    }
    ByteClass kind = kByteClasses[static_cast<unsigned char>(text[at])];
    if (kind == ByteClass::kPlain) {
      ++at;
    } else if (kind == ByteClass::kMultiByte) {
      size_t length = Utf8SequenceLength(text, at);
      if (length == 0) {
        return false;
      }
      at += length;
    } else {
      out.append(text.data() + run_start, at - run_start);
      AppendEscape(static_cast<unsigned char>(text[at]), out);
      run_start = ++at;
    }
  }
  out.append(text.data() + run_start, at - run_start);
  out.push_back('"');
  return true;
}

template <typename Integer>
void AppendInteger(Integer value, std::string& out) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

// False when a part of `value` is written differently by dump() (invalid UTF-8, binary).
bool AppendValue(const Json& value, std::string& out) {
  using Type = Json::value_t;
  switch (value.type()) {
    case Type::null:
      out += "null";
      return true;
    case Type::boolean:
      out += value.get<bool>() ? "true" : "false";
      return true;
    case Type::number_integer:
      AppendInteger(value.get<int64_t>(), out);
      return true;
    case Type::number_unsigned:
      AppendInteger(value.get<uint64_t>(), out);
      return true;
    case Type::number_float:
      out += value.dump();  // nlohmann's shortest round-trip form ("1.0", "1e+20"); rare
      return true;
    case Type::string:
      return AppendString(value.get_ref<const std::string&>(), out);
    case Type::array: {
      out.push_back('[');
      bool first = true;
      for (const Json& element : value.get_ref<const Json::array_t&>()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        if (!AppendValue(element, out)) {
          return false;
        }
      }
      out.push_back(']');
      return true;
    }
    case Type::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        if (!AppendString(key, out)) {
          return false;
        }
        out.push_back(':');
        if (!AppendValue(member, out)) {
          return false;
        }
      }
      out.push_back('}');
      return true;
    }
    default:
      return false;
  }
}

// Whether arrays and objects in `value` nest more than `limit` deep (without recursion: the
// value may be deep enough to overflow the stack).
bool DeeperThan(const Json& value, size_t limit) {
  std::vector<std::pair<const Json*, size_t>> pending = {{&value, 0}};
  while (!pending.empty()) {
    auto [current, depth] = pending.back();
    pending.pop_back();
    if (!current->is_structured()) {
      continue;
    }
    if (depth + 1 > limit) {
      return true;
    }
    for (const Json& child : *current) {
      pending.emplace_back(&child, depth + 1);
    }
  }
  return false;
}

}  // namespace

Json ReadJson(std::string_view text) {
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (text.starts_with(kByteOrderMark)) {
    text.remove_prefix(kByteOrderMark.size());
  }
  boost::json::basic_parser<JsonBuilder> parser(JsonParseOptions(), text.size());
  boost::json::error_code ec = ParseWhole(parser, text);
  if (!ec) {
    return parser.handler().TakeRoot();
  }
  if (ec == boost::json::error::too_deep) {
    return Json(Json::value_t::discarded);
  }
  // Boost refuses a few documents nlohmann reads (exponents past its counter, such as
  // 1e-99999999999999999999 read as 0): nlohmann decides those, and bad input is not hot.
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded() && DeeperThan(parsed, kMaxJsonDepth - 1)) {
    return Json(Json::value_t::discarded);
  }
  return parsed;
}

std::optional<std::vector<std::optional<std::string>>> ReadJsonStrings(
    std::string_view text, std::initializer_list<JsonPath> paths) {
  boost::json::basic_parser<StringPathReader> parser(JsonParseOptions(), paths);
  if (ParseWhole(parser, text)) {
    return std::nullopt;
  }
  return std::move(parser.handler().values());
}

namespace {

constexpr std::string_view kJsonWhitespace = " \t\n\r";

size_t SkipWhitespace(std::string_view text, size_t at) {
  size_t next = text.find_first_not_of(kJsonWhitespace, at);
  return next == std::string_view::npos ? text.size() : next;
}

// One past the end of the value that starts at text[at], in a document Boost.JSON has read
// whole; npos when the text is not what that reading saw.
size_t SkipValue(std::string_view text, size_t at) {
  auto skip_string = [&](size_t quote) {
    for (size_t at = quote + 1;;) {
      at = text.find_first_of("\"\\", at);
      if (at == std::string_view::npos) {
        return at;
      }
      if (text[at] == '"') {
        return at + 1;
      }
      at += 2;  // an escape: the byte after the backslash cannot end the string
    }
  };
  if (at >= text.size()) {
    return std::string_view::npos;
  }
  char first = text[at];
  if (first == '"') {
    return skip_string(at);
  }
  if (first != '[' && first != '{') {
    size_t end = text.find_first_of(",]}", at);
    end = end == std::string_view::npos ? text.size() : end;
    while (end > at && kJsonWhitespace.find(text[end - 1]) != std::string_view::npos) {
      --end;
    }
    return end;
  }
  size_t depth = 0;
  for (size_t next = at; next < text.size();) {
    next = text.find_first_of("\"[]{}", next);
    if (next == std::string_view::npos) {
      return next;
    }
    char byte = text[next];
    if (byte == '"') {
      next = skip_string(next);
      if (next == std::string_view::npos) {
        return next;
      }
      continue;
    }
    ++next;
    if (byte == '[' || byte == '{') {
      ++depth;
    } else if (--depth == 0) {
      return next;
    }
  }
  return std::string_view::npos;
}

// The value of the last top-level member named `member` in the object `text`, if an array, as
// written; nullopt otherwise (and for text that is not an object).
std::optional<std::string_view> LastMemberArray(std::string_view text, std::string_view member) {
  size_t at = SkipWhitespace(text, 0);
  if (at >= text.size() || text[at] != '{') {
    return std::nullopt;
  }
  std::optional<std::string_view> found;
  at = SkipWhitespace(text, at + 1);
  while (at < text.size() && text[at] == '"') {
    size_t key_end = SkipValue(text, at);
    if (key_end == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view key = text.substr(at + 1, key_end - at - 2);
    bool named = key == member;
    if (!named && key.find('\\') != std::string_view::npos) {
      Json decoded = ReadJson(text.substr(at, key_end - at));  // a name written with escapes
      named = decoded.is_string() && decoded.get_ref<const std::string&>() == member;
    }
    at = SkipWhitespace(text, key_end);
    if (at >= text.size() || text[at] != ':') {
      return std::nullopt;
    }
    at = SkipWhitespace(text, at + 1);
    size_t value_end = SkipValue(text, at);
    if (value_end == std::string_view::npos) {
      return std::nullopt;
    }
    if (named) {
      found = text[at] == '[' ? std::optional(text.substr(at, value_end - at)) : std::nullopt;
    }
    at = SkipWhitespace(text, value_end);
    if (at >= text.size() || (text[at] != ',' && text[at] != '}')) {
      return std::nullopt;
    }
    if (text[at] == ',') {
      at = SkipWhitespace(text, at + 1);
    }
  }
  return found;
}

}  // namespace

JsonKeepingArrayText ReadJsonKeepingArrayText(std::string_view text, std::string_view member) {
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  std::string_view document = text;
  if (document.starts_with(kByteOrderMark)) {
    document.remove_prefix(kByteOrderMark.size());
  }
  boost::json::basic_parser<JsonBuilder> parser(JsonParseOptions(), document.size(), member);
  if (!member.empty() && !ParseWhole(parser, document) && parser.handler().deferred()) {
    std::optional<std::string_view> array = LastMemberArray(document, member);
    size_t elements = 0;
    if (array) {
      ForEachJsonElement(*array, [&](std::string_view) { ++elements; });
    }
    // Always equal: the scan reads the text Boost.JSON accepted. Should it ever not be, the
    // whole document is read the ordinary way.
    if (array && elements == parser.handler().deferred_elements()) {
      return {parser.handler().TakeRoot(), array};
    }
  }
  return {ReadJson(text), std::nullopt};
}

void ForEachJsonElement(std::string_view array_text,
                        const std::function<void(std::string_view)>& visit) {
  if (array_text.empty() || array_text.front() != '[') {
    return;
  }
  size_t at = SkipWhitespace(array_text, 1);
  // Every step moves on or stops, whatever the text: a scan that disagreed with the parser
  // must end the reading, never loop.
  while (at < array_text.size() && array_text[at] != ']') {
    size_t end = SkipValue(array_text, at);
    if (end == std::string_view::npos || end <= at) {
      return;
    }
    visit(array_text.substr(at, end - at));
    at = SkipWhitespace(array_text, end);
    if (at >= array_text.size() || (array_text[at] != ',' && array_text[at] != ']')) {
      return;
    }
    if (array_text[at] == ',') {
      at = SkipWhitespace(array_text, at + 1);
    }
  }
}

Json ReadJsonArray(std::string_view array_text) {
  Json array = Json::array();
  ForEachJsonElement(array_text,
                     [&](std::string_view element) { array.push_back(ReadJson(element)); });
  return array;
}

std::string WriteJsonWithArrayText(const Json& object, std::string_view member,
                                   std::string_view array_text) {
  std::string out;
  // About the size of what the client wrote: growing by doubling held two copies at the end.
  out.reserve(array_text.size() + 1024);
  out.push_back('{');
  bool first = true;
  for (const auto& [key, value] : object.get_ref<const Json::object_t&>()) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    AppendJsonString(key, out);
    out.push_back(':');
    if (key != member) {
      AppendJson(value, out);
      continue;
    }
    out.push_back('[');
    bool first_element = true;
    ForEachJsonElement(array_text, [&](std::string_view element) {
      if (!first_element) {
        out.push_back(',');
      }
      first_element = false;
      AppendJson(ReadJson(element), out);
    });
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

void AppendJson(const Json& value, std::string& out) {
  size_t start = out.size();
  if (!AppendValue(value, out)) {
    out.resize(start);
    out += value.dump();
  }
}

void AppendJsonString(std::string_view text, std::string& out) {
  size_t start = out.size();
  if (!AppendString(text, out)) {
    out.resize(start);
    out += Json(text).dump();
  }
}

std::string WriteJson(const Json& value) {
  std::string out;
  AppendJson(value, out);
  return out;
}

namespace {

// The length of the well-formed UTF-8 sequence at `at`, or 0 when there is none; `bad` then gets
// the length of its maximal ill-formed subpart (at least 1), which one U+FFFD replaces (the
// Unicode "substitution of maximal subparts" that Rust follows).
size_t Utf8SequenceAt(std::string_view text, size_t at, size_t& bad) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  if (lead < 0x80) {
    return 1;
  }
  size_t length = 0;
  unsigned char low = 0x80;  // the second byte's range, narrower after E0, ED, F0 and F4
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) {
      low = 0xA0;
    }
    if (lead == 0xED) {
      high = 0x9F;
    }
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) {
      low = 0x90;
    }
    if (lead == 0xF4) {
      high = 0x8F;
    }
  } else {
    bad = 1;
    return 0;
  }
  size_t i = 1;
  for (; i < length && at + i < text.size(); ++i) {
    unsigned char next = byte(at + i);
    if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xBF)) {
      break;
    }
  }
  if (i == length) {
    return length;
  }
  bad = i;
  return 0;
}

}  // namespace

bool IsUtf8(std::string_view text) {
  size_t bad = 0;
  for (size_t at = 0; at < text.size();) {
    size_t length = Utf8SequenceAt(text, at, bad);
    if (length == 0) {
      return false;
    }
    at += length;
  }
  return true;
}

std::string Utf8Lossy(std::string_view text) {
  if (IsUtf8(text)) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size() + 8);
  size_t bad = 0;
  for (size_t at = 0; at < text.size();) {
    size_t length = Utf8SequenceAt(text, at, bad);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      at += bad;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

}  // namespace agw::emulator::llm
