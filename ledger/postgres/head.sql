-- The stored chain head.
SELECT seq, hash FROM paidan.ledger_head
