-- Rolls up every applied run not yet rolled up (see migration 00053).
SELECT paidan.report_rollup()
