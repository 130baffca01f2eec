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
  // Whether the inputs changed since construction or the last call that said so.
  bool Changed();

 private:
  std::string Fingerprint() const;

  std::vector<std::string> paths_;
  std::string fingerprint_;
};

struct ServeLoop {
  // Set: the inputs are polled every `poll_interval` and reloaded when they change.
  std::optional<InputWatcher> watcher;
  std::chrono::milliseconds poll_interval{300};
  // Reads the inputs again and reports what it finds; null when the new configuration is
  // rejected (the running one stays).
  std::function<std::shared_ptr<const Snapshot>()> reload;
};

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts afterwards:
// called before Server::Start, the server's threads leave the stop signals to
// ServeUntilStopped, and a signal that arrives while the server starts waits for it.
void BlockStopSignals();

// Serves until SIGINT or SIGTERM arrives (waited for with an Asio signal_set on the calling
// thread, which unblocks them), reloading the inputs as `loop` says, then shuts `server` down.
// Writes "reloaded", the Gateway ports a reload could not open, and "shutting down" to `out`
// and `err`.
void ServeUntilStopped(Server& server, ServeLoop loop, std::ostream& out, std::ostream& err);

}  // namespace agw::emulator::io
