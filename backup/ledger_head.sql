-- The run ledger's head: its last entry (none when it is empty).
SELECT seq, encode(hash, 'hex') AS hash FROM paidan.ledger ORDER BY seq DESC LIMIT 1
