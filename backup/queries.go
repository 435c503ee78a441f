package backup

import _ "embed"

var (
	//go:embed snapshot.sql
	snapshotSQL string
	//go:embed tables.sql
	tablesSQL string
	//go:embed schema_version.sql
	schemaVersionSQL string
	//go:embed ledger_head.sql
	ledgerHeadSQL string
	//go:embed target_state.sql
	targetStateSQL string
)
