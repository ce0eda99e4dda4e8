-- Inbound media items: one per (tenant, provider media id), downloaded after the message that
-- names it is stored, claimed under a lease like the conversation jobs. storage_key names the
-- bytes in the tenant's media plugin once stored; equal bytes share a key.
CREATE TABLE media (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  message_id INTEGER NOT NULL,
  provider_media_id TEXT NOT NULL,
  phone_number_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL DEFAULT -1,
  storage_key TEXT,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant, provider_media_id)
);
CREATE INDEX media_claim ON media (state, id);
CREATE INDEX media_leases ON media (state, lease_expires_at);
CREATE INDEX media_by_message ON media (message_id);
CREATE INDEX media_by_key ON media (tenant, storage_key);

-- Media uploaded for sending, by content: the same file is uploaded once per sending number
-- while its provider id lives (uploads expire after 30 days).
CREATE TABLE media_uploads (
  tenant TEXT NOT NULL,
  phone_number_id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  provider_media_id TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, phone_number_id, sha256)
);
