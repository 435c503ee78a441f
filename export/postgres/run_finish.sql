-- Finishes run $1 of partition $2 (recording it first when it is new) with
-- status $3 ('failed' or 'skipped') and its figures.
SELECT paidan.finish_run($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
