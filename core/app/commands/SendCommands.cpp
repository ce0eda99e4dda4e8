// send, send status.
#include <Poco/FileStream.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>
#include <Poco/StreamCopier.h>
#include <Poco/Util/Option.h>

#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "app/commands/CommandSupport.h"
#include "media/MediaUpload.h"
#include "outbound/OutboundQueue.h"
#include "store/Messages.h"
#include "store/Outbox.h"

namespace baraza::app {
namespace {

constexpr const char* kMediaOptions[] = {"image", "document", "audio", "video", "sticker"};

/** The media option given (--image FILE, ...), or "" for none. */
std::string mediaKindOf(const Args& args) {
  for (const char* kind : kMediaOptions) {
    if (args.has(kind)) return kind;
  }
  return "";
}

/**
 * The message `baraza send` was given, with --to / --from applied: --json FILE, --text, or a
 * media option's file sent by `mediaId` (uploaded by the caller), with --caption.
 */
StatusOr<std::string> messageFromArgs(const Args& args, const std::string& mediaId = "") {
  Poco::JSON::Object::Ptr message;
  const std::string kind = mediaKindOf(args);
  if (args.has("json")) {
    std::string text;
    try {
      Poco::FileInputStream in(args.get("json"));
      Poco::StreamCopier::copyToString(in, text);
      Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(text);
      if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
        message = parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
      return invalidArgument(args.get("json") + ": " + e.displayText());
    }
    if (message.isNull()) return invalidArgument(args.get("json") + ": not a JSON object");
  } else if (!kind.empty()) {
    message = new Poco::JSON::Object;
    Poco::JSON::Object::Ptr media = new Poco::JSON::Object;
    media->set("id", mediaId);
    if (args.has("caption")) media->set("caption", args.get("caption"));
    if (kind == "document") {
      const std::string path = args.get(kind);
      media->set("filename", path.substr(path.rfind('/') + 1));
    }
    message->set("type", kind);
    message->set(kind, media);
  } else {
    message = new Poco::JSON::Object;
    Poco::JSON::Object::Ptr text = new Poco::JSON::Object;
    text->set("body", args.get("text"));
    message->set("type", "text");
    message->set("text", text);
  }
  if (args.has("to")) message->set("to", args.get("to"));
  if (args.has("from")) message->set("phone_number_id", args.get("from"));
  std::ostringstream out;
  message->stringify(out);
  return out.str();
}

int runSend(const Args& args) {
  if (!args.has("tenant")) {
    std::cerr << "baraza send: --tenant is required\n";
    return 2;
  }
  const std::string kind = mediaKindOf(args);
  if (static_cast<int>(args.has("json")) + args.has("text") + !kind.empty() != 1) {
    std::cerr << "baraza send: give one of --text TEXT, --json FILE, --image FILE, --document "
                 "FILE, --audio FILE, --video FILE, --sticker FILE\n";
    return 2;
  }
  if (args.has("caption") && kind != "image" && kind != "video" && kind != "document") {
    std::cerr << "baraza send: --caption goes with --image, --video or --document\n";
    return 2;
  }
  if (kind.empty()) {
    if (StatusOr<std::string> checked = messageFromArgs(args); !checked.isOk()) {
      std::cerr << "baraza send: " << checked.status().message() << "\n";
      return 2;
    }
  }
  auto host = hostFor(args);
  if (!host) return 1;
  store::DatabasePtr db = openStore(*host);
  if (!db) return 1;
  // The tenant's own channel plugin checks and builds the message, exactly as in the host.
  CommandTenants tenants(*host, db);
  std::string mediaId;
  if (!kind.empty()) {
    const tenants::TenantPtr tenant = tenants.manager().current()->byId(args.get("tenant"));
    if (!tenant || tenant->config().phoneNumberIds.empty()) {
      std::cerr << "baraza send: no running tenant " << args.get("tenant")
                << " with a phone number\n";
      return 1;
    }
    const std::string number =
        args.has("from") ? args.get("from") : tenant->config().phoneNumberIds.front();
    StatusOr<media::UploadedMedia> uploaded =
        media::uploadForSending(*db, *tenant, number, kind, args.get(kind));
    if (!uploaded.isOk()) {
      std::cerr << "baraza send: not queued: " << uploaded.status().message() << "\n";
      return uploaded.status().code() == Code::kInvalidArgument ||
                     uploaded.status().code() == Code::kResourceExhausted
                 ? 2
                 : 1;
    }
    mediaId = uploaded->mediaId;
    std::cerr << (uploaded->reused ? "sent by media id " + mediaId + ", uploaded earlier"
                                   : "uploaded as media id " + mediaId)
              << " (" << uploaded->mimeType << ")\n";
  }
  StatusOr<std::string> message = messageFromArgs(args, mediaId);
  if (!message.isOk()) {
    std::cerr << "baraza send: " << message.status().message() << "\n";
    return 2;
  }
  outbound::OutboundQueue queue(db, tenants.manager(), host->flowTokenTtlSeconds * 1000);
  const std::string key = args.get("key");
  StatusOr<int64_t> id =
      queue.submit(args.get("tenant"), *message, key.empty() ? "" : "cli:" + key);
  if (!id.isOk()) {
    std::cerr << "baraza send: not queued: " << id.status().message() << "\n";
    return 1;
  }
  std::cout << *id << "\n";
  std::cerr << "queued as message " << *id << "; a running host sends it (`baraza send status "
            << *id << "`)\n";
  return 0;
}

int runSendStatus(const Args& args) {
  Poco::Int64 id = 0;
  if (args.positional.size() != 1 || !Poco::NumberParser::tryParse64(args.positional[0], id)) {
    std::cerr << "baraza send status: give one message id\n";
    return 2;
  }
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  std::optional<store::OutboxRow> row;
  std::optional<store::MessageRecord> sent;
  Status read = db->read([&](Poco::Data::Session& s) {
    row = store::Outbox(db->dialect()).get(s, id);
    if (row && !row->providerId.empty())
      sent = store::MessageStore(db->dialect()).message(s, row->tenant, row->providerId);
  });
  if (!read.isOk()) {
    std::cerr << read.message() << "\n";
    return 1;
  }
  if (!row) {
    std::cerr << "baraza send status: no message " << id << "\n";
    return 1;
  }
  auto line = [](const std::string& name, const std::string& value) {
    if (!value.empty()) std::cout << "  " << std::left << std::setw(11) << name << value << "\n";
  };
  std::cout << "message " << row->id << "\n";
  line("tenant", row->tenant);
  line("from", row->phoneNumberId);
  line("to", row->recipient);
  line("state", row->state);
  line("attempts", std::to_string(row->attempts));
  line("queued", when(row->createdAt));
  line("updated", when(row->updatedAt));
  if (row->state == "queued" && row->nextAttemptAt > row->updatedAt)
    line("next try", when(row->nextAttemptAt));
  line("wamid", row->providerId);
  line("request", row->payload);
  if (sent)
    line("status", sent->status + " (" + when(sent->statusAt) + ")" +
                       (sent->error.empty() ? "" : " " + sent->error));
  line("last error", row->lastError);
  return 0;
}

}  // namespace

std::vector<Command> sendCommands() {
  return {
      {{"send"},
       "Queue a message: `send --tenant T --to +2547... --text \"...\"`, `--image FILE`, or "
       "`--json FILE`.",
       "Queues an outbound message for a tenant; a running host sends it. --text sends a text "
       "message; --image, --document, --audio, --video or --sticker FILE a file, its type (from "
       "its extension) and size checked against WhatsApp's limits, uploaded once per sending "
       "number and sent by its media id (the same bytes again reuse the id for 29 days); --json "
       "FILE any type, as the Graph message object (docs/sending.md). The tenant's channel plugin "
       "checks Meta's limits first: an invalid message is refused with the reason and nothing is "
       "queued. Prints the message id (for `baraza send status ID`).",
       [](auto& o) {
         configOption(o);
         tenantOption(o, "The sending tenant.");
         o.addOption(Poco::Util::Option("to", "", "Recipient, +<country code><number>.")
                         .argument("NUMBER"));
         o.addOption(Poco::Util::Option("text", "", "Send this text.").argument("TEXT"));
         o.addOption(Poco::Util::Option("json", "j", "Send this message (Graph message object).")
                         .argument("FILE"));
         for (const char* kind : kMediaOptions) {
           o.addOption(Poco::Util::Option(kind, "",
                                          std::string("Send this file as ") +
                                              (kind == std::string("image") ? "an " : "a ") + kind +
                                              " (uploaded once, then sent by its id).")
                           .argument("FILE"));
         }
         o.addOption(Poco::Util::Option("caption", "", "Caption of an image, video or document.")
                         .argument("TEXT"));
         o.addOption(Poco::Util::Option("from", "",
                                        "Sending phone number id (default: the tenant's first).")
                         .argument("ID"));
         o.addOption(Poco::Util::Option(
                         "key", "k", "Idempotency key: the same key queues the same message once.")
                         .argument("KEY"));
       },
       runSend},
      {{"send", "status"},
       "Show a queued message: state, attempts, last error, wamid, delivery status.",
       "Shows what became of a message queued with `baraza send` (or by a plugin): its state "
       "(queued, sending, sent, failed), attempts, the next try, the last error (code, title, "
       "details), the wamid Meta gave it and the latest delivery status from webhooks.",
       configOption,
       runSendStatus},
  };
}

}  // namespace baraza::app
