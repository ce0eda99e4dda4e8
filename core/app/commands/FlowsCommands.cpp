// flows register-key, keygen.
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/Path.h>
#include <Poco/Util/Option.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <baraza/sdk/JsonScalars.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "app/commands/CommandSupport.h"
#include "common/JsonText.h"
#include "crypto/Crypto.h"

namespace baraza::app {
namespace {

int runFlowsRegisterKey(const Args& args) {
  const std::string tenantId = args.get("tenant");
  if (tenantId.empty()) {
    std::cerr << "baraza flows register-key: --tenant is required\n";
    return 2;
  }
  auto host = hostFor(args);
  if (!host) return 1;
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(host->pluginsDir);
  config::Problems problems;
  tenants::TenantConfig tenant = tenants::loadTenantFile(
      host->tenantsDir + "/" + tenantId + ".properties", registry, problems);
  for (const auto& p : problems) std::cerr << p.toString() << "\n";
  if (!problems.empty()) return 1;
  if (tenant.flowsKeys.empty()) {
    std::cerr << "baraza flows register-key: tenant " << tenantId
              << " has no flows.private_key_files (make one with `baraza keygen --tenant "
              << tenantId << "`)\n";
    return 1;
  }
  if (!tenant.accessToken) {
    std::cerr << "baraza flows register-key: tenant " << tenantId
              << " has no whatsapp.access_token\n";
    return 1;
  }
  // The tenant's own channel plugin talks to the provider, as in the host.
  CommandTenants tenants(*host);
  const tenants::TenantPtr running = tenants.manager().current()->byId(tenantId);
  const plugins::PluginInstancePtr channel =
      running ? running->firstOfKind(BARAZA_KIND_CHANNEL) : nullptr;
  if (!channel) {
    std::cerr
        << "baraza flows register-key: tenant " << tenantId
        << " has no channel plugin running (plugins.<name>.plugin = ke.baraza.channel.whatsapp)\n";
    return 1;
  }
  // The current key (the first): Meta keeps one key per number.
  const std::string publicPem = tenant.flowsKeys.front().publicPem();
  std::vector<std::string> numbers = tenant.phoneNumberIds;
  if (args.has("number")) numbers = {args.get("number")};
  bool allValid = true;
  for (const auto& number : numbers) {
    Poco::JSON::Object input;
    input.set("phone_number_id", number);
    input.set("public_key", publicPem);
    input.set("token", tenant.accessToken->reveal());
    StatusOr<std::string> registered =
        channel->call(plugins::Operation::kChannelRegisterFlowKey, jsontext::json(input));
    if (!registered.isOk()) {
      std::cerr << "number " << number << ": " << registered.status().message() << "\n";
      allValid = false;
      continue;
    }
    std::string status, shown;
    try {
      const sdk::json::Scalars state(*registered);
      status = state.text("signature_status");
      shown = state.text("public_key");
    } catch (const std::invalid_argument& e) {
      std::cerr << "number " << number << ": the channel plugin's answer: " << e.what() << "\n";
      allValid = false;
      continue;
    }
    const bool ours = shown == publicPem;
    std::cout << "number " << number << ": public key registered, signature status " << status
              << (ours ? "" : " (but Meta shows a different key)") << "\n";
    allValid = allValid && ours && status == "VALID";
  }
  return allValid ? 0 : 1;
}

int runKeygen(const Args& args) {
  const std::string tenant = args.get("tenant");
  if (tenant.empty()) {
    std::cerr << "baraza keygen: --tenant is required\n";
    return 2;
  }
  const std::string out = args.get("out", "/var/lib/baraza/keys/" + tenant + "-flows.pem");
  if (Poco::File(out).exists() && !args.has("force")) {
    std::cerr << "baraza keygen: " << out
              << " exists; keep it (rotation needs it) or pass --force\n";
    return 1;
  }
  auto key = crypto::RsaPrivateKey::generate(2048);
  if (!key) {
    std::cerr << "baraza keygen: key generation failed\n";
    return 1;
  }
  try {
    Poco::File(Poco::Path(out).parent()).createDirectories();
  } catch (const Poco::Exception& e) {
    std::cerr << "baraza keygen: " << e.displayText() << "\n";
    return 1;
  }
  // Created 0600 from the start: the private key is never readable by others, not even briefly.
  const std::string tmp = out + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const std::string pem = key->privatePem();
  if (fd < 0 || ::write(fd, pem.data(), pem.size()) != static_cast<ssize_t>(pem.size()) ||
      ::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), out.c_str()) != 0) {
    std::cerr << "baraza keygen: cannot write " << out << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cerr << "private key (RSA-2048, mode 0600): " << out << "\n"
            << "add it to tenants.d/" << tenant << ".properties: flows.private_key_files = " << out
            << "\nthen register this public key on the tenant's phone numbers (`baraza flows "
               "register-key --tenant "
            << tenant << "`):\n";
  std::cout << key->publicPem();
  return 0;
}

}  // namespace

std::vector<Command> flowsCommands() {
  return {
      {{"flows", "register-key"},
       "Register a tenant's Flows public key with Meta and show its signature status.",
       "Has the tenant's channel plugin upload the public half of the tenant's current Flows key "
       "(the first of flows.private_key_files) to each of its phone numbers (for WhatsApp: POST "
       "/<number>/whatsapp_business_encryption with its access token, at the plugin's "
       "graph_version), then read back the signature status. Exits 0 when every number shows this "
       "key as VALID. Run it after `keygen`, after "
       "re-registering a number, and when Meta alerts public-key-missing.",
       [](auto& o) {
         configOption(o);
         tenantOption(o, "The tenant.");
         o.addOption(
             Poco::Util::Option("number", "n", "Only this phone number id.").argument("ID"));
       },
       runFlowsRegisterKey},
      {{"keygen"},
       "Generate a tenant's RSA-2048 key pair for the Flows endpoint.",
       "Writes a new RSA-2048 private key (PKCS#8 PEM, mode 0600) for the tenant's Flows endpoint "
       "and prints the public key (SPKI PEM) to register with Meta. Refuses to overwrite an "
       "existing key unless --force: during rotation the old key must stay.",
       [](auto& o) {
         tenantOption(o, "The tenant the key is for.");
         o.addOption(Poco::Util::Option("out", "o",
                                        "Where to write the private key (default "
                                        "/var/lib/baraza/keys/TENANT-flows.pem).")
                         .argument("PATH"));
         o.addOption(Poco::Util::Option("force", "f", "Overwrite an existing key file."));
       },
       runKeygen},
  };
}

}  // namespace baraza::app
