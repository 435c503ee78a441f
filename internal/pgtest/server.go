package pgtest

import "fmt"

// Server is a throwaway PostgreSQL cluster started outside any test, for
// "paidan demo": the same cluster New starts (local server binaries, a
// temporary directory, a free loopback port, fsync off; as the postgres or
// nobody user when the process runs as root), stopped and removed by Stop.
type Server struct {
	c *cluster
}

// StartServer starts a cluster. Without server binaries the error says how
// to install them.
func StartServer() (*Server, error) {
	c, err := startCluster()
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	return &Server{c: c}, nil
}

// URL returns the superuser DSN of the cluster's database "postgres".
func (s *Server) URL() string {
	return "postgres://" + clusterSuperuser + "@127.0.0.1:" + s.c.port + "/postgres?sslmode=disable"
}

// Dir returns the temporary directory holding the cluster's files.
func (s *Server) Dir() string { return s.c.dir }

// Stop shuts the server down at once and removes its files.
func (s *Server) Stop() error { return s.c.stop() }
