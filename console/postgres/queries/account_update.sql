-- Writes an account's role, disabled flag and password hash.
UPDATE paidan.account
SET role = $2, disabled = $3, password_hash = $4, updated_at = now()
WHERE id = $1
RETURNING id, login, display_name, role, disabled, created_at, updated_at
