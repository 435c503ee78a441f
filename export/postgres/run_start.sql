-- Records run $1 of partition $2 as running (started at $3, or now() when
-- NULL); false when a run with that id exists already.
SELECT paidan.start_run($1, $2, $3)
