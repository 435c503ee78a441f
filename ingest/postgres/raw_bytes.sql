-- In an SQL_ASCII database, which stores any bytes unchecked, have the
-- server send text as stored instead of failing the whole query on the
-- first value that is not UTF-8; the loader then skips that row alone.
-- Reverts when the transaction ends.
SET LOCAL client_encoding = 'SQL_ASCII'
