// `npm run bench`: every speed and memory goal, as ratios against a baseline
// measured in the same run. BENCH_ONLY=startup,daemon,protocol,config,remote,tui picks sections
// (remote: two sshd on loopback; skipped, saying why, without sshd or root;
// tui: `mar ui` in tmux; skipped, saying why, without tmux or the TUI).
import {benchStartup} from './startup.mjs'
import {benchDaemon} from './daemon.mjs'
import {benchProtocol} from './protocol.mjs'
import {benchConfigScale} from './config-scale.mjs'
import {benchRemote} from './remote.mjs'
import {benchTui} from './tui.mjs'

const only = new Set((process.env.BENCH_ONLY ?? 'startup,daemon,protocol,config,remote,tui').split(','))
const startup = only.has('startup') ? benchStartup() : undefined
if (only.has('daemon')) await benchDaemon({startup})
if (only.has('protocol')) await benchProtocol()
if (only.has('config')) benchConfigScale()
if (only.has('remote')) await benchRemote()
if (only.has('tui')) await benchTui()
