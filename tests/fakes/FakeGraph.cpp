#include "fakes/FakeGraph.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/URI.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <sstream>
#include <thread>

#include "crypto/Crypto.h"

namespace baraza::fakes {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string json(const Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

std::string member(const Object::Ptr& o, const std::string& key) {
  if (o.isNull() || !o->has(key) || o->isNull(key)) return {};
  return o->get(key).convert<std::string>();
}

size_t characters(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/** What Meta would object to in a send body, as (code, details); code 0 when it is fine. */
std::pair<int, std::string> checkSend(const Object::Ptr& body) {
  auto missing = [](const std::string& what) {
    return std::make_pair(131008, "Required parameter is missing: " + what);
  };
  auto invalid = [](const std::string& what) {
    return std::make_pair(131009, "Parameter value is not valid: " + what);
  };
  if (member(body, "messaging_product") != "whatsapp") return missing("messaging_product");
  if (member(body, "status") == "read") {
    return member(body, "message_id").empty() ? missing("message_id")
                                              : std::make_pair(0, std::string());
  }
  if (member(body, "to").empty()) return missing("to");
  const std::string type = member(body, "type");
  if (type.empty()) return missing("type");
  if (type == "contacts") {
    Array::Ptr contacts = body->getArray("contacts");
    return contacts.isNull() || contacts->size() == 0 ? missing("contacts")
                                                      : std::make_pair(0, std::string());
  }
  Object::Ptr content = body->getObject(type);
  if (content.isNull()) return missing(type);
  if (type == "text") {
    if (member(content, "body").empty()) return missing("text.body");
    if (characters(member(content, "body")) > 4096)
      return invalid("text.body is longer than 4096 characters");
  } else if (type == "image" || type == "video" || type == "audio" || type == "sticker" ||
             type == "document") {
    if (content->has("id") == content->has("link")) return invalid(type + " needs id or link");
  } else if (type == "location") {
    if (!content->has("latitude") || !content->has("longitude"))
      return missing("location.latitude/longitude");
  } else if (type == "reaction") {
    if (member(content, "message_id").empty()) return missing("reaction.message_id");
  } else if (type == "template") {
    if (member(content, "name").empty()) return missing("template.name");
    if (member(content->getObject("language"), "code").empty())
      return missing("template.language.code");
  } else if (type == "interactive") {
    const std::string kind = member(content, "type");
    Object::Ptr action = content->getObject("action");
    if (action.isNull()) return missing("interactive.action");
    if (kind == "button") {
      Array::Ptr buttons = action->getArray("buttons");
      if (buttons.isNull() || buttons->size() == 0 || buttons->size() > 3)
        return invalid("interactive.action.buttons (1 to 3)");
      for (size_t i = 0; i < buttons->size(); ++i) {
        if (characters(member(buttons->getObject(static_cast<unsigned>(i))->getObject("reply"),
                              "title")) > 20) {
          return invalid("button title longer than 20 characters");
        }
      }
    } else if (kind == "list") {
      Array::Ptr sections = action->getArray("sections");
      if (sections.isNull() || sections->size() == 0 || sections->size() > 10)
        return invalid("interactive.action.sections");
      size_t rows = 0;
      for (size_t i = 0; i < sections->size(); ++i) {
        Array::Ptr r = sections->getObject(static_cast<unsigned>(i))->getArray("rows");
        rows += r.isNull() ? 0 : r->size();
      }
      if (rows == 0 || rows > 10) return invalid("a list has 1 to 10 rows in total");
    } else if (kind == "flow") {
      Object::Ptr p = action->getObject("parameters");
      if (p.isNull()) return missing("interactive.action.parameters");
      if (!p->has("flow_message_version") || !p->get("flow_message_version").isString() ||
          member(p, "flow_message_version") != "3") {
        return invalid("flow_message_version must be \"3\"");
      }
      if (p->has("flow_id") == p->has("flow_name")) return invalid("one of flow_id and flow_name");
      if (member(p, "flow_cta").empty()) return missing("flow_cta");
    } else {
      return invalid("interactive.type");
    }
  } else {
    return std::make_pair(131051, std::string("Unsupported message type"));
  }
  return {0, {}};
}

}  // namespace

std::string graphErrorBody(int code, const std::string& title, const std::string& details,
                           int subcode) {
  Object data;
  data.set("messaging_product", "whatsapp");
  data.set("details", details);
  Object error;
  error.set("message", "(#" + std::to_string(code) + ") " + title);
  error.set("type", "OAuthException");  // Meta varies it; nobody may branch on it (§5.1)
  error.set("code", code);
  if (subcode != 0) error.set("error_subcode", subcode);
  error.set("error_data", data);
  error.set("fbtrace_id", "AfakeTrace");
  Object body;
  body.set("error", error);
  return json(body);
}

int graphErrorStatus(int code) {
  switch (code) {
    case 0:
    case 190:
      return 401;
    case 10:
    case 368:
    case 131005:
    case 131031:
      return 403;
    case 132001:
      return 404;
    case 2:
    case 133004:
      return 503;
    case 3:
    case 131000:
    case 131016:
    case 131057:
    case 131045:
      return 500;
    default:
      return 400;
  }
}

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

/**
 * One client connection: read a request, answer it (a send after the configured latency, on a
 * timer: no thread waits), and again while the client keeps the connection alive.
 */
class FakeGraph::Session : public std::enable_shared_from_this<FakeGraph::Session> {
 public:
  Session(FakeGraph& graph, tcp::socket socket)
      : graph_(graph), stream_(std::move(socket)), timer_(stream_.get_executor()) {}

  /** Stamps what it reads with the kernel's receive time (the connection must have it enabled). */
  static void stampArrivals(tcp::socket& socket) {
    const int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags);
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(64 * 1024 * 1024);
    parser_->eager(true);
    parse();
  }

 private:
  // A request arrives when its last byte reaches this host, as Meta counts a send: the time is
  // the kernel's, so an event loop that gets a core late does not stamp requests late (and two
  // sends that arrived apart are never recorded together).
  void parse() {
    boost::beast::error_code ec;
    if (buffer_.size() > 0) buffer_.consume(parser_->put(buffer_.data(), ec));
    if (ec && ec != bhttp::error::need_more) return;  // not HTTP: drop the connection
    if (parser_->is_done()) return answer();
    stream_.socket().async_wait(tcp::socket::wait_read,
                                [self = shared_from_this()](boost::beast::error_code ec) {
                                  if (!ec && self->receive()) self->parse();
                                });
  }

  /** One recvmsg into the buffer, keeping its kernel timestamp; false when the connection is done.
   */
  bool receive() {
    auto space = buffer_.prepare(64 * 1024);
    iovec iov{space.data(), space.size()};
    alignas(cmsghdr) char control[256];
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(stream_.socket().native_handle(), &message, MSG_DONTWAIT);
    if (n < 0)
      return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;  // woken early: wait again
    if (n == 0) return false;                                            // the client closed
    buffer_.commit(static_cast<size_t>(n));
    receivedUs_ = nowUs();  // without a kernel stamp, the next best
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
        scm_timestamping stamps;
        std::memcpy(&stamps, CMSG_DATA(c), sizeof stamps);
        if (stamps.ts[0].tv_sec != 0)
          receivedUs_ = stamps.ts[0].tv_sec * 1000000LL + stamps.ts[0].tv_nsec / 1000;
      }
    }
    return true;
  }

  void answer() {
    const auto& request = parser_->get();
    const std::string authorization(request[bhttp::field::authorization]);
    const std::string contentType(request[bhttp::field::content_type]);
    int latencyMs = 0;
    GraphCall call = graph_.handle(receivedUs_, std::string(request.method_string()),
                                   std::string(request.target()), authorization, contentType,
                                   request.body(), latencyMs);
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(call.status));
    response_.set(bhttp::field::content_type, call.answerType);
    response_.body() = std::move(call.answer);
    response_.keep_alive(request.keep_alive());
    response_.prepare_payload();
    if (call.pieceDelayMs > 0) {
      std::ostringstream wire;
      wire << response_;
      pending_ = wire.str();
      pieceDelayMs_ = call.pieceDelayMs;
      return trickle();
    }
    if (latencyMs <= 0) return write(false);
    timer_.expires_after(std::chrono::milliseconds(latencyMs));
    timer_.async_wait([self = shared_from_this()](boost::beast::error_code) { self->write(true); });
  }

  /** A slow answer: the next 64 KiB of pending_, then a pause; the connection closes after. */
  void trickle() {
    const size_t n = std::min<size_t>(pending_.size() - sent_, 64 * 1024);
    net::async_write(
        stream_, net::buffer(pending_.data() + sent_, n),
        [self = shared_from_this(), n](boost::beast::error_code ec, size_t) {
          self->sent_ += n;
          if (ec || self->sent_ >= self->pending_.size()) {
            self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
            return;
          }
          self->timer_.expires_after(std::chrono::milliseconds(self->pieceDelayMs_));
          self->timer_.async_wait([self](boost::beast::error_code) { self->trickle(); });
        });
  }

  void write(bool delayed) {
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this(), delayed](boost::beast::error_code ec, size_t) {
                         if (delayed) self->graph_.answered();  // a send that waited out a latency
                         if (ec || !self->response_.keep_alive()) {
                           self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
                           return;
                         }
                         self->read();
                       });
  }

  FakeGraph& graph_;
  boost::beast::tcp_stream stream_;
  net::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  int64_t receivedUs_ = 0;  // when the bytes read last reached this host
  bhttp::response<bhttp::string_body> response_;
  std::string pending_;  // a slow answer, as it goes on the wire
  size_t sent_ = 0;
  int pieceDelayMs_ = 0;
};

/** The listening socket and the event loop that serves every connection. */
struct FakeGraph::Server {
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;

  void accept(FakeGraph& graph) {
    acceptor.async_accept(io, [this, &graph](boost::beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed: the fake is stopping
      socket.set_option(tcp::no_delay(true));
      Session::stampArrivals(socket);
      std::make_shared<Session>(graph, std::move(socket))->read();
      accept(graph);
    });
  }
};

FakeGraph::FakeGraph(int threads) : server_(std::make_unique<Server>()) {
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  server_->acceptor.open(endpoint.protocol());
  server_->acceptor.bind(endpoint);
  server_->acceptor.listen(1024);
  server_->accept(*this);
  for (int i = 0; i < std::max(threads, 1); ++i)
    server_->threads.emplace_back([this] { server_->io.run(); });
}

FakeGraph::~FakeGraph() {
  server_->io.stop();  // connections and timers are dropped with the loop; no handler runs after
  for (auto& t : server_->threads) t.join();
}

uint16_t FakeGraph::port() const { return server_->acceptor.local_endpoint().port(); }
std::string FakeGraph::baseUrl() const { return "http://127.0.0.1:" + std::to_string(port()); }

void FakeGraph::setToken(const std::string& token) {
  std::lock_guard lock(mutex_);
  token_ = token;
}

void FakeGraph::setRate(int perSecond) {
  std::lock_guard lock(mutex_);
  rate_ = perSecond;
}

void FakeGraph::setLatencyMs(int ms) {
  std::lock_guard lock(mutex_);
  latencyMs_ = ms;
}

void FakeGraph::failRecipient(const std::string& recipient, int code, int times) {
  std::lock_guard lock(mutex_);
  failRecipients_[recipient] = {code, times};
}

void FakeGraph::failNext(int code, int times) {
  std::lock_guard lock(mutex_);
  failNext_.emplace_back(code, times);
}

void FakeGraph::allowTokenExchange(const std::string& appId, const std::string& appSecret,
                                   const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  exchanges_.push_back({appId, appSecret, from, to});
}

std::vector<GraphCall> FakeGraph::calls() const {
  std::lock_guard lock(mutex_);
  return {calls_.begin(), calls_.end()};
}

std::vector<GraphCall> FakeGraph::accepted() const {
  std::lock_guard lock(mutex_);
  std::vector<GraphCall> out;
  for (const auto& call : calls_) {
    if (!call.wamid.empty()) out.push_back(call);
  }
  return out;
}

size_t FakeGraph::acceptedCount() const {
  std::lock_guard lock(mutex_);
  return acceptedCount_;
}

std::string FakeGraph::publicKey(const std::string& phoneNumberId) const {
  std::lock_guard lock(mutex_);
  auto it = publicKeys_.find(phoneNumberId);
  return it == publicKeys_.end() ? "" : it->second;
}

void FakeGraph::answered() {
  std::lock_guard lock(mutex_);
  --sendsNow_;
}

int FakeGraph::mostSendsAtOnce() const {
  std::lock_guard lock(mutex_);
  return mostSendsAtOnce_;
}

void FakeGraph::clear() {
  std::lock_guard lock(mutex_);
  mostSendsAtOnce_ = sendsNow_;
  calls_.clear();
  acceptedCount_ = 0;
  recentSends_.clear();
  failRecipients_.clear();
  failNext_.clear();
  failUploads_ = {};
}

GraphCall FakeGraph::handle(int64_t receivedUs, const std::string& method, const std::string& uri,
                            const std::string& authorization, const std::string& contentType,
                            const std::string& body, int& latencyMs) {
  latencyMs = 0;
  GraphCall call;
  call.receivedUs = receivedUs;
  Poco::URI parsed(uri);
  call.method = method;
  call.path = parsed.getPath();
  call.query = parsed.getRawQuery();
  call.authorization = authorization;
  call.contentType = contentType;
  call.body = body;

  std::vector<std::string> segments;
  parsed.getPathSegments(segments);
  // /<version>/<phone-number-id>/<edge>, /<version>/oauth/access_token
  if (segments.size() == 3 && segments[2] == "messages" && method == "POST") {
    call.phoneNumberId = segments[1];
    {
      std::lock_guard lock(mutex_);
      latencyMs = latencyMs_;
      if (latencyMs > 0) mostSendsAtOnce_ = std::max(mostSendsAtOnce_, ++sendsNow_);
    }
    call = send(std::move(call));
  } else if (segments.size() == 3 && segments[2] == "media" && method == "POST") {
    call.phoneNumberId = segments[1];
    call = upload(std::move(call));
  } else if (segments.size() == 3 && segments[2] == "whatsapp_business_encryption") {
    call.phoneNumberId = segments[1];
    call = encryption(std::move(call));
  } else if (segments.size() == 3 && segments[1] == "oauth" && segments[2] == "access_token") {
    call = exchange(std::move(call));
  } else if (segments.size() == 2 && segments[0] == "media-download" && method == "GET") {
    call = mediaBytes(std::move(call), segments[1]);
  } else if (segments.size() == 2 && method == "GET") {
    call = mediaInfo(std::move(call), segments[1]);
  } else {
    call.status = 400;
    call.answer =
        graphErrorBody(100, "Unsupported request", "Unknown path components: " + call.path);
  }
  GraphCall recorded = call;  // copied before taking the lock every handler thread needs
  if (recorded.answerType != "application/json")  // media bytes: their size is enough
    recorded.answer = std::to_string(call.answer.size()) + " bytes";
  std::lock_guard lock(mutex_);
  acceptedCount_ += !recorded.wamid.empty();
  calls_.push_back(std::move(recorded));
  return call;
}

void FakeGraph::addMedia(const std::string& id, FakeMedia media) {
  std::lock_guard lock(mutex_);
  media_[id] = std::move(media);
}

int FakeGraph::downloads(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = downloads_.find(id);
  return it == downloads_.end() ? 0 : it->second;
}

GraphCall FakeGraph::mediaInfo(GraphCall call, const std::string& id) {
  std::lock_guard lock(mutex_);
  if (call.authorization != "Bearer " + token_) {
    call.status = 401;
    call.answer =
        graphErrorBody(190, "Invalid OAuth access token", "Invalid OAuth access token.", 463);
    return call;
  }
  auto it = media_.find(id);
  if (it == media_.end()) {
    call.status = 400;
    call.answer =
        graphErrorBody(100, "Invalid parameter",
                       "Unsupported get request. Object with ID '" + id + "' does not exist");
    return call;
  }
  const FakeMedia& m = it->second;
  Object answer;
  answer.set("messaging_product", "whatsapp");
  // A fresh URL on each lookup, as Meta's are: the count tells them apart.
  answer.set("url", "http://127.0.0.1:" + std::to_string(port()) + "/media-download/" + id +
                        "?ext=" + std::to_string(calls_.size()));
  answer.set("mime_type", m.mimeType);
  if (!m.sha256.empty()) {
    answer.set("sha256", m.sha256);
  } else {
    const auto digest = crypto::sha256(m.bytes);
    answer.set("sha256", crypto::base64Encode(std::string_view(
                             reinterpret_cast<const char*>(digest.data()), digest.size())));
  }
  answer.set("file_size",
             std::to_string(m.fileSize >= 0 ? m.fileSize : static_cast<int64_t>(m.bytes.size())));
  answer.set("id", id);
  call.status = 200;
  call.answer = json(answer);
  return call;
}

GraphCall FakeGraph::mediaBytes(GraphCall call, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = media_.find(id);
  const bool open = it != media_.end() && !it->second.needsToken;
  if (!open && call.authorization != "Bearer " + token_) {
    call.status = 401;  // the download fails without the token (reference §4)
    call.answer = graphErrorBody(190, "Invalid OAuth access token", "Invalid OAuth access token.");
    return call;
  }
  if (it == media_.end() || it->second.expiredDownloads > 0) {
    if (it != media_.end()) --it->second.expiredDownloads;
    call.status = 404;
    call.answer = "";
    call.answerType = "text/html";
    return call;
  }
  const FakeMedia& m = it->second;
  ++downloads_[id];
  call.status = 200;
  call.answer = m.bytes;
  call.answerType = m.servedType.empty() ? m.mimeType : m.servedType;
  call.pieceDelayMs = m.pieceDelayMs;
  return call;
}

std::vector<FakeGraph::Upload> FakeGraph::uploads() const {
  std::lock_guard lock(mutex_);
  return uploads_;
}

void FakeGraph::failUploads(int code, int times) {
  std::lock_guard lock(mutex_);
  failUploads_ = {code, times};
}

GraphCall FakeGraph::upload(GraphCall call) {
  auto refuse = [&call](int code, const std::string& title, const std::string& details) {
    call.status = graphErrorStatus(code);
    call.answer = graphErrorBody(code, title, details);
    return call;
  };
  std::lock_guard lock(mutex_);
  if (failUploads_.second > 0) {
    --failUploads_.second;
    return refuse(failUploads_.first, "Scripted failure",
                  "failUploads(" + std::to_string(failUploads_.first) + ")");
  }
  if (call.authorization != "Bearer " + token_)
    return refuse(190, "Invalid OAuth access token", "Invalid OAuth access token.");
  const std::string marker = "boundary=";
  const size_t at = call.contentType.find(marker);
  if (call.contentType.rfind("multipart/form-data", 0) != 0 || at == std::string::npos)
    return refuse(100, "Invalid parameter", "The upload must be multipart/form-data");
  const std::string dash = "--" + call.contentType.substr(at + marker.size());
  // The parts between boundaries: headers, a blank line, the value (less its CRLF).
  std::map<std::string, std::pair<std::string, std::string>> parts;  // name -> (headers, value)
  size_t from = call.body.find(dash);
  while (from != std::string::npos) {
    from += dash.size();
    if (call.body.compare(from, 2, "--") == 0) break;
    const size_t headEnd = call.body.find("\r\n\r\n", from);
    const size_t next = call.body.find("\r\n" + dash, from);
    if (headEnd == std::string::npos || next == std::string::npos || headEnd > next) break;
    const std::string head = call.body.substr(from, headEnd - from);
    const size_t nameAt = head.find("name=\"");
    if (nameAt != std::string::npos) {
      const std::string name = head.substr(nameAt + 6, head.find('"', nameAt + 6) - nameAt - 6);
      parts[name] = {head, call.body.substr(headEnd + 4, next - headEnd - 4)};
    }
    from = next + 2;
  }
  if (parts["messaging_product"].second != "whatsapp")
    return refuse(100, "Invalid parameter", "messaging_product must be whatsapp");
  if (parts["type"].second.empty() || !parts.count("file"))
    return refuse(100, "Invalid parameter", "type and file are required");
  Upload u;
  u.phoneNumberId = call.phoneNumberId;
  u.id = "upload-" + std::to_string(uploads_.size() + 1);
  u.type = parts["type"].second;
  const std::string& head = parts["file"].first;
  if (size_t f = head.find("filename=\""); f != std::string::npos)
    u.filename = head.substr(f + 10, head.find('"', f + 10) - f - 10);
  if (size_t t = head.find("Content-Type: "); t != std::string::npos)
    u.fileType = head.substr(t + 14, head.find("\r\n", t) == std::string::npos
                                         ? std::string::npos
                                         : head.find("\r\n", t) - t - 14);
  u.bytes = parts["file"].second;
  uploads_.push_back(u);
  call.status = 200;
  call.answer = "{\"id\":\"" + u.id + "\"}";
  call.body = std::to_string(call.body.size()) + " bytes";  // the file is kept in uploads()
  return call;
}

GraphCall FakeGraph::send(GraphCall call) {
  auto refuse = [&call](int code, const std::string& title, const std::string& details) {
    call.status = graphErrorStatus(code);
    call.answer = graphErrorBody(code, title, details, code == 190 ? 463 : 0);
    return call;
  };
  Object::Ptr body;
  try {
    Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(call.body);
    if (parsed.type() == typeid(Object::Ptr)) body = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  if (body.isNull())
    return refuse(100, "Invalid parameter", "The request body is not a JSON object");
  call.recipient = member(body, "to");
  // Checked before taking the lock (it needs none), reported after the token as Meta does.
  const auto [invalid, invalidDetails] = checkSend(body);
  const bool markRead = member(body, "status") == "read";

  std::unique_lock lock(mutex_);
  if (call.authorization != "Bearer " + token_) {
    return refuse(190, "Error validating access token",
                  "Session has expired or the token is invalid");
  }
  if (invalid != 0) return refuse(invalid, "Invalid parameter", invalidDetails);
  if (!failNext_.empty()) {
    const int code = failNext_.front().first;
    if (--failNext_.front().second == 0) failNext_.erase(failNext_.begin());
    return refuse(code, "Scripted failure", "failNext(" + std::to_string(code) + ")");
  }
  if (auto it = failRecipients_.find(call.recipient); it != failRecipients_.end()) {
    const int code = it->second.first;
    if (--it->second.second == 0) failRecipients_.erase(it);
    return refuse(code, "Scripted failure",
                  "failRecipient(" + call.recipient + ", " + std::to_string(code) + ")");
  }
  if (rate_ > 0) {
    // Arrival times in order. Requests on different connections can be handled in another order
    // than they arrived, so this one goes where its time puts it, and every window of rate + 1
    // arrivals that holds it must span a second or more.
    std::deque<int64_t>& recent = recentSends_[call.phoneNumberId];
    const auto at = std::upper_bound(recent.begin(), recent.end(), call.receivedUs);
    const auto index = static_cast<size_t>(at - recent.begin());
    recent.insert(at, call.receivedUs);
    const auto rate = static_cast<size_t>(rate_);
    for (size_t first = index < rate ? 0 : index - rate;
         first <= index && first + rate < recent.size(); ++first) {
      if (recent[first + rate] - recent[first] < 1000000) {
        recent.erase(recent.begin() + static_cast<std::ptrdiff_t>(index));
        return refuse(130429, "Rate limit hit", "Cloud API message throughput has been reached.");
      }
    }
    // Older than two seconds before the latest: no request still being handled arrived that early.
    while (recent.front() <= recent.back() - 2000000) recent.pop_front();
  }

  if (markRead) {
    call.status = 200;
    call.answer = R"({"success":true})";
    return call;
  }
  call.wamid = "wamid.FAKE" + std::to_string(nextWamid_++);
  lock.unlock();
  // The shape Meta answers an accepted send with, written out: it is every call's answer.
  const std::string waId = call.recipient.substr(call.recipient.rfind('+') == 0 ? 1 : 0);
  call.status = 200;
  call.answer = R"({"messaging_product":"whatsapp","contacts":[{"input":)" +
                Poco::toJSON(call.recipient) + R"(,"wa_id":)" + Poco::toJSON(waId) +
                R"(}],"messages":[{"id":)" + Poco::toJSON(call.wamid) + "}]}";
  return call;
}

GraphCall FakeGraph::encryption(GraphCall call) {
  std::lock_guard lock(mutex_);
  if (call.authorization != "Bearer " + token_) {
    call.status = 401;
    call.answer = graphErrorBody(190, "Error validating access token", "Session has expired", 463);
    return call;
  }
  if (call.method == "POST") {
    if (call.contentType.find("application/x-www-form-urlencoded") != 0) {
      call.status = 400;
      call.answer = graphErrorBody(100, "Invalid parameter", "expected a form body");
      return call;
    }
    std::istringstream in(call.body);
    Poco::Net::HTMLForm form;
    form.read(in);
    const std::string key = form.get("business_public_key", "");
    if (key.rfind("-----BEGIN PUBLIC KEY-----", 0) != 0 ||
        key.find("-----END PUBLIC KEY-----") == std::string::npos) {
      call.status = 400;
      call.answer = graphErrorBody(100, "Invalid parameter",
                                   "business_public_key is not a valid 2048-bit RSA public key");
      return call;
    }
    publicKeys_[call.phoneNumberId] = key;
    call.status = 200;
    call.answer = R"({"success":true})";
    return call;
  }
  Array::Ptr data = new Array;
  if (auto it = publicKeys_.find(call.phoneNumberId); it != publicKeys_.end()) {
    Object entry;
    entry.set("business_public_key", it->second);
    entry.set("business_public_key_signature_status", "VALID");
    data->add(entry);
  }
  Object out;
  out.set("data", data);
  call.status = 200;
  call.answer = json(out);
  return call;
}

GraphCall FakeGraph::exchange(GraphCall call) {
  // Graph takes the parameters from the query or, in a POST, from a form body.
  const bool form =
      call.method == "POST" && call.contentType.find("application/x-www-form-urlencoded") == 0;
  Poco::URI uri("/?" + (form ? call.body : call.query));
  std::map<std::string, std::string> q;
  for (const auto& [k, v] : uri.getQueryParameters()) q[k] = v;
  std::lock_guard lock(mutex_);
  for (const auto& e : exchanges_) {
    if (q["grant_type"] == "fb_exchange_token" && q["client_id"] == e.appId &&
        q["client_secret"] == e.appSecret && q["fb_exchange_token"] == e.from) {
      Object out;
      out.set("access_token", e.to);
      out.set("token_type", "bearer");
      out.set("expires_in", 5183944);
      call.status = 200;
      call.answer = json(out);
      return call;
    }
  }
  call.status = 400;
  call.answer = graphErrorBody(190, "Error validating access token",
                               "The access token could not be exchanged", 463);
  return call;
}

}  // namespace baraza::fakes
