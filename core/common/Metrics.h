#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace baraza {

/** Process-wide counters, exposed at /metrics in the Prometheus text format. */
class Metrics {
 public:
  /** name: [a-zA-Z_:][a-zA-Z0-9_:]*; labels: already formatted, e.g. tenant="demo". */
  void add(const std::string& name, const std::string& labels, int64_t delta) {
    std::lock_guard<std::mutex> lock(mutex_);
    counters_[name][labels] += delta;
  }
  int64_t value(const std::string& name, const std::string& labels) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = counters_.find(name);
    if (it == counters_.end()) return 0;
    auto at = it->second.find(labels);
    return at == it->second.end() ? 0 : at->second;
  }
  std::string prometheusText() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const auto& [name, series] : counters_) {
      out += "# TYPE " + name + " counter\n";
      for (const auto& [labels, v] : series) {
        out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(v) + "\n";
      }
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, int64_t>> counters_;
};

}  // namespace baraza
