// Shared by the libFuzzer targets: what a finding is, and the JSON check most of them make.
#pragma once

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace baraza::fuzz {

/** A wrong answer: reported and aborted, so libFuzzer keeps the input. */
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "finding: %s\n", what.c_str());
  std::abort();
}

/** `text`, which the code under test produced as JSON, must parse as JSON. */
inline void mustBeJson(const std::string& text, const char* what) {
  try {
    Poco::JSON::Parser().parse(text);
  } catch (const Poco::Exception& e) {
    finding(std::string(what) + " is not JSON (" + e.message() + "): " + text);
  }
}

}  // namespace baraza::fuzz
