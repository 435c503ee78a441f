-- Every account, by login.
SELECT id, login, display_name, role, disabled, created_at, updated_at
FROM paidan.account ORDER BY login
