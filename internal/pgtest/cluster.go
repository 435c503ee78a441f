package pgtest

import (
	"errors"
	"fmt"

	"github.com/paidan/paidan/internal/pgcluster"
)

// clusterSuperuser is the superuser of a throwaway cluster.
const clusterSuperuser = pgcluster.Superuser

// startCluster starts a throwaway cluster (internal/pgcluster). Without
// server binaries the error also names EnvURL, the other way to give tests
// a server.
func startCluster() (*pgcluster.Cluster, error) {
	c, err := pgcluster.Start()
	if errors.Is(err, pgcluster.ErrNoBinaries) {
		return nil, fmt.Errorf("%w, or set %s to a superuser DSN of a running server", err, EnvURL)
	}
	return c, err
}
