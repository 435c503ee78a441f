// Package upgradetest holds the rolling-upgrade test: it builds the
// previous release of paidan from its commit, runs that release's
// schedulers and a business writer against a real PostgreSQL server, and
// migrates the schema and rolls the schedulers forward to the code under
// test and back, measuring how long the write-back and the business
// statements stall meanwhile. The package has no code of its own; see
// rolling_test.go, and scripts/upgrade-test for the figures.
package upgradetest
