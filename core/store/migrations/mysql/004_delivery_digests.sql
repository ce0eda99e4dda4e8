-- Repeated deliveries are recognised where deliveries are processed, no longer where they are
-- acknowledged (docs/architecture.md, "Inbound"): a random-keyed unique index on the inbox put
-- one page write per delivery into every acknowledging commit. The processor records each
-- delivery body's digest here, in the transaction that processes it; a later delivery of the same
-- body for the same app is marked `duplicate` instead of being processed again.
CREATE TABLE delivery_digests (
  app VARCHAR(64) NOT NULL,
  digest CHAR(64) NOT NULL,
  delivery_id BIGINT NOT NULL,
  PRIMARY KEY (app, digest)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO delivery_digests (app, digest, delivery_id) SELECT app, dedup_key, id FROM inbox;
ALTER TABLE inbox DROP INDEX inbox_dedup, DROP COLUMN dedup_key;
