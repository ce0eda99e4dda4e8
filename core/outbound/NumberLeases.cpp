#include "outbound/NumberLeases.h"

#include <algorithm>
#include <functional>

namespace baraza::outbound {

LeasePlan planLeases(const std::set<std::string>& wanted, const std::set<std::string>& holding,
                     size_t liveHosts, const std::string& owner) {
  LeasePlan plan;
  const size_t hosts = std::max<size_t>(1, liveHosts);
  plan.share = (wanted.size() + hosts - 1) / hosts;
  std::vector<std::string> order(wanted.begin(), wanted.end());
  if (!order.empty()) {
    const auto start = static_cast<std::ptrdiff_t>(std::hash<std::string>{}(owner) % order.size());
    std::rotate(order.begin(), order.begin() + start, order.end());
  }
  size_t held = 0;
  for (const auto& number : order) held += holding.count(number);
  size_t surplus = held > plan.share ? held - plan.share : 0;
  for (const auto& number : order) {
    if (!holding.count(number)) {
      plan.candidates.push_back(number);
    } else if (surplus > 0) {
      plan.handBack.push_back(number);
      --surplus;
    } else {
      plan.renew.push_back(number);
    }
  }
  return plan;
}

std::optional<int64_t> firstSendUs(const std::optional<store::Leases::Hold>& lastHold,
                                   const std::string& owner, bool windowKept, int64_t windowUs,
                                   int64_t arrivalGuardUs) {
  if (!lastHold) return std::nullopt;
  if (lastHold->owner == owner && windowKept) return std::nullopt;
  // The hold's end is in ms and inclusive: its last send may arrive up to the next ms.
  return (lastHold->until + 1) * 1000 + windowUs + arrivalGuardUs;
}

}  // namespace baraza::outbound
