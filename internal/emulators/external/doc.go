// Package emulators starts the wire-protocol AWS emulators that install.sh
// installs from npm (DynamoDB Local on Java, fauxqs on Node 22) as child
// processes that die with this one: for the integration suite (emutest) and,
// on request, for make run.
package external
