#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace agw::test {

// The plugin binary running in the background (e.g. `run`), its stdout and stderr collected as
// they come. Killed on destruction if still running.
class RunningPlugin {
 public:
  RunningPlugin(const std::vector<std::string>& args, const std::string& cwd);
  ~RunningPlugin();
  RunningPlugin(const RunningPlugin&) = delete;
  RunningPlugin& operator=(const RunningPlugin&) = delete;

  // Reads stdout and stderr until stdout contains `text`, the child closes them, or `timeout`.
  bool ReadUntil(const std::string& text, std::chrono::milliseconds timeout);
  // The same, until stderr contains `text`.
  bool ReadErrUntil(const std::string& text, std::chrono::milliseconds timeout);

  // Sends `signal` and waits up to `timeout` for the exit; the exit code, or -1.
  int Stop(int signal, std::chrono::milliseconds timeout);

  std::string out;
  std::string err;

 private:
  bool ReadUntilIn(const std::string& stream, const std::string& text,
                   std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  bool out_open_ = true;
  bool err_open_ = true;
};

}  // namespace agw::test
