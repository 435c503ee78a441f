// Package ledger is the tamper-evident run ledger: the canonical encoding
// of a finished run's figures and rows, the SHA-256 chain of entries that
// PostgreSQL appends at every run's commit, the check that recomputes the
// chain from the stored rows, and Ed25519 signatures over the chain head.
//
// The database computes each entry when a run finishes (migration
// 00021_ledger.sql); this package computes the same bytes again, from the
// rows alone, without calling any of the database's functions, so a schema
// owner who rewrites rows (with triggers disabled) cannot also rewrite the
// check. A signed head published outside the database (SignHead,
// VerifyHead) covers the one remaining gap: rewriting the whole chain.
//
// The encoding, which anyone can reimplement from the README's "Run ledger"
// section:
//
//	field      = 0x00 (NULL) | 0x01 value
//	text/bytes = uint32 length, then the bytes (text as UTF-8)
//	integer    = int64; float = IEEE 754 binary64; boolean = one byte 0/1
//	timestamp  = int64 microseconds since 1970-01-01T00:00:00Z
//	(all big-endian)
//
// Where each rule lives: encoding.go the field encoding; digests.go the run,
// assignment and unassigned digests; entry.go the entry hash; chain.go the
// checks of a chain against recomputed digests; sign.go the signed head.
//
// Package ledger imports the standard library alone; ledger/postgres reads
// the rows and feeds them to it.
package ledger
