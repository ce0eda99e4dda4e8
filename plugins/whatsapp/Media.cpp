#include "Media.h"

#include <Poco/Base64Decoder.h>

#include <baraza/sdk/Status.hpp>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "JsonText.h"

namespace baraza::whatsapp {

using Poco::JSON::Object;

GraphRequest mediaInfoRequest(const std::string& inputJson, const std::string& graphVersion) {
  Object::Ptr input = parseObject(inputJson);
  require(input, {"media_id", "token"}, "to find a media item");
  const std::string mediaId = str(input, "media_id");
  for (char c : mediaId) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      throw std::invalid_argument("media_id: not a Graph id: " + mediaId);
  }
  std::string url = "https://graph.facebook.com/" + graphVersion + "/" + mediaId;
  const std::string number = str(input, "phone_number_id");
  if (!number.empty()) url += "?phone_number_id=" + number;
  return {"GET", url, "", ""};
}

GraphRequest uploadRequest(const std::string& inputJson, const std::string& graphVersion,
                           const std::string& bytes, const std::string& boundary) {
  Object::Ptr input = parseObject(inputJson);
  require(input, {"phone_number_id", "mime_type"}, "to upload media");
  const std::string mime = str(input, "mime_type");
  // A quoted header value: no quote, backslash or line break may end it early.
  std::string filename;
  for (char c : str(input, "filename")) {
    if (c != '"' && c != '\\' && c != '\r' && c != '\n') filename += c;
  }
  if (filename.empty()) filename = "file";
  if (mime.find_first_of("\r\n") != std::string::npos)
    throw std::invalid_argument("mime_type: not a MIME type");
  const std::string dash = "--" + boundary + "\r\n";
  std::string body;
  body.reserve(bytes.size() + 512);
  body += dash + "Content-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n";
  body += dash + "Content-Disposition: form-data; name=\"type\"\r\n\r\n" + mime + "\r\n";
  body += dash + "Content-Disposition: form-data; name=\"file\"; filename=\"" + filename +
          "\"\r\nContent-Type: " + mime + "\r\n\r\n";
  body += bytes;
  body += "\r\n--" + boundary + "--\r\n";
  return {
      "POST",
      "https://graph.facebook.com/" + graphVersion + "/" + str(input, "phone_number_id") + "/media",
      "multipart/form-data; boundary=" + boundary, std::move(body)};
}

std::string uploadResult(int status, const std::string& body) {
  Object::Ptr answer;
  try {
    answer = parseObject(body);
  } catch (const std::invalid_argument&) {
    answer = nullptr;
  }
  // Graph failing or throttling is worth another try later; any other refusal is final.
  if (status == 429 || status >= 500)
    throw sdk::StatusError(sdk::unavailable("upload not taken now: " + graphError(status, body)));
  if (status != 200 || answer.isNull() || str(answer, "id").empty())
    throw std::runtime_error("upload refused: " + graphError(status, body));
  Object out;
  out.set("media_id", str(answer, "id"));
  return toJson(out);
}

std::string sha256Hex(const std::string& text) {
  static const char* const kHex = "0123456789abcdef";
  if (text.size() == 64) {
    std::string out;
    for (char c : text) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
  }
  std::string bytes;
  try {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    bytes.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
  } catch (const Poco::Exception&) {
    return {};
  }
  if (bytes.size() != 32) return {};
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string mediaSource(int status, const std::string& body, const std::string& token) {
  Object::Ptr info;
  try {
    info = parseObject(body);
  } catch (const std::invalid_argument&) {
    info = nullptr;
  }
  if (status == 404 || (!info.isNull() && !info->getObject("error").isNull() &&
                        str(info->getObject("error"), "code") == "100")) {
    throw std::out_of_range("Graph does not know the media id: " + graphError(status, body));
  }
  if (status != 200 || info.isNull() || str(info, "url").empty())
    throw std::runtime_error("no media URL: " + graphError(status, body));
  Object out;
  out.set("url", str(info, "url"));
  out.set("mime_type", str(info, "mime_type"));
  out.set("sha256", sha256Hex(str(info, "sha256")));
  int64_t size = -1;
  try {
    const std::string text = str(info, "file_size");
    if (!text.empty()) size = std::stoll(text);
  } catch (const std::exception&) {
    size = -1;  // unreadable: the download's own limit still holds
  }
  out.set("file_size", size);
  Object headers;
  headers.set("Authorization", "Bearer " + token);
  out.set("headers", headers);
  return toJson(out);
}

}  // namespace baraza::whatsapp
