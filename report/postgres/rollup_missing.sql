-- Applied runs the rollups do not hold yet (applied after the rollup that
-- preceded the report's snapshot).
SELECT count(*) FROM paidan.run r
WHERE r.status = 'applied' AND NOT EXISTS (SELECT FROM paidan.run_rollup x WHERE x.run_id = r.id)
