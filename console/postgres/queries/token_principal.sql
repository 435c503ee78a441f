-- The enabled account of the unrevoked token with hash $1, if it has not
-- expired at $2, with the token's id and role.
SELECT a.id, a.login, a.display_name, a.role AS account_role, t.id AS token_id, t.role AS token_role
FROM paidan.api_token t
JOIN paidan.account a ON a.id = t.account_id
WHERE t.hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND NOT a.disabled
