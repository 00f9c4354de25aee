// Package bench holds offrecord's real-stack benchmarks: prosody, Dendrite
// and the offrecord binary on loopback, driven by a mautrix-go Matrix client
// and mellium-based XMPP clients. The benchmarks live in the package's test
// files and start the stack only when one of them runs:
//
//	CGO_ENABLED=1 go test -tags goolm -run '^$' -bench . -benchtime 1x ./bench
//
// OFFRECORD_BENCH_MESSAGES (default 200) sets the messages per direction and
// phase, OFFRECORD_BENCH_ACCOUNTS (default 100) the accounts logged in for the
// memory figure, OFFRECORD_BENCH_OTR_MESSAGES (default 100) the messages per
// direction and mode of the OTR on/off benchmarks (-bench OTROnOff), and
// OFFRECORD_BENCH_KEEP=1 keeps the stack's folder (logs).
// See docs/performance.md for the method and the figures.
package bench
