-- Worker $1's partition.
SELECT partition FROM paidan.worker WHERE id = $1
