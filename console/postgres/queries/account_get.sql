-- The account with login $1 and its password hash.
SELECT id, login, display_name, role, disabled, created_at, updated_at, password_hash
FROM paidan.account WHERE login = $1
