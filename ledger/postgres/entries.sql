-- The ledger, in chain order.
SELECT seq, run_id, recorded_at, run_digest, assignment_count, assignment_digest,
       unassigned_count, unassigned_digest, prev_hash, hash
FROM paidan.ledger
ORDER BY seq
