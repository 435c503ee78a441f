-- report_run: one row per report the scheduler writes on its own
-- ("paidan schedule --report-every day|week --report-dir DIR"), recorded as
-- a plan run is: inserted 'running' when it starts, finished once as
-- 'done' (with the directory and the number of files written) or
-- 'failed' (with the error). A period is reported once: a second 'done'
-- row for the same period and range start is refused, so two schedulers
-- never both count as having written it (the one that loses the race
-- finishes 'failed').
--
-- Expand only: a new table and a grant; nothing that runs today changes.

-- +goose Up
CREATE TABLE paidan.report_run (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period      text        NOT NULL CHECK (period IN ('day', 'week')),
    range_from  timestamptz NOT NULL,
    range_to    timestamptz NOT NULL,
    dir         text        NOT NULL CHECK (dir <> '' AND length(dir) <= 4000),
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    files       integer     CHECK (files >= 0),
    error       text        CHECK (length(error) <= 4000),
    CONSTRAINT report_run_range CHECK (range_to > range_from),
    CONSTRAINT report_run_finished_iff_final CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX report_run_done_once ON paidan.report_run (period, range_from) WHERE status = 'done';
COMMENT ON TABLE paidan.report_run IS 'reports written by the scheduler (--report-every): one row each, running, then done or failed';

GRANT SELECT, INSERT (period, range_from, range_to, dir), UPDATE (finished_at, status, files, error)
    ON paidan.report_run TO paidan_runtime;
GRANT SELECT ON paidan.report_run TO paidan_reader, paidan_console;
-- Reports read each run's usage (the applied_runs and stage_durations
-- tables): the reader role, which reports run as, may read it too.
GRANT SELECT ON paidan.run_usage TO paidan_reader;

COMMENT ON COLUMN paidan.report_run.id IS 'report run number, assigned by the database';
COMMENT ON COLUMN paidan.report_run.period IS 'day or week';
COMMENT ON COLUMN paidan.report_run.range_from IS 'start of the reported period (inclusive)';
COMMENT ON COLUMN paidan.report_run.range_to IS 'end of the reported period (exclusive)';
COMMENT ON COLUMN paidan.report_run.dir IS 'directory the report was written to';
COMMENT ON COLUMN paidan.report_run.started_at IS 'when the report run started';
COMMENT ON COLUMN paidan.report_run.finished_at IS 'when it finished; NULL while running';
COMMENT ON COLUMN paidan.report_run.status IS 'running, done or failed';
COMMENT ON COLUMN paidan.report_run.files IS 'files written, when done';
COMMENT ON COLUMN paidan.report_run.error IS 'why it failed, when failed';

-- +goose Down
REVOKE SELECT ON paidan.run_usage FROM paidan_reader;
DROP TABLE paidan.report_run;
