-- Failed logins within the last $3 seconds for login $1 and from address
-- $2, by the database's clock (paidan.audit.at is clock_timestamp()).
SELECT
    (SELECT count(*) FROM paidan.audit WHERE action = 'login.failure' AND target = $1
        AND at >= clock_timestamp() - make_interval(secs => $3)) AS by_login,
    (SELECT count(*) FROM paidan.audit WHERE action = 'login.failure' AND address = $2
        AND at >= clock_timestamp() - make_interval(secs => $3)) AS by_address
