-- Failed logins since $3 for login $1 and from address $2.
SELECT
    (SELECT count(*) FROM paidan.audit WHERE action = 'login.failure' AND target = $1 AND at >= $3) AS by_login,
    (SELECT count(*) FROM paidan.audit WHERE action = 'login.failure' AND address = $2 AND at >= $3) AS by_address
