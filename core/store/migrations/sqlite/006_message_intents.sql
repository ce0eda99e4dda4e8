-- What the tenant's intent chain made of an inbound message, stored before its conversation
-- plugin runs: a retried conversation job reads it instead of asking the intent plugins (and
-- OpenAI) again.
CREATE TABLE message_intents (
  message_id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
