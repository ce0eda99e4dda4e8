-- What inbound processing keeps besides messages: non-message webhook fields, changes no tenant
-- could take (unroutable), and webhook-level errors. One row per delivery position and kind,
-- so processing a delivery again adds nothing.
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id INTEGER NOT NULL,
  position TEXT NOT NULL,
  tenant TEXT,
  kind TEXT NOT NULL,
  field TEXT NOT NULL,
  payload TEXT NOT NULL,
  reason TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (delivery_id, position, kind)
);
CREATE INDEX events_by_kind ON events (kind, id);

-- One job per stored inbound message: the tenant's conversation plugin runs at least once for it.
CREATE TABLE conversation_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  message_id INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  error TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (message_id)
);
CREATE INDEX conversation_jobs_claim ON conversation_jobs (state, id);
CREATE INDEX conversation_jobs_leases ON conversation_jobs (state, lease_expires_at);
