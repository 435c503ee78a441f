-- Row-locks every worker of the plan, in id order, until the write-back ends:
-- no other run or business update changes their load, capacity or active
-- flag meanwhile.
SELECT paidan.lock_workers(ARRAY(SELECT DISTINCT worker_id FROM pg_temp.paidan_apply))
