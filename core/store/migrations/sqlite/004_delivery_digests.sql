-- Repeated deliveries are recognised where deliveries are processed, no longer where they are
-- acknowledged (docs/architecture.md, "Inbound"): a random-keyed unique index on the inbox put
-- one page write per delivery into every acknowledging commit. The processor records each
-- delivery body's digest here, in the transaction that processes it; a later delivery of the same
-- body for the same app is marked `duplicate` instead of being processed again.
CREATE TABLE delivery_digests (
  app TEXT NOT NULL,
  digest TEXT NOT NULL,          -- hex SHA-256 of the raw body
  delivery_id INTEGER NOT NULL,  -- the inbox row processed for it
  PRIMARY KEY (app, digest)
) WITHOUT ROWID;
INSERT INTO delivery_digests (app, digest, delivery_id) SELECT app, dedup_key, id FROM inbox;

-- The inbox without its dedup column. Ids carry on where they were (events refer to them).
CREATE TABLE inbox_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  body BLOB NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  error TEXT
);
INSERT INTO sqlite_sequence (name, seq) SELECT 'inbox_new', seq FROM sqlite_sequence WHERE name = 'inbox';
INSERT INTO inbox_new (id, app, received_at, body, state, attempts, next_attempt_at, lease_owner, lease_expires_at, error)
  SELECT id, app, received_at, body, state, attempts, next_attempt_at, lease_owner, lease_expires_at, error FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_new RENAME TO inbox;
CREATE INDEX inbox_claim ON inbox (state, id);
CREATE INDEX inbox_leases ON inbox (state, lease_expires_at);
