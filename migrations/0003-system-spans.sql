-- System spans (tenant.created, member.*, peer.trusted/untrusted, rule.*) are read back by projections:
-- a small partial index finds them without scanning the timeline.
CREATE INDEX spans_by_system_title ON spans(title, tenant) WHERE kind = 'system';
