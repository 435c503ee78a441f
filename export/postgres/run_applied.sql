-- Whether run $1 was applied.
SELECT EXISTS (SELECT FROM paidan.run WHERE id = $1 AND status = 'applied')
