-- Audit entries, newest first: actor $1 and action $2 when not empty,
-- ids below $3 when it is not 0, at most $4.
SELECT id, at, actor, action, target, before, after, address
FROM paidan.audit
WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR action = $2) AND ($3 = 0 OR id < $3)
ORDER BY id DESC
LIMIT $4
