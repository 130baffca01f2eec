#include "validate/manifest/process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace agw::validate::manifest {

namespace {

using Clock = std::chrono::steady_clock;

// Closes a descriptor once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  void Close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};

bool MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return false;
  }
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return true;
}

bool IsExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

// Go's exec.LookPath on Unix, minus the current-directory results it refuses since Go 1.19
// (ErrDot): empty and relative PATH entries are skipped.
std::string FindOnPath(const std::string& name, const std::string& search_path) {
  std::size_t start = 0;
  while (start <= search_path.size()) {
    std::size_t end = search_path.find(':', start);
    if (end == std::string::npos) {
      end = search_path.size();
    }
    std::string dir = search_path.substr(start, end - start);
    start = end + 1;
    if (dir.empty() || dir.front() != '/') {
      continue;
    }
    std::string candidate = dir + "/" + name;
    if (IsExecutableFile(candidate)) {
      return candidate;
    }
  }
  return "";
}

// Reads what is available from `fd`; false at end of file (or a read error).
bool Drain(int fd, std::string& out, std::size_t& total) {
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

}  // namespace

Expected<ProcessResult> SubprocessRunner::Run(const ProcessSpec& spec) {
  ProcessResult result;
  std::string program = spec.program;
  if (program.find('/') == std::string::npos) {
    program = FindOnPath(program, spec.search_path);
    if (program.empty()) {
      result.outcome = ProcessResult::Outcome::kNotFound;
      return result;
    }
  }
  // Everything the child touches is prepared before fork: after it only async-signal-safe calls.
  std::vector<std::string> argv_storage;
  argv_storage.push_back(spec.program);
  argv_storage.insert(argv_storage.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = spec.environment;
  std::vector<char*> envp;
  for (std::string& entry : env_storage) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);

  Fd out_read, out_write, err_read, err_write, status_read, status_write;
  if (!MakePipe(out_read, out_write) || !MakePipe(err_read, err_write) ||
      !MakePipe(status_read, status_write)) {
    return MakeError(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_fd.get() < 0) {
    return MakeError(std::string("cannot open /dev/null: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    return MakeError(std::string("cannot fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(null_fd.get(), 0);
    ::dup2(out_write.get(), 1);
    if (!spec.inherit_stderr) {
      ::dup2(err_write.get(), 2);
    }
    // Like Go's exec.Cmd, hand the plugin only stdin, stdout and stderr: descriptors this
    // process opened without O_CLOEXEC (sockets, files) close on execve.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (!spec.working_directory.empty() && ::chdir(spec.working_directory.c_str()) != 0) {
      int error = errno;
      ssize_t ignored = ::write(status_write.get(), &error, sizeof(error));
      (void)ignored;
      ::_exit(127);
    }
    ::execve(program.c_str(), argv.data(), envp.data());
    int error = errno;
    ssize_t ignored = ::write(status_write.get(), &error, sizeof(error));
    (void)ignored;
    ::_exit(127);
  }
  out_write.Close();
  err_write.Close();
  status_write.Close();
  null_fd.Close();

  // The status pipe closes on a successful execve (O_CLOEXEC) or carries execve's errno.
  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(status_read.get(), &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  if (got == sizeof(exec_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.outcome = exec_errno == ENOENT ? ProcessResult::Outcome::kNotFound
                                          : ProcessResult::Outcome::kNotExecutable;
    result.error = std::strerror(exec_errno);
    return result;
  }

  ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
  const Clock::time_point deadline = Clock::now() + spec.timeout;
  bool out_open = true;
  bool err_open = !spec.inherit_stderr;
  if (spec.inherit_stderr) {
    err_read.Close();
  }
  std::size_t out_total = 0;
  std::size_t err_total = 0;
  bool exited = false;
  int status = 0;
  for (;;) {
    std::vector<pollfd> fds;
    if (out_open) {
      fds.push_back({out_read.get(), POLLIN, 0});
    }
    if (err_open) {
      fds.push_back({err_read.get(), POLLIN, 0});
    }
    auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (remaining <= 0) {
      result.outcome = ProcessResult::Outcome::kTimedOut;
      break;
    }
    // Wake up now and then to notice a child that exited while a descendant keeps its pipes.
    int wait_ms = static_cast<int>(std::min<long long>(remaining, 50));
    if (!fds.empty()) {
      ::poll(fds.data(), fds.size(), wait_ms);
    } else {
      ::usleep(static_cast<useconds_t>(wait_ms) * 1000);
    }
    if (out_open) {
      out_open = Drain(out_read.get(), result.stdout_text, out_total);
    }
    if (err_open) {
      err_open = Drain(err_read.get(), result.stderr_tail, err_total);
      if (result.stderr_tail.size() > spec.max_stderr_bytes) {
        result.stderr_tail.erase(0, result.stderr_tail.size() - spec.max_stderr_bytes);
      }
    }
    if (out_total > spec.max_stdout_bytes) {
      result.outcome = ProcessResult::Outcome::kStdoutTooLarge;
      result.stdout_text.resize(spec.max_stdout_bytes);
      break;
    }
    if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
    }
    if (exited) {
      // The child is gone: what it wrote is in the pipes already; read it and stop.
      if (out_open) {
        Drain(out_read.get(), result.stdout_text, out_total);
      }
      if (err_open) {
        Drain(err_read.get(), result.stderr_tail, err_total);
        if (result.stderr_tail.size() > spec.max_stderr_bytes) {
          result.stderr_tail.erase(0, result.stderr_tail.size() - spec.max_stderr_bytes);
        }
      }
      if (out_total > spec.max_stdout_bytes) {
        result.outcome = ProcessResult::Outcome::kStdoutTooLarge;
        result.stdout_text.resize(spec.max_stdout_bytes);
      }
      break;
    }
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return result;
  }
  if (result.outcome == ProcessResult::Outcome::kStdoutTooLarge) {
    return result;
  }
  if (WIFSIGNALED(status)) {
    result.outcome = ProcessResult::Outcome::kSignaled;
    result.signal = WTERMSIG(status);
  } else {
    result.outcome = ProcessResult::Outcome::kExited;
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace agw::validate::manifest
