-- Wave 1 schema. Timestamps are Unix milliseconds (BIGINT). Never edit once released: add a
-- new migration instead (the host refuses a database whose applied migrations changed).
-- Note: Poco::Data::MySQL sizes each result buffer by the column's declared maximum, so a query
-- selecting a MEDIUM* column allocates and zeroes 16 MiB. Select such columns only where needed.
-- (LONG* columns avoid that but Poco 1.11 crashes reading LONGBLOB.)

-- Raw webhook deliveries, committed before the 200.
CREATE TABLE inbox (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  app VARCHAR(64) NOT NULL,
  received_at BIGINT NOT NULL,
  dedup_key CHAR(64) NOT NULL,
  body MEDIUMBLOB NOT NULL,
  state VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  lease_owner VARCHAR(128),
  lease_expires_at BIGINT,
  error TEXT,
  UNIQUE KEY inbox_dedup (app, dedup_key),
  -- Claims walk one state in id order and stop after a batch; expired leases have their own index.
  KEY inbox_claim (state, id),
  KEY inbox_leases (state, lease_expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE contacts (
  tenant VARCHAR(64) NOT NULL,
  wa_id VARCHAR(128) NOT NULL,
  user_id VARCHAR(128),
  profile_name VARCHAR(512),
  last_inbound_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, wa_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Both directions; a provider id (wamid) is stored once per tenant.
CREATE TABLE messages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant VARCHAR(64) NOT NULL,
  provider_id VARCHAR(191) NOT NULL,
  direction VARCHAR(8) NOT NULL,
  phone_number_id VARCHAR(32) NOT NULL,
  contact VARCHAR(128) NOT NULL,
  type VARCHAR(32) NOT NULL,
  content MEDIUMTEXT NOT NULL,
  sent_at BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  status_rank INT NOT NULL,
  status_at BIGINT NOT NULL,
  error TEXT,
  created_at BIGINT NOT NULL,
  UNIQUE KEY messages_provider (tenant, provider_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE status_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant VARCHAR(64) NOT NULL,
  provider_id VARCHAR(191) NOT NULL,
  status VARCHAR(16) NOT NULL,
  occurred_at BIGINT NOT NULL,
  recipient VARCHAR(128),
  errors TEXT,
  pricing TEXT,
  conversation TEXT,
  received_at BIGINT NOT NULL,
  UNIQUE KEY status_events_once (tenant, provider_id, status, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE outbox (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant VARCHAR(64) NOT NULL,
  phone_number_id VARCHAR(32) NOT NULL,
  recipient VARCHAR(128) NOT NULL,
  idempotency_key VARCHAR(191),
  payload MEDIUMTEXT NOT NULL,
  state VARCHAR(16) NOT NULL DEFAULT 'queued',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_owner VARCHAR(128),
  lease_expires_at BIGINT,
  provider_id VARCHAR(191),
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE KEY outbox_idempotency (tenant, idempotency_key),
  KEY outbox_claim (state, id),
  KEY outbox_leases (state, lease_expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Named leases (e.g. per sending phone number): owner and expiry, taken over after expiry.
CREATE TABLE leases (
  name VARCHAR(191) NOT NULL PRIMARY KEY,
  owner VARCHAR(128) NOT NULL,
  expires_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE flow_sessions (
  token VARCHAR(64) NOT NULL PRIMARY KEY,
  tenant VARCHAR(64) NOT NULL,
  contact VARCHAR(128) NOT NULL,
  flow VARCHAR(128) NOT NULL,
  conversation VARCHAR(128),
  state VARCHAR(16) NOT NULL DEFAULT 'open',
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  closed_at BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE conversation_state (
  tenant VARCHAR(64) NOT NULL,
  contact VARCHAR(128) NOT NULL,
  state MEDIUMTEXT NOT NULL,
  version BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, contact)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE plugin_kv (
  tenant VARCHAR(64) NOT NULL,
  scope VARCHAR(64) NOT NULL,
  k VARCHAR(256) NOT NULL,
  v MEDIUMBLOB NOT NULL,
  expires_at BIGINT,
  PRIMARY KEY (tenant, scope, k)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- AES-256-GCM under the host master key; plaintext is never stored.
CREATE TABLE secrets (
  tenant VARCHAR(64) NOT NULL,
  name VARCHAR(128) NOT NULL,
  key_id CHAR(16) NOT NULL,
  nonce BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
