-- Token $1.
SELECT t.id, a.login AS account, t.name, t.role, t.prefix, t.created_at, t.expires_at, t.revoked_at
FROM paidan.api_token t JOIN paidan.account a ON a.id = t.account_id
WHERE t.id = $1
