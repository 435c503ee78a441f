-- How many staged workers have an id that is taken already.
SELECT count(*) FROM seed_worker s JOIN paidan.worker w ON w.id = s.id
