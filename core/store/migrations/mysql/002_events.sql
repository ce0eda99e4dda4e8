-- What inbound processing keeps besides messages: non-message webhook fields, changes no tenant
-- could take (unroutable), and webhook-level errors. One row per delivery position and kind,
-- so processing a delivery again adds nothing.
CREATE TABLE events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  delivery_id BIGINT NOT NULL,
  position VARCHAR(64) NOT NULL,
  tenant VARCHAR(64),
  kind VARCHAR(16) NOT NULL,
  field VARCHAR(64) NOT NULL,
  payload MEDIUMTEXT NOT NULL,
  reason TEXT,
  created_at BIGINT NOT NULL,
  UNIQUE KEY events_once (delivery_id, position, kind),
  KEY events_by_kind (kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One job per stored inbound message: the tenant's conversation plugin runs at least once for it.
CREATE TABLE conversation_jobs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant VARCHAR(64) NOT NULL,
  message_id BIGINT NOT NULL,
  state VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_owner VARCHAR(128),
  lease_expires_at BIGINT,
  error TEXT,
  created_at BIGINT NOT NULL,
  UNIQUE KEY conversation_jobs_once (message_id),
  KEY conversation_jobs_claim (state, id),
  KEY conversation_jobs_leases (state, lease_expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
