#include "Media.h"

#include <baraza/sdk/Encoding.hpp>
#include <baraza/sdk/Status.hpp>
#include <cctype>
#include <stdexcept>

#include "JsonText.h"

namespace baraza::whatsapp {

GraphRequest mediaInfoRequest(const sdk::MediaSourceRequest& input,
                              const std::string& graphVersion) {
  require({{"media_id", &input.mediaId}, {"token", &input.token}}, "to find a media item");
  for (char c : input.mediaId) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      throw std::invalid_argument("media_id: not a Graph id: " + input.mediaId);
  }
  std::string url = "https://graph.facebook.com/" + graphVersion + "/" + input.mediaId;
  if (!input.phoneNumberId.empty()) url += "?phone_number_id=" + input.phoneNumberId;
  return {"GET", url, "", ""};
}

GraphRequest uploadRequest(const sdk::MediaUpload& input, const std::string& graphVersion,
                           const std::string& bytes, const std::string& boundary) {
  require({{"phone_number_id", &input.phoneNumberId}, {"mime_type", &input.mimeType}},
          "to upload media");
  const std::string& mime = input.mimeType;
  // A quoted header value: no quote, backslash or line break may end it early.
  std::string filename;
  for (char c : input.filename) {
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
  return {"POST",
          "https://graph.facebook.com/" + graphVersion + "/" + input.phoneNumberId + "/media",
          "multipart/form-data; boundary=" + boundary, std::move(body)};
}

sdk::UploadedMedia uploadResult(int status, const std::string& body) {
  // Graph failing or throttling is worth another try later; any other refusal is final.
  if (status == 429 || status >= 500)
    throw sdk::StatusError(sdk::unavailable("upload not taken now: " + graphError(status, body)));
  const std::string id = str(json::parse(body, nullptr, false), "id");
  if (status != 200 || id.empty())
    throw std::runtime_error("upload refused: " + graphError(status, body));
  return {id};
}

std::string sha256Hex(const std::string& text) {
  if (text.size() == 64) {
    std::string out;
    for (char c : text) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
  }
  const std::optional<std::string> bytes = sdk::encoding::fromBase64(text);
  if (!bytes || bytes->size() != 32) return {};
  return sdk::encoding::hex(*bytes);
}

sdk::MediaSource mediaSource(int status, const std::string& body, const std::string& token) {
  const json info = json::parse(body, nullptr, false);
  if (status == 404 || str(objectAt(info, "error"), "code") == "100")
    throw std::out_of_range("Graph does not know the media id: " + graphError(status, body));
  if (status != 200 || str(info, "url").empty())
    throw std::runtime_error("no media URL: " + graphError(status, body));
  sdk::MediaSource out;
  out.url = str(info, "url");
  out.mimeType = str(info, "mime_type");
  out.sha256 = sha256Hex(str(info, "sha256"));
  const std::string size = str(info, "file_size");  // Graph sends a string
  if (!size.empty() && size.size() < 19 &&
      size.find_first_not_of("0123456789") == std::string::npos)
    out.fileSize = std::stoll(size);  // else unknown: the download's own limit still holds
  out.headers = {{"Authorization", "Bearer " + token}};
  return out;
}

}  // namespace baraza::whatsapp
