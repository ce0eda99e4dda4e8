// airtime: the business logic of the airtime purchase Flow (config/flows/airtime.json).
//   INIT/BACK                    -> RECHARGE: networks and amount limits
//   data_exchange on RECHARGE    -> CONFIRM with a summary, or an error for the field at fault
//   data_exchange on CONFIRM     -> complete with phone, network and amount
// The host does the Flows protocol and encryption; this plugin sees plain JSON.
#include <baraza/sdk/Documents.hpp>
#include <cctype>
#include <optional>
#include <string>

namespace {

using baraza::sdk::FlowAnswer;
using baraza::sdk::FlowRequest;
using baraza::sdk::StatusOr;
using nlohmann::json;

struct Network {
  const char* id;
  const char* name;
};
constexpr Network kNetworks[] = {
    {"safaricom", "Safaricom"}, {"airtel", "Airtel"}, {"telkom", "Telkom"}};

/** 07XXXXXXXX, 01XXXXXXXX, 2547XXXXXXXX or +2547XXXXXXXX -> +2547XXXXXXXX; "" if not Kenyan mobile.
 */
std::string kenyanMobile(std::string text) {
  std::string digits;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)))
      digits += c;
    else if (c != ' ' && c != '-' && !(c == '+' && digits.empty()))
      return "";
  }
  if (digits.size() == 10 && digits[0] == '0' && (digits[1] == '7' || digits[1] == '1'))
    digits = "254" + digits.substr(1);
  if (digits.size() != 12 || digits.compare(0, 3, "254") != 0 ||
      (digits[3] != '7' && digits[3] != '1'))
    return "";
  return "+" + digits;
}

class AirtimeFlow : public baraza::sdk::TypedFlow {
 public:
  AirtimeFlow(baraza::sdk::Host host, std::string_view configJson) : host_(host) {
    const json config = json::parse(configJson);
    min_ = config.value("min_amount", 10);
    max_ = config.value("max_amount", 10000);
    currency_ = config.value("currency", "KES");
    if (min_ > max_) throw std::invalid_argument("min_amount is greater than max_amount");
  }

  StatusOr<FlowAnswer> exchange(const FlowRequest& request) override {
    if (request.action == "INIT" || request.action == "BACK") return rechargeScreen();
    if (request.action != "data_exchange")
      return baraza::sdk::invalidArgument("unknown action " + request.action);
    if (request.screen == "RECHARGE") return confirm(request.data);
    if (request.screen == "CONFIRM") {
      json params = json::object();
      for (const char* key : {"phone", "network", "amount"}) {
        if (request.data.contains(key)) params[key] = request.data[key];
      }
      host_.count("purchases_confirmed");
      return FlowAnswer::completion(params);
    }
    return FlowAnswer::error("Something went wrong. Please start again.");
  }

 private:
  FlowAnswer rechargeScreen() const {
    json networks = json::array();
    for (const auto& n : kNetworks) networks.push_back({{"id", n.id}, {"title", n.name}});
    return FlowAnswer::next("RECHARGE", {{"networks", networks},
                                         {"min_amount", min_},
                                         {"max_amount", max_},
                                         {"currency", currency_}});
  }

  /** A number as the Flow sends it: a JSON number or digits in a string; nullopt otherwise. */
  static std::optional<int> wholeNumber(const json& value) {
    if (value.is_number_integer()) return value.get<int>();
    if (!value.is_string()) return std::nullopt;
    const std::string text = value.get<std::string>();
    if (text.empty() || text.size() > 9 ||
        text.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoi(text);
  }

  FlowAnswer confirm(const json& data) const {
    const std::string phone = kenyanMobile(data.value("phone", ""));
    if (phone.empty()) return FlowAnswer::error("Enter a Kenyan mobile number, e.g. 0712345678.");
    const std::string network = data.value("network", "");
    const Network* chosen = nullptr;
    for (const auto& n : kNetworks) {
      if (network == n.id) chosen = &n;
    }
    if (chosen == nullptr) return FlowAnswer::error("Choose a network.");
    const std::optional<int> amount = wholeNumber(data.value("amount", json()));
    if (!amount || *amount < min_ || *amount > max_) {
      return FlowAnswer::error("Enter an amount from " + std::to_string(min_) + " to " +
                               std::to_string(max_) + " " + currency_ + ".");
    }
    return FlowAnswer::next(
        "CONFIRM", {{"phone", phone},
                    {"network", chosen->id},
                    {"network_name", chosen->name},
                    {"amount", *amount},
                    {"summary", currency_ + " " + std::to_string(*amount) + " of " + chosen->name +
                                    " airtime for " + phone}});
  }

  baraza::sdk::Host host_;
  int min_ = 10;
  int max_ = 10000;
  std::string currency_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, AirtimeFlow)
