// Putting mar's agent on a remote host: one fixed probe line asks the host
// for its Node.js version and the sha256 of the bundle installed for this
// mar's VERSION (computed by that node); when the bundle is missing or
// another build, one fixed install line takes it on stdin. Both go over the
// ControlMaster that the link then uses (src/remote/ssh.ts).
//
// Nothing from a config file reaches the remote shell: the lines below are
// constants, with only VERSION and the hash filled in, each checked against
// a strict pattern first. The shell there is the user's login shell, run
// with -c by sshd: the lines are plain POSIX sh.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {createHash} from 'node:crypto'
import {packageRoot} from '../api/daemon-process.js'
import {MarError} from '../util/errors.js'
import {marVersion} from '../util/version.js'
import {explainSshFailure, resolveDestination, sshCommand, type SshHost, type SshOptions} from './ssh.js'

/** The agent needs what mar needs. */
export const MIN_NODE_MAJOR = 20

const VERSION_PATTERN = /^[0-9A-Za-z.+-]+$/
const HASH_PATTERN = /^[0-9a-f]{64}$/

/** `exec node "${MAR_HOME:-$HOME/.mar}/agent/VERSION/mar.cjs" daemon dial-stdio`: the one line a link runs. */
export function agentLine(version: string): string {
  checkVersion(version)
  return `exec node "\${MAR_HOME:-$HOME/.mar}/agent/${version}/mar.cjs" daemon dial-stdio`
}

// Run by the host's node (`node -e`), inside single quotes: no single quote in
// it, and plain ES5 so that an old node still runs it and says its version.
const HASH_JS =
  'var f=process.argv[1],h="none";' +
  'try{h=require("crypto").createHash("sha256").update(require("fs").readFileSync(f)).digest("hex")}catch(e){}' +
  'process.stdout.write("mar-probe hash "+h+"\\n")'

/**
 * The probe: no node → its PATH (for the error); else node's version, then
 * the installed bundle's sha256 ("none" when there is none).
 */
export function probeLine(version: string): string {
  checkVersion(version)
  return (
    `if ! command -v node >/dev/null 2>&1; then printf 'mar-probe no-node %s\\n' "$PATH"; exit 0; fi; ` +
    `printf 'mar-probe node %s\\n' "$(node --version)"; ` +
    `exec node -e '${HASH_JS}' "\${MAR_HOME:-$HOME/.mar}/agent/${version}/mar.cjs"`
  )
}

// The install, run by the host's node: stdin → a temp file beside mar.cjs
// (directories 0700, file 0600), its sha256 checked, then renamed into
// place. On any failure (a full disk, a damaged upload) the temp file is
// removed and whatever mar.cjs was there stays as it was. Leftover temp
// files of an install that was killed are removed by the next one.
const INSTALL_JS = [
  'var fs=require("fs"),path=require("path"),crypto=require("crypto");',
  'var dir=process.argv[1],want=process.argv[2],dest=path.join(dir,"mar.cjs"),tmp=path.join(dir,".mar.cjs.tmp-"+process.pid),fd=null;',
  'function fail(e){try{if(fd!==null)fs.closeSync(fd)}catch(x){}try{fs.unlinkSync(tmp)}catch(x){}',
  'process.stderr.write("mar-install: failed: "+(e&&e.code?e.code+" ":"")+String(e&&e.message||e).split("\\n")[0]+"\\n");process.exit(1)}',
  'try{fs.mkdirSync(dir,{recursive:true,mode:448});',
  'fs.readdirSync(dir).forEach(function(n){if(n.indexOf(".mar.cjs.tmp-")===0){try{fs.unlinkSync(path.join(dir,n))}catch(x){}}});',
  'fd=fs.openSync(tmp,"wx",384)}catch(e){fail(e)}',
  'var hash=crypto.createHash("sha256"),size=0;',
  'process.stdin.on("data",function(c){hash.update(c);size+=c.length;try{var o=0;while(o<c.length)o+=fs.writeSync(fd,c,o,c.length-o)}catch(e){fail(e)}});',
  'process.stdin.on("error",fail);',
  'process.stdin.on("end",function(){try{fs.fsyncSync(fd);fs.closeSync(fd);fd=null;var got=hash.digest("hex");',
  'if(got!==want)throw new Error("the upload arrived damaged ("+size+" bytes, sha256 "+got+")");',
  'fs.renameSync(tmp,dest);process.stdout.write("mar-install: ok "+size+"\\n")}catch(e){fail(e)}});',
].join('')

/** The install: the bundle on stdin, into ${MAR_HOME:-$HOME/.mar}/agent/VERSION/mar.cjs once its hash is right. */
export function installLine(version: string, hash: string): string {
  checkVersion(version)
  if (!HASH_PATTERN.test(hash)) throw new MarError('internal', `not a sha256: ${JSON.stringify(hash)}`)
  return `umask 077 && exec node -e '${INSTALL_JS}' "\${MAR_HOME:-$HOME/.mar}/agent/${version}" ${hash}`
}

function checkVersion(version: string): void {
  if (!VERSION_PATTERN.test(version)) throw new MarError('internal', `mar's version ${JSON.stringify(version)} cannot name the agent's directory`)
}

/** The agent this mar would install: dist/agent.cjs and the sha256 the build wrote beside it. */
export interface LocalAgent {
  version: string
  /** dist/agent.cjs */
  path: string
  /** From dist/agent.sha256. */
  hash: string
}

export function localAgent(root: string = packageRoot()): LocalAgent {
  const path = join(root, 'dist', 'agent.cjs')
  let hash: string
  try {
    hash = readFileSync(join(root, 'dist', 'agent.sha256'), 'utf8').trim()
  } catch {
    throw new MarError('not-available', `mar's agent for remote hosts is not built (${join(root, 'dist', 'agent.sha256')} is missing)`, {hint: 'run npm run build'})
  }
  if (!HASH_PATTERN.test(hash)) throw new MarError('internal', `${join(root, 'dist', 'agent.sha256')} does not hold a sha256`)
  return {version: marVersion(), path, hash}
}

export interface EnsureAgentOptions extends SshOptions {
  /** The bundle to install (default: this package's dist/agent.cjs). */
  agent?: LocalAgent
  /** For each ssh run (default 60 s: an upload over a slow link). */
  timeoutMs?: number
}

export interface AgentState {
  /** mar's version the agent is (its directory on the host). */
  version: string
  /** The host's Node.js version, e.g. "v20.20.2". */
  node: string
  /** Whether it was uploaded now (false: the host had this very build). */
  installed: boolean
}

/** Make sure the host has this mar's agent, uploading it when it is missing or another build. */
export async function ensureAgent(host: SshHost, options: EnsureAgentOptions): Promise<AgentState> {
  const agent = options.agent ?? localAgent()
  const probe = await runSsh(host, options, probeLine(agent.version))
  const said = probe.stdout.split('\n')
  const noNode = said.find((line) => line.startsWith('mar-probe no-node '))
  if (noNode !== undefined) {
    throw new MarError('host-no-node', `${host.name}: no Node.js on the host (PATH ${noNode.slice('mar-probe no-node '.length) || '(empty)'}); mar's agent needs Node.js >= ${MIN_NODE_MAJOR}`, {
      hint: 'install it there (on the PATH of a non-interactive ssh session)',
      details: {host: host.name},
    })
  }
  const node = said.find((line) => line.startsWith('mar-probe node '))?.slice('mar-probe node '.length).trim()
  if (node === undefined) throw sshError(host, options, probe, 'the probe of its Node.js')
  const major = Number(node.match(/^v(\d+)\./)?.[1])
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new MarError('host-node-too-old', `${host.name}: found Node.js ${node || '(no version)'} on the host; mar's agent needs Node.js >= ${MIN_NODE_MAJOR}`, {
      hint: 'install a newer one there (first on the PATH of a non-interactive ssh session)',
      details: {host: host.name, node},
    })
  }
  const installedHash = said.find((line) => line.startsWith('mar-probe hash '))?.slice('mar-probe hash '.length).trim()
  if (installedHash === undefined) throw sshError(host, options, probe, 'the probe of its installed agent')
  if (installedHash === agent.hash) return {version: agent.version, node, installed: false}

  const bundle = readFileSync(agent.path)
  if (createHash('sha256').update(bundle).digest('hex') !== agent.hash) {
    throw new MarError('agent-install-failed', `${agent.path} does not match its sha256 file`, {hint: 'rebuild mar (npm run build)'})
  }
  const install = await runSsh(host, options, installLine(agent.version, agent.hash), bundle)
  if (install.code === 0 && /^mar-install: ok /m.test(install.stdout)) return {version: agent.version, node, installed: true}
  const failed = install.stderr.match(/^mar-install: failed: (.*)$/m)?.[1]
  if (failed !== undefined) {
    const why = /^(ENOSPC|EDQUOT)\b/.test(failed) ? 'no space left on the device' : failed
    throw new MarError('agent-install-failed', `${host.name}: cannot install mar's agent in ${'${MAR_HOME:-$HOME/.mar}'}/agent/${agent.version}: ${why}`, {
      hint: 'nothing was left half-written; free some space there (or fix the cause) and try again',
      details: {host: host.name, reason: failed},
    })
  }
  throw sshError(host, options, install, "the upload of mar's agent")
}

interface SshRun {
  code: number | null
  stdout: string
  stderr: string
}

function sshError(host: SshHost, options: SshOptions, run: SshRun, what: string): MarError {
  // 255 is ssh's own failure (no connection, no login, a host key); anything else came from the host's shell.
  if (run.code === 255 || run.code === null) return explainSshFailure(host, run.stderr, run.code, resolveDestination(host, options))
  const last = run.stderr.trim().split('\n').at(-1)
  return new MarError('ssh-failed', `${host.name}: ${what} failed (exit ${run.code})${last ? `: ${last}` : ''}`, {details: {host: host.name, stderr: run.stderr.slice(-2000)}})
}

/** Run one fixed line on the host; `input` goes to its stdin. */
async function runSsh(host: SshHost, options: EnsureAgentOptions, line: string, input?: Buffer): Promise<SshRun> {
  const {file, args} = sshCommand(host, options, line)
  const {spawn} = await import('node:child_process')
  const timeoutMs = options.timeoutMs ?? 60_000
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < 65_536) stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 65_536) stderr += chunk.toString('utf8')
    })
    // A host that went away mid-upload: the exit code tells, not an EPIPE here.
    child.stdin.on('error', () => {})
    if (input) child.stdin.end(input)
    else child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(new MarError('ssh-failed', `cannot run ssh: ${error.message}`, {hint: 'install OpenSSH (the ssh client)'}))
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') stderr += `\nssh did not finish within ${timeoutMs / 1000}s`
      resolve({code, stdout, stderr})
    })
  })
}
