-- The CDS client JWTs accepted, shared by every instance on the database: a token's jti is
-- accepted once across all of them (SharedReplayGuard). The key is the SHA-256 of issuer and jti
-- (fixed length, nothing of the token itself); a row is deleted once its token has expired.
CREATE TABLE lcds_client_token (
  token_key CHAR(64) NOT NULL PRIMARY KEY,
  expires_at_ms BIGINT NOT NULL);
CREATE INDEX lcds_client_token_expiry ON lcds_client_token (expires_at_ms);
