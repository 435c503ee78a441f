-- Ends session $1 and names its account.
DELETE FROM paidan.console_session s
USING paidan.account a
WHERE s.id_hash = $1 AND a.id = s.account_id
RETURNING a.login
