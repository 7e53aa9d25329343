// A DaemonClient to a remote host's own mar daemon: make sure the host has
// this mar's agent (agent-install.ts), then speak the protocol over
// `ssh … HOST exec node …/mar.cjs daemon dial-stdio` (src/api/transports.ts
// connectCommand), which starts the host's daemon when none runs there. The
// daemon is detached on the host: a dropped ssh leaves it (and what it
// supervises) running, and the next connectHost reaches the same one.
import type {DaemonClient} from '../api/client.js'
import {connectCommand} from '../api/transports.js'
import {agentLine, ensureAgent, type EnsureAgentOptions} from './agent-install.js'
import {explainSshFailure, resolveDestination, sshCommand, type SshHost} from './ssh.js'

export interface ConnectHostOptions extends EnsureAgentOptions {
  /** For the hello of the host's daemon, which may have to start first (default 30 s). */
  helloTimeoutMs?: number
}

export async function connectHost(host: SshHost, options: ConnectHostOptions): Promise<DaemonClient> {
  const agent = await ensureAgent(host, options)
  const {file, args} = sshCommand(host, options, agentLine(agent.version))
  return connectCommand(file, args, {
    timeoutMs: options.helloTimeoutMs ?? 30_000,
    peer: `mar's agent on host ${host.name}`,
    // 255: ssh's own failure (the link went between the probe and now); other codes are the agent's, said as they are.
    explain: (stderr, code) => (code === 255 ? explainSshFailure(host, stderr, code, resolveDestination(host, options)) : null),
  })
}
