-- The task engine (SPEC §7): a durable queue, its cron schedules and the history of runs. Local facts, not
-- spans: every run is also recorded as task.started / task.finished system spans, which these rows point to.
-- Times are integers, milliseconds since the epoch; priority 0 is critical, 3 is low.
CREATE TABLE task_schedules (
  id              INTEGER PRIMARY KEY,
  tenant          TEXT NOT NULL,
  cron            TEXT NOT NULL,
  timezone        TEXT,                 -- IANA zone; NULL: the node's local time
  type            TEXT NOT NULL,
  payload         TEXT NOT NULL,        -- JSON object, checked against the type's schema when added
  priority        INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
  max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 1),
  backoff_ms      INTEGER NOT NULL CHECK (backoff_ms >= 0),
  backoff_max_ms  INTEGER NOT NULL CHECK (backoff_max_ms >= 0),
  timeout_ms      INTEGER NOT NULL CHECK (timeout_ms >= 1),
  on_crash        TEXT NOT NULL CHECK (on_crash IN ('retry', 'fail')),
  next_run        INTEGER,              -- NULL once the pattern has no future run
  last_run        INTEGER,
  last_task       INTEGER,
  created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX task_schedules_due ON task_schedules(next_run) WHERE next_run IS NOT NULL;

-- One row per task. `owner` and `lease_until` are the lease of the daemon that runs it: a task is claimed by
-- moving it from queued to running in one transaction, so no two runs of it overlap; a running task whose owner
-- is gone (the daemon was killed) is retried or failed on restart according to `on_crash`.
CREATE TABLE tasks (
  id               INTEGER PRIMARY KEY,  -- also the FIFO order
  tenant           TEXT NOT NULL,
  type             TEXT NOT NULL,
  payload          TEXT NOT NULL,
  priority         INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
  status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  scheduled_for    INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
  backoff_ms       INTEGER NOT NULL CHECK (backoff_ms >= 0),
  backoff_max_ms   INTEGER NOT NULL CHECK (backoff_max_ms >= 0),
  timeout_ms       INTEGER NOT NULL CHECK (timeout_ms >= 1),
  on_crash         TEXT NOT NULL CHECK (on_crash IN ('retry', 'fail')),
  caused_by        TEXT,                 -- id of the span that triggered it
  rule             TEXT,                 -- id of the rule that enqueued it
  schedule_id      INTEGER REFERENCES task_schedules(id) ON DELETE SET NULL,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  owner            TEXT,
  lease_until      INTEGER,
  run_span         TEXT,                 -- the task.started span of the current or last run
  started_at       INTEGER,
  finished_at      INTEGER,
  error            TEXT,                 -- JSON {code, message} of the last failed run
  result           TEXT                  -- JSON of the last successful run
) STRICT;
-- the scheduler's pick: per tenant by priority, then scheduled_for, then FIFO
CREATE INDEX tasks_ready ON tasks(tenant, priority, scheduled_for, id) WHERE status = 'queued';
CREATE INDEX tasks_due ON tasks(scheduled_for) WHERE status = 'queued';
CREATE INDEX tasks_running ON tasks(owner) WHERE status = 'running';
CREATE INDEX tasks_by_tenant ON tasks(tenant, id);

-- Every finished run (attempt) of a task, with the spans that record it.
CREATE TABLE task_runs (
  task         INTEGER NOT NULL REFERENCES tasks(id),
  attempt      INTEGER NOT NULL,
  outcome      TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'timeout', 'cancelled', 'crashed', 'interrupted')),
  error        TEXT,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER NOT NULL,
  started_span TEXT,
  finished_span TEXT,
  PRIMARY KEY (task, attempt)
) STRICT, WITHOUT ROWID;
