#include "emulator/llm/translation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>

namespace agw::emulator::llm {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Appends the `digits` low nibbles of `value`, most significant first.
void AppendHex(std::uint64_t value, int digits, std::string& out) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out.push_back(kHexDigits[(value >> shift) & 0xF]);
  }
}

}  // namespace

std::int64_t Stamper::UnixMillis() const { return unix_millis ? unix_millis() : 0; }

std::int64_t Stamper::UnixSeconds() const { return UnixMillis() / 1000; }

std::string Stamper::Id(std::string_view prefix) const {
  std::string id(prefix);
  id.reserve(prefix.size() + 16);
  AppendHex(random ? random() : 0, 16, id);
  return id;
}

std::string Stamper::Hex(int digits) const {
  std::string out;
  if (digits <= 0) {
    return out;
  }
  out.reserve(static_cast<size_t>(digits));
  for (int left = digits; left > 0; left -= 16) {
    AppendHex(random ? random() : 0, std::min(left, 16), out);
  }
  return out;
}

Stamper SystemStamper() {
  return Stamper{
      [] {
        return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
      },
      [] {
        thread_local std::mt19937_64 engine{std::random_device{}()};
        return static_cast<std::uint64_t>(engine());
      }};
}

Stamper FixedStamper(std::int64_t unix_millis, std::uint64_t seed) {
  // SplitMix64 (Steele, Lea and Flood): a counter stepped by the golden ratio, then mixed. The
  // counter is atomic so that copies used on different threads still draw distinct values.
  auto state = std::make_shared<std::atomic<std::uint64_t>>(seed);
  return Stamper{[unix_millis] { return unix_millis; },
                 [state] {
                   constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ull;
                   std::uint64_t z = state->fetch_add(kGolden, std::memory_order_relaxed) + kGolden;
                   z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
                   z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
                   return z ^ (z >> 31);
                 }};
}

}  // namespace agw::emulator::llm
