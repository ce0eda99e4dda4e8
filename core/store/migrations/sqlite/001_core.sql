-- Wave 1 schema. Timestamps are Unix milliseconds (INTEGER). Never edit once released: add a
-- new migration instead (the host refuses a database whose applied migrations changed).

-- Raw webhook deliveries, committed before the 200.
CREATE TABLE inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  dedup_key TEXT NOT NULL,
  body BLOB NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  error TEXT,
  UNIQUE (app, dedup_key)
);
-- Claims walk one state in id order and stop after a batch; expired leases have their own index.
CREATE INDEX inbox_claim ON inbox (state, id);
CREATE INDEX inbox_leases ON inbox (state, lease_expires_at);

CREATE TABLE contacts (
  tenant TEXT NOT NULL,
  wa_id TEXT NOT NULL,
  user_id TEXT,
  profile_name TEXT,
  last_inbound_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, wa_id)
);

-- Both directions; a provider id (wamid) is stored once per tenant.
CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  direction TEXT NOT NULL,
  phone_number_id TEXT NOT NULL,
  contact TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  status_rank INTEGER NOT NULL,
  status_at INTEGER NOT NULL,
  error TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (tenant, provider_id)
);

CREATE TABLE status_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  status TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  recipient TEXT,
  errors TEXT,
  pricing TEXT,
  conversation TEXT,
  received_at INTEGER NOT NULL,
  UNIQUE (tenant, provider_id, status, occurred_at)
);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  phone_number_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  idempotency_key TEXT,
  payload TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  provider_id TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant, idempotency_key)
);
CREATE INDEX outbox_claim ON outbox (state, id);
CREATE INDEX outbox_leases ON outbox (state, lease_expires_at);

-- Named leases (e.g. per sending phone number): owner and expiry, taken over after expiry.
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE TABLE flow_sessions (
  token TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  contact TEXT NOT NULL,
  flow TEXT NOT NULL,
  conversation TEXT,
  state TEXT NOT NULL DEFAULT 'open',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  closed_at INTEGER
);

CREATE TABLE conversation_state (
  tenant TEXT NOT NULL,
  contact TEXT NOT NULL,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, contact)
);

CREATE TABLE plugin_kv (
  tenant TEXT NOT NULL,
  scope TEXT NOT NULL,
  k TEXT NOT NULL,
  v BLOB NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (tenant, scope, k)
);

-- AES-256-GCM under the host master key; plaintext is never stored.
CREATE TABLE secrets (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  key_id TEXT NOT NULL,
  nonce BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, name)
);
