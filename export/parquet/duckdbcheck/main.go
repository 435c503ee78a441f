package main

import (
	"database/sql"
	"fmt"
	"os"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		panic(err)
	}
	for _, f := range []string{"assignments", "unassigned", "workers", "summary"} {
		rows, err := db.Query(fmt.Sprintf("DESCRIBE SELECT * FROM read_parquet('%s/%s.parquet')", os.Args[1], f))
		if err != nil {
			panic(err)
		}
		cols, _ := rows.Columns()
		fmt.Println(f, cols)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Println(vals[0], vals[1])
		}
	}
	r := db.QueryRow("SELECT as_of::VARCHAR, region FROM read_parquet('" + os.Args[1] + "/summary.parquet') LIMIT 1")
	var a, b sql.NullString
	fmt.Println(r.Scan(&a, &b), a, b)
	r = db.QueryRow("SELECT * FROM parquet_kv_metadata('" + os.Args[1] + "/summary.parquet') LIMIT 1")
	var k, v, fn sql.NullString
	fmt.Println(r.Scan(&fn, &k, &v), fn, k, v)
}
