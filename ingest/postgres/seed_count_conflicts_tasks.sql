-- How many staged tasks have an id that is taken already.
SELECT count(*) FROM seed_task s JOIN paidan.task t ON t.id = s.id
