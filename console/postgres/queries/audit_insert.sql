-- Appends an audit entry.
INSERT INTO paidan.audit (actor, action, target, before, after, address)
VALUES ($1, $2, $3, $4, $5, $6)
