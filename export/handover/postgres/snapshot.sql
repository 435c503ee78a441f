-- The snapshot's time, the server's version and encoding, and the latest
-- applied migration (goose deletes a version's row when it is rolled back).
SELECT now() AS at, current_setting('server_version') AS server_version,
       current_setting('server_encoding') AS server_encoding,
       (SELECT coalesce(max(version_id), 0) FROM public.paidan_schema_version WHERE is_applied) AS schema_version
