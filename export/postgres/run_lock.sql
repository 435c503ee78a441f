-- Locks run $1 for the rest of the write-back and returns its state.
SELECT status, partition
FROM paidan.run
WHERE id = $1
FOR UPDATE
