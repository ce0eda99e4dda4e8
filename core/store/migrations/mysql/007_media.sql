-- Inbound media items: one per (tenant, provider media id), downloaded after the message that
-- names it is stored, claimed under a lease like the conversation jobs. storage_key names the
-- bytes in the tenant's media plugin once stored; equal bytes share a key.
CREATE TABLE media (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant VARCHAR(64) NOT NULL,
  message_id BIGINT NOT NULL,
  provider_media_id VARCHAR(191) NOT NULL,
  phone_number_id VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  mime_type VARCHAR(255) NOT NULL,
  sha256 VARCHAR(64) NOT NULL,
  size BIGINT NOT NULL DEFAULT -1,
  storage_key VARCHAR(255),
  state VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_owner VARCHAR(128),
  lease_expires_at BIGINT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE KEY media_once (tenant, provider_media_id),
  KEY media_claim (state, id),
  KEY media_leases (state, lease_expires_at),
  KEY media_by_message (message_id),
  KEY media_by_key (tenant, storage_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Media uploaded for sending, by content: the same file is uploaded once per sending number
-- while its provider id lives (uploads expire after 30 days).
CREATE TABLE media_uploads (
  tenant VARCHAR(64) NOT NULL,
  phone_number_id VARCHAR(64) NOT NULL,
  sha256 VARCHAR(64) NOT NULL,
  provider_media_id VARCHAR(191) NOT NULL,
  mime_type VARCHAR(255) NOT NULL,
  uploaded_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, phone_number_id, sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
