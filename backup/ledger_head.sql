-- The run ledger's head.
SELECT seq, encode(hash, 'hex') AS hash FROM paidan.ledger_head
