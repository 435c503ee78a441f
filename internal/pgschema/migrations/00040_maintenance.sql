-- Announced maintenance windows, and the schema version readable by every
-- role.
--
-- maintenance: a window an operator announced with "paidan maintenance
-- announce". The console shows an active or upcoming window as a banner,
-- the scheduler's metrics expose it (paidan_maintenance_active), and "paidan
-- schedule" skips the window's partition (every partition when partition is
-- NULL) while it lasts and resumes by itself afterwards. A cancelled window
-- keeps its row (cancelled_at set); every announcement and cancellation is
-- appended to paidan.audit in the same transaction.
--
-- The version table: every paidan command checks at connect that the
-- database's schema version is inside the window its binary supports, as
-- whatever role it connects with, so SELECT on it goes to PUBLIC. It holds
-- migration numbers and times only.
--
-- Expand only: a new table and grants; nothing that runs today changes.

-- +goose Up
CREATE TABLE paidan.maintenance (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    partition    text        CHECK (partition <> '' AND length(partition) <= 200),
    message      text        NOT NULL CHECK (message <> '' AND length(message) <= 2000),
    announced_by text        NOT NULL CHECK (announced_by <> '' AND length(announced_by) <= 300),
    announced_at timestamptz NOT NULL DEFAULT now(),
    cancelled_by text        CHECK (length(cancelled_by) <= 300),
    cancelled_at timestamptz,
    CONSTRAINT maintenance_ends_after_start CHECK (ends_at > starts_at),
    CONSTRAINT maintenance_cancel_whole CHECK ((cancelled_at IS NULL) = (cancelled_by IS NULL))
);
CREATE INDEX maintenance_open ON paidan.maintenance (ends_at) WHERE cancelled_at IS NULL;
COMMENT ON TABLE paidan.maintenance IS 'announced maintenance windows; a scheduler skips the partition (all when NULL) during one';

GRANT SELECT ON paidan.maintenance TO paidan_runtime;
GRANT SELECT, INSERT, UPDATE (cancelled_by, cancelled_at) ON paidan.maintenance TO paidan_console;
GRANT SELECT ON paidan_schema_version TO PUBLIC;

-- +goose Down
REVOKE SELECT ON paidan_schema_version FROM PUBLIC;
DROP TABLE paidan.maintenance;
