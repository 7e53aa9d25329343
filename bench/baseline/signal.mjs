// signal.mjs PID [SIGNAL]: the baseline's "CLI": a node process that tells
// the manager to stop, so the baseline's stop pays one node start-up, as
// `mar down` does.
process.kill(Number(process.argv[2]), process.argv[3] ?? 'SIGTERM')
