-- Memory for the write-back's sorts and hashes, for this transaction only:
-- at the default 4MB, ranking 100k assignments spills to disk.
SET LOCAL work_mem = '64MB'
