// The emulator's I/O: Boost.Beast over Asio with C++20 coroutines. Routing and filters are pure
// calls into emulator/route; this file only moves bytes (STYLE.md §5).

#include "emulator/io/server.h"

#include <malloc.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <iomanip>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "emulator/gateway/access_log.h"
#include "emulator/gateway/answer.h"
#include "emulator/gateway/cel_attributes.h"
#include "emulator/gateway/decision.h"
#include "emulator/gateway/llm_exchange.h"
#include "emulator/gateway/metrics.h"
#include "emulator/http/target.h"
#include "emulator/io/bounded_parser.h"
#include "emulator/io/otlp_exporter.h"
#include "emulator/io/tls_listeners.h"
#include "emulator/route/describe.h"
#include "emulator/route/plan.h"

namespace agw::emulator::io {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// Beast's unlimited rate policy that also counts the bytes written: when a request fails in an
// unexpected way, whether its answer had begun decides between a 500 and a bare close.
class CountingRatePolicy {
 public:
  std::uint64_t bytes_written() const { return bytes_written_; }

  // What basic_stream asks of a rate policy (rate_policy_access).
  std::size_t available_read_bytes() const noexcept { return kAll; }
  std::size_t available_write_bytes() const noexcept { return kAll; }
  void transfer_read_bytes(std::size_t) const noexcept {}
  void transfer_write_bytes(std::size_t n) noexcept { bytes_written_ += n; }
  void on_timer() const noexcept {}

 private:
  static constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
  std::uint64_t bytes_written_ = 0;
};

// A concrete executor instead of any_io_executor: measurably cheaper per operation.
using Executor = net::io_context::executor_type;
using Stream = beast::basic_stream<tcp, Executor, CountingRatePolicy>;
using TlsStream = ssl::stream<Stream>;
using Acceptor = net::basic_socket_acceptor<tcp, Executor>;
template <typename T>
using Awaitable = net::awaitable<T, Executor>;
constexpr net::use_awaitable_t<Executor> kUse;

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// What one recv may read from a connection, and the most of a body relayed per send. 32 KiB
// takes a 16 KiB body and its head in one recv and one send (16 KiB needed two of each:
// +10% req/s for 16 KiB streams, 2 MiB more memory at 64 connections).
constexpr std::size_t kRelayChunk = 32 * 1024;
// A request or answer at least this large gives its memory back to the system when it is done.
constexpr std::uint64_t kTrimAfterBytes = 1024 * 1024;
// The most an upstream's response head (and its trailer section) may take.
constexpr std::size_t kUpstreamHeaderLimit = 64 * 1024;

using gateway::IsHopByHop;

std::string StatusLine(int status) {
  std::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
  return "HTTP/1.1 " + std::to_string(status) + " " +
         std::string(reason.empty() ? "Unknown" : reason) + "\r\n";
}

// One serialized response header block; cheaper than http::async_write of a message.
std::string HeaderBlock(int status, const emulator::http::HeaderList& headers) {
  std::string out = StatusLine(status);
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

// The current second in UTC, "2006-01-02T15:04:05Z". Formatted once per second per thread:
// put_time through a stringstream on every request was 2.5% of the proxy's CPU.
std::string Timestamp() {
  thread_local std::time_t cached = -1;
  thread_local char text[32] = "";
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
    cached = now;
  }
  return text;
}

// The TLS context of connections to upstreams, made when the first one needs it: making it and
// loading the system's trust store costs about 4 MiB of memory, which a `run` whose upstreams
// are all plain HTTP (local models, fake providers, --mock-providers) never needs.
class ClientTls {
 public:
  ssl::context& Context() {
    std::call_once(made_, [this] {
      context_.emplace(ssl::context::tls_client);
      context_->set_default_verify_paths();
      context_->set_verify_mode(ssl::verify_peer);
    });
    return *context_;
  }

 private:
  std::once_flag made_;
  std::optional<ssl::context> context_;
};

}  // namespace

// An upstream connection kept alive between requests of one downstream connection.
struct Upstream {
  std::string key;  // endpoint it is connected to
  std::unique_ptr<Stream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer = BoundedReadBuffer(kUpstreamHeaderLimit, kRelayChunk);
  // The relay's body buffer, allocated once per connection: a 16 KiB vector per request showed in
  // perf as memset and malloc_consolidate.
  std::vector<char> chunk;
};

using gateway::AccessRecord;
using gateway::AiBackendPlan;
using gateway::AiProvider;
using gateway::Endpoint;
using gateway::OutgoingRequest;

class Server::Impl {
 public:
  explicit Impl(ServerOptions options)
      : options_(std::move(options)),
        metrics_(options_.threads > 0 ? options_.threads
                                      : std::max(1u, std::thread::hardware_concurrency())),
        rate_limit_service_(options_.rate_limit_config) {}
  // The io_contexts go first: destroying them destroys suspended sessions, which still use
  // the members below (the TLS context, listeners, options).
  ~Impl() { workers_.clear(); }

  Expected<void> Open(std::shared_ptr<const Snapshot> snapshot);
  ReloadReport Reload(std::shared_ptr<const Snapshot> snapshot);
  void Shutdown(std::chrono::milliseconds grace);
  void Wait();

  std::shared_ptr<const Snapshot> Current() {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    return snapshot_;
  }

  std::vector<BoundListener> listeners() const;
  int admin_port() const { return admin_port_; }

 private:
  // A Gateway port this server serves, or served until a reload closed it. Never moved or
  // destroyed while the server runs: connections keep a reference to theirs.
  struct Served {
    BoundListener bound;
    std::unique_ptr<ServerTls> tls;  // null for plain HTTP
    bool open = true;                // guarded by served_mutex_
  };
  struct Worker {
    std::unique_ptr<net::io_context> context;
    // Each accepting for one Served; touched only on this worker's thread once it runs.
    std::vector<std::pair<const Served*, std::unique_ptr<Acceptor>>> acceptors;
    std::set<Stream*> idle;  // connections waiting for their next request (this thread only)
    std::mt19937_64 random{std::random_device{}()};
  };

  // Binds `bind`'s local port on every worker (the acceptors come back in worker order);
  // nothing stays bound on failure.
  Expected<std::unique_ptr<Served>> OpenPort(const Snapshot& snapshot, const route::Bind& bind,
                                             std::vector<std::unique_ptr<Acceptor>>& acceptors);
  Awaitable<void> Accept(Worker& worker, Acceptor& acceptor, const Served& served);
  template <typename Client>
  Awaitable<void> Session(Worker& worker, Client stream, const Served& served);
  // Routes and answers one request read whole: a direct answer, an LLM call or a relay.
  template <typename Client>
  Awaitable<void> ServeRequest(Worker& worker, Client& stream, Upstream& upstream,
                               const BoundListener& bound,
                               http::request<http::string_body>& message, Clock::time_point start,
                               AccessRecord& record, bool& keep_alive,
                               boost::system::error_code& ec);
  // Spawns `task` on `executor`; an exception that escapes it is logged, not rethrown (a
  // detached coroutine's exception would end the process).
  void Spawn(Executor executor, Awaitable<void> task, std::string what);
  Awaitable<void> HandshakeThenServe(Worker& worker, Stream stream, const Served& served);
  Awaitable<void> AdminAccept(Acceptor& acceptor);
  Awaitable<void> AdminSession(Stream stream);
  Awaitable<void> Mirror(Endpoint endpoint, std::string request_bytes);
  template <typename Client>
  Awaitable<void> ServeLlm(Worker& worker, Client& stream, Upstream& upstream,
                           gateway::RequestDecision& decision, std::string body, bool chunked_ok,
                           bool& keep_alive, Clock::time_point start, const Snapshot& snapshot,
                           AccessRecord& record, boost::system::error_code& ec);
  void Log(const AccessRecord& record);
  // The exporter of a tracing policy, started on first use and kept across reloads; null when it
  // cannot start (said once on the error log).
  OtlpExporter* ExporterFor(const gateway::FrontendTracing& tracing);
  // The end of a request for its frontend policies: the access log's filter and fields, and
  // the spans of a traced request.
  void FinishFrontend(const gateway::FrontendPolicies& frontend,
                      const std::optional<gateway::RequestTrace>& trace,
                      const route::Request& request, const gateway::ConnectionFacts& connection,
                      const gateway::RequestDecision& decision,
                      std::chrono::system_clock::time_point start, AccessRecord& record);
  // One line on the error log (ServerOptions::error_log), e.g. why a request got a 500.
  void LogError(std::string_view line);
  // Access log lines are written in batches: a write per request was a syscall per request.
  // Lines wait at most kLogFlushInterval (the flusher) or until 16 KiB are pending.
  void FlushLog();
  Awaitable<void> LogFlusher();

  ServerOptions options_;
  std::mutex snapshot_mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::vector<Worker> workers_;
  std::vector<std::thread> threads_;
  mutable std::mutex served_mutex_;
  std::vector<std::unique_ptr<Served>> served_;  // in the order opened
  std::unique_ptr<Acceptor> admin_acceptor_;
  int admin_port_ = -1;
  gateway::Metrics metrics_;
  std::mutex log_mutex_;
  std::mutex error_log_mutex_;
  std::string log_pending_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> accept_paused_{false};  // out of descriptors: accepting paused, logged once
  std::atomic<int> active_{0};              // requests in flight
  std::mutex done_mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  ClientTls client_tls_;
  gateway::ProviderHealth provider_health_;
  // Local rate-limit buckets, kept across reloads for the policies that did not change.
  policy::RateLimitRegistry rate_limits_;
  // Counters of traffic.rateLimit.global, kept across reloads.
  policy::RateLimitService rate_limit_service_;
  std::mutex exporters_mutex_;
  // By policy key and collector; null for one that could not start.
  std::map<std::string, std::unique_ptr<OtlpExporter>> exporters_;

  friend class Server;
};

namespace {

// Binds an acceptor. `shared`: with SO_REUSEPORT, so that each worker thread accepts on the
// same port. SO_REUSEPORT would let any other process of this user bind the port as well, and
// the kernel would split the connections between the two; so the first acceptor of a port is
// bound once without it first, which fails when anyone else listens there.
tl::expected<std::unique_ptr<Acceptor>, boost::system::error_code> Listen(
    net::io_context& context, const tcp::endpoint& endpoint, bool shared, bool first) {
  boost::system::error_code ec;
  if (shared && first && endpoint.port() != 0) {
    Acceptor alone(context.get_executor());
    alone.open(endpoint.protocol(), ec);
    if (!ec) {
      alone.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      alone.bind(endpoint, ec);
    }
    if (ec) {
      return tl::unexpected(ec);
    }
  }
  auto acceptor = std::make_unique<Acceptor>(context.get_executor());
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor->set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec && shared) {
    int one = 1;
    if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
      ec.assign(errno, boost::system::system_category());
    }
  }
  if (!ec) {
    acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    acceptor->listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return tl::unexpected(ec);
  }
  return acceptor;
}

// Why `what` cannot listen on `address`:`port`, and what to do about it.
std::string ListenFailure(const std::string& what, const std::string& address, int port,
                          const boost::system::error_code& ec, const std::string& remedy) {
  std::string where = address + ":" + std::to_string(port);
  if (ec == net::error::address_in_use) {
    return "cannot serve " + what + " on " + where +
           ": another process listens there (a `kubectl agentgateway run` still running?); "
           "stop it, or " +
           remedy;
  }
  std::string message = "cannot serve " + what + " on " + where + ": " + ec.message();
  if (ec == net::error::access_denied && port < 1024) {
    message += " (ports below 1024 need root); " + remedy;
  }
  return message;
}

}  // namespace

Expected<std::unique_ptr<Server::Impl::Served>> Server::Impl::OpenPort(
    const Snapshot& snapshot, const route::Bind& bind,
    std::vector<std::unique_ptr<Acceptor>>& acceptors) {
  auto served = std::make_unique<Served>();
  BoundListener& bound = served->bound;
  bound.bind = bind;
  bound.key = bind.ToString();
  bound.gateway = bind.gateway->id.namespace_ + "/" + bind.gateway->id.name;
  bound.gateway_port = bind.port;
  bound.address = options_.address;
  std::vector<ServerTls::Listener> tls_listeners;
  for (const route::ListenerRoutes& listener : snapshot.table->Listeners(bind)) {
    bound.listener_names.push_back(listener.listener->listener->name);
    tls_listeners.push_back({bind.gateway, listener.listener->listener});
  }
  auto tls = ServerTls::Make(tls_listeners, snapshot.pipeline->model, bound.notes);
  if (!tls) {
    return tl::unexpected(tls.error());
  }
  served->tls = std::move(*tls);
  bound.tls = served->tls != nullptr;

  int port = bind.port;
  if (auto by_gateway = options_.bind_port_map.find(bound.key);
      by_gateway != options_.bind_port_map.end()) {
    port = by_gateway->second;
  } else if (auto by_port = options_.port_map.find(bind.port); by_port != options_.port_map.end()) {
    port = by_port->second;
  }
  std::string what = "Gateway " + bound.gateway + " port " + std::to_string(bind.port);
  std::string remedy = "serve it on another local port with --port " + std::to_string(bind.port) +
                       "=PORT (0 picks a free one)";
  if (port != 0) {
    std::lock_guard<std::mutex> lock(served_mutex_);
    for (const auto& other : served_) {
      if (other->open && other->bound.local_port == port) {
        return MakeError("cannot serve " + what + " on " + options_.address + ":" +
                         std::to_string(port) + ": Gateway " + other->bound.gateway + " port " +
                         std::to_string(other->bound.gateway_port) +
                         " is served there (on a cluster each Gateway has its own address); "
                         "give one of them its own local port with --port " +
                         bound.key + "=PORT");
      }
    }
  }
  boost::system::error_code ec;
  auto ip = net::ip::make_address(options_.address, ec);
  if (ec) {
    return MakeError("invalid listen address \"" + options_.address + "\": " + ec.message());
  }
  acceptors.clear();
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    auto acceptor =
        Listen(*workers_[w].context, tcp::endpoint(ip, static_cast<unsigned short>(port)),
               /*shared=*/true, /*first=*/w == 0);
    if (!acceptor) {
      acceptors.clear();
      return MakeError(ListenFailure(what, options_.address, port, acceptor.error(), remedy));
    }
    if (w == 0) {
      // Port 0 asked for a free port: the other workers join the one the first one got.
      port = (*acceptor)->local_endpoint().port();
    }
    acceptors.push_back(std::move(*acceptor));
  }
  bound.local_port = port;
  return served;
}

Expected<void> Server::Impl::Open(std::shared_ptr<const Snapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  int threads =
      options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  workers_.resize(threads);
  for (Worker& worker : workers_) {
    worker.context = std::make_unique<net::io_context>(1);
  }
  for (const route::Bind& bind : snapshot_->table->Binds()) {
    std::vector<std::unique_ptr<Acceptor>> acceptors;
    auto served = OpenPort(*snapshot_, bind, acceptors);
    if (!served) {
      return tl::unexpected(served.error());
    }
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      workers_[w].acceptors.emplace_back(served->get(), std::move(acceptors[w]));
    }
    std::lock_guard<std::mutex> lock(served_mutex_);
    served_.push_back(std::move(*served));
  }
  if (options_.admin_port >= 0) {
    boost::system::error_code ec;
    auto ip = net::ip::make_address(options_.admin_address, ec);
    if (ec) {
      return MakeError("invalid admin address \"" + options_.admin_address + "\": " + ec.message());
    }
    auto acceptor =
        Listen(*workers_[0].context,
               tcp::endpoint(ip, static_cast<unsigned short>(options_.admin_port)), false, true);
    if (!acceptor) {
      return MakeError(ListenFailure("the admin listener", options_.admin_address,
                                     options_.admin_port, acceptor.error(),
                                     "choose another port with --admin-port PORT (0 picks a free "
                                     "one, -1 disables the admin listener)"));
    }
    admin_acceptor_ = std::move(*acceptor);
    admin_port_ = admin_acceptor_->local_endpoint().port();
  }
  for (Worker& worker : workers_) {
    for (auto& [served, acceptor] : worker.acceptors) {
      Spawn(worker.context->get_executor(), Accept(worker, *acceptor, *served), "accept");
    }
  }
  if (options_.access_log != nullptr) {
    Spawn(workers_[0].context->get_executor(), LogFlusher(), "access log");
  }
  if (admin_acceptor_) {
    Spawn(workers_[0].context->get_executor(), AdminAccept(*admin_acceptor_), "admin accept");
  }
  for (Worker& worker : workers_) {
    threads_.emplace_back([this, &worker] {
      auto guard = net::make_work_guard(*worker.context);
      // A handler that throws ends run() with the exception (Asio's rule); the thread logs it and
      // runs on, so one bad operation costs its own connection, not every other one.
      for (;;) {
        try {
          worker.context->run();
          return;
        } catch (const std::exception& error) {
          LogError(std::string("internal error in an I/O handler: ") + error.what());
        } catch (...) {
          LogError("internal error in an I/O handler: unknown exception");
        }
      }
    });
  }
  return {};
}

std::vector<BoundListener> Server::Impl::listeners() const {
  std::vector<BoundListener> open;
  std::lock_guard<std::mutex> lock(served_mutex_);
  for (const auto& served : served_) {
    if (served->open) {
      open.push_back(served->bound);
    }
  }
  return open;
}

ReloadReport Server::Impl::Reload(std::shared_ptr<const Snapshot> snapshot) {
  ReloadReport report;
  std::set<std::string> wanted;
  for (const route::Bind& bind : snapshot->table->Binds()) {
    wanted.insert(bind.ToString());
  }
  // Closed first, so that a port a reload moves from one Gateway to another can be reopened.
  std::vector<const Served*> closing;
  {
    std::lock_guard<std::mutex> lock(served_mutex_);
    for (const auto& served : served_) {
      if (served->open && wanted.count(served->bound.key) == 0) {
        served->open = false;
        closing.push_back(served.get());
        report.closed.push_back(served->bound);
      }
    }
  }
  for (Worker& worker : workers_) {
    net::post(*worker.context, [&worker, closing] {
      for (auto& [served, acceptor] : worker.acceptors) {
        if (std::find(closing.begin(), closing.end(), served) != closing.end()) {
          boost::system::error_code ignored;
          acceptor->close(ignored);
        }
      }
    });
  }
  // A closed acceptor's port is free again once its worker has run the close above.
  if (!closing.empty()) {
    std::atomic<std::size_t> closed{0};
    for (Worker& worker : workers_) {
      net::post(*worker.context, [&closed] { ++closed; });
    }
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(2);
    while (closed < workers_.size() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  for (const route::Bind& bind : snapshot->table->Binds()) {
    std::string key = bind.ToString();
    bool open = false;
    {
      std::lock_guard<std::mutex> lock(served_mutex_);
      open = std::any_of(served_.begin(), served_.end(), [&](const auto& served) {
        return served->open && served->bound.key == key;
      });
    }
    if (open) {
      continue;
    }
    std::vector<std::unique_ptr<Acceptor>> acceptors;
    auto served = OpenPort(*snapshot, bind, acceptors);
    if (!served) {
      report.failed.push_back(served.error().message);
      continue;
    }
    const Served* opened = served->get();
    report.opened.push_back(opened->bound);
    {
      std::lock_guard<std::mutex> lock(served_mutex_);
      served_.push_back(std::move(*served));
    }
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      Worker& worker = workers_[w];
      auto acceptor = std::make_shared<std::unique_ptr<Acceptor>>(std::move(acceptors[w]));
      net::post(*worker.context, [this, &worker, opened, acceptor] {
        Acceptor& accepting = **acceptor;
        worker.acceptors.emplace_back(opened, std::move(*acceptor));
        if (stopping_) {
          boost::system::error_code ignored;
          accepting.close(ignored);
          return;
        }
        Spawn(worker.context->get_executor(), Accept(worker, accepting, *opened), "accept");
      });
    }
  }
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  snapshot_ = std::move(snapshot);
  return report;
}

void Server::Impl::Spawn(Executor executor, Awaitable<void> task, std::string what) {
  net::co_spawn(executor, std::move(task),
                [this, what = std::move(what)](std::exception_ptr error) {
                  if (!error) {
                    return;
                  }
                  try {
                    std::rethrow_exception(error);
                  } catch (const std::exception& e) {
                    LogError("internal error in " + what + ": " + e.what());
                  } catch (...) {
                    LogError("internal error in " + what + ": unknown exception");
                  }
                });
}

namespace {

// Accept errors that mean "no resources for one more connection" (descriptor limits, kernel
// memory): retrying at once only spins, since the pending connection stays in the queue.
bool IsResourceExhaustion(const boost::system::error_code& ec) {
  return ec == net::error::no_descriptors ||
         ec == boost::system::errc::too_many_files_open_in_system ||
         ec == net::error::no_buffer_space || ec == net::error::no_memory;
}

// How long accepting pauses after running out of descriptors: long enough not to spin, short
// enough that a freed descriptor is used soon.
constexpr std::chrono::milliseconds kAcceptPause{100};

}  // namespace

Awaitable<void> Server::Impl::Accept(Worker& worker, Acceptor& acceptor, const Served& served) {
  net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Executor> pause(
      acceptor.get_executor());
  for (;;) {
    boost::system::error_code ec;
    tcp::socket::rebind_executor<Executor>::other socket =
        co_await acceptor.async_accept(net::redirect_error(kUse, ec));
    if (ec) {
      if (stopping_ || ec == net::error::operation_aborted) {
        co_return;
      }
      if (IsResourceExhaustion(ec)) {
        // The connections already open keep being served meanwhile; said once per episode.
        if (!accept_paused_.exchange(true)) {
          LogError("accept on port " + std::to_string(acceptor.local_endpoint(ec).port()) + ": " +
                   ec.message() + "; pausing new connections until some close");
        }
        pause.expires_after(kAcceptPause);
        co_await pause.async_wait(net::redirect_error(kUse, ec));
      }
      continue;  // a connection that failed on its own (reset before accept): the next one
    }
    if (accept_paused_.exchange(false)) {
      LogError("accepting new connections again");
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (served.tls) {
      Spawn(acceptor.get_executor(), HandshakeThenServe(worker, Stream(std::move(socket)), served),
            "a TLS connection");
    } else {
      Spawn(acceptor.get_executor(), Session(worker, Stream(std::move(socket)), served),
            "a connection");
    }
  }
}

namespace {

template <typename S>
Awaitable<void> WriteAll(S& stream, const std::string& data, boost::system::error_code& ec) {
  co_await net::async_write(stream, net::buffer(data), net::redirect_error(kUse, ec));
}

// A head and a body in one gather write: a large body is sent from where it is, not copied
// behind its head first.
template <typename S>
Awaitable<void> WriteAll(S& stream, std::string_view head, std::string_view body,
                         boost::system::error_code& ec) {
  std::array<net::const_buffer, 2> buffers{net::buffer(head.data(), head.size()),
                                           net::buffer(body.data(), body.size())};
  co_await net::async_write(stream, buffers, net::redirect_error(kUse, ec));
}

// An HTTP/1.1 request as written upstream: its head, and a view of the body it carries (which
// outlives the write).
struct RequestBytes {
  std::string head;
  std::string_view body;
};

// The line that opens a chunk of `size` bytes: hex digits and CRLF.
struct ChunkSizeLine {
  explicit ChunkSizeLine(std::size_t size) {
    char* end = std::to_chars(text, text + sizeof(text) - 2, size, 16).ptr;
    *end++ = '\r';
    *end++ = '\n';
    length = static_cast<std::size_t>(end - text);
  }
  net::const_buffer buffer() const { return net::buffer(text, length); }
  char text[20];
  std::size_t length = 0;
};

// Writes `data` to the client as the next part of a body: one chunk when the body is chunked
// (nothing for no data: an empty chunk would end it), and with `last` the end of the body;
// `head`, when given, is the response head still to go before it. One gather write, the data
// not copied into a frame.
template <typename Client>
Awaitable<void> WriteBodyPart(Client& client, std::string_view data, bool chunked, bool last,
                              boost::system::error_code& ec, std::string_view head = {}) {
  bool framed = chunked && !data.empty();
  ChunkSizeLine size_line(data.size());
  std::array<net::const_buffer, 5> buffers = {
      net::buffer(head.data(), head.size()), framed ? size_line.buffer() : net::const_buffer(),
      net::buffer(data.data(), data.size()), framed ? net::buffer("\r\n", 2) : net::const_buffer(),
      chunked && last ? net::buffer("0\r\n\r\n", 5) : net::const_buffer()};
  if (net::buffer_size(buffers) == 0) {
    co_return;
  }
  co_await net::async_write(client, buffers, net::redirect_error(kUse, ec));
}

// Result of exchanging one request with an upstream.
struct Exchange {
  int status = 0;
  bool header_sent = false;  // the response header reached the client
  std::uint64_t bytes = 0;
  bool upstream_reusable = false;
  bool client_ok = true;
  std::string error;  // set when no response header reached the client
  int error_status = 0;
  bool close_delimited = false;  // the body ended with the connection: close the client's too
};

// How long upstream I/O may take: a route's `timeouts.request`/`backendRequest` bound the whole
// exchange (Gateway API: a deadline for the transaction, 504 when it passes); without one,
// each upstream operation gets `idle`, so a stream that keeps sending never times out.
struct UpstreamLimits {
  std::chrono::milliseconds idle{0};
  std::optional<Clock::time_point> deadline;

  // The route's request and backendRequest timeouts, whichever ends first, from `start`.
  static UpstreamLimits For(const route::Plan& plan, Clock::time_point start,
                            std::chrono::milliseconds idle) {
    UpstreamLimits limits{idle, std::nullopt};
    for (const auto& limit : {plan.request_timeout, plan.backend_timeout}) {
      if (limit && limit->count() > 0) {
        Clock::time_point at = start + *limit;
        limits.deadline = limits.deadline ? std::min(*limits.deadline, at) : at;
      }
    }
    return limits;
  }

  void Arm(Stream& stream) const {
    if (deadline) {
      stream.expires_at(*deadline);
    } else {
      stream.expires_after(idle);
    }
  }
};

// Why an upstream exchange produced no response header (status 0: it did).
struct UpstreamFailure {
  int status = 0;
  std::string message;
};

// Sends `request` and reads the final response header into `parser`. Interim 1xx
// responses (100 Continue, 103 Early Hints) are not the answer: they are skipped (RFC 9110
// §15.2), or the final response would answer the next request.
template <typename S>
Awaitable<UpstreamFailure> SendAndReadHead(
    S& upstream, beast::flat_buffer& buffer, const RequestBytes& request,
    const UpstreamLimits& limits, bool head_request,
    std::optional<BoundedResponseParser<http::buffer_body>>& parser) {
  boost::system::error_code ec;
  limits.Arm(beast::get_lowest_layer(upstream));
  co_await WriteAll(upstream, request.head, request.body, ec);
  if (ec) {
    UpstreamFailure failure{ec == beast::error::timeout ? 504 : 503,
                            "upstream write failed: " + ec.message()};
    co_return failure;
  }
  // flat_buffer reads 512 bytes per recv unless reserved (STYLE.md §5): a 1 KB response took
  // three recv calls and went to the client in three sends.
  buffer.reserve(kRelayChunk);
  for (;;) {
    parser.emplace();
    parser->body_limit(boost::none);
    parser->header_limit(static_cast<std::uint32_t>(kUpstreamHeaderLimit));
    if (head_request) {
      parser->skip(true);
    }
    co_await http::async_read_header(upstream, buffer, *parser, net::redirect_error(kUse, ec));
    if (ec) {
      // Built before co_return: g++ 12 mishandles `?:` temporaries inside coroutine statements.
      UpstreamFailure failure{503, "upstream connection failed: " + ec.message()};
      if (ec == beast::error::timeout) {
        failure = {504, "upstream request timeout"};
      }
      co_return failure;
    }
    unsigned status = parser->get().result_int();
    if (status < 100 || status >= 200 || status == 101) {
      co_return UpstreamFailure{};
    }
  }
}

// Sends `request` upstream and relays the response to `client` as it arrives: with
// Content-Length when the upstream gave one, otherwise re-chunked, so SSE and other streamed
// bodies pass through event by event. `chunked_ok` is false for an HTTP/1.0 client, which gets
// an unsized body as is, ended by closing the connection (RFC 9112 §6.1).
template <typename S, typename Client>
Awaitable<Exchange> Relay(S& upstream, beast::flat_buffer& upstream_buffer,
                          std::vector<char>& chunk, Client& client, const RequestBytes& request,
                          const route::Plan& plan, bool head_request, bool chunked_ok,
                          const UpstreamLimits& limits) {
  Exchange result;
  boost::system::error_code ec;
  std::optional<BoundedResponseParser<http::buffer_body>> final_parser;
  UpstreamFailure failed = co_await SendAndReadHead(upstream, upstream_buffer, request, limits,
                                                    head_request, final_parser);
  if (failed.status != 0) {
    result.error_status = failed.status;
    result.error = std::move(failed.message);
    co_return result;
  }
  auto& parser = *final_parser;
  auto& response = parser.get();
  result.status = static_cast<int>(response.result_int());
  emulator::http::HeaderList headers;
  for (const auto& field : response.base()) {
    std::string_view name(field.name_string().data(), field.name_string().size());
    if (IsHopByHop(name) || emulator::http::HeaderNameEquals(name, "content-length")) {
      continue;
    }
    headers.emplace_back(std::string(name), std::string(field.value()));
  }
  plan.response_headers.Apply(headers);
  for (const auto& header : plan.queued_response_headers) {
    emulator::http::SetHeader(headers, header.first, header.second);
  }
  bool no_body = head_request || result.status == 204 || result.status == 304 ||
                 (result.status >= 100 && result.status < 200);
  boost::optional<std::uint64_t> length = parser.content_length();
  bool chunked = !no_body && !length && chunked_ok;
  result.close_delimited = !no_body && !length && !chunked_ok;
  if (!no_body && length) {
    headers.emplace_back("content-length", std::to_string(*length));
  }
  if (head_request && length) {
    headers.emplace_back("content-length", std::to_string(*length));
  }
  if (chunked) {
    headers.emplace_back("transfer-encoding", "chunked");
  }
  std::string block = HeaderBlock(result.status, headers);
  // When body bytes came in with the header, the header block leaves with them in one send
  // (measured: 30% more requests/s with 1 KB bodies); otherwise it goes out at once, so a streamed
  // response's header never waits for its body. Bytes of a Content-Length body that are already
  // buffered are relayed by the first read without touching the socket.
  bool header_pending = !no_body && length && *length > 0 && upstream_buffer.size() > 0;
  if (!header_pending) {
    co_await WriteAll(client, block, ec);
    if (ec) {
      result.client_ok = false;
      co_return result;
    }
    result.header_sent = true;
  }
  if (no_body) {
    result.upstream_reusable = parser.keep_alive();
    co_return result;
  }
  chunk.resize(kRelayChunk);
  while (!parser.is_done()) {
    response.body().data = chunk.data();
    response.body().size = chunk.size();
    limits.Arm(beast::get_lowest_layer(upstream));
    co_await http::async_read_some(upstream, upstream_buffer, parser,
                                   net::redirect_error(kUse, ec));
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    std::size_t n = chunk.size() - response.body().size;
    result.bytes += n;
    std::string_view head;
    if (header_pending) {
      head = block;
    }
    boost::system::error_code write_ec;
    co_await WriteBodyPart(client, std::string_view(chunk.data(), n), chunked, /*last=*/false,
                           write_ec, head);
    if (write_ec) {
      result.client_ok = false;
      co_return result;
    }
    if (header_pending) {
      header_pending = false;
      result.header_sent = true;
    }
    if (ec) {
      // The upstream ended a close-delimited body, or broke off: end what we can.
      if (ec == http::error::end_of_stream || ec == net::error::eof) {
        break;
      }
      result.client_ok = false;  // a truncated response must not look complete
      co_return result;
    }
  }
  if (chunked) {
    co_await WriteBodyPart(client, {}, chunked, /*last=*/true, ec);
    if (ec) {
      result.client_ok = false;
    }
  }
  result.upstream_reusable = parser.is_done() && parser.keep_alive();
  co_return result;
}

struct ConnectResult {
  int status = 0;  // 0: connected; else the status the client gets
  std::string error;
};

// Opens a fresh connection to `endpoint` (TLS with SNI and verification when asked) into
// `upstream`, replacing whatever it held.
Awaitable<ConnectResult> ConnectUpstream(Executor executor, const Endpoint& endpoint,
                                         const UpstreamLimits& limits, ClientTls& client_tls,
                                         Upstream& upstream) {
  std::string key = endpoint.ToString();
  upstream = Upstream{};
  upstream.key = key;
  tcp::resolver resolver(executor);
  boost::system::error_code ec;
  auto results = co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                                                 net::redirect_error(kUse, ec));
  if (ec && endpoint.host == "host.docker.internal") {
    // The local-model tutorial reaches the host's server from inside kind by this name; where it
    // does not resolve, the host is this machine.
    results = co_await resolver.async_resolve("127.0.0.1", std::to_string(endpoint.port),
                                              net::redirect_error(kUse, ec));
  }
  if (ec) {
    co_return ConnectResult{503, "cannot resolve " + endpoint.host + ": " + ec.message()};
  }
  auto plain = std::make_unique<Stream>(executor);
  limits.Arm(*plain);
  co_await plain->async_connect(results, net::redirect_error(kUse, ec));
  if (ec) {
    co_return ConnectResult{ec == beast::error::timeout ? 504 : 503,
                            "upstream connect error (" + key + "): " + ec.message()};
  }
  plain->socket().set_option(tcp::no_delay(true), ec);
  if (!endpoint.tls) {
    upstream.plain = std::move(plain);
    co_return ConnectResult{};
  }
  auto tls = std::make_unique<TlsStream>(std::move(*plain), client_tls.Context());
  std::string sni = endpoint.sni.empty() ? endpoint.host : endpoint.sni;
  SSL_set_tlsext_host_name(tls->native_handle(), sni.c_str());
  tls->set_verify_callback(ssl::host_name_verification(sni));
  co_await tls->async_handshake(ssl::stream_base::client, net::redirect_error(kUse, ec));
  if (ec) {
    co_return ConnectResult{503, "TLS handshake with " + key + " failed: " + ec.message()};
  }
  upstream.tls = std::move(tls);
  co_return ConnectResult{};
}

bool ClientGotBytes(const Exchange& exchange) { return exchange.header_sent; }

// Runs `exchange(stream)` on the kept-alive connection to `endpoint` when `upstream` holds one,
// else on a fresh one; a kept-alive connection the peer closed meanwhile gets one more try on a
// fresh connection (gateway::RetriesOnFreshConnection). `Result` is Exchange or LlmResult.
template <typename Result, typename ExchangeFn>
Awaitable<Result> OnUpstream(Executor executor, const Endpoint& endpoint,
                             const UpstreamLimits& limits, ClientTls& client_tls,
                             Upstream& upstream, ExchangeFn exchange) {
  std::string key = endpoint.ToString();
  Result result;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = upstream.key != key || (!upstream.plain && !upstream.tls);
    if (fresh) {
      ConnectResult connected =
          co_await ConnectUpstream(executor, endpoint, limits, client_tls, upstream);
      if (connected.status != 0) {
        result.error_status = connected.status;
        result.error = std::move(connected.error);
        break;
      }
    }
    if (upstream.tls) {
      result = co_await exchange(*upstream.tls);
    } else {
      result = co_await exchange(*upstream.plain);
    }
    if (!result.upstream_reusable) {
      upstream = Upstream{};
    }
    if (!gateway::RetriesOnFreshConnection(!fresh, ClientGotBytes(result), result.error_status)) {
      break;
    }
    upstream = Upstream{};
  }
  co_return result;
}

RequestBytes UpstreamRequestBytes(const route::UpstreamRequest& request, std::string_view body,
                                  bool keep_alive) {
  std::string out;
  out.reserve(256 + request.path_and_query.size() + request.authority.size());
  out += request.method;
  out += ' ';
  out += request.path_and_query;
  out += " HTTP/1.1\r\n";
  gateway::VisitWireHeaders(request.method, request.authority, request.headers, body.size(),
                            [&out](std::string_view name, std::string_view value) {
                              out += name;
                              out += ": ";
                              out += value;
                              out += "\r\n";
                            });
  if (!keep_alive) {
    out += "connection: close\r\n";
  }
  out += "\r\n";
  return RequestBytes{std::move(out), body};
}

// What came of one LLM exchange with a provider.
struct LlmResult {
  int status = 0;  // sent to the client (0: nothing sent yet)
  int upstream_status = 0;
  int error_status = 0;  // set when nothing reached the client
  std::string error;
  bool client_ok = true;
  bool upstream_reusable = false;
  bool close_client = false;
  std::uint64_t bytes = 0;
  llm::ResponseInfo info;
  std::optional<std::chrono::milliseconds> retry_after;  // a 429's Retry-After (seconds)
  std::optional<Clock::time_point> first_bytes;  // streamed: when translated bytes first left
  std::string cut_short;  // why a stream the client got was incomplete, for the error log
  std::vector<std::string> response_guard_actions;  // the buffered answer's guard verdicts
};

bool ClientGotBytes(const LlmResult& result) { return result.status != 0; }

// The connection facts runtime CEL reads (source.*, destination.*, proxy.gateway).
template <typename Client>
gateway::ConnectionFacts ConnectionOf(Client& stream, const BoundListener& bound,
                                      unsigned version) {
  gateway::ConnectionFacts facts;
  facts.gateway = bound.gateway;
  boost::system::error_code ec;
  auto& socket = beast::get_lowest_layer(stream).socket();
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (!ec) {
    facts.source_address = remote.address().to_string();
    facts.source_port = remote.port();
  }
  tcp::endpoint local = socket.local_endpoint(ec);
  if (!ec) {
    facts.local_address = local.address().to_string();
    facts.local_port = local.port();
  }
  facts.http_version = version >= 11 ? "HTTP/1.1" : "HTTP/1.0";
  return facts;
}

// The head of a response that carries `body_size` bytes of `content_type`.
std::string SizedHead(int status, emulator::http::HeaderList headers,
                      const std::string& content_type, std::size_t body_size) {
  if (!content_type.empty()) {
    emulator::http::SetHeader(headers, "content-type", content_type);
  }
  emulator::http::RemoveHeader(headers, "content-length");
  headers.emplace_back("content-length", std::to_string(body_size));
  return HeaderBlock(status, headers);
}

// Answers the client from the provider's whole answer held in memory (a buffered answer, or a
// --mock-providers one); a stream goes out whole, with its length.
template <typename Client>
Awaitable<LlmResult> AnswerWhole(Client& client, gateway::LlmAnswer& answer,
                                 std::string_view body) {
  LlmResult result;
  result.upstream_status = answer.upstream_status();
  boost::system::error_code ec;
  std::string out;
  std::string head;
  if (answer.streams()) {
    answer.Feed(body, out);
    answer.Finish(out);
    result.status = answer.upstream_status();
    head = SizedHead(result.status, answer.StreamHead(), "", out.size());
  } else {
    gateway::LlmAnswer::Whole whole = answer.Buffered(body);
    result.status = whole.status;
    out = std::move(whole.body);
    head = SizedHead(result.status, std::move(whole.headers), "", out.size());
  }
  result.info = answer.info();
  result.response_guard_actions = answer.guard_actions();
  result.bytes = out.size();
  co_await WriteAll(client, head, out, ec);
  result.client_ok = !ec;
  co_return result;
}

// Sends a planned LLM call upstream and answers the client: a streamed 2xx response is
// translated event by event as bytes arrive; anything else is read whole and translated.
template <typename S, typename Client>
Awaitable<LlmResult> ExchangeLlm(S& upstream, beast::flat_buffer& buffer, std::vector<char>& chunk,
                                 Client& client, const RequestBytes& request,
                                 const llm::LlmCall& call, const route::Plan& plan, bool chunked_ok,
                                 const UpstreamLimits& limits, std::size_t max_body,
                                 const policy::CompiledPromptGuard* guard,
                                 const policy::GuardCaller* guard_caller) {
  LlmResult result;
  boost::system::error_code ec;
  std::optional<BoundedResponseParser<http::buffer_body>> parser;
  UpstreamFailure failed =
      co_await SendAndReadHead(upstream, buffer, request, limits, false, parser);
  if (failed.status != 0) {
    result.error_status = failed.status;
    result.error = std::move(failed.message);
    co_return result;
  }
  auto& response = parser->get();
  int status = static_cast<int>(response.result_int());
  result.upstream_status = status;
  std::optional<std::chrono::milliseconds> retry_after =
      gateway::RetryAfter(status, response[http::field::retry_after]);
  emulator::http::HeaderList upstream_headers;
  for (const auto& field : response.base()) {
    upstream_headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  gateway::LlmAnswer answer(call, plan, status, std::move(upstream_headers), guard);
  if (plan.upstream) {
    answer.CallRemoteGuards(guard_caller, plan.upstream->headers);
  }
  bool streams = answer.streams();
  // A stream ended by the connection's close is complete only if its last event came.
  if (streams && !parser->content_length() && !parser->chunked()) {
    answer.WatchForEnd();
  }
  chunk.resize(kRelayChunk);
  std::string body;
  // A streamed answer's head, held back while the first body bytes came with it: head and
  // first events then leave in one write (a stream whose events are late gets its head at once).
  std::string held_head;
  if (streams) {
    emulator::http::HeaderList headers = answer.StreamHead();
    if (chunked_ok) {
      headers.emplace_back("transfer-encoding", "chunked");
    } else {
      result.close_client = true;
    }
    held_head = HeaderBlock(status, headers);
    if (buffer.size() == 0) {
      co_await WriteAll(client, held_head, ec);
      held_head.clear();
      if (ec) {
        result.client_ok = false;
        co_return result;
      }
    }
    result.status = status;
  } else if (auto length = parser->content_length()) {
    // The announced length at once: appending 16 KB in chunks doubled the string's room.
    body.reserve(std::min<std::uint64_t>(*length, max_body));
  }
  std::string out;
  while (!parser->is_done()) {
    response.body().data = chunk.data();
    response.body().size = chunk.size();
    limits.Arm(beast::get_lowest_layer(upstream));
    co_await http::async_read_some(upstream, buffer, *parser, net::redirect_error(kUse, ec));
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    std::size_t n = chunk.size() - response.body().size;
    std::string_view data(chunk.data(), n);
    if (streams) {
      answer.Feed(data, out);
      if (answer.blocked()) {
        // A streaming guard ended the answer: its frame goes out last and the provider's
        // connection, read only part way, is not reused.
        result.bytes += out.size();
        result.info = answer.info();
        result.response_guard_actions = answer.guard_actions();
        co_await WriteBodyPart(client, out, chunked_ok, /*last=*/true, ec, held_head);
        result.client_ok = !ec;
        result.upstream_reusable = false;
        co_return result;
      }
      // The end of the body goes out below with the stream's last events: one write.
      if (!parser->is_done() && (!out.empty() || !held_head.empty())) {
        if (!out.empty() && !result.first_bytes) {
          result.first_bytes = Clock::now();
        }
        result.bytes += out.size();
        boost::system::error_code write_ec;
        // No `?:` temporaries inside this co_await: g++ 12 destroys them twice, a double free
        // that once aborted `run` on the first translated stream.
        co_await WriteBodyPart(client, out, chunked_ok, /*last=*/false, write_ec, held_head);
        out.clear();
        held_head.clear();
        if (write_ec) {
          // A client that went away is still charged the usage seen so far (agentgateway's
          // AmendOnDrop), so the token limit counts what the provider produced.
          result.info = answer.info();
          result.client_ok = false;
          co_return result;
        }
      }
    } else {
      body.append(data);
      if (body.size() > max_body) {
        result.error_status = 502;
        result.error = "failed to process LLM response: response body too large";
        co_return result;
      }
    }
    if (ec) {
      if (ec == http::error::end_of_stream || ec == net::error::eof) {
        break;
      }
      if (streams) {
        result.info = answer.info();
        result.client_ok = false;  // a cut stream must not look complete
        co_return result;
      }
      result.error_status = ec == beast::error::timeout ? 504 : 503;
      result.error = ec == beast::error::timeout ? "upstream request timeout"
                                                 : "upstream connection failed: " + ec.message();
      co_return result;
    }
  }
  result.upstream_reusable = parser->is_done() && parser->keep_alive();
  if (std::optional<std::string_view> missing = answer.MissingEnd()) {
    // What was translated still goes out, but the stream is not closed as a complete one: no
    // closing events, no end chunk; the client's connection is closed instead.
    if (!out.empty() || !held_head.empty()) {
      result.bytes += out.size();
      co_await WriteBodyPart(client, out, chunked_ok, /*last=*/false, ec, held_head);
    }
    result.info = answer.info();
    result.response_guard_actions = answer.guard_actions();
    result.client_ok = false;
    result.cut_short = "the provider's stream ended before its " + std::string(*missing);
    co_return result;
  }
  if (streams) {
    answer.Finish(out);
    if (!out.empty() && !result.first_bytes) {
      result.first_bytes = Clock::now();
    }
    result.bytes += out.size();
    result.info = answer.info();
    result.response_guard_actions = answer.guard_actions();
    co_await WriteBodyPart(client, out, chunked_ok, /*last=*/true, ec, held_head);
    if (ec) {
      result.client_ok = false;
    }
    co_return result;
  }
  LlmResult answered = co_await AnswerWhole(client, answer, body);
  answered.upstream_reusable = result.upstream_reusable;
  answered.retry_after = retry_after;
  co_return answered;
}

Awaitable<void> CloseClient(Stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
  co_return;
}

Awaitable<void> CloseClient(TlsStream& stream) {
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(net::redirect_error(kUse, ignored));
  beast::get_lowest_layer(stream).close();
}

}  // namespace

Awaitable<void> Server::Impl::HandshakeThenServe(Worker& worker, Stream stream,
                                                 const Served& served) {
  TlsStream tls(std::move(stream), served.tls->context());
  beast::get_lowest_layer(tls).expires_after(options_.read_timeout);
  boost::system::error_code ec;
  co_await tls.async_handshake(ssl::stream_base::server, net::redirect_error(kUse, ec));
  if (ec) {
    beast::get_lowest_layer(tls).close();
    co_return;
  }
  co_await Session(worker, std::move(tls), served);
}

template <typename Client>
Awaitable<void> Server::Impl::ServeRequest(Worker& worker, Client& stream, Upstream& upstream,
                                           const BoundListener& bound,
                                           http::request<http::string_body>& message,
                                           Clock::time_point start, AccessRecord& record,
                                           bool& keep_alive, boost::system::error_code& ec) {
  route::Request request;
  request.method = std::string(message.method_string());
  request.authority = std::string(message[http::field::host]);
  emulator::http::SplitTarget(std::string_view(message.target().data(), message.target().size()),
                              request.path, request.query);
  for (const auto& field : message.base()) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (options_.on_request_for_test) {
    options_.on_request_for_test(request);
  }
  std::shared_ptr<const Snapshot> snapshot = Current();
  auto system_start = std::chrono::system_clock::now();
  gateway::FrontendPolicies frontend = snapshot->frontend.For(bound.gateway, bound.listener_names);
  gateway::ConnectionFacts connection;
  std::optional<gateway::RequestTrace> trace;
  if (frontend.tracing || frontend.access_log) {
    connection = ConnectionOf(stream, bound, message.version());
  }
  if (frontend.tracing) {
    // Before routing, as agentgateway samples: the upstream request carries the new traceparent.
    trace =
        gateway::StartTrace(frontend.tracing, request.headers,
                            gateway::RequestAttributes(request, connection, nullptr, system_start),
                            worker.random, system_start);
    if (trace->decision.sampled) {
      message.set("traceparent", *emulator::http::GetHeader(request.headers, "traceparent"));
    }
  }
  // Look the bind up by name: after a reload the Gateway objects are new ones, and a Gateway
  // or port that is gone has no listener (404, like a request to a port nobody serves).
  auto bind = snapshot->binds.find(bound.key);
  gateway::RequestDecision decision =
      gateway::Decide(*snapshot, bind == snapshot->binds.end() ? nullptr : &bind->second, request,
                      bound.gateway_port, &options_.services, worker.random);
  std::vector<std::string> rate_limit_warnings;
  gateway::ApplyRouteRateLimit(
      decision, rate_limits_, &rate_limit_service_, Clock::now(),
      [&] {
        return gateway::RequestAttributes(request, ConnectionOf(stream, bound, message.version()),
                                          &decision, std::chrono::system_clock::now());
      },
      &rate_limit_warnings);
  for (const std::string& warning : rate_limit_warnings) {
    LogError(warning);
  }
  const route::Plan& plan = decision.plan;

  record.method = request.method;
  record.target = request.PathAndQuery();
  record.route = plan.route;
  record.backend = decision.backend;
  record.request_bytes = message.body().size();

  using Action = gateway::RequestDecision::Action;
  if (decision.action == Action::kForward) {
    for (const Endpoint& mirror : decision.mirrors) {
      RequestBytes bytes = UpstreamRequestBytes(*plan.upstream, message.body(), false);
      bytes.head += bytes.body;  // the mirror outlives this request: it owns a copy
      Spawn(stream.get_executor(), Mirror(mirror, std::move(bytes.head)), "a mirror");
    }
  }

  if (decision.action == Action::kAnswer) {
    const route::DirectResponse& direct = decision.answer;
    emulator::http::HeaderList headers = direct.headers;
    headers.emplace_back("content-length", std::to_string(direct.body.size()));
    if (!keep_alive) {
      headers.emplace_back("connection", "close");
    }
    std::string response = HeaderBlock(direct.status, headers) +
                           (request.method == "HEAD" ? std::string() : direct.body);
    beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
    co_await WriteAll(stream, response, ec);
    record.status = direct.status;
    record.response_bytes = direct.body.size();
    record.reason = decision.answer_reason;
  } else if (decision.action == Action::kLlm) {
    co_await ServeLlm(worker, stream, upstream, decision, std::move(message.body()),
                      message.version() >= 11, keep_alive, start, *snapshot, record, ec);
  } else {
    const Endpoint& endpoint = *decision.endpoint;
    UpstreamLimits limits = UpstreamLimits::For(plan, start, options_.upstream_timeout);
    RequestBytes bytes = UpstreamRequestBytes(*plan.upstream, message.body(), true);
    bool head = request.method == "HEAD";
    bool http11 = message.version() >= 11;
    Exchange exchange =
        co_await OnUpstream<Exchange>(stream.get_executor(), endpoint, limits, client_tls_,
                                      upstream, [&](auto& connection) -> Awaitable<Exchange> {
                                        return Relay(connection, upstream.buffer, upstream.chunk,
                                                     stream, bytes, plan, head, http11, limits);
                                      });
    if (exchange.close_delimited) {
      keep_alive = false;
    }
    record.upstream_status = exchange.status;
    record.response_bytes = exchange.bytes;
    if (!exchange.header_sent && exchange.client_ok) {
      std::string body = exchange.error + "\n";
      std::string response =
          HeaderBlock(exchange.error_status, {{"content-type", "text/plain"},
                                              {"content-length", std::to_string(body.size())}}) +
          body;
      co_await WriteAll(stream, response, ec);
      record.status = exchange.error_status;
      record.reason = exchange.error;
    } else {
      record.status = exchange.status;
      if (!exchange.client_ok) {
        ec = net::error::connection_aborted;
      }
    }
  }
  if (frontend.tracing || frontend.access_log) {
    FinishFrontend(frontend, trace, request, connection, decision, system_start, record);
  }
}

void Server::Impl::FinishFrontend(const gateway::FrontendPolicies& frontend,
                                  const std::optional<gateway::RequestTrace>& trace,
                                  const route::Request& request,
                                  const gateway::ConnectionFacts& connection,
                                  const gateway::RequestDecision& decision,
                                  std::chrono::system_clock::time_point start,
                                  AccessRecord& record) {
  auto end = std::chrono::system_clock::now();
  policy::AttributeContext context =
      gateway::RequestAttributes(request, connection, &decision, start);
  gateway::AddLoggingAttributes(context, record, end);
  if (frontend.access_log) {
    auto fields = gateway::AccessLogFields(*frontend.access_log, context);
    record.filtered_out = !fields.has_value();
    if (fields) {
      record.added_fields = std::move(*fields);
      record.removed_fields = frontend.access_log->remove_fields;
    }
  }
  if (!trace || !trace->decision.exported()) {
    return;
  }
  gateway::FinishedRequest finished;
  finished.record = &record;
  finished.host = request.authority;
  finished.http_version = connection.http_version;
  finished.source = connection.source_address + ":" + std::to_string(connection.source_port);
  if (decision.match.entry != nullptr) {
    const route::RouteEntry& entry = *decision.match.entry;
    finished.listener = decision.match.listener->listener->listener->name;
    policy::PathMatchFacts match;  // a rule without matches matches PathPrefix "/"
    if (entry.match != nullptr && entry.match->path) {
      const std::string& type = entry.match->path->type;
      match.kind = type == "Exact"               ? policy::PathMatchFacts::Kind::kExact
                   : type == "RegularExpression" ? policy::PathMatchFacts::Kind::kRegex
                                                 : policy::PathMatchFacts::Kind::kPrefix;
      match.value = entry.match->path->value;
    } else {
      match.value = "/";
    }
    finished.path_match = match;
    if (context.proxy && context.proxy->route) {
      finished.route_namespace = context.proxy->route->namespace_name;
      finished.route_name = context.proxy->route->name;
      finished.route_rule = context.proxy->route->rule;
    }
  }
  if (decision.endpoint) {
    finished.endpoint = decision.endpoint->host + ":" + std::to_string(decision.endpoint->port);
  }
  finished.end = end;
  std::vector<policy::otlp::Span> spans = gateway::FinishTrace(*trace, finished, context);
  if (spans.empty()) {
    return;
  }
  if (OtlpExporter* exporter = ExporterFor(*trace->tracing)) {
    for (policy::otlp::Span& span : spans) {
      exporter->Submit(std::move(span));
    }
  }
}

OtlpExporter* Server::Impl::ExporterFor(const gateway::FrontendTracing& tracing) {
  const policy::TracingConfig& config = tracing.config;
  OtlpExporterOptions options;
  options.protocol = config.protocol;
  options.path = config.path;
  options.resource = tracing.resource;
  std::string where;
  if (config.url) {
    options.host = config.url->host;
    options.port = static_cast<std::uint16_t>(config.url->port);
    options.tls = config.url->tls;
    where = options.host + ":" + std::to_string(options.port);
  } else if (config.backend_ref) {
    const policy::TracingBackendRef& ref = *config.backend_ref;
    int port = ref.port.value_or(0);
    where = ref.namespace_name + "/" + ref.name + ":" + std::to_string(port);
    std::optional<Endpoint> endpoint = options_.services.Find(ref.namespace_name, ref.name, port);
    if (endpoint) {
      options.host = endpoint->host;
      options.port = static_cast<std::uint16_t>(endpoint->port);
      options.authority =
          ref.name + "." + ref.namespace_name + ".svc.cluster.local:" + std::to_string(port);
    }
  }
  std::string key = tracing.key + " " + where;
  std::lock_guard<std::mutex> lock(exporters_mutex_);
  auto found = exporters_.find(key);
  if (found != exporters_.end()) {
    return found->second.get();
  }
  std::unique_ptr<OtlpExporter>& slot = exporters_[key];
  if (options.host.empty()) {
    LogError("tracing policy " + tracing.key + ": the collector Service " + where +
             " is not mapped; pass --service " + where + "=HOST:PORT; its spans are dropped");
    return nullptr;
  }
  // The SDK's batch delay, 5 s unless OTEL_BSP_SCHEDULE_DELAY (milliseconds) says otherwise.
  if (const char* delay = std::getenv("OTEL_BSP_SCHEDULE_DELAY")) {
    int ms = 0;
    auto [end, error] = std::from_chars(delay, delay + std::strlen(delay), ms);
    if (error == std::errc() && *end == '\0' && ms > 0 && ms <= 600000) {
      options.scheduled_delay = std::chrono::milliseconds(ms);
    }
  }
  options.export_timeout = std::chrono::seconds(10);
  auto started =
      OtlpExporter::Start(std::move(options), [this](const std::string& line) { LogError(line); });
  if (!started) {
    LogError("tracing policy " + tracing.key + ": " + started.error().message);
    return nullptr;
  }
  slot = std::move(*started);
  return slot.get();
}

template <typename Client>
Awaitable<void> Server::Impl::Session(Worker& worker, Client stream, const Served& served) {
  const BoundListener& bound = served.bound;
  beast::flat_buffer buffer = BoundedReadBuffer(options_.max_header_bytes, kRelayChunk);
  buffer.reserve(kRelayChunk);  // fewer, larger recv calls than the 512-byte default
  Upstream upstream;
  boost::system::error_code ec;
  for (;;) {
    if (stopping_) {
      break;
    }
    BoundedRequestParser<http::string_body> parser({options_.max_header_bytes});
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_request_body);
    worker.idle.insert(&beast::get_lowest_layer(stream));
    beast::get_lowest_layer(stream).expires_after(options_.idle_timeout);
    co_await http::async_read_header(stream, buffer, parser, net::redirect_error(kUse, ec));
    worker.idle.erase(&beast::get_lowest_layer(stream));
    // A body whose framing cannot be trusted is refused before any of it is read, and before a
    // 100 Continue invites it: Beast frames `gzip, chunked` as chunked (dropping the coding)
    // and `xchunked` by a Content-Length, which a backend may read differently (smuggling).
    int framing_status = 0;
    if (!ec) {
      std::string codings;
      auto [first, last] = parser.get().equal_range(http::field::transfer_encoding);
      for (auto field = first; field != last; ++field) {
        codings.append(field->value().data(), field->value().size()).push_back(',');
      }
      framing_status = emulator::http::TransferEncodingStatus(codings);
    }
    if (!ec && framing_status == 0 && !parser.is_done()) {
      beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
      // A client that sent "Expect: 100-continue" may wait for this before sending its body
      // (RFC 9110 §10.1.1); the body is then read whole and forwarded with the request.
      if (parser.get().version() >= 11 &&
          beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        co_await WriteAll(stream, std::string("HTTP/1.1 100 Continue\r\n\r\n"), ec);
        if (ec) {
          break;
        }
      }
      co_await http::async_read(stream, buffer, parser, net::redirect_error(kUse, ec));
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      break;
    }
    Clock::time_point start = Clock::now();
    if (ec || framing_status != 0) {
      // A trailer section past the limits is error::header_limit, or buffer_overflow when it
      // outgrew the read buffer before its end came.
      int status = framing_status != 0             ? framing_status
                   : ec == http::error::body_limit ? 413
                   : ec == http::error::header_limit || ec == http::error::buffer_overflow ? 431
                                                                                           : 400;
      std::string body = framing_status == 501 ? "transfer coding not implemented: only chunked\n"
                         : framing_status == 400
                             ? "bad transfer-encoding: chunked must be the final coding, once\n"
                             : ec.message() + "\n";
      std::string response = HeaderBlock(status, {{"content-type", "text/plain"},
                                                  {"content-length", std::to_string(body.size())},
                                                  {"connection", "close"}}) +
                             body;
      boost::system::error_code write_ec;
      beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
      co_await WriteAll(stream, response, write_ec);
      AccessRecord record;
      record.gateway = bound.gateway;
      record.method = framing_status != 0 ? std::string(parser.get().method_string()) : "-";
      record.target = framing_status != 0 ? std::string(parser.get().target()) : "-";
      record.status = status;
      record.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      Log(record);
      break;
    }
    ++active_;
    AccessRecord record;
    record.gateway = bound.gateway;
    record.method = std::string(parser.get().method_string());
    record.target = std::string(parser.get().target());
    bool keep_alive = parser.get().keep_alive();
    std::uint64_t written_before = beast::get_lowest_layer(stream).rate_policy().bytes_written();
    // One error channel: whatever escapes the request's handling (a library's exception) is an
    // answer and a log line here, never the end of the process (detached coroutines rethrow).
    std::string failure;
    try {
      co_await ServeRequest(worker, stream, upstream, bound, parser.get(), start, record,
                            keep_alive, ec);
    } catch (const std::exception& error) {
      failure = error.what();
    } catch (...) {
      failure = "unknown exception";
    }
    if (!failure.empty()) {
      LogError("internal error serving " + record.method + " " + record.target + ": " + failure);
      upstream = Upstream{};
      keep_alive = false;
      record.status = 500;
      // A 500 only when no byte of the answer left yet: behind a started answer it would
      // corrupt it, and the close below is what tells the client the answer is incomplete.
      if (beast::get_lowest_layer(stream).rate_policy().bytes_written() == written_before) {
        std::string body = "internal error\n";
        std::string response = HeaderBlock(500, {{"content-type", "text/plain"},
                                                 {"content-length", std::to_string(body.size())},
                                                 {"connection", "close"}}) +
                               body;
        beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
        co_await WriteAll(stream, response, ec);
        record.response_bytes = body.size();
      }
    }
    record.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics_.Record(static_cast<std::size_t>(&worker - workers_.data()), record.gateway,
                    record.route.empty() ? "-" : record.route,
                    record.backend.empty() ? "-" : record.backend, record.status, record.seconds,
                    record.request_bytes, record.response_bytes);
    if (!record.filtered_out) {
      Log(record);
    }
    --active_;
    // glibc keeps what a request freed in its arenas (the worker threads have their own): a
    // 6 MB chat body parsed into JSON left `run` hundreds of MB large for good. Large bodies are
    // rare and their handling costs far more than the trim.
    if (record.request_bytes + record.response_bytes >= kTrimAfterBytes) {
      ::malloc_trim(0);
    }
    if (ec || !keep_alive) {
      break;
    }
  }
  co_await CloseClient(stream);
}

template <typename Client>
Awaitable<void> Server::Impl::ServeLlm(Worker& worker, Client& stream, Upstream& upstream,
                                       gateway::RequestDecision& decision, std::string body,
                                       bool chunked_ok, bool& keep_alive, Clock::time_point start,
                                       const Snapshot& snapshot, AccessRecord& record,
                                       boost::system::error_code& ec) {
  route::Plan& plan = decision.plan;
  std::shared_ptr<const Snapshot::AiBackend> state =
      snapshot.AiBackendFor(*plan.upstream->backend->backend, options_.ai, provider_health_);
  const AiBackendPlan& ai = state->plan;
  balance::ProviderSet& providers = *state->providers;
  auto answer_text = [&](int status, const std::string& text) -> Awaitable<void> {
    record.status = status;
    record.response_bytes = text.size();
    co_await WriteAll(stream, SizedHead(status, {}, "text/plain", text.size()), text, ec);
  };
  std::optional<balance::ProviderSet::Pick> pick = providers.Select(Clock::now(), worker.random);
  if (!pick) {
    co_await answer_text(503, "no healthy backends\n");
    co_return;
  }
  const AiProvider& provider = ai.tiers[pick->tier][pick->index];
  if (ai.tiers.size() > 1 || ai.tiers.front().size() > 1) {
    record.backend += "/" + provider.name;
  }
  const gateway::RoutePolicies::Provider* provider_policies =
      gateway::ProviderPolicies(decision.policies.get(), ai, pick->tier, pick->index);
  gateway::LlmDecision llm_decision =
      gateway::DecideLlm(ai, provider, plan, std::move(body), options_.ai, provider_policies);
  const llm::LlmCall& call = llm_decision.call;
  for (const std::string& action : call.request_guard_actions) {
    metrics_.RecordGuardrailCheck("Request", action);
  }
  gateway::RecordGenAi(call, {}, record);
  if (!llm_decision.answer) {
    llm_decision.answer = gateway::CheckTokenLimit(decision, call, Clock::now());
    if (llm_decision.answer) {
      record.reason = "rate limit exceeded (" + decision.policies->local_key + ")";
    }
  }
  if (llm_decision.answer) {
    providers.Finish(*pick, true, 0, Clock::now(), std::nullopt);
    const route::DirectResponse& answer = *llm_decision.answer;
    record.status = answer.status;
    record.response_bytes = answer.body.size();
    if (!call.local_reason.empty()) {
      record.reason = call.local_reason;
    }
    std::string head = SizedHead(answer.status, answer.headers, "", answer.body.size());
    co_await WriteAll(stream, head, answer.body, ec);
    co_return;
  }
  LlmResult result;
  if (llm_decision.mock) {
    gateway::LlmAnswer answer(call, plan, llm_decision.mock->status,
                              {{"content-type", llm_decision.mock->content_type}},
                              provider_policies == nullptr ? nullptr : &provider_policies->guard);
    if (plan.upstream) {
      answer.CallRemoteGuards(snapshot.guard_caller.get(), plan.upstream->headers);
    }
    result = co_await AnswerWhole(stream, answer, llm_decision.mock->body);
  } else {
    OutgoingRequest& prepared = *llm_decision.upstream;
    route::UpstreamRequest outgoing;
    outgoing.method = plan.upstream->method;
    outgoing.path_and_query = std::move(prepared.path_and_query);
    outgoing.authority = std::move(prepared.authority);
    outgoing.headers = std::move(prepared.headers);
    RequestBytes bytes = UpstreamRequestBytes(outgoing, call.body, true);
    UpstreamLimits limits = UpstreamLimits::For(plan, start, options_.upstream_timeout);
    std::size_t max_body = options_.max_request_body * 8;
    result = co_await OnUpstream<LlmResult>(
        stream.get_executor(), prepared.connection.endpoint, limits, client_tls_, upstream,
        [&](auto& provider_connection) -> Awaitable<LlmResult> {
          return ExchangeLlm(provider_connection, upstream.buffer, upstream.chunk, stream, bytes,
                             call, plan, chunked_ok, limits, max_body,
                             provider_policies == nullptr ? nullptr : &provider_policies->guard,
                             snapshot.guard_caller.get());
        });
  }
  Clock::time_point finished = Clock::now();
  providers.Finish(*pick, !provider.Unhealthy(result.upstream_status),
                   std::chrono::duration<double>(finished - start).count(), finished,
                   provider.eviction, result.retry_after);
  if (result.status == 0 && result.client_ok) {
    co_await answer_text(result.error_status, result.error + "\n");
  } else {
    record.status = result.status;
    record.response_bytes = result.bytes;
    if (!result.client_ok) {
      ec = net::error::connection_aborted;
    }
  }
  if (result.close_client) {
    keep_alive = false;
  }
  if (!result.cut_short.empty()) {
    LogError(record.method + " " + record.target + ": " + result.cut_short +
             "; the client's stream was closed incomplete");
  }
  record.upstream_status = result.upstream_status;
  for (const std::string& action : result.response_guard_actions) {
    metrics_.RecordGuardrailCheck("Response", action);
  }
  gateway::RecordGenAi(call, result.info, record);
  gateway::ChargeTokens(decision, call, result.upstream_status, result.info, Clock::now());
  std::optional<double> first_token_seconds;
  if (result.first_bytes) {
    first_token_seconds = std::chrono::duration<double>(*result.first_bytes - start).count();
  }
  if (result.upstream_status >= 200 && result.upstream_status < 300) {
    metrics_.RecordGenAi(gateway::GenAiMetrics(
        call, result.info, record, std::chrono::duration<double>(Clock::now() - start).count(),
        first_token_seconds));
  }
}

Awaitable<void> Server::Impl::Mirror(Endpoint endpoint, std::string request_bytes) {
  // Fire and forget: the client's response never waits for the mirror.
  Stream stream(co_await net::this_coro::executor);
  boost::system::error_code ec;
  tcp::resolver resolver(stream.get_executor());
  auto results = co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                                                 net::redirect_error(kUse, ec));
  if (ec) {
    co_return;
  }
  stream.expires_after(std::chrono::seconds(30));
  co_await stream.async_connect(results, net::redirect_error(kUse, ec));
  if (ec) {
    co_return;
  }
  co_await WriteAll(stream, request_bytes, ec);
  if (ec) {
    co_return;
  }
  // The answer is read to keep the mirror's connection orderly, then dropped; its size is bounded
  // like any upstream answer.
  beast::flat_buffer buffer = BoundedReadBuffer(kUpstreamHeaderLimit, kRelayChunk);
  BoundedResponseParser<http::string_body> parser;
  parser.body_limit(options_.max_request_body);
  co_await http::async_read(stream, buffer, parser, net::redirect_error(kUse, ec));
}

void Server::Impl::Log(const AccessRecord& record) {
  if (options_.access_log == nullptr) {
    return;
  }
  std::string line = gateway::AccessLogLine(record, Timestamp(), options_.json_log);
  std::lock_guard<std::mutex> lock(log_mutex_);
  log_pending_ += line;
  if (log_pending_.size() >= 16 * 1024) {
    *options_.access_log << log_pending_ << std::flush;
    log_pending_.clear();
  }
}

void Server::Impl::LogError(std::string_view line) {
  if (options_.error_log == nullptr) {
    return;
  }
  std::lock_guard<std::mutex> lock(error_log_mutex_);
  *options_.error_log << "error: " << line << std::endl;
}

void Server::Impl::FlushLog() {
  std::lock_guard<std::mutex> lock(log_mutex_);
  if (log_pending_.empty() || options_.access_log == nullptr) {
    return;
  }
  *options_.access_log << log_pending_ << std::flush;
  log_pending_.clear();
}

Awaitable<void> Server::Impl::LogFlusher() {
  net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Executor> timer(
      co_await net::this_coro::executor);
  while (!stopping_) {
    timer.expires_after(std::chrono::milliseconds(50));
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(kUse, ec));
    FlushLog();
  }
}

Awaitable<void> Server::Impl::AdminAccept(Acceptor& acceptor) {
  for (;;) {
    boost::system::error_code ec;
    auto socket = co_await acceptor.async_accept(net::redirect_error(kUse, ec));
    if (ec) {
      if (stopping_ || ec == net::error::operation_aborted) {
        co_return;
      }
      continue;
    }
    Spawn(acceptor.get_executor(), AdminSession(Stream(std::move(socket))), "an admin connection");
  }
}

namespace {

Json ConfigJson(const Snapshot& snapshot) {
  Json json;
  json["listeners"] = route::TableJson(*snapshot.table);
  Json status = Json::array();
  const validate::resolve::StatusSet& set = snapshot.pipeline->resolution.status;
  auto add = [&](const std::string& kind, const validate::model::ObjectBase& object, Json value) {
    status.push_back({{"kind", kind},
                      {"namespace", object.metadata.namespace_},
                      {"name", object.metadata.name},
                      {"status", std::move(value)}});
  };
  for (const auto& s : set.gateways) {
    add("Gateway", *s.object, validate::resolve::ToJson(s));
  }
  for (const auto& s : set.routes) {
    add(s.kind, *s.object, validate::resolve::ToJson(s));
  }
  for (const auto& s : set.backends) {
    add("AgentgatewayBackend", *s.object, validate::resolve::ToJson(s));
  }
  for (const auto& s : set.policies) {
    add("AgentgatewayPolicy", *s.object, validate::resolve::ToJson(s));
  }
  json["status"] = std::move(status);
  Json files = Json::array();
  for (const auto& file : snapshot.pipeline->manifest.files) {
    files.push_back(file->path());
  }
  json["files"] = std::move(files);
  // Secrets are deliberately absent: their values never leave the process.
  return json;
}

}  // namespace

Awaitable<void> Server::Impl::AdminSession(Stream stream) {
  beast::flat_buffer buffer = BoundedReadBuffer(options_.max_header_bytes, kRelayChunk);
  boost::system::error_code ec;
  for (;;) {
    BoundedRequestParser<http::string_body> parser({options_.max_header_bytes});
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_request_body);
    stream.expires_after(options_.idle_timeout);
    co_await http::async_read(stream, buffer, parser, net::redirect_error(kUse, ec));
    if (ec) {
      break;
    }
    http::request<http::string_body>& request = parser.get();
    std::string target(request.target());
    target = target.substr(0, target.find('?'));
    int status = 200;
    std::string type = "application/json";
    std::string body;
    std::shared_ptr<const Snapshot> snapshot = Current();
    if (target == "/healthz") {
      type = "text/plain";
      body = "ok\n";
    } else if (target == "/config_dump") {
      // Manifest strings are text kubectl decoded, but a bad byte must not end the session.
      body = ConfigJson(*snapshot).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    } else if (target == "/routes") {
      body =
          route::TableJson(*snapshot->table).dump(2, ' ', false, Json::error_handler_t::replace) +
          "\n";
    } else if (target == "/metrics") {
      type = "text/plain; version=0.0.4";
      body = metrics_.Prometheus();
    } else {
      status = 404;
      type = "text/plain";
      body = "not found: try /healthz, /config_dump, /routes or /metrics\n";
    }
    std::string response = HeaderBlock(status, {{"content-type", type},
                                                {"content-length", std::to_string(body.size())}}) +
                           body;
    co_await WriteAll(stream, response, ec);
    if (ec || !request.keep_alive()) {
      break;
    }
  }
  stream.close();
}

void Server::Impl::Shutdown(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true)) {
    return;
  }
  // Counted so that stop() below cannot overtake the closes: an io_context stopped first would
  // never run them, leaving idle connections and the listening sockets open until destruction.
  // The counter may live on this stack: the threads are joined before it goes away.
  std::atomic<std::size_t> closed{0};
  for (Worker& worker : workers_) {
    net::post(*worker.context, [&worker, &closed, this] {
      boost::system::error_code ignored;
      for (auto& [served, acceptor] : worker.acceptors) {
        acceptor->close(ignored);
      }
      if (&worker == &workers_[0] && admin_acceptor_) {
        admin_acceptor_->close(ignored);
      }
      for (Stream* idle : worker.idle) {
        idle->socket().close(ignored);
      }
      ++closed;
    });
  }
  Clock::time_point deadline = Clock::now() + grace;
  while ((closed < workers_.size() || active_ > 0) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (Worker& worker : workers_) {
    worker.context->stop();
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  FlushLog();
  std::lock_guard<std::mutex> lock(done_mutex_);
  finished_ = true;
  done_.notify_all();
}

void Server::Impl::Wait() {
  std::unique_lock<std::mutex> lock(done_mutex_);
  done_.wait(lock, [this] { return finished_; });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  if (impl_) {
    impl_->Shutdown(std::chrono::milliseconds(0));
  }
}

Expected<std::unique_ptr<Server>> Server::Start(std::shared_ptr<const Snapshot> snapshot,
                                                ServerOptions options) {
  // Every allocation of kTrimAfterBytes or more (a large body, its translation) gets pages of
  // its own, returned to the system when it is freed. A fixed threshold also keeps glibc from
  // raising it after the first large free, which put later large bodies in the workers' arenas,
  // where a trim made before the last of them was freed left them: four 6 MB bodies at once
  // kept `run` 12 MiB above idle on a busy machine.
  static std::once_flag large_allocations_mapped;
  std::call_once(large_allocations_mapped,
                 [] { ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kTrimAfterBytes)); });
  auto impl = std::make_unique<Impl>(std::move(options));
  if (auto opened = impl->Open(std::move(snapshot)); !opened) {
    impl->Shutdown(std::chrono::milliseconds(0));
    return tl::unexpected(opened.error());
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::vector<BoundListener> Server::listeners() const { return impl_->listeners(); }
int Server::admin_port() const { return impl_->admin_port(); }
ReloadReport Server::Reload(std::shared_ptr<const Snapshot> snapshot) {
  return impl_->Reload(std::move(snapshot));
}
void Server::Shutdown(std::chrono::milliseconds grace) { impl_->Shutdown(grace); }
void Server::Wait() { impl_->Wait(); }

}  // namespace agw::emulator::io
