#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "emulator/io/server.h"

namespace agw::emulator::io {

// Notices edits, new files and deletions under some inputs, from a fingerprint of every file
// under them (path, size, modification time). Made before the inputs are read, so that an edit
// made while they load is still noticed.
class InputWatcher {
 public:
  // "-" (standard input) is never watched.
  explicit InputWatcher(std::vector<std::string> paths);
  // Whether the inputs changed since construction or the last call that said so, and then
  // stayed as they are until this call (so that a file is not read half written).
  bool Changed();

 private:
  std::string Fingerprint() const;

  std::vector<std::string> paths_;
  std::string fingerprint_;
  std::string settling_;  // a fingerprint seen once, not yet reported
};

struct ServeLoop {
  // Set: the inputs are polled every `poll_interval` and reloaded when they change.
  std::optional<InputWatcher> watcher;
  std::chrono::milliseconds poll_interval{300};
  // Reads the inputs again and reports what it finds; null when the new configuration is
  // rejected (the running one stays).
  std::function<std::shared_ptr<const Snapshot>()> reload;
};

// "  Gateway ns/name port 80 (listener http) -> http://127.0.0.1:8080" and its notes, one line
// each, as `run` lists what it serves.
void WriteListener(const BoundListener& listener, std::ostream& out);

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts afterwards:
// called before Server::Start, the server's threads leave the stop signals to
// ServeUntilStopped, and a signal that arrives while the server starts waits for it.
void BlockStopSignals();

// Serves until SIGINT or SIGTERM arrives (waited for with an Asio signal_set on the calling
// thread, which unblocks them), reloading the inputs as `loop` says, then shuts `server` down.
// Writes the Gateway ports a reload opened and closed and "reloaded" to `out`, the ports it
// could not open to `err`, and "shutting down" to `out`.
void ServeUntilStopped(Server& server, ServeLoop loop, std::ostream& out, std::ostream& err);

}  // namespace agw::emulator::io
