-- Stores a token of account $1.
INSERT INTO paidan.api_token (account_id, name, role, hash, prefix, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, created_at
