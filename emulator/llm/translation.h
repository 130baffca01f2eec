#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "emulator/llm/llm_info.h"

namespace agw::emulator::llm {

// The time and the fresh ids a translation stamps on what it makes (`created`, generated `id`s).
// It travels with ProviderOptions, so `run` uses the wall clock and a random source while tests
// and dry runs can pin both: no translator reads a clock or a random device of its own.
// A member left empty reads as 0 (the epoch, all-zero ids) rather than failing.
struct Stamper {
  std::function<std::int64_t()> unix_millis;  // the wall clock: milliseconds since the epoch
  std::function<std::uint64_t()> random;      // 64 fresh random bits per call

  std::int64_t UnixMillis() const;
  std::int64_t UnixSeconds() const;  // UnixMillis() / 1000
  // `prefix` and 16 lowercase hex digits of one draw: the shape upstream gives generated ids.
  std::string Id(std::string_view prefix) const;
  // `digits` lowercase hex digits (0 or more), one draw per 16 digits.
  std::string Hex(int digits) const;
};

// The wall clock, and a per-thread engine seeded from std::random_device: the one place the
// translations' time and randomness come from when nothing is pinned.
Stamper SystemStamper();
// A clock stopped at `unix_millis` and a deterministic sequence of draws starting from `seed`.
// Copies of the returned Stamper share the one sequence (each draw is taken atomically), so
// every id of one run differs, and two runs from equal arguments stamp equal bytes.
Stamper FixedStamper(std::int64_t unix_millis, std::uint64_t seed);

// What a translation needs to know about the provider beyond the body.
struct ProviderOptions {
  std::string model;     // the model the backend is configured with (empty: keep the request's)
  std::string region;    // Bedrock / Vertex region
  std::string project;   // Vertex project
  std::string provider;  // the CRD provider kind: openai, anthropic, gemini, vertexai, bedrock, ...
  std::string request_id;  // the upstream's request id (Bedrock's x-amzn-requestid), if known
  // Whether request summaries carry RequestInfo::prompt, a copy of the text of every message:
  // the summaries show it; the data plane reads none of it (PlanCall turns it off).
  bool record_prompt = true;
  // Where the `created` times and generated ids of the translated bodies come from.
  Stamper stamper = SystemStamper();
};

// A client body turned into the upstream body, with what was learned from it.
struct RequestTranslation {
  Json body;
  RequestInfo info;
};

// The same with the body written as the JSON text that is sent.
struct RequestText {
  std::string body;
  RequestInfo info;
};

// An upstream body turned into the body the client is owed, with usage.
struct ResponseTranslation {
  Json body;
  ResponseInfo info;
};

// Translations fail only on input they cannot represent; the message becomes the
// gateway's `failed to process LLM request: ...` text.
template <typename T>
using Translated = tl::expected<T, std::string>;

// A translated request with its body written as text (WriteJson), or its error.
Translated<RequestText> RequestTextOf(Translated<RequestTranslation> translated);

}  // namespace agw::emulator::llm
