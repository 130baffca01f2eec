#pragma once

// How the fuzz targets read their input: a few leading bytes choose what to exercise (a format
// pair, a provider, where a stream is cut), the rest is the document. Every byte has one meaning
// whatever its value, so a seed in testdata/fuzz/ can be written by hand
// (printf '\x00\x02{"model":"m"}'), and the fuzzer's mutations of the choice bytes move between
// the choices instead of being rejected.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace agw::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte; 0 once the input is used up.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    uint8_t byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }
  // One of `count` choices, from the next byte.
  size_t Choose(size_t count) { return Byte() % count; }
  // The bytes before the next `delimiter` (all that is left when there is none); the delimiter
  // is consumed.
  std::string_view Until(char delimiter) {
    size_t end = rest_.find(delimiter);
    std::string_view taken = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return taken;
  }
  // Everything not read yet.
  std::string_view Rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// `bytes` cut into consecutive pieces, as a network delivers a stream: 0 keeps it whole, 1 cuts
// after every byte, and any other `seed` gives pieces of pseudo-random sizes from 1 to `seed`
// (the same cuts every time for the same seed and bytes, so a crash replays).
inline std::vector<std::string_view> Cut(std::string_view bytes, uint8_t seed) {
  std::vector<std::string_view> pieces;
  if (seed == 0) {
    pieces.push_back(bytes);
    return pieces;
  }
  uint32_t state = 0x9e3779b9u ^ seed ^ static_cast<uint32_t>(bytes.size() << 8);
  while (!bytes.empty()) {
    state ^= state << 13;  // xorshift32
    state ^= state >> 17;
    state ^= state << 5;
    size_t length = seed == 1 ? 1 : 1 + state % seed;
    pieces.push_back(bytes.substr(0, length));
    bytes.remove_prefix(std::min(length, bytes.size()));
  }
  return pieces;
}

}  // namespace agw::fuzz
