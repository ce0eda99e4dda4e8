// Test helper: collects what is logged to a Poco logger, as "source: text" lines.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <mutex>
#include <string>
#include <vector>

namespace baraza::testing {

class LogCapture : public Poco::Channel {
 public:
  /** Attaches a new capture to the named logger at `level`; keep the returned pointer. */
  static Poco::AutoPtr<LogCapture> attach(const std::string& logger,
                                          int level = Poco::Message::PRIO_INFORMATION) {
    Poco::AutoPtr<LogCapture> capture = new LogCapture;
    Poco::Logger::get(logger).setChannel(capture);
    Poco::Logger::get(logger).setLevel(level);
    return capture;
  }

  void log(const Poco::Message& msg) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(msg.getSource() + ": " + msg.getText());
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace baraza::testing
