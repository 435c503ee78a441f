-- Ends every session of account $1.
DELETE FROM paidan.console_session WHERE account_id = $1
