// dist/daemon.js: the background daemon that `mar up` and `mar daemon start`
// launch. Kept apart from the oclif CLI so the long-lived process loads only
// what it needs.
import {runDaemon} from './main.js'

const code = await runDaemon({foreground: false})
process.exit(code)
