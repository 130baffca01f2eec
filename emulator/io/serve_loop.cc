#include "emulator/io/serve_loop.h"

#include <pthread.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>

namespace agw::emulator::io {

namespace net = boost::asio;

InputWatcher::InputWatcher(std::vector<std::string> paths)
    : paths_(std::move(paths)), fingerprint_(Fingerprint()) {}

bool InputWatcher::Changed() {
  std::string now = Fingerprint();
  if (now == fingerprint_) {
    settling_.clear();
    return false;
  }
  // A file being written (truncated, then filled) would otherwise be read half written: an
  // edit counts once the inputs look the same on two polls in a row.
  if (now != settling_) {
    settling_ = std::move(now);
    return false;
  }
  fingerprint_ = std::move(now);
  settling_.clear();
  return true;
}

std::string InputWatcher::Fingerprint() const {
  namespace fs = std::filesystem;
  std::string fingerprint;
  auto add = [&](const fs::path& path) {
    std::error_code ec;
    auto time = fs::last_write_time(path, ec);
    auto size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
    fingerprint += path.string() + ":" + std::to_string(size) + ":" +
                   std::to_string(time.time_since_epoch().count()) + "\n";
  };
  for (const std::string& input : paths_) {
    if (input == "-") {
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      for (fs::recursive_directory_iterator it(input, ec), end; !ec && it != end;
           it.increment(ec)) {
        add(it->path());
      }
    } else {
      add(input);
    }
  }
  return fingerprint;
}

namespace {

sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

void WriteListener(const BoundListener& listener, std::ostream& out) {
  std::string names;
  for (const std::string& name : listener.listener_names) {
    names += (names.empty() ? "" : ", ") + name;
  }
  out << "  Gateway " << listener.gateway << " port " << listener.gateway_port << " (listener "
      << names << ") -> " << (listener.tls ? "https" : "http") << "://" << listener.address << ":"
      << listener.local_port << "\n";
  for (const std::string& note : listener.notes) {
    out << "    note: " << note << "\n";
  }
}

void BlockStopSignals() {
  sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void ServeUntilStopped(Server& server, ServeLoop loop, std::ostream& out, std::ostream& err) {
  net::io_context context;
  net::signal_set signals(context, SIGINT, SIGTERM);
  sigset_t stop = StopSignals();
  pthread_sigmask(SIG_UNBLOCK, &stop, nullptr);
  net::steady_timer poll(context);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) {
      return;
    }
    out << "shutting down\n" << std::flush;
    poll.cancel();
  });
  std::function<void()> schedule = [&] {
    poll.expires_after(loop.poll_interval);
    poll.async_wait([&](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      if (loop.watcher->Changed()) {
        if (std::shared_ptr<const Snapshot> next = loop.reload()) {
          ReloadReport report = server.Reload(std::move(next));
          for (const BoundListener& closed : report.closed) {
            out << "  stopped serving Gateway " << closed.gateway << " port " << closed.gateway_port
                << " (" << closed.address << ":" << closed.local_port
                << "): no listener of it is programmed any more\n";
          }
          for (const BoundListener& opened : report.opened) {
            WriteListener(opened, out);
          }
          for (const std::string& failure : report.failed) {
            err << "error: " << failure << "\n";
          }
          out << "reloaded\n" << std::flush;
        }
      }
      schedule();
    });
  };
  if (loop.watcher && loop.reload) {
    schedule();
  }
  context.run();
  server.Shutdown();
}

}  // namespace agw::emulator::io
