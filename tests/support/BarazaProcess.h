// Runs the real `baraza` executable for integration tests.
#pragma once

#include <Poco/Exception.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace baraza::testing {

struct RunResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

/**
 * Starts baraza with args. With BARAZA_TEST_WRAPPER set (tests/scripts/sandbox-syscalls.sh), the
 * wrapper is started with the binary and args instead; it must exec them in its own process, so
 * that the handle and signals still reach baraza.
 */
inline Poco::ProcessHandle launchBaraza(const std::vector<std::string>& args, Poco::Pipe* in,
                                        Poco::Pipe* out, Poco::Pipe* err) {
  const char* wrapper = std::getenv("BARAZA_TEST_WRAPPER");
  if (!wrapper || !*wrapper) return Poco::Process::launch(BARAZA_BINARY, args, in, out, err);
  std::vector<std::string> wrapped{BARAZA_BINARY};
  wrapped.insert(wrapped.end(), args.begin(), args.end());
  return Poco::Process::launch(wrapper, wrapped, in, out, err);
}

/**
 * Runs baraza with args to completion, capturing stdout and stderr; with `input`, that is its
 * standard input (else it inherits the test's).
 */
inline RunResult runBaraza(const std::vector<std::string>& args,
                           const std::optional<std::string>& input = std::nullopt) {
  // A command that fails before reading its input closes the pipe: that is an answer, not a
  // reason for the test to die of SIGPIPE.
  if (input) std::signal(SIGPIPE, SIG_IGN);
  Poco::Pipe inPipe, outPipe, errPipe;
  Poco::ProcessHandle handle = launchBaraza(args, input ? &inPipe : nullptr, &outPipe, &errPipe);
  auto fed = std::async(std::launch::async, [&] {
    if (!input) return;
    try {
      Poco::PipeOutputStream to(inPipe);
      to << *input;
      to.close();
    } catch (const Poco::Exception&) {
      inPipe.close();
    }
  });
  auto err = std::async(std::launch::async, [&] {
    Poco::PipeInputStream from(errPipe);
    std::string text;
    Poco::StreamCopier::copyToString(from, text);
    return text;
  });
  RunResult result;
  Poco::PipeInputStream from(outPipe);
  Poco::StreamCopier::copyToString(from, result.out);
  fed.get();
  result.err = err.get();
  result.exitCode = handle.wait();
  return result;
}

/** A `baraza serve` child process whose log lines (stderr) are collected as they come. */
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args)
      : handle_(launchBaraza(args, nullptr, nullptr, &errPipe_)) {
    reader_ = std::thread([this] {
      Poco::PipeInputStream in(errPipe_);
      std::string line;
      while (std::getline(in, line)) {
        std::lock_guard<std::mutex> lock(mutex_);
        lines_.push_back(line);
        changed_.notify_all();
      }
    });
  }
  ~ServeProcess() {
    if (!exitCode_) {
      ::kill(handle_.id(), SIGKILL);
      handle_.wait();
    }
    reader_.join();
  }

  /** The first log line containing `text`, waiting up to `timeout` for it. */
  std::optional<std::string> waitForLine(
      const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<std::string> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& line : lines_) {
        if (line.find(text) != std::string::npos) {
          found = line;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  /** The port from the "listening on http://HOST:PORT" line. */
  int port() {
    auto line = waitForLine("listening on http://");
    if (!line) return 0;
    return std::stoi(line->substr(line->rfind(':') + 1));
  }

  void signal(int sig) { ::kill(handle_.id(), sig); }
  /** The process id (benchmarks read its /proc entries). */
  int pid() const { return handle_.id(); }
  /** Whether the process has ended (reaping it if so), without waiting. */
  bool ended() {
    if (exitCode_) return true;
    const int code = handle_.tryWait();
    if (code == -1 && Poco::Process::isRunning(handle_)) return false;
    exitCode_ = code;
    return true;
  }
  int wait() {
    if (!exitCode_) exitCode_ = handle_.wait();
    return *exitCode_;
  }
  std::string log() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string all;
    for (const auto& line : lines_) all += line + "\n";
    return all;
  }

 private:
  Poco::Pipe errPipe_;
  Poco::ProcessHandle handle_;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::optional<int> exitCode_;
};

}  // namespace baraza::testing
