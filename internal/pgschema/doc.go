// Package pgschema owns paidan's PostgreSQL schema: versioned SQL migrations
// embedded in the binary and applied with pressly/goose.
//
// Every other package that talks to PostgreSQL assumes the schema that
// Up leaves. "paidan migrate" applies it in production; internal/pgtest
// applies it to each test database.
//
// Migrations live in migrations/NNNNN_name.sql with goose's "-- +goose Up"
// and "-- +goose Down" sections. Each runs in its own transaction, and the
// applied versions are recorded in the table public.paidan_schema_version
// (outside the paidan schema, which the first migration creates).
package pgschema
