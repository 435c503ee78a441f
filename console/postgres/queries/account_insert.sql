-- Creates an account; fails on a login that exists.
INSERT INTO paidan.account (login, display_name, role, password_hash, disabled)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, login, display_name, role, disabled, created_at, updated_at
