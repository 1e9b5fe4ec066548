-- The reaction phase of the rules (SPEC §6), local facts of this node: how far the daemon has run the tenants'
-- reaction rules over committed spans (by local row order), and which (span, rule version) pairs have fired, so
-- that each fires once even across a crash.
CREATE TABLE reaction_cursor (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  rid  INTEGER NOT NULL
) STRICT;

CREATE TABLE reactions_fired (
  span      BLOB NOT NULL,
  rule      TEXT NOT NULL,
  version   TEXT NOT NULL,
  action    TEXT NOT NULL,
  fired_at  INTEGER NOT NULL,
  outcome   TEXT NOT NULL,
  PRIMARY KEY (span, rule, version)
) STRICT, WITHOUT ROWID;
