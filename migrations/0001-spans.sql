-- Authors are interned: a did:key is 56 characters, an integer keeps the chain index small.
CREATE TABLE authors (
  id  INTEGER PRIMARY KEY,
  did TEXT NOT NULL UNIQUE
) STRICT;

-- The canonical timeline: every valid span this node holds, at most one per (author, tenant, seq).
-- `body` is the canonical body (RFC 8785) that `id` hashes; the other span columns are copies for indexes.
-- `id8` is the first 8 bytes of `id` as an integer in byte order: lookups by id go through its index, which
-- is a quarter the size of one on the 32-byte blob, and random inserts into it dirty far fewer pages.
-- `rid` (local row order), `received_at` and `received_from` are local facts, never part of the span.
CREATE TABLE spans (
  rid           INTEGER PRIMARY KEY,
  id            BLOB NOT NULL,
  id8           INTEGER NOT NULL,
  sig           BLOB NOT NULL,
  author        INTEGER NOT NULL REFERENCES authors(id),
  tenant        TEXT NOT NULL,
  seq           INTEGER,
  prev          BLOB,
  ts            TEXT NOT NULL,
  title         TEXT NOT NULL,
  status        TEXT NOT NULL,
  kind          TEXT NOT NULL,
  visibility    TEXT NOT NULL,
  contract_id   TEXT,
  workflow_id   TEXT,
  flow_id       TEXT,
  caused_by     BLOB,
  body          TEXT NOT NULL,
  received_at   INTEGER NOT NULL,
  received_from TEXT
) STRICT;

CREATE INDEX spans_by_id8 ON spans(id8);
CREATE UNIQUE INDEX spans_by_chain ON spans(author, tenant, seq) WHERE seq IS NOT NULL;
-- newest first by ts, ties by id8: the same order on every node (local row order would differ)
CREATE INDEX spans_by_tenant_ts ON spans(tenant, ts, id8);
CREATE INDEX spans_by_caused_by ON spans(caused_by) WHERE caused_by IS NOT NULL;
CREATE INDEX spans_by_contract ON spans(tenant, contract_id) WHERE contract_id IS NOT NULL;
CREATE INDEX spans_by_workflow ON spans(tenant, workflow_id) WHERE workflow_id IS NOT NULL;
CREATE INDEX spans_by_flow ON spans(tenant, flow_id) WHERE flow_id IS NOT NULL;

CREATE TABLE span_tags (
  tag TEXT NOT NULL,
  rid INTEGER NOT NULL REFERENCES spans(rid),
  PRIMARY KEY (tag, rid)
) STRICT, WITHOUT ROWID;

-- A second, different span at a stored (author, tenant, seq): kept as evidence, never canonical.
CREATE TABLE forks (
  rid           INTEGER PRIMARY KEY,
  id            BLOB NOT NULL UNIQUE,
  sig           BLOB NOT NULL,
  author        INTEGER NOT NULL REFERENCES authors(id),
  tenant        TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  canonical_id  BLOB NOT NULL,
  body          TEXT NOT NULL,
  received_at   INTEGER NOT NULL,
  received_from TEXT
) STRICT;
CREATE INDEX forks_by_chain ON forks(author, tenant, seq);

-- Full-text search over title and data; rowid is spans.rid.
CREATE VIRTUAL TABLE spans_fts USING fts5(title, data, content='', tokenize='unicode61 remove_diacritics 2');

CREATE TRIGGER spans_no_update BEFORE UPDATE ON spans BEGIN SELECT RAISE(ABORT, 'spans are append-only'); END;
CREATE TRIGGER spans_no_delete BEFORE DELETE ON spans BEGIN SELECT RAISE(ABORT, 'spans are append-only'); END;
CREATE TRIGGER span_tags_no_update BEFORE UPDATE ON span_tags BEGIN SELECT RAISE(ABORT, 'spans are append-only'); END;
CREATE TRIGGER span_tags_no_delete BEFORE DELETE ON span_tags BEGIN SELECT RAISE(ABORT, 'spans are append-only'); END;
CREATE TRIGGER forks_no_update BEFORE UPDATE ON forks BEGIN SELECT RAISE(ABORT, 'spans are append-only'); END;
CREATE TRIGGER forks_no_delete BEFORE DELETE ON forks BEGIN SELECT RAISE(ABORT, 'spans are append-only'); END;
