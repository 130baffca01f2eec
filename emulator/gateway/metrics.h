#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace agw::emulator::gateway {

// Request counters and latency histograms, exported in the Prometheus text format. Safe to
// record from every connection thread.
class Metrics {
 public:
  // One shard per worker thread, so recording never waits on another thread; a scrape merges.
  explicit Metrics(std::size_t shards = 1);
  void Record(std::size_t shard, const std::string& gateway, const std::string& route,
              const std::string& backend, int status, double seconds, std::uint64_t request_bytes,
              std::uint64_t response_bytes);
  // One LLM exchange: token usage by type and the exchange's duration, with agentgateway's
  // gen_ai label set.
  struct GenAi {
    std::string gateway;
    std::string route;
    std::string operation;  // "chat" or "embeddings"
    std::string provider;   // gen_ai_system: "openai", "anthropic", "gcp.gemini", ...
    std::string request_model;
    std::string response_model;
    std::optional<std::int64_t> input_tokens;  // cache reads and writes included
    std::optional<std::int64_t> output_tokens;
    std::optional<std::int64_t> cache_read_tokens;
    std::optional<std::int64_t> cache_write_tokens;
    double seconds = 0;
    // Streamed answers only: when the first translated bytes left, from the request's start.
    std::optional<double> first_token_seconds;
  };
  void RecordGenAi(const GenAi& exchange);
  // One guard evaluated: agentgateway_guardrail_checks_total{phase, action}, phase "Request" or
  // "Response", action "Allow", "Mask", "Reject" or "FailOpen".
  void RecordGuardrailCheck(std::string_view phase, std::string_view action);
  std::string Prometheus() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // gateway, route, backend
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative counts per bound
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::map<std::tuple<std::string, std::string, std::string, int>, std::uint64_t> requests;
    std::map<Key, Histogram> durations;
    std::map<Key, std::pair<std::uint64_t, std::uint64_t>> bytes;  // request, response
  };
  std::vector<std::unique_ptr<Shard>> shards_;
  mutable std::mutex mutex_;  // the gen_ai maps below
  // gen_ai labels (without the token type) -> histogram per token type, and durations.
  std::map<std::string, std::map<std::string, Histogram>> token_usage_;
  std::map<std::string, Histogram> gen_ai_durations_;
  std::map<std::string, Histogram> time_to_first_token_;
  std::map<std::string, Histogram> time_per_output_token_;
  // agentgateway_guardrail_checks_total by phase (Request, Response) and action (Allow, Mask,
  // Reject, FailOpen): a fixed set, counted without a lock on every guarded request.
  std::array<std::array<std::atomic<std::uint64_t>, 4>, 2> guardrail_checks_{};
};

}  // namespace agw::emulator::gateway
