-- The planning instant: the start of the load's transaction, whose snapshot
-- every other query of the load shares.
SELECT now() AS as_of
