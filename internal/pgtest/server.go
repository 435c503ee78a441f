package pgtest

import "github.com/paidan/paidan/internal/pgcluster"

// Server is a throwaway PostgreSQL cluster started outside any test: the
// same cluster New starts (internal/pgcluster), stopped and removed by
// Stop. Programs use internal/pgcluster directly, which links no testing
// code; Server remains for tests.
type Server struct {
	c *pgcluster.Cluster
}

// StartServer starts a cluster. Without server binaries the error says how
// to install them.
func StartServer() (*Server, error) {
	c, err := startCluster()
	if err != nil {
		return nil, err
	}
	return &Server{c: c}, nil
}

// URL returns the superuser DSN of the cluster's database "postgres".
func (s *Server) URL() string { return s.c.URL() }

// Dir returns the temporary directory holding the cluster's files.
func (s *Server) Dir() string { return s.c.Dir() }

// Stop shuts the server down at once and removes its files.
func (s *Server) Stop() error { return s.c.Stop() }
