-- Stores a new session, and drops every expired one (the table holds a
-- row per logged-in browser: small, and a login is rare).
WITH gone AS (
    DELETE FROM paidan.console_session WHERE expires_at <= now()
)
INSERT INTO paidan.console_session (id_hash, account_id, expires_at, address)
VALUES ($1, $2, $3, $4)
