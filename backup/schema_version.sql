-- The latest applied migration (goose deletes a version's row when it is
-- rolled back).
SELECT coalesce(max(version_id), 0) FROM public.paidan_schema_version WHERE is_applied
