// Status and StatusOr<T>: how errors cross every boundary in Baraza (and always the plugin ABI).
#pragma once

#include <baraza/abi.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace baraza::sdk {

enum class Code : int32_t {
  kOk = BARAZA_OK,
  kCancelled = BARAZA_CANCELLED,
  kUnknown = BARAZA_UNKNOWN,
  kInvalidArgument = BARAZA_INVALID_ARGUMENT,
  kDeadlineExceeded = BARAZA_DEADLINE_EXCEEDED,
  kNotFound = BARAZA_NOT_FOUND,
  kAlreadyExists = BARAZA_ALREADY_EXISTS,
  kPermissionDenied = BARAZA_PERMISSION_DENIED,
  kResourceExhausted = BARAZA_RESOURCE_EXHAUSTED,
  kFailedPrecondition = BARAZA_FAILED_PRECONDITION,
  kAborted = BARAZA_ABORTED,
  kOutOfRange = BARAZA_OUT_OF_RANGE,
  kUnimplemented = BARAZA_UNIMPLEMENTED,
  kInternal = BARAZA_INTERNAL,
  kUnavailable = BARAZA_UNAVAILABLE,
  kDataLoss = BARAZA_DATA_LOSS,
  kUnauthenticated = BARAZA_UNAUTHENTICATED,
};

inline const char* codeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kCancelled:
      return "CANCELLED";
    case Code::kUnknown:
      return "UNKNOWN";
    case Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Code::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kAlreadyExists:
      return "ALREADY_EXISTS";
    case Code::kPermissionDenied:
      return "PERMISSION_DENIED";
    case Code::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case Code::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case Code::kAborted:
      return "ABORTED";
    case Code::kOutOfRange:
      return "OUT_OF_RANGE";
    case Code::kUnimplemented:
      return "UNIMPLEMENTED";
    case Code::kInternal:
      return "INTERNAL";
    case Code::kUnavailable:
      return "UNAVAILABLE";
    case Code::kDataLoss:
      return "DATA_LOSS";
    case Code::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

/** The outcome of an operation: OK, or a code with a message saying what was wrong and where. */
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  bool isOk() const { return code_ == Code::kOk; }
  explicit operator bool() const { return isOk(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string toString() const {
    return isOk() ? "OK" : std::string(codeName(code_)) + ": " + message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status invalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status notFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status failedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status unimplemented(std::string m) { return {Code::kUnimplemented, std::move(m)}; }

/** A value or the Status saying why there is none. */
template <class T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.isOk()) status_ = internal("StatusOr constructed from OK without a value");
  }

  bool isOk() const { return value_.has_value(); }
  explicit operator bool() const { return isOk(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

/** Thrown inside a plugin to fail the current call with a specific code; caught at the boundary. */
class StatusError : public std::runtime_error {
 public:
  explicit StatusError(Status status)
      : std::runtime_error(status.message()), status_(std::move(status)) {}
  const Status& status() const { return status_; }

 private:
  Status status_;
};

}  // namespace baraza::sdk
