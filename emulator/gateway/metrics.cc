#include "emulator/gateway/metrics.h"

#include <sstream>

namespace agw::emulator::gateway {
namespace {

constexpr double kBounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
    }
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

// agentgateway's buckets: token counts in powers of 4, durations doubling from 10 ms.
constexpr double kTokenBounds[] = {1,     4,     16,     64,      256,     1024,     4096,
                                   16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
constexpr double kGenAiSecondBounds[] = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                         1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};

constexpr double kFirstTokenBounds[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                        0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0};
constexpr double kPerTokenBounds[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08,
                                      0.1,   0.25,  0.5,  0.75, 1.0,  2.5};

template <std::size_t N>
void Observe(const double (&bounds)[N], std::vector<std::uint64_t>& buckets, std::uint64_t& count,
             double& sum, double value) {
  if (buckets.empty()) {
    buckets.assign(N, 0);
  }
  for (std::size_t i = 0; i < N; ++i) {
    if (value <= bounds[i]) {
      ++buckets[i];
    }
  }
  ++count;
  sum += value;
}

template <std::size_t N>
void WriteHistogram(std::ostringstream& out, const std::string& name, const std::string& labels,
                    const double (&bounds)[N], const std::vector<std::uint64_t>& buckets,
                    std::uint64_t count, double sum) {
  for (std::size_t i = 0; i < N; ++i) {
    out << name << "_bucket{" << labels << ",le=\"" << bounds[i] << "\"} " << buckets[i] << "\n";
  }
  out << name << "_bucket{" << labels << ",le=\"+Inf\"} " << count << "\n"
      << name << "_sum{" << labels << "} " << sum << "\n"
      << name << "_count{" << labels << "} " << count << "\n";
}

}  // namespace

namespace {

constexpr std::array<std::string_view, 2> kGuardPhases = {"Request", "Response"};
constexpr std::array<std::string_view, 4> kGuardActions = {"Allow", "Mask", "Reject", "FailOpen"};

template <std::size_t N>
std::optional<std::size_t> IndexOf(const std::array<std::string_view, N>& names,
                                   std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace

void Metrics::RecordGuardrailCheck(std::string_view phase, std::string_view action) {
  std::optional<std::size_t> p = IndexOf(kGuardPhases, phase);
  std::optional<std::size_t> a = IndexOf(kGuardActions, action);
  if (p && a) {
    guardrail_checks_[*p][*a].fetch_add(1, std::memory_order_relaxed);
  }
}

void Metrics::RecordGenAi(const GenAi& exchange) {
  std::string labels =
      "gateway=\"" + Escape(exchange.gateway) + "\",route=\"" + Escape(exchange.route) +
      "\",gen_ai_operation_name=\"" + Escape(exchange.operation) + "\",gen_ai_system=\"" +
      Escape(exchange.provider) + "\",gen_ai_request_model=\"" + Escape(exchange.request_model) +
      "\",gen_ai_response_model=\"" + Escape(exchange.response_model) + "\"";
  std::lock_guard<std::mutex> lock(mutex_);
  auto& by_type = token_usage_[labels];
  auto observe = [&](const char* type, const std::optional<std::int64_t>& tokens) {
    if (!tokens) {
      return;
    }
    Histogram& histogram = by_type[type];
    Observe(kTokenBounds, histogram.buckets, histogram.count, histogram.sum,
            static_cast<double>(*tokens));
  };
  observe("input", exchange.input_tokens);
  observe("output", exchange.output_tokens);
  observe("input_cache_read", exchange.cache_read_tokens);
  observe("input_cache_write", exchange.cache_write_tokens);
  Histogram& duration = gen_ai_durations_[labels];
  Observe(kGenAiSecondBounds, duration.buckets, duration.count, duration.sum, exchange.seconds);
  if (exchange.first_token_seconds) {
    Histogram& first = time_to_first_token_[labels];
    Observe(kFirstTokenBounds, first.buckets, first.count, first.sum,
            *exchange.first_token_seconds);
    if (exchange.output_tokens && *exchange.output_tokens > 0) {
      Histogram& per_token = time_per_output_token_[labels];
      Observe(kPerTokenBounds, per_token.buckets, per_token.count, per_token.sum,
              (exchange.seconds - *exchange.first_token_seconds) /
                  static_cast<double>(*exchange.output_tokens));
    }
  }
}

Metrics::Metrics(std::size_t shards) {
  for (std::size_t i = 0; i < std::max<std::size_t>(shards, 1); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

void Metrics::Record(std::size_t shard_index, const std::string& gateway, const std::string& route,
                     const std::string& backend, int status, double seconds,
                     std::uint64_t request_bytes, std::uint64_t response_bytes) {
  Shard& shard = *shards_[shard_index % shards_.size()];
  std::lock_guard<std::mutex> lock(shard.mutex);
  ++shard.requests[{gateway, route, backend, status}];
  Histogram& histogram = shard.durations[{gateway, route, backend}];
  Observe(kBounds, histogram.buckets, histogram.count, histogram.sum, seconds);
  auto& bytes = shard.bytes[{gateway, route, backend}];
  bytes.first += request_bytes;
  bytes.second += response_bytes;
}

std::string Metrics::Prometheus() const {
  // Merge the shards (each locked in turn, never two at once).
  std::map<std::tuple<std::string, std::string, std::string, int>, std::uint64_t> requests;
  std::map<Key, Histogram> durations;
  std::map<Key, std::pair<std::uint64_t, std::uint64_t>> bytes_by_key;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> shard_lock(shard->mutex);
    for (const auto& [key, count] : shard->requests) {
      requests[key] += count;
    }
    for (const auto& [key, histogram] : shard->durations) {
      Histogram& merged = durations[key];
      if (merged.buckets.empty()) {
        merged.buckets.assign(histogram.buckets.size(), 0);
      }
      for (std::size_t i = 0; i < histogram.buckets.size(); ++i) {
        merged.buckets[i] += histogram.buckets[i];
      }
      merged.count += histogram.count;
      merged.sum += histogram.sum;
    }
    for (const auto& [key, bytes] : shard->bytes) {
      bytes_by_key[key].first += bytes.first;
      bytes_by_key[key].second += bytes.second;
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  out << "# HELP agentgateway_requests_total Requests handled, by route, backend and status.\n"
      << "# TYPE agentgateway_requests_total counter\n";
  for (const auto& [key, count] : requests) {
    const auto& [gateway, route, backend, status] = key;
    out << "agentgateway_requests_total{" << Labels(gateway, route, backend) << ",status=\""
        << status << "\"} " << count << "\n";
  }
  out << "# HELP agentgateway_request_duration_seconds Time from the request's first byte to "
         "the response's last byte.\n"
      << "# TYPE agentgateway_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : durations) {
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
  for (const auto& [key, bytes] : bytes_by_key) {
    const auto& [gateway, route, backend] = key;
    out << "agentgateway_request_bytes_total{" << Labels(gateway, route, backend) << "} "
        << bytes.first << "\n";
  }
  out << "# HELP agentgateway_response_bytes_total Response body bytes sent.\n"
      << "# TYPE agentgateway_response_bytes_total counter\n";
  for (const auto& [key, bytes] : bytes_by_key) {
    const auto& [gateway, route, backend] = key;
    out << "agentgateway_response_bytes_total{" << Labels(gateway, route, backend) << "} "
        << bytes.second << "\n";
  }
  out << "# HELP agentgateway_gen_ai_client_token_usage Tokens used per LLM request, by token "
         "type.\n"
      << "# TYPE agentgateway_gen_ai_client_token_usage histogram\n";
  for (const auto& [labels, by_type] : token_usage_) {
    for (const auto& [type, histogram] : by_type) {
      WriteHistogram(out, "agentgateway_gen_ai_client_token_usage",
                     "gen_ai_token_type=\"" + type + "\"," + labels, kTokenBounds,
                     histogram.buckets, histogram.count, histogram.sum);
    }
  }
  auto write_family = [&out](std::string_view name, std::string_view help,
                             const std::map<std::string, Histogram>& histograms,
                             const auto& bounds) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
    for (const auto& [labels, histogram] : histograms) {
      WriteHistogram(out, std::string(name), labels, bounds, histogram.buckets, histogram.count,
                     histogram.sum);
    }
  };
  write_family("agentgateway_gen_ai_server_request_duration",
               "Duration of LLM requests in seconds.", gen_ai_durations_, kGenAiSecondBounds);
  write_family("agentgateway_gen_ai_server_time_to_first_token",
               "Time to the first streamed bytes of an LLM answer in seconds.",
               time_to_first_token_, kFirstTokenBounds);
  write_family("agentgateway_gen_ai_server_time_per_output_token",
               "Time per output token after the first, in seconds.", time_per_output_token_,
               kPerTokenBounds);
  out << "# HELP agentgateway_guardrail_checks_total Prompt guards evaluated, by phase and "
         "verdict.\n"
      << "# TYPE agentgateway_guardrail_checks_total counter\n";
  for (std::size_t p = 0; p < kGuardPhases.size(); ++p) {
    for (std::size_t a = 0; a < kGuardActions.size(); ++a) {
      std::uint64_t count = guardrail_checks_[p][a].load(std::memory_order_relaxed);
      if (count != 0) {
        out << "agentgateway_guardrail_checks_total{phase=\"" << kGuardPhases[p] << "\",action=\""
            << kGuardActions[a] << "\"} " << count << "\n";
      }
    }
  }
  return out.str();
}

}  // namespace agw::emulator::gateway
