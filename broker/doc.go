// Package broker is orgsync as a service a municipality runs every day:
// clients (directories) synced on their own rhythm from one organisation
// snapshot, paused and resumed, year-roll locks per institution, approvals
// for plans a safety threshold refused, and a keep-alive list, with its
// state in a Store (the embedded FileStore by default).
package broker
