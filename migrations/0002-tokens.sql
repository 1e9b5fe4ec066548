-- API tokens for the TCP listener. Local facts, not spans: only the sha256 of a token is kept.
CREATE TABLE api_tokens (
  id          TEXT PRIMARY KEY,
  hash        BLOB NOT NULL UNIQUE,
  tenant      TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('reader', 'writer')),
  created_at  TEXT NOT NULL,
  expires_at  TEXT,
  revoked_at  TEXT
) STRICT;
