#include "emulator/io/metrics.h"

#include <sstream>

namespace agw::emulator::io {
namespace {

constexpr double kBounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Labels(const std::string& gateway, const std::string& route,
                   const std::string& backend) {
  return "gateway=\"" + Escape(gateway) + "\",route=\"" + Escape(route) + "\",backend=\"" +
         Escape(backend) + "\"";
}

}  // namespace

void Metrics::Record(const std::string& gateway, const std::string& route,
                     const std::string& backend, int status, double seconds,
                     std::uint64_t request_bytes, std::uint64_t response_bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{gateway, route, backend, status}];
  Histogram& histogram = durations_[{gateway, route, backend}];
  if (histogram.buckets.empty()) histogram.buckets.assign(std::size(kBounds), 0);
  for (std::size_t i = 0; i < std::size(kBounds); ++i) {
    if (seconds <= kBounds[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
  auto& bytes = bytes_[{gateway, route, backend}];
  bytes.first += request_bytes;
  bytes.second += response_bytes;
}

std::string Metrics::Prometheus() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  out << "# HELP agentgateway_requests_total Requests handled, by route, backend and status.\n"
      << "# TYPE agentgateway_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [gateway, route, backend, status] = key;
    out << "agentgateway_requests_total{" << Labels(gateway, route, backend) << ",status=\""
        << status << "\"} " << count << "\n";
  }
  out << "# HELP agentgateway_request_duration_seconds Time from the request's first byte to "
         "the response's last byte.\n"
      << "# TYPE agentgateway_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : durations_) {
    const auto& [gateway, route, backend] = key;
    std::string labels = Labels(gateway, route, backend);
    for (std::size_t i = 0; i < std::size(kBounds); ++i) {
      out << "agentgateway_request_duration_seconds_bucket{" << labels << ",le=\"" << kBounds[i]
          << "\"} " << histogram.buckets[i] << "\n";
    }
    out << "agentgateway_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} "
        << histogram.count << "\n"
        << "agentgateway_request_duration_seconds_sum{" << labels << "} " << histogram.sum << "\n"
        << "agentgateway_request_duration_seconds_count{" << labels << "} " << histogram.count
        << "\n";
  }
  out << "# HELP agentgateway_request_bytes_total Request body bytes received.\n"
      << "# TYPE agentgateway_request_bytes_total counter\n";
  for (const auto& [key, bytes] : bytes_) {
    const auto& [gateway, route, backend] = key;
    out << "agentgateway_request_bytes_total{" << Labels(gateway, route, backend) << "} "
        << bytes.first << "\n";
  }
  out << "# HELP agentgateway_response_bytes_total Response body bytes sent.\n"
      << "# TYPE agentgateway_response_bytes_total counter\n";
  for (const auto& [key, bytes] : bytes_) {
    const auto& [gateway, route, backend] = key;
    out << "agentgateway_response_bytes_total{" << Labels(gateway, route, backend) << "} "
        << bytes.second << "\n";
  }
  return out.str();
}

}  // namespace agw::emulator::io
