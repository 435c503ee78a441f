-- Whether the schema has the report rollups (migration 00053).
SELECT to_regprocedure('paidan.report_rollup()') IS NOT NULL
