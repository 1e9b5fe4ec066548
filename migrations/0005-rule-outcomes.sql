-- A local fact beside a span (SPEC §2): the outcome of the admission rules that ran before this node signed it,
-- with the content hash of the rule set that produced it. Not part of the signed span, never replicated.
CREATE TABLE span_outcomes (
  id        BLOB PRIMARY KEY,
  rule_set  TEXT NOT NULL,
  outcome   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
