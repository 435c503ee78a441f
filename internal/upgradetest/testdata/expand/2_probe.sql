-- A later release's expand migration, for the rolling-upgrade test only:
-- a new table referencing paidan.run, which takes SHARE ROW EXCLUSIVE on
-- run (writes of runs wait, briefly). Each transactional migration of the
-- set locks one existing table: a transaction that locks two hot tables
-- one after the other can deadlock with a write-back that locks them in
-- the other order.

-- +goose Up
CREATE TABLE paidan.upgrade_probe (
    run_id text PRIMARY KEY REFERENCES paidan.run (id),
    note   text NOT NULL DEFAULT ''
);
GRANT SELECT ON paidan.upgrade_probe TO paidan_reader;

-- +goose Down
DROP TABLE paidan.upgrade_probe;
