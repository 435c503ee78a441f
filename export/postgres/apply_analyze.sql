-- Temporary tables get no automatic statistics; the joins below need them.
ANALYZE pg_temp.paidan_apply
