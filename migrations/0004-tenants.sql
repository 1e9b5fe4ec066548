-- Tenant state (SPEC §5) is event-sourced: tenant.created, member.added, member.removed and role.changed are
-- system spans of the tenant. These tables are projections of them, rebuilt from the spans whenever one of those
-- spans commits; deleting them loses nothing.
CREATE TABLE tenants (
  slug        TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  genesis     BLOB NOT NULL,   -- id of the tenant.created span that counts (earliest ts, then lowest id)
  owner       TEXT NOT NULL,   -- did of its author, the first owner
  created_ts  TEXT NOT NULL
) STRICT;

-- Current members and, in member_roles, the history: the role a did holds from a ts on (NULL once removed),
-- so that a span is judged by the role its author held when it was written.
CREATE TABLE members (
  tenant  TEXT NOT NULL,
  did     TEXT NOT NULL,
  role    TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  handle  TEXT,
  since   TEXT NOT NULL,
  PRIMARY KEY (tenant, did)
) STRICT, WITHOUT ROWID;

CREATE TABLE member_roles (
  tenant   TEXT NOT NULL,
  did      TEXT NOT NULL,
  from_ts  TEXT NOT NULL,
  span     BLOB NOT NULL,
  role     TEXT CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  PRIMARY KEY (tenant, did, from_ts, span)
) STRICT, WITHOUT ROWID;

-- Invitations this node issued: local facts, not spans. The nonce makes a token single-use.
CREATE TABLE invites (
  nonce       TEXT PRIMARY KEY,
  tenant      TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  inviter     TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  used_by     TEXT
) STRICT;
