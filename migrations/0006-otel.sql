-- OpenTelemetry ids of spans (SPEC §2 interop mapping): which logline span carries the otel span (trace_id, span_id)
-- of a tenant, so that a child that arrives later (OTLP ingest, or `logline log` under TRACEPARENT) finds its
-- parent's logline id for caused_by. A projection of `data.otel` in span bodies, filled as spans commit; a local
-- fact, never replicated. The first span to claim an otel id keeps it.
CREATE TABLE otel_spans (
  tenant     TEXT NOT NULL,
  trace_id   BLOB NOT NULL,   -- 16 bytes
  span_id    BLOB NOT NULL,   -- 8 bytes
  span       BLOB NOT NULL,   -- the logline span id, 32 bytes
  parent_id  BLOB,            -- the otel parent span id, 8 bytes; NULL for a root
  PRIMARY KEY (tenant, trace_id, span_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX otel_spans_by_parent ON otel_spans (tenant, trace_id, parent_id);
