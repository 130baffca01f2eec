#pragma once

// Beast's HTTP parser with every count bounded and no exception out of it. Included only by
// emulator/io .cc files: Beast stays out of headers other folders see (STYLE.md §5).

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <exception>

namespace agw::emulator::io {

// What the trailer section of a chunked body may hold. Beast applies its header limit to the
// head only: trailers were unbounded (any count, and a field of 64 KiB threw
// std::length_error out of the parser, which ended the process). The defaults are the head's
// own (ServerOptions::max_header_bytes) and hyper's header count (agentgateway's HTTP/1 stack).
struct TrailerLimits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_fields = 100;
};

// An http::parser that never throws and keeps trailers out of the message. Trailer fields are
// counted against `TrailerLimits` (error::header_limit past them) and then dropped: the
// gateway forwards bodies with a length, or re-chunks them without trailers, and a field that
// arrives after the head must not turn into a header upstream (RFC 9110 §6.5.2 lets a
// recipient that removes the chunked coding discard them). A field of the head that
// basic_fields cannot hold becomes error::header_limit instead of an exception.
//
// The limit on the trailer section's total bytes needs the read buffer's help: Beast buffers
// the whole section before it hands out its first field, so read with a buffer made by
// `BoundedReadBuffer` (error::buffer_overflow once the section outgrows it).
template <bool kIsRequest, class Body>
class BoundedParser : public boost::beast::http::parser<kIsRequest, Body> {
 public:
  explicit BoundedParser(TrailerLimits limits = {}) : limits_(limits) {}

  std::size_t trailer_fields() const { return trailer_fields_; }

 private:
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override {
    if (this->is_header_done()) {
      trailer_bytes_ += name_string.size() + value.size() + 4;  // ": " and CRLF
      if (++trailer_fields_ > limits_.max_fields || trailer_bytes_ > limits_.max_bytes) {
        ec = boost::beast::http::error::header_limit;
      }
      return;
    }
    try {
      this->get().insert(name, name_string, value);
    } catch (const std::exception&) {
      ec = boost::beast::http::error::header_limit;
    }
  }

  TrailerLimits limits_;
  std::size_t trailer_bytes_ = 0;
  std::size_t trailer_fields_ = 0;
};

template <class Body>
using BoundedRequestParser = BoundedParser<true, Body>;
template <class Body>
using BoundedResponseParser = BoundedParser<false, Body>;

// A connection's read buffer: room for one `relay_chunk` read past a full head or trailer
// section, and no more, so a trailer section that never ends cannot grow it without bound.
inline boost::beast::flat_buffer BoundedReadBuffer(std::size_t max_header_bytes,
                                                   std::size_t relay_chunk) {
  return boost::beast::flat_buffer(max_header_bytes + relay_chunk);
}

}  // namespace agw::emulator::io
