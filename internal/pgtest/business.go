package pgtest

import "github.com/paidan/paidan/internal/pgbusiness"

// Business is internal/pgbusiness.Business, the simulated business
// systems around paidan, for tests.
type Business = pgbusiness.Business

// BusinessChanges is internal/pgbusiness.BusinessChanges.
type BusinessChanges = pgbusiness.BusinessChanges
