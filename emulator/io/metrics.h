#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace agw::emulator::io {

// Request counters and latency histograms, exported in the Prometheus text format. Safe to
// record from every connection thread.
class Metrics {
 public:
  void Record(const std::string& gateway, const std::string& route, const std::string& backend,
              int status, double seconds, std::uint64_t request_bytes,
              std::uint64_t response_bytes);
  std::string Prometheus() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // gateway, route, backend
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative counts per bound
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string, int>, std::uint64_t> requests_;
  std::map<Key, Histogram> durations_;
  std::map<Key, std::pair<std::uint64_t, std::uint64_t>> bytes_;  // request, response
};

}  // namespace agw::emulator::io
