-- What the tenant's intent chain made of an inbound message, stored before its conversation
-- plugin runs: a retried conversation job reads it instead of asking the intent plugins (and
-- OpenAI) again.
CREATE TABLE message_intents (
  message_id BIGINT NOT NULL PRIMARY KEY,
  tenant VARCHAR(64) NOT NULL,
  result TEXT NOT NULL,
  created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
