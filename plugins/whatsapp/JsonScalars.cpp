#include "JsonScalars.h"

#include <Poco/JSON/Parser.h>

#include <stdexcept>

namespace baraza::whatsapp {

/** Poco parser callbacks: keeps each scalar with its path; containers only shape the paths. */
class JsonScalars::Collector : public Poco::JSON::Handler {
 public:
  explicit Collector(std::vector<std::pair<std::string, std::string>>& values) : values_(values) {}

  void reset() override {
    frames_.clear();
    key_.clear();
  }
  void startObject() override { open(false); }
  void endObject() override { close(); }
  void startArray() override { open(true); }
  void endArray() override { close(); }
  void key(const std::string& k) override { key_ = k; }
  void null() override { next(); }
  void value(int v) override { add(std::to_string(v)); }
  void value(unsigned v) override { add(std::to_string(v)); }
  void value(Poco::Int64 v) override { add(std::to_string(v)); }
  void value(Poco::UInt64 v) override { add(std::to_string(v)); }
  void value(const std::string& v) override { add(v); }
  void value(double v) override { add(std::to_string(v)); }
  void value(bool v) override { add(v ? "true" : "false"); }
  Poco::Dynamic::Var asVar() const override { return {}; }
  Poco::DynamicStruct asStruct() const override { return {}; }

 private:
  struct Frame {
    std::string path;  // of the container, "" at the top
    bool array;
    size_t index = 0;  // of the next element, in an array
  };

  /** The path of the value being read now. */
  std::string here() const {
    if (frames_.empty()) return {};
    const Frame& f = frames_.back();
    const std::string name = f.array ? std::to_string(f.index) : key_;
    return f.path.empty() ? name : f.path + "." + name;
  }
  void next() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  void add(std::string v) {
    values_.emplace_back(here(), std::move(v));
    next();
  }
  void open(bool array) { frames_.push_back({here(), array}); }
  void close() {
    frames_.pop_back();
    next();
  }

  std::vector<std::pair<std::string, std::string>>& values_;
  std::vector<Frame> frames_;
  std::string key_;
};

JsonScalars::JsonScalars(const std::string& text) {
  try {
    Poco::JSON::Parser parser(new Collector(values_));
    parser.parse(text);
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("not valid JSON: " + e.message());
  }
}

const std::string* JsonScalars::find(const std::string& path) const& {
  for (const auto& [p, v] : values_) {
    if (p == path) return &v;
  }
  return nullptr;
}

}  // namespace baraza::whatsapp
