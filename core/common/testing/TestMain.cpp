// The main() of every GoogleTest executable: gtest's own, plus a watchdog for hangs.
//
// ctest kills a test process that passes its TIMEOUT and prints only "Timeout": nothing says
// where it hung. When BARAZA_TEST_TIMEOUT_SECONDS holds that timeout (baraza_add_test sets it),
// the watchdog wakes shortly before it, prints the test that is running and every thread's stack
// (through gdb, when installed), and aborts. A test that finishes in time never sees it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

void dumpThreadsAndAbort(int timeoutSeconds) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = test == nullptr
                               ? "(between tests)"
                               : std::string(test->test_suite_name()) + "." + test->name();
  std::fflush(stdout);
  std::fprintf(stderr,
               "\nwatchdog: still running near the test timeout of %d s; the test under way is %s. "
               "Every thread's stack follows, then the process aborts.\n",
               timeoutSeconds, name.c_str());
  std::fflush(stderr);
  // Let gdb attach to this process even where ptrace is limited to ancestors (Yama).
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  const std::string command = "command -v gdb >/dev/null && timeout 60 gdb -nx -batch -p " +
                              std::to_string(getpid()) +
                              " -ex 'set pagination off' -ex 'thread apply all bt' 1>&2 2>/dev/null"
                              " || echo 'watchdog: gdb is not installed; no stacks' 1>&2";
  if (std::system(command.c_str()) != 0) std::fprintf(stderr, "watchdog: gdb did not finish\n");
  std::abort();
}

void startWatchdog() {
  const char* value = std::getenv("BARAZA_TEST_TIMEOUT_SECONDS");
  const int timeout = value == nullptr ? 0 : std::atoi(value);
  if (timeout <= 0) return;
  // Early enough that gdb finishes before ctest's kill; a short timeout keeps most of its time.
  const int margin = std::min(30, timeout / 6);
  std::thread([timeout, margin] {
    std::this_thread::sleep_for(std::chrono::seconds(timeout - margin));
    dumpThreadsAndAbort(timeout);
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  startWatchdog();
  return RUN_ALL_TESTS();
}
