// kra: KRA GavaConnect PIN checks (providers.md part A). PIN by PIN (/checker/v1/pinbypin) and
// PIN by ID (/checker/v1/pin), OAuth client credentials per credential set with the token
// cached until 300 s before it expires and one retry on a 401. Business errors come back with
// HTTP 200 in two casings of envelope; 5xx and bodies that are not JSON are transient.
#include <algorithm>
#include <baraza/sdk/Documents.hpp>
#include <baraza/sdk/Encoding.hpp>
#include <cctype>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

namespace {

using baraza::sdk::Host;
using baraza::sdk::HttpRequest;
using baraza::sdk::HttpResponse;
using baraza::sdk::Status;
using baraza::sdk::StatusOr;
using baraza::sdk::Verification;
using baraza::sdk::VerificationRequest;
using nlohmann::json;

constexpr int64_t kRefreshBeforeExpiryMs = 300 * 1000;

std::string upperTrimmed(std::string s) {
  const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
  s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool digits(const std::string& s, size_t min, size_t max) {
  return s.size() >= min && s.size() <= max &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

/** providers.md §A.5: A or P, nine digits, a letter. The last letter is not checked locally. */
bool isKraPin(const std::string& v) {
  return v.size() == 11 && (v[0] == 'A' || v[0] == 'P') && digits(v.substr(1, 9), 9, 9) &&
         std::isupper(static_cast<unsigned char>(v[10]));
}

/** A member of `o` whatever its casing (KRA mixes `Status` and `status`, `ErrorCode` and
 * `errorCode`). */
const json* member(const json& o, std::string_view name) {
  if (!o.is_object()) return nullptr;
  for (auto it = o.begin(); it != o.end(); ++it) {
    const std::string& key = it.key();
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return &*it;
    }
  }
  return nullptr;
}

/** A scalar member as text ("3599" and 3599 read the same). */
std::string text(const json& o, std::string_view name) {
  const json* v = member(o, name);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? v->get<std::string>() : v->dump();
}

/** The document types of the seed (providers.md §A.7) and KRA's TaxpayerType for PIN by ID. */
struct Document {
  const char* name;
  const char* taxpayerType;  // nullptr: PIN by PIN
};
constexpr Document kDocuments[] = {
    {"KRA PIN", nullptr}, {"Citizen", "KE"}, {"Non-Citizen", "NKE"}, {"Passport", "NKENR"}};

const Document* documentNamed(const std::string& name) {
  const std::string wanted = upperTrimmed(name);
  for (const Document& d : kDocuments) {
    if (upperTrimmed(d.name) == wanted) return &d;
  }
  if (wanted == "PASSPORT HOLDER") return &kDocuments[3];
  return nullptr;
}

/** Why a number does not fit its document, or "" (checked before any call). */
std::string formatProblem(const Document& d, const std::string& number) {
  const std::string n(d.name);
  if (n == "KRA PIN" && !isKraPin(number)) {
    return "a KRA PIN is A or P, then 9 digits, then a letter (like A123456789Z)";
  }
  if (n == "Citizen" && !digits(number, 1, 9)) return "a national ID number is 1 to 9 digits";
  if (n == "Non-Citizen" && !digits(number, 6, 9)) return "an alien card number is 6 to 9 digits";
  if (n == "Passport" && !(number.size() >= 7 && number.size() <= 9 &&
                           std::all_of(number.begin(), number.end(),
                                       [](unsigned char c) { return std::isalnum(c); }))) {
    return "a passport number is 7 to 9 letters and digits";
  }
  return "";
}

class KraVerifier : public baraza::sdk::TypedVerifier {
 public:
  KraVerifier(Host host, std::string_view configJson) : host_(host) {
    const json config = json::parse(configJson);
    const std::string environment = config.value("environment", "sandbox");
    baseUrl_ = config.value("base_url", environment == "production" ? "https://api.kra.go.ke"
                                                                    : "https://sbx.kra.go.ke");
    while (!baseUrl_.empty() && baseUrl_.back() == '/') baseUrl_.pop_back();
    tokenPath_ = config.value("token_path", "/v1/token/generate");
    timeoutMs_ = config.value("timeout_ms", 10000u);
    pinCredentials_ = config.value("pin_by_pin_credentials", "kra");
    idCredentials_ = config.value("pin_by_id_credentials", pinCredentials_);
    // Fail at start, not at the first person's request, when a credential is missing.
    for (const auto& set : {pinCredentials_, idCredentials_}) {
      for (const char* part : {"_consumer_key", "_consumer_secret"}) {
        if (!host_.secret(set + part).isOk()) {
          throw std::invalid_argument("secrets." + set + part + " is not set in the tenant file");
        }
      }
    }
  }

  StatusOr<Verification> verify(const VerificationRequest& request) override {
    Verification out;
    out.documentType = request.documentType.empty() ? "KRA PIN" : request.documentType;
    out.number = upperTrimmed(request.number);
    const Document* document = documentNamed(out.documentType);
    if (document == nullptr) {
      out.result = "unsupported_document_type";
      out.message =
          "KRA checks a KRA PIN, a national ID (Citizen), an alien card (Non-Citizen) or a "
          "passport";
      return out;
    }
    out.documentType = document->name;
    if (const std::string problem = formatProblem(*document, out.number); !problem.empty()) {
      out.result = "invalid_format";
      out.message = problem;
      host_.count("invalid_format");
      return out;
    }
    const bool byPin = document->taxpayerType == nullptr;
    const json body =
        byPin ? json{{"KRAPIN", out.number}}
              : json{{"TaxpayerType", document->taxpayerType}, {"TaxpayerID", out.number}};
    StatusOr<json> answer = call(byPin ? "/checker/v1/pinbypin" : "/checker/v1/pin", body,
                                 byPin ? pinCredentials_ : idCredentials_);
    if (!answer.isOk()) {
      host_.count("unavailable");
      return answer.status();
    }
    const json& a = *answer;
    if (byPin) {
      const json* data = member(a, "PINDATA");
      if (text(a, "Status") == "OK" && data != nullptr) {
        out.result = "verified";
        out.pin = text(*data, "KRAPIN");
        out.name = text(*data, "Name");
        out.taxpayerType = text(*data, "TypeOfTaxpayer");
        out.pinStatus = text(*data, "StatusOfPIN");
        out.active = out.pinStatus == "Active";
        host_.count("verified");
        return out;
      }
    } else if (!text(a, "TaxpayerPIN").empty()) {
      out.result = "verified";
      out.pin = text(a, "TaxpayerPIN");
      out.name = text(a, "TaxpayerName");
      host_.count("verified");
      return out;
    }
    return businessError(a, std::move(out));
  }

 private:
  struct Token {
    std::string value;
    int64_t refreshAtMs = 0;
  };

  /** A checker's answer that is not a success: not found, or a refusal of the request. */
  StatusOr<Verification> businessError(const json& a, Verification out) {
    std::string code = text(a, "ResponseCode");
    std::string message = text(a, "Message");
    if (code.empty() || text(a, "ErrorCode") != "") {
      code = text(a, "ErrorCode");
      message = text(a, "ErrorMessage");
    }
    // The gateway's validation envelope (errorCode 400, "Missing mandatory parameter") is a
    // request this plugin built wrongly, not an unknown PIN.
    if (code == "400" || code.empty()) {
      return baraza::sdk::internal("KRA refused the request: " +
                                   (message.empty() ? a.dump() : message));
    }
    out.result = "not_found";
    out.code = code;
    out.message = message;
    host_.count("not_found");
    return out;
  }

  /** POSTs a checker request with a bearer token; on a 401, a new token and one more try. */
  StatusOr<json> call(const std::string& path, const json& body, const std::string& credentials) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      StatusOr<std::string> token = bearer(credentials, attempt > 0);
      if (!token.isOk()) return token.status();
      HttpRequest req;
      req.method = "POST";
      req.url = baseUrl_ + path;
      req.service = "kra";
      req.timeoutMs = timeoutMs_;
      req.headers = {{"Authorization", "Bearer " + *token},
                     {"Content-Type", "application/json"},
                     {"Accept", "application/json"}};
      req.body = body.dump();
      StatusOr<HttpResponse> resp = host_.http(req);
      if (!resp.isOk())
        return Status(resp.status().code(), "KRA " + path + ": " + resp.status().message());
      if (resp->status == 401 && attempt == 0) continue;
      return parse(path, *resp);
    }
    return Status(baraza::sdk::Code::kUnauthenticated,
                  "KRA " + path + ": the access token was refused twice");
  }

  StatusOr<json> parse(const std::string& path, const HttpResponse& resp) {
    const std::string where = "KRA " + path + ": HTTP " + std::to_string(resp.status);
    if (resp.status >= 500) return baraza::sdk::unavailable(where);
    json a = json::parse(resp.body, nullptr, false);
    if (a.is_discarded() || !a.is_object())
      return baraza::sdk::unavailable(where + ", an answer that is not JSON");
    if (resp.status == 401 || resp.status == 403) {
      return Status(baraza::sdk::Code::kUnauthenticated, where + ": " + text(a, "errorMessage"));
    }
    if (resp.status == 429) return baraza::sdk::unavailable(where + ": rate limited");
    if (resp.status != 200 && text(a, "ErrorCode").empty()) {
      return baraza::sdk::internal(
          where + ": " + (text(a, "errorMessage").empty() ? a.dump() : text(a, "errorMessage")));
    }
    return a;
  }

  /** The cached token of a credential set, or a new one when it is due (or `renew`). */
  StatusOr<std::string> bearer(const std::string& credentials, bool renew) {
    std::lock_guard lock(mutex_);
    Token& cached = tokens_[credentials];
    if (!renew && !cached.value.empty() && host_.nowUnixMs() < cached.refreshAtMs)
      return cached.value;
    StatusOr<std::string> key = host_.secret(credentials + "_consumer_key");
    StatusOr<std::string> secret = host_.secret(credentials + "_consumer_secret");
    if (!key.isOk() || !secret.isOk())
      return baraza::sdk::failedPrecondition("KRA credentials " + credentials + " are not set");
    HttpRequest req;
    req.url = baseUrl_ + tokenPath_ + "?grant_type=client_credentials";
    req.service = "kra";
    req.timeoutMs = timeoutMs_;
    req.headers = {
        {"Authorization", "Basic " + baraza::sdk::encoding::base64(*key + ":" + *secret)},
        {"Accept", "application/json"}};
    StatusOr<HttpResponse> resp = host_.http(req);
    if (!resp.isOk()) return Status(resp.status().code(), "KRA token: " + resp.status().message());
    StatusOr<json> answer = parse(tokenPath_, *resp);
    if (!answer.isOk()) return answer.status();
    const std::string token = text(*answer, "access_token");
    if (token.empty()) return baraza::sdk::unavailable("KRA token: no access_token in the answer");
    // expires_in is a string ("3599") in KRA's documentation and a number elsewhere.
    int64_t expiresInS = 3599;
    try {
      expiresInS = std::stoll(text(*answer, "expires_in"));
    } catch (const std::exception&) {
    }
    cached = {token, host_.nowUnixMs() + expiresInS * 1000 - kRefreshBeforeExpiryMs};
    host_.count("tokens");
    return token;
  }

  Host host_;
  std::string baseUrl_;
  std::string tokenPath_;
  uint32_t timeoutMs_ = 10000;
  std::string pinCredentials_;
  std::string idCredentials_;
  std::mutex mutex_;
  std::map<std::string, Token> tokens_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, KraVerifier)
