// Package river runs paidan's jobs on River (github.com/riverqueue/river),
// a job queue in PostgreSQL, over database/sql and lib/pq
// (riverdatabasesql). Its one job today is push: delivering every applied
// run to the subscribers configured in paidan.subscriber.
//
//	write-back tx: apply_run ──► Publisher.PublishTx (River InsertManyTx) ──► COMMIT
//	                                                    │
//	                 queue "deliver" ◄──────────────────┘
//	                      │
//	              DeliverWorker ──► push.Sender (signed POST) ──► subscriber
//
// Transactional enqueue. jobs/postgres.Writer, given a Publisher, writes a
// run back in a transaction it opens on the connection that holds the
// partition's lock: paidan.apply_run, then PublishTx, which inserts one
// delivery job per subscriber (one per event for a subscriber that asked
// for single events) in the same transaction, then COMMIT. A delivery job
// exists if and only if the decision committed.
//
// Delivery. A DeliverWorker reads the subscriber's URL and secret when it
// works the job (a subscriber removed meanwhile cancels it), builds the
// push.Delivery body, and posts it signed. A failed attempt (no answer,
// non-2xx) is retried with Backoff (exponential with jitter) up to
// Options.MaxAttempts; then River discards the job: the dead-letter state,
// which DeadDeliveries lists and Collector counts for /metrics, and which
// RetryDelivery (paidan.retry_delivery) puts back for one more attempt,
// audited. A delivery
// is made at least once; its Idempotency-Key lets the receiver drop
// repeats.
//
// Ordering. Every body carries a Sequence, the job's id: runs of one
// partition never overlap and each enqueues under that partition's lock, so
// a partition's deliveries have increasing sequences in the order its runs
// were applied. Retries may overtake each other; a receiver keeps a
// worker's state in order by applying a delivery only when its sequence is
// above the last one applied for that partition.
//
// Announcement. PublishTx also sends pg_notify on NotifyChannel in the
// write-back's transaction: LISTENers hear of a run when it commits.
//
// Privileges. River's tables live in schema paidan_river (migration 00050
// and River's own migrations, which internal/pgschema runs). The runtime
// role enqueues and works jobs with row access only; the Client never
// reindexes (that needs the tables' owner).
package river
