// Package paidan holds the domain types of the paidan dispatch engine:
// tasks, workers, rules, batches, plans and their explanations.
//
// Every stage of the pipeline speaks these types:
//
//	source ──► ingest ──► model ──► solver ──► plan ──► write-back ──► export
//
// ingest/* turns rows into a *Batch, model turns a Batch and Rules into a
// solver network and the solution back into a *Plan, and export/* writes the
// Plan out. The package imports only the standard library so that every
// stage can depend on it without cycles. Values here are plain data: no
// struct tags, no database or file handles.
package paidan
