-- Revokes token $1 unless it is revoked already.
UPDATE paidan.api_token t SET revoked_at = now()
FROM paidan.account a
WHERE t.id = $1 AND t.revoked_at IS NULL AND a.id = t.account_id
RETURNING t.id, a.login AS account, t.name, t.role, t.prefix, t.created_at, t.expires_at, t.revoked_at
