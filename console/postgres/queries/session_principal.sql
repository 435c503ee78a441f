-- The enabled account of session $1, if it has not expired at $2.
SELECT a.id, a.login, a.display_name, a.role
FROM paidan.console_session s
JOIN paidan.account a ON a.id = s.account_id
WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT a.disabled
