-- run_usage: what each run cost the engine, recorded by the process that ran
-- it from the Go runtime: CPU seconds (user + system, of the process, over
-- the run), the peak of the memory the Go runtime held during the run, and
-- the seconds each stage took ({"load": 0.12, "plan": 1.5, ...}). One row per
-- run, written once when the run ends; reports read it beside paidan.run.
-- It is a table of its own rather than columns of paidan.run because a run
-- is final once it leaves 'running' (run_guard) and its usage is only known
-- after that.

-- +goose Up
CREATE TABLE paidan.run_usage (
    run_id            text        PRIMARY KEY REFERENCES paidan.run (id),
    cpu_seconds       double precision NOT NULL CHECK (cpu_seconds >= 0 AND cpu_seconds < 'Infinity'),
    peak_memory_bytes bigint      NOT NULL CHECK (peak_memory_bytes >= 0),
    stages            jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(stages) = 'object'),
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE paidan.run_usage IS 'CPU seconds, peak memory and stage durations of each run, from the Go runtime';
-- Append-only by privilege: the runtime role inserts a run's row once.
GRANT SELECT, INSERT ON paidan.run_usage TO paidan_runtime;

-- +goose Down
DROP TABLE paidan.run_usage;
