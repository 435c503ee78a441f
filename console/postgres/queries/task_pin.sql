-- Sets task $1's pinned worker to $2 (NULL: unpinned).
UPDATE paidan.task SET pinned_worker = $2 WHERE id = $1
