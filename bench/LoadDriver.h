// The load driver the HTTP benchmarks share: keep-alive connections from this machine, each
// sending its own requests back to back for a fixed time (a connection whose next() gives no path
// stops early); req/s (successful) and latencies.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace baraza::bench {

struct LoadRequest {
  std::string path;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct LoadResult {
  double rps = 0, p50 = 0, p99 = 0;  // successful requests per second; latencies in ms
  size_t errors = 0;                 // non-200 answers and transport failures
  /**
   * Busy CPU time of the whole machine per successful request, in microseconds: the load driver,
   * the server, and anything it uses (a database server, the kernel's writeback). On a machine
   * whose cores are all busy, throughput is the inverse of this, so it shows where a change helps
   * more steadily than req/s does.
   */
  double cpuUsPerRequest = 0;
  /** CPU of this process's threads during the run, by thread name, in % of one core. */
  std::map<std::string, double> threadPercent;
};

/** Busy CPU time of the machine so far (all cores, idle and I/O wait left out), in clock ticks. */
inline double machineBusyTicks() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return user + nice + system + irq + softirq + steal;
}

/** CPU ticks (user + system) each thread of this process alive now has used: tid -> (name, ticks).
 */
using ThreadTicks = std::map<std::string, std::pair<std::string, double>>;

inline ThreadTicks threadTicks() {
  ThreadTicks ticks;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;  // the thread ended meanwhile
    // pid (name) state ... : the name may hold spaces, so fields count from its closing bracket.
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    double user = 0, system = 0;
    for (int i = 0; i < 13 && fields >> field;
         ++i) {  // fields 3..15 of proc(5): utime is 14, stime 15
      if (i == 11) user = std::stod(field);
      if (i == 12) system = std::stod(field);
    }
    ticks[task.path().filename().string()] = {line.substr(open + 1, close - open - 1),
                                              user + system};
  }
  return ticks;
}

/**
 * Ticks used between two threadTicks() snapshots, summed by thread name. A thread that ended in
 * between is left out (its last ticks cannot be read); one that started counts from zero.
 */
inline std::map<std::string, double> ticksByNameBetween(const ThreadTicks& before,
                                                        const ThreadTicks& after) {
  std::map<std::string, double> byName;
  for (const auto& [tid, thread] : after) {
    const auto earlier = before.find(tid);
    byName[thread.first] += thread.second - (earlier == before.end() ? 0 : earlier->second.second);
  }
  return byName;
}

/**
 * `connections` threads POST what `next(connection, sequence)` gives, for `seconds`; a request
 * with an empty path ends that connection early (it ran out of prepared requests).
 */
inline LoadResult drive(uint16_t port, int connections, double seconds,
                        const std::function<LoadRequest(int, int64_t)>& next) {
  std::atomic<bool> stop{false};
  std::atomic<size_t> errors{0};
  std::atomic<int> running{
      connections};  // connections still sending (one whose next() gave no path ends)
  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      pthread_setname_np(pthread_self(), "load-driver");
      Poco::Net::HTTPClientSession session("127.0.0.1", port);
      session.setKeepAlive(true);
      session.setTimeout(Poco::Timespan(30, 0));
      for (int64_t seq = 0; !stop.load(std::memory_order_relaxed); ++seq) {
        const LoadRequest load = next(c, seq);
        if (load.path.empty()) break;  // this connection is done
        Poco::Net::HTTPRequest request("POST", load.path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setKeepAlive(true);
        request.setContentType("application/json");
        for (const auto& [name, value] : load.headers) request.set(name, value);
        request.setContentLength64(static_cast<Poco::Int64>(load.body.size()));
        const auto started = std::chrono::steady_clock::now();
        try {
          session.sendRequest(request) << load.body;
          Poco::Net::HTTPResponse response;
          session.receiveResponse(response).ignore(std::numeric_limits<std::streamsize>::max());
          if (response.getStatus() != 200) ++errors;
        } catch (const Poco::Exception&) {
          ++errors;
          session.reset();
        }
        latencies[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count());
      }
      --running;
    });
  }
  const auto started = std::chrono::steady_clock::now();
  const double busyBefore = machineBusyTicks();
  const ThreadTicks threadsBefore = threadTicks();
  const auto deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(seconds));
  while (running.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::map<std::string, double> threadUse = ticksByNameBetween(threadsBefore, threadTicks());
  stop = true;
  const double busyTicks = machineBusyTicks() - busyBefore;
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  LoadResult r;
  for (const auto& [name, ticks] : threadUse) {
    r.threadPercent[name] = ticks / static_cast<double>(sysconf(_SC_CLK_TCK)) * 100 / elapsed;
  }
  r.errors = errors;
  r.rps = static_cast<double>(all.size() - std::min(all.size(), r.errors)) / elapsed;
  if (r.rps > 0)
    r.cpuUsPerRequest =
        busyTicks / static_cast<double>(sysconf(_SC_CLK_TCK)) * 1e6 / (r.rps * elapsed);
  if (!all.empty()) {
    r.p50 = all[all.size() / 2];
    r.p99 = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return r;
}

}  // namespace baraza::bench
