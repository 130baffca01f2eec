#pragma once

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse_options.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "emulator/llm/json_codec.h"

// What the Boost.JSON parse-event handlers of emulator/llm share (ReadJson's document builder
// and the readers that take a few fields from a stream event without one).
namespace agw::emulator::llm {

// The parts of a boost::json::basic_parser handler that are the same for all of them: no size
// limits beyond the parser's own, member names gathered into `key_`, comments ignored (the
// parser refuses them anyway, as nlohmann does).
class JsonEventHandler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  using ErrorCode = boost::json::error_code;
  using Text = boost::json::string_view;

  bool on_document_begin(ErrorCode&) { return true; }
  bool on_document_end(ErrorCode&) { return true; }
  bool on_key_part(Text part, std::size_t, ErrorCode&) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(Text part, std::size_t, ErrorCode&) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_comment_part(Text, ErrorCode&) { return true; }
  bool on_comment(Text, ErrorCode&) { return true; }

 protected:
  std::string key_;  // the name of the member whose value comes next
};

// The parser options every reader uses: nesting limited as ReadJson limits it.
inline boost::json::parse_options JsonParseOptions() {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth - 1;
  return options;
}

// Feeds all of `text` to `parser` as one complete document; the error, if it was not exactly
// one JSON value.
template <typename Handler>
boost::json::error_code ParseWhole(boost::json::basic_parser<Handler>& parser,
                                   std::string_view text) {
  boost::json::error_code ec;
  std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && consumed != text.size()) {
    ec = boost::json::error::extra_data;
  }
  return ec;
}

}  // namespace agw::emulator::llm
