-- Re-enqueue a dead push delivery: paidan.retry_delivery(job, actor,
-- address) puts one delivery that River discarded after its last failed
-- attempt (state 'discarded') back into its queue for one more attempt, and
-- appends delivery.retry to paidan.audit in the same transaction. It is the
-- one place this is done: "paidan subscriber retry" (as the schema owner)
-- and the console's dead-letter page (as paidan_console) both call it.
--
-- The update is River's own JobRetry on one row (state 'available',
-- finalized_at cleared, scheduled now, one attempt more than those made),
-- limited to deliveries (kind paidan_deliver) that are dead: a delivery
-- still queued, running or retried already is left alone (SQLSTATE 55000),
-- an unknown job is refused (P0002). The function is SECURITY DEFINER so
-- that the console needs no write privilege on River's tables. River's
-- tables are created after paidan's migrations; PL/pgSQL resolves them
-- when the function runs.
--
-- Expand only: a new function and its grant.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION paidan.retry_delivery(p_job bigint, p_actor text, p_address text DEFAULT '')
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j record;
BEGIN
    IF p_actor IS NULL OR p_actor = '' OR length(p_actor) > 300 THEN
        RAISE EXCEPTION 'paidan.retry_delivery: an actor is required (1-300 characters)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT id, state::text AS state, attempt, max_attempts, args->>'key' AS key,
           COALESCE(errors[array_length(errors, 1)]->>'error', '') AS last_error
    INTO j FROM paidan_river.river_job
    WHERE id = p_job AND kind = 'paidan_deliver'
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'paidan.retry_delivery: no delivery job %', p_job USING ERRCODE = 'no_data_found';
    END IF;
    IF j.state <> 'discarded' THEN
        RAISE EXCEPTION 'paidan.retry_delivery: delivery job % is %, not dead (discarded)', p_job, j.state
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE paidan_river.river_job
    SET state = 'available', finalized_at = NULL, scheduled_at = now(),
        max_attempts = greatest(max_attempts, attempt + 1),
        metadata = metadata - 'cancel_attempted_at'
    WHERE id = p_job;
    INSERT INTO paidan.audit (actor, action, target, before, after, address)
    VALUES (p_actor, 'delivery.retry', 'delivery:' || p_job,
            jsonb_build_object('job', p_job, 'key', j.key, 'state', j.state, 'attempts', j.attempt,
                               'max_attempts', j.max_attempts, 'last_error', left(j.last_error, 500)),
            jsonb_build_object('job', p_job, 'key', j.key, 'state', 'available',
                               'max_attempts', greatest(j.max_attempts, j.attempt + 1)),
            COALESCE(p_address, ''));
    RETURN j.key;
END
$$;
-- +goose StatementEnd
COMMENT ON FUNCTION paidan.retry_delivery(bigint, text, text) IS 'puts a dead (discarded) push delivery back in its queue for one more attempt and audits it (delivery.retry)';
REVOKE ALL ON FUNCTION paidan.retry_delivery(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION paidan.retry_delivery(bigint, text, text) TO paidan_console;

-- +goose Down
DROP FUNCTION paidan.retry_delivery(bigint, text, text);
