-- The chain head: the last entry.
SELECT seq, hash FROM paidan.ledger ORDER BY seq DESC LIMIT 1
