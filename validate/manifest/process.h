#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "validate/manifest/error.h"

namespace agw::validate::manifest {

// Runs helper programs: kubeconfig exec credential plugins (validate/cluster) and git for
// `git:REF:PATH` inputs (git_file_system.h). Never through a shell.

// One run of a program, with everything it gets given explicitly.
struct ProcessSpec {
  // A path (containing '/') run as is, or a name looked up in `search_path`.
  std::string program;
  std::vector<std::string> args;  // not including argv[0], which is `program`
  // The whole environment of the child, "NAME=value" entries.
  std::vector<std::string> environment;
  // The PATH used to find `program` (the parent's PATH, as Go's exec.Command uses).
  std::string search_path;
  // Where the child starts ("" keeps this process's current directory).
  std::string working_directory;
  std::chrono::milliseconds timeout{30000};
  std::size_t max_stdout_bytes = 1 << 20;
  // Of stderr only the last `max_stderr_bytes` are kept.
  std::size_t max_stderr_bytes = 4096;
  // Let the child write to this process's stderr instead of capturing it (stderr_tail is then "").
  bool inherit_stderr = false;
};

struct ProcessResult {
  enum class Outcome {
    kExited,          // exit_code holds the status
    kSignaled,        // killed by `signal`
    kTimedOut,        // still running at the deadline: killed
    kStdoutTooLarge,  // wrote more than max_stdout_bytes: killed
    kNotFound,        // no such program (on the search path, or at the given path)
    kNotExecutable,   // found but cannot be run (`error` says why, e.g. "Permission denied")
  };
  Outcome outcome = Outcome::kExited;
  int exit_code = 0;
  int signal = 0;
  std::string stdout_text;
  std::string stderr_tail;
  std::string error;  // strerror text for kNotExecutable
};

// Runs processes. An interface so that exec credential logic is tested without processes.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Fails only when the process could not be started for a reason of this side (no pipes, no
  // fork); everything about the program itself is in the result.
  virtual Expected<ProcessResult> Run(const ProcessSpec& spec) = 0;
};

// fork + execve with stdin from /dev/null, stdout (and stderr unless inherited) read through
// pipes until the child exits, the deadline passes or stdout exceeds its limit; then the child
// is killed (SIGKILL) and reaped. Safe to use from several threads at once (no shared state;
// SIGPIPE is not touched: the parent only reads).
class SubprocessRunner : public ProcessRunner {
 public:
  Expected<ProcessResult> Run(const ProcessSpec& spec) override;
};

}  // namespace agw::validate::manifest
