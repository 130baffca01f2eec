#include "validate/manifest/base64.h"

#include <cstdint>

namespace agw::validate::manifest {
namespace {

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

}  // namespace

Base64Result DecodeBase64(std::string_view text) {
  Base64Result result;
  auto skip_newlines = [&](std::size_t& i) {
    while (i < text.size() && (text[i] == '\n' || text[i] == '\r')) {
      ++i;
    }
  };
  std::size_t si = 0;
  while (true) {
    // One group of four characters.
    int digits[4] = {0, 0, 0, 0};
    int j = 0;
    bool end = false;
    for (; j < 4; ++j) {
      if (si == text.size()) {
        if (j == 0) {
          return result;
        }
        result.error_offset = si - j;  // unfinished group
        return result;
      }
      char c = text[si++];
      if (c == '\n' || c == '\r') {
        --j;
        continue;
      }
      if (c != '=') {
        int digit = Base64Digit(c);
        if (digit < 0) {
          result.error_offset = si - 1;
          return result;
        }
        digits[j] = digit;
        continue;
      }
      // Padding: only as the third or fourth character of the last group.
      if (j < 2) {
        result.error_offset = si - 1;
        return result;
      }
      if (j == 2) {
        skip_newlines(si);
        if (si == text.size()) {
          result.error_offset = text.size();  // "==" expected
          return result;
        }
        if (text[si] != '=') {
          result.error_offset = si - 1;
          return result;
        }
        ++si;
      }
      skip_newlines(si);
      if (si < text.size()) {
        result.error_offset = si;  // data after the padding
        return result;
      }
      end = true;
      break;
    }
    std::uint32_t quantum = (digits[0] << 18) | (digits[1] << 12) | (digits[2] << 6) | digits[3];
    int bytes = end ? j - 1 : 3;
    for (int k = 0; k < bytes; ++k) {
      result.bytes.push_back(static_cast<char>((quantum >> (16 - 8 * k)) & 0xff));
    }
    if (end) {
      return result;
    }
  }
}

}  // namespace agw::validate::manifest
