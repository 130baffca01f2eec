#include "tests/support/running_plugin.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/paths.h"

namespace agw::test {

RunningPlugin::RunningPlugin(const std::vector<std::string>& args, const std::string& cwd) {
  int out[2], err[2];
  REQUIRE(pipe(out) == 0);
  REQUIRE(pipe(err) == 0);
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {out[0], out[1], err[0], err[1]}) {
      close(fd);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (chdir(cwd.c_str()) != 0) {
      _exit(126);
    }
    std::vector<char*> argv = {const_cast<char*>(kPluginBinary)};
    for (const std::string& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    execv(kPluginBinary, argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_ = out[0];
  err_ = err[0];
}

RunningPlugin::~RunningPlugin() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(out_);
  close(err_);
}

bool RunningPlugin::ReadUntil(const std::string& text, std::chrono::milliseconds timeout) {
  return ReadUntilIn("out", text, timeout);
}

bool RunningPlugin::ReadErrUntil(const std::string& text, std::chrono::milliseconds timeout) {
  return ReadUntilIn("err", text, timeout);
}

bool RunningPlugin::ReadUntilIn(const std::string& stream, const std::string& text,
                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while ((stream == "out" ? out : err).find(text) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (!out_open_ && !err_open_)) {
      return false;
    }
    std::vector<pollfd> fds;
    if (out_open_) {
      fds.push_back({out_, POLLIN, 0});
    }
    if (err_open_) {
      fds.push_back({err_, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0) {
      continue;
    }
    for (const pollfd& p : fds) {
      if (p.revents == 0) {
        continue;
      }
      char buffer[4096];
      ssize_t n = read(p.fd, buffer, sizeof(buffer));
      if (n <= 0) {
        (p.fd == out_ ? out_open_ : err_open_) = false;
      } else {
        (p.fd == out_ ? out : err).append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  return true;
}

int RunningPlugin::Stop(int signal, std::chrono::milliseconds timeout) {
  kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ReadUntil("\x01never", std::chrono::milliseconds(500));  // drain what is left
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

}  // namespace agw::test
