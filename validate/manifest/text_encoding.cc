#include "validate/manifest/text_encoding.h"

namespace agw::validate::manifest {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

void AppendReplacement(DecodedText& out) {
  out.replacements.push_back(out.text.size());
  out.text += kReplacement;
}

// The well-formed UTF-8 byte sequences (Unicode Table 3-7): how many bytes follow a lead byte,
// and the range the first of them must lie in (the others are always 80..BF). 0 for a byte
// that cannot start a sequence.
struct LeadByte {
  int continuation_bytes;
  unsigned char second_low;
  unsigned char second_high;
};

LeadByte Classify(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) {
    return {1, 0x80, 0xBF};
  }
  if (lead == 0xE0) {
    return {2, 0xA0, 0xBF};
  }
  if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    return {2, 0x80, 0xBF};
  }
  if (lead == 0xED) {
    return {2, 0x80, 0x9F};  // no surrogates
  }
  if (lead == 0xF0) {
    return {3, 0x90, 0xBF};
  }
  if (lead >= 0xF1 && lead <= 0xF3) {
    return {3, 0x80, 0xBF};
  }
  if (lead == 0xF4) {
    return {3, 0x80, 0x8F};  // nothing above U+10FFFF
  }
  return {0, 0, 0};
}

void DecodeUtf8(std::string_view bytes, DecodedText& out) {
  out.text.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      out.text += static_cast<char>(lead);
      ++i;
      continue;
    }
    LeadByte kind = Classify(lead);
    if (kind.continuation_bytes == 0) {
      AppendReplacement(out);
      ++i;
      continue;
    }
    // Take as many bytes as still fit a well-formed sequence; a sequence cut short is one
    // maximal subpart and becomes a single U+FFFD.
    std::size_t length = 1;
    while (length <= static_cast<std::size_t>(kind.continuation_bytes) &&
           i + length < bytes.size()) {
      auto next = static_cast<unsigned char>(bytes[i + length]);
      unsigned char low = length == 1 ? kind.second_low : 0x80;
      unsigned char high = length == 1 ? kind.second_high : 0xBF;
      if (next < low || next > high) {
        break;
      }
      ++length;
    }
    if (length == static_cast<std::size_t>(kind.continuation_bytes) + 1) {
      out.text.append(bytes.substr(i, length));
    } else {
      AppendReplacement(out);
    }
    i += length;
  }
}

void DecodeUtf16(std::string_view bytes, bool big_endian, DecodedText& out) {
  auto unit_at = [&](std::size_t i) -> char16_t {
    auto first = static_cast<unsigned char>(bytes[i]);
    auto second = static_cast<unsigned char>(bytes[i + 1]);
    return big_endian ? static_cast<char16_t>(first << 8 | second)
                      : static_cast<char16_t>(second << 8 | first);
  };
  std::size_t i = 0;
  while (i + 1 < bytes.size()) {
    char16_t unit = unit_at(i);
    i += 2;
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < bytes.size()) {
      char16_t low = unit_at(i);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        i += 2;
        AppendUtf8(out.text, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        continue;
      }
    }
    if (unit >= 0xD800 && unit <= 0xDFFF) {
      AppendReplacement(out);
      continue;
    }
    AppendUtf8(out.text, unit);
  }
  if (i < bytes.size()) {
    AppendReplacement(out);  // an odd byte at the end
  }
}

}  // namespace

void AppendUtf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

DecodedText DecodeAsKubectlReads(std::string_view bytes) {
  DecodedText out;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    DecodeUtf8(bytes.substr(3), out);
  } else if (bytes.substr(0, 2) == "\xFF\xFE") {
    DecodeUtf16(bytes.substr(2), /*big_endian=*/false, out);
  } else if (bytes.substr(0, 2) == "\xFE\xFF") {
    DecodeUtf16(bytes.substr(2), /*big_endian=*/true, out);
  } else {
    DecodeUtf8(bytes, out);
  }
  return out;
}

std::size_t LineBreakLength(std::string_view text, std::size_t i) {
  if (i >= text.size()) {
    return 0;
  }
  char c = text[i];
  if (c == '\n') {
    return 1;
  }
  if (c == '\r') {
    return i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
  }
  if (text.substr(i, 2) == "\xC2\x85") {
    return 2;
  }
  if (text.substr(i, 3) == "\xE2\x80\xA8" || text.substr(i, 3) == "\xE2\x80\xA9") {
    return 3;
  }
  return 0;
}

}  // namespace agw::validate::manifest
