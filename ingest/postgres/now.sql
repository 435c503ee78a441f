-- The planning instant, the start of the load's transaction whose snapshot
-- every other query of the load shares, and the database's encoding.
SELECT now() AS as_of, current_setting('server_encoding') AS server_encoding
