#pragma once

#include <optional>
#include <string>

#include "store/Database.h"

namespace baraza::store {

/** The widest conversation a flow session keeps (MariaDB's VARCHAR(128), migration 001). */
constexpr size_t kMaxConversationBytes = 128;

/** A flow token minted by the host, bound to tenant, contact, flow and conversation. */
struct FlowSession {
  std::string token;
  std::string tenant;
  std::string contact;
  std::string flow;
  std::string conversation;
  /**
   * open: the Flow is in progress; completed: its data endpoint answered the completion, whose
   * nfm_reply message is still to come; closed: that message came (or the Flow, without an
   * endpoint, completed with it). Nothing reopens a token.
   */
  std::string state = "open";
  int64_t createdAt = 0;
  int64_t expiresAt = 0;
  int64_t closedAt = 0;
};

class FlowSessions {
 public:
  explicit FlowSessions(const Dialect& dialect) : dialect_(dialect) {}

  void create(Poco::Data::Session& s, const FlowSession& session) const;
  std::optional<FlowSession> get(Poco::Data::Session& s, const std::string& token) const;
  /** Marks an open token completed by the data endpoint; false if it was not open (completed once
   * only). */
  bool complete(Poco::Data::Session& s, const std::string& token, int64_t now) const;
  /** Closes an open or completed token: its completion message arrived. False if it was closed
   * already. */
  bool close(Poco::Data::Session& s, const std::string& token, int64_t now) const;

 private:
  const Dialect& dialect_;
};

}  // namespace baraza::store
