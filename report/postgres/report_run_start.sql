-- Records that a scheduled report of period $1 over [$2, $3) into $4
-- starts; returns its id, or no row when that period is reported already.
INSERT INTO paidan.report_run (period, range_from, range_to, dir)
SELECT $1, $2, $3, $4
WHERE NOT EXISTS (SELECT FROM paidan.report_run r WHERE r.period = $1 AND r.range_from = $2 AND r.status = 'done')
RETURNING id
