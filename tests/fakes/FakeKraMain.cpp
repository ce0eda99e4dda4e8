// baraza-fake-kra: the fake KRA (FakeKra.h) as a process, for `make run`: the demo tenant's
// verifier talks to it instead of KRA's sandbox, which needs credentials from developer.go.ke.
//   baraza-fake-kra [PORT]   (default 8089, on 127.0.0.1; stops on SIGINT or SIGTERM)
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "fakes/FakeKra.h"

int main(int argc, char** argv) {
  const long port = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 8089;
  if (port <= 0 || port > 65535) {
    std::cerr << "usage: baraza-fake-kra [PORT]\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the server's threads start
  try {
    baraza::fakes::FakeKra kra(static_cast<uint16_t>(port));
    std::cerr << "fake KRA on " << kra.baseUrl() << " (consumer key kra-key, secret kra-secret)\n";
    int received = 0;
    sigwait(&signals, &received);
  } catch (const std::exception& e) {
    std::cerr << "baraza-fake-kra: cannot listen on 127.0.0.1:" << port << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
