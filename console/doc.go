// Package console is paidan's operations console and JSON API ("paidan
// serve"): HTML pages rendered on the server (they work without
// JavaScript) and /api/v1 endpoints over the same loaders, behind
// accounts with roles (viewer < planner < admin), sessions, API tokens,
// login rate limits and cross-origin protection, with every state change
// audited by the Store in the same transaction.
//
// It sits beside the pipeline, not in it: it reads what runs recorded
// (paidan.run, paidan.assignment, paidan.unassigned) and the tasks and
// workers, and changes only accounts, tokens, pins and pauses. The
// database is behind the Store interface; console/postgres implements it.
//
// Where each rule lives:
//
//	server.go    the route table: every endpoint and the role it needs; errors to statuses
//	auth.go      login, logout, session cookies, rate limits, safe redirects
//	role.go      roles and their order
//	password.go  argon2id hashes (PHC strings) and password rules
//	secret.go    session ids and API tokens, stored as SHA-256
//	accounts.go  creating accounts and tokens (validation, hashing) for the CLI and the server
//	admin.go     the accounts page's forms: roles, disabling, revoking API and worker tokens
//	workertokens.go  worker tokens: their shape, issue, and state (valid, expired, revoked)
//	decode.go    every query parameter and request body, validated (fuzzed)
//	data.go      the loaders both pages and API use
//	pages.go     templates, forms, the streamed CSV
//	api.go       the JSON endpoints
//
// A server:
//
//	srv, err := console.New(console.Options{Store: &postgres.Store{DB: db}})
//	if err != nil { ... }
//	http.ListenAndServe("127.0.0.1:8080", srv.Handler())
package console
