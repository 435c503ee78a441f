-- The operations console's tables: accounts, their sessions, API tokens,
-- the audit trail, and the partitions whose schedule a planner paused.
--
-- paidan_console is the NOLOGIN group role the console ("paidan serve")
-- runs with: an operator grants it to the console's login role,
--
--     CREATE ROLE paidan_web LOGIN PASSWORD '...' IN ROLE paidan_console;
--
-- It reads the dispatch tables, creates accounts and tokens and changes
-- only the columns the console sets (an account's role, disabled flag and
-- password; a token's revocation), starts and ends sessions, pauses and
-- resumes partitions, sets a task's pinned worker, and appends to the
-- audit trail. It deletes no account or token.
-- As with paidan_runtime (00003), the role is created only when missing and
-- the Down section leaves it, since roles belong to the whole cluster.
--
-- paidan.audit is append-only by privilege: no role but the schema owner
-- holds UPDATE, DELETE or TRUNCATE on it, and a trigger refuses even the
-- owner, so that a row once written is never changed.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'paidan_console') THEN
        BEGIN
            CREATE ROLE paidan_console NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            -- Another database of this cluster created it meanwhile. This
            -- transaction's catalog cache may still say it does not exist
            -- (the next GRANT would fail): fail as a serialization
            -- failure, which internal/pgschema retries in a new transaction.
            RAISE EXCEPTION 'role paidan_console was created by a migration of another database meanwhile'
                USING ERRCODE = 'serialization_failure';
        END;
    END IF;
END
$$;
-- +goose StatementEnd

-- account: a person who may use the console or the API. The password is an
-- argon2id hash in the PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
CREATE TABLE paidan.account (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text        NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    display_name  text        NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    role          text        NOT NULL CHECK (role IN ('admin', 'planner', 'viewer')),
    password_hash text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- console_session: a logged-in browser. id_hash is the SHA-256 of the
-- cookie's random value: a copy of this table does not log anyone in.
CREATE TABLE paidan.console_session (
    id_hash    bytea       PRIMARY KEY CHECK (length(id_hash) = 32),
    account_id bigint      NOT NULL REFERENCES paidan.account (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    address    text        NOT NULL DEFAULT '' CHECK (length(address) <= 200),
    CONSTRAINT console_session_expires_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX console_session_by_account ON paidan.console_session (account_id);

-- api_token: a bearer token for the JSON API, belonging to an account and
-- scoped to a role no higher than the account's. Only its SHA-256 is kept;
-- prefix (its first characters) lets a person tell tokens apart.
CREATE TABLE paidan.api_token (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint      NOT NULL REFERENCES paidan.account (id) ON DELETE CASCADE,
    name       text        NOT NULL CHECK (name <> '' AND length(name) <= 200),
    role       text        NOT NULL CHECK (role IN ('admin', 'planner', 'viewer')),
    hash       bytea       NOT NULL UNIQUE CHECK (length(hash) = 32),
    prefix     text        NOT NULL CHECK (length(prefix) <= 20),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CONSTRAINT api_token_expires_after_creation CHECK (expires_at > created_at)
);

-- audit: every state change made through the console, the API or the
-- account commands, written in the same transaction as the change.
-- actor is "account:LOGIN", "token:ID:LOGIN", "shell:USER" or "anonymous";
-- before and after are the changed object as JSON (NULL when it did not
-- exist before or does not after).
CREATE TABLE paidan.audit (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor   text        NOT NULL CHECK (actor <> '' AND length(actor) <= 300),
    action  text        NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    target  text        NOT NULL DEFAULT '' CHECK (length(target) <= 300),
    before  jsonb,
    after   jsonb,
    address text        NOT NULL DEFAULT '' CHECK (length(address) <= 200)
);
CREATE INDEX audit_at ON paidan.audit (at DESC);
-- The login rate limits count recent failures by login and by address.
CREATE INDEX audit_login_failure_by_target ON paidan.audit (target, at) WHERE action = 'login.failure';
CREATE INDEX audit_login_failure_by_address ON paidan.audit (address, at) WHERE action = 'login.failure';

-- +goose StatementBegin
CREATE FUNCTION paidan.audit_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'paidan.audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON paidan.audit
    FOR EACH STATEMENT EXECUTE FUNCTION paidan.audit_append_only();

-- partition_pause: a partition whose scheduled runs a planner paused. A
-- scheduler skips a partition listed here; resuming deletes the row.
CREATE TABLE paidan.partition_pause (
    partition text        PRIMARY KEY CHECK (partition <> '' AND length(partition) <= 200),
    paused_by text        NOT NULL CHECK (length(paused_by) <= 300),
    paused_at timestamptz NOT NULL DEFAULT now(),
    note      text        NOT NULL DEFAULT '' CHECK (length(note) <= 2000)
);

COMMENT ON TABLE paidan.account IS 'console and API accounts; passwords as argon2id hashes';
COMMENT ON TABLE paidan.console_session IS 'logged-in console sessions, by the SHA-256 of the cookie value';
COMMENT ON TABLE paidan.api_token IS 'API bearer tokens, by their SHA-256; role-scoped, revocable, expiring';
COMMENT ON TABLE paidan.audit IS 'append-only trail of every state change made through the console, the API and the account commands';
COMMENT ON TABLE paidan.partition_pause IS 'partitions whose scheduled runs are paused';

REVOKE ALL ON paidan.audit FROM PUBLIC;
GRANT USAGE ON SCHEMA paidan TO paidan_console;
GRANT SELECT ON paidan.task, paidan.worker, paidan.run, paidan.assignment, paidan.unassigned TO paidan_console;
-- Pinning: the one task column a planner sets from the console.
GRANT UPDATE (pinned_worker) ON paidan.task TO paidan_console;
-- Exactly what console/postgres does: no role but the owner deletes an
-- account or a token (that would cascade without an audit entry), and
-- sessions and pauses are only inserted and deleted.
GRANT SELECT, INSERT ON paidan.account, paidan.console_session, paidan.api_token,
    paidan.partition_pause TO paidan_console;
GRANT UPDATE (role, disabled, password_hash, updated_at) ON paidan.account TO paidan_console;
GRANT UPDATE (revoked_at) ON paidan.api_token TO paidan_console;
GRANT DELETE ON paidan.console_session, paidan.partition_pause TO paidan_console;
GRANT SELECT, INSERT ON paidan.audit TO paidan_console;
-- A scheduler reads which partitions are paused.
GRANT SELECT ON paidan.partition_pause TO paidan_runtime;

-- +goose Down
DROP TABLE paidan.partition_pause;
DROP TABLE paidan.audit;
DROP FUNCTION paidan.audit_append_only();
DROP TABLE paidan.api_token;
DROP TABLE paidan.console_session;
DROP TABLE paidan.account;
REVOKE ALL ON paidan.task, paidan.worker, paidan.run, paidan.assignment, paidan.unassigned FROM paidan_console;
REVOKE ALL ON SCHEMA paidan FROM paidan_console;
