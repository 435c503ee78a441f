-- No deduplication on two unique-keyed indexes the write-back fills.
--
-- Every task the write-back assigns gets a new row version (never a HOT
-- update), so task_pkey receives a second entry with the same key. When a
-- leaf page fills, PostgreSQL first tries a bottom-up deletion pass (which
-- cannot free what the running transaction itself deleted) and then a
-- deduplication pass that merges the versions of each key into a posting
-- list; the page soon fills again and both passes run again.
-- assignment_by_run_task receives one new key per assignment, and each full
-- page gets a deduplication pass that finds nothing to merge before it
-- splits. Neither index ever holds two live rows with one key (task_pkey
-- is the primary key; (run_id, task_id) is assignment's primary key in the
-- other order), so deduplication only merges row versions, which VACUUM
-- removes anyway: without it a full page splits at once. Counted with
-- callgrind, the write-back executes 3.2% fewer server instructions at
-- 10,000 assignments and 3.7% fewer at 100,000 (README, "Write-back
-- benchmark"). The price is room:
-- task_pkey settles at about half as many pages again (117 against 79 for
-- 10,000 tasks, the same after four cycles of write-back, reset, VACUUM).
--
-- Expand only: a storage parameter that applies to later inserts. ALTER
-- INDEX SET takes SHARE UPDATE EXCLUSIVE on the index alone, so reads and
-- writes go on; existing entries and every query plan stay as they are.

-- +goose Up
ALTER INDEX paidan.task_pkey SET (deduplicate_items = off);
ALTER INDEX paidan.assignment_by_run_task SET (deduplicate_items = off);

-- +goose Down
ALTER INDEX paidan.assignment_by_run_task RESET (deduplicate_items);
ALTER INDEX paidan.task_pkey RESET (deduplicate_items);
