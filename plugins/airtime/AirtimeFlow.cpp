// airtime: the business logic of the airtime purchase Flow (config/flows/airtime.json).
//   INIT/BACK                    -> RECHARGE: networks and amount limits
//   data_exchange on RECHARGE    -> CONFIRM with a summary, or an error for the field at fault
//   data_exchange on CONFIRM     -> complete with phone, network and amount
// The host does the Flows protocol and encryption; this plugin sees plain JSON.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>

#include <baraza/sdk/Plugin.hpp>
#include <sstream>

namespace {

using baraza::sdk::StatusOr;
using Poco::JSON::Object;

struct Network {
  const char* id;
  const char* name;
};
constexpr Network kNetworks[] = {
    {"safaricom", "Safaricom"}, {"airtel", "Airtel"}, {"telkom", "Telkom"}};

std::string stringify(const Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

std::string errorFor(const std::string& message) {
  Object o;
  o.set("error_message", message);
  return stringify(o);
}

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

class AirtimeFlow : public baraza::sdk::Flow {
 public:
  AirtimeFlow(baraza::sdk::Host host, std::string_view configJson) : host_(host) {
    Object::Ptr config = Poco::JSON::Parser().parse(std::string(configJson)).extract<Object::Ptr>();
    min_ = config->optValue<int>("min_amount", 10);
    max_ = config->optValue<int>("max_amount", 10000);
    currency_ = config->optValue<std::string>("currency", "KES");
    if (min_ > max_) throw std::invalid_argument("min_amount is greater than max_amount");
  }

  StatusOr<std::string> exchange(std::string_view requestJson) override {
    Object::Ptr request =
        Poco::JSON::Parser().parse(std::string(requestJson)).extract<Object::Ptr>();
    const std::string action = request->optValue<std::string>("action", "");
    const std::string screen = request->optValue<std::string>("screen", "");
    Object::Ptr data = request->getObject("data");
    if (data.isNull()) data = new Object;
    if (action == "INIT" || action == "BACK") return rechargeScreen();
    if (action != "data_exchange") return baraza::sdk::invalidArgument("unknown action " + action);
    if (screen == "RECHARGE") return confirm(*data);
    if (screen == "CONFIRM") {
      Object params;
      for (const char* key : {"phone", "network", "amount"}) {
        if (data->has(key)) params.set(key, data->get(key));
      }
      Object out;
      out.set("complete", params);
      host_.count("purchases_confirmed");
      return stringify(out);
    }
    return errorFor("Something went wrong. Please start again.");
  }

 private:
  std::string rechargeScreen() const {
    Poco::JSON::Array networks;
    for (const auto& n : kNetworks) {
      Object item;
      item.set("id", n.id);
      item.set("title", n.name);
      networks.add(item);
    }
    Object data;
    data.set("networks", networks);
    data.set("min_amount", min_);
    data.set("max_amount", max_);
    data.set("currency", currency_);
    Object out;
    out.set("screen", "RECHARGE");
    out.set("data", data);
    return stringify(out);
  }

  std::string confirm(const Object& data) const {
    const std::string phone = kenyanMobile(data.optValue<std::string>("phone", ""));
    if (phone.empty()) return errorFor("Enter a Kenyan mobile number, e.g. 0712345678.");
    const std::string network = data.optValue<std::string>("network", "");
    const Network* chosen = nullptr;
    for (const auto& n : kNetworks) {
      if (network == n.id) chosen = &n;
    }
    if (chosen == nullptr) return errorFor("Choose a network.");
    int amount = 0;
    const std::string amountText = data.has("amount") ? data.get("amount").toString() : "";
    if (!Poco::NumberParser::tryParse(amountText, amount) || amount < min_ || amount > max_) {
      return errorFor("Enter an amount from " + std::to_string(min_) + " to " +
                      std::to_string(max_) + " " + currency_ + ".");
    }
    Object next;
    next.set("phone", phone);
    next.set("network", chosen->id);
    next.set("network_name", chosen->name);
    next.set("amount", amount);
    next.set("summary", currency_ + " " + std::to_string(amount) + " of " + chosen->name +
                            " airtime for " + phone);
    Object out;
    out.set("screen", "CONFIRM");
    out.set("data", next);
    return stringify(out);
  }

  baraza::sdk::Host host_;
  int min_ = 10;
  int max_ = 10000;
  std::string currency_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, AirtimeFlow)
