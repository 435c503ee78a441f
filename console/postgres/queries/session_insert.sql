-- Stores a new session, and drops the account's expired ones.
WITH gone AS (
    DELETE FROM paidan.console_session WHERE account_id = $2 AND expires_at <= now()
)
INSERT INTO paidan.console_session (id_hash, account_id, expires_at, address)
VALUES ($1, $2, $3, $4)
