// Builds dist/ with esbuild: one ESM entry per oclif command plus the CLI,
// daemon and agent entries, with shared code split into chunks so that a
// command loads only what it imports. Bundling cuts start-up time roughly
// in half against loading node_modules file by file (see README, "Start-up").
// Then regenerates oclif.manifest.json and the published JSON Schema.
import {build} from 'esbuild'
import {readdirSync, rmSync, statSync, existsSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {createHash} from 'node:crypto'

const root = new URL('..', import.meta.url).pathname

function listEntries(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return listEntries(full)
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : []
  })
}

const entryPoints = {cli: join(root, 'src/cli/main.ts')}
for (const file of [...listEntries(join(root, 'src/commands')), ...listEntries(join(root, 'src/hooks'))]) {
  const out = relative(join(root, 'src'), file).replace(/\.tsx?$/, '')
  entryPoints[out] = file
}
for (const [name, file] of Object.entries({
  daemon: 'src/daemon/entry.ts',
  'schema-gen': 'src/config/json-schema-gen.ts',
})) {
  if (existsSync(join(root, file))) entryPoints[name] = join(root, file)
}

rmSync(join(root, 'dist'), {recursive: true, force: true})
const shared = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  jsx: 'automatic',
  define: {
    __MAR_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version),
    __MAR_BUILD__: JSON.stringify(new Date().toISOString()),
  },
  // Native addons and the TUI stack stay in node_modules: they load only in
  // the commands that need them, and ink's layout engine ships wasm.
  // oclif can read tsconfig.json with the TypeScript compiler in development; never at run time here.
  external: ['typescript', 'ts-node', 'unix-dgram', 're2js', 'ink', 'react', 'react/*', 'react-devtools-core', 'yoga-layout', '@lydell/node-pty'],
  banner: {
    js: "import {createRequire as __marCreateRequire} from 'node:module'; const require = __marCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
}
await build({...shared, entryPoints, outdir: join(root, 'dist'), chunkNames: 'chunks/[name]-[hash]'})
// The fast path (plain status/down/up/validate, src/cli/fast.ts) once more,
// as one CommonJS file that bin/run.js (CommonJS: bin/package.json) requires:
// such a command then never starts Node's ES module loader, whose set-up and
// per-module resolve and link cost `mar down` 7 ms (60 → 53 ms; `node -e 0`
// is 48). What it imports lazily is still evaluated only when reached.
await build({
  ...shared,
  splitting: false,
  format: 'cjs',
  sourcemap: false,
  // complete: the hidden `mar __complete` of the shell completion scripts, run at every TAB;
  // on its own it loads in a third of the time of the whole fast path.
  entryPoints: {fast: join(root, 'src/cli/fast.ts'), complete: join(root, 'src/cli/complete.ts')},
  outdir: join(root, 'dist'),
  outExtension: {'.js': '.cjs'},
  define: {...shared.define, 'import.meta.url': '__marModuleUrl'},
  banner: {js: "const __marModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
  plugins: [
    {
      // Running from sources, config-code.ts imports the config loader itself; built, the CommonJS loader is beside us.
      name: 'config-loader-beside',
      setup(build) {
        build.onResolve({filter: /\/config\/load\.js$/}, () => ({path: './config-loader.cjs', external: true}))
      },
    },
  ],
})
// The config loader (YAML parser, schema, planner) once more, as one
// CommonJS file: src/cli/config-code.ts runs it through vm.Script with V8's
// code cache, which ES modules cannot use on Node 20 — a config that must be
// parsed then loads in 25 ms instead of 41.
await build({
  ...shared,
  splitting: false,
  format: 'cjs',
  define: {...shared.define, 'import.meta.url': '__marModuleUrl'},
  banner: {js: "const __marModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
  entryPoints: {'config-loader': join(root, 'src/config/load.ts')},
  outdir: join(root, 'dist'),
  outExtension: {'.js': '.cjs'},
  sourcemap: false,
})

// mar's agent (src/remote/agent-main.ts): what the hub uploads to a remote
// host, so ONE self-contained CommonJS file — nothing beside it there, no
// node_modules. re2js is bundled in (user-pattern.ts loads it lazily through
// createRequire, which esbuild cannot follow: the plugin below turns that
// one call into a plain require, still evaluated only at the first pattern).
// unix-dgram (native, optional) stays out: on the host `ready: notify` says
// it is missing. __MAR_BUILD__ is fixed so that a rebuild of the same code
// gives the same bytes, hence the same hash, and no needless re-upload.
// dist/agent.sha256 is what the hub compares with the installed bundle's.
{
  const agentEntry = join(root, 'src/remote/agent-main.ts')
  const userPattern = join(root, 'src/util/user-pattern.ts')
  const lazyRequire = "createRequire(import.meta.url)('re2js')"
  await build({
    ...shared,
    splitting: false,
    format: 'cjs',
    sourcemap: false,
    minify: false,
    entryPoints: {agent: agentEntry},
    outdir: join(root, 'dist'),
    outExtension: {'.js': '.cjs'},
    external: ['unix-dgram', 'typescript', 'ts-node'],
    define: {...shared.define, __MAR_BUILD__: JSON.stringify('agent'), 'import.meta.url': '__marModuleUrl'},
    banner: {js: "const __marModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
    plugins: [
      {
        name: 'bundle-re2js',
        setup(build) {
          build.onLoad({filter: /user-pattern\.ts$/}, (args) => {
            if (args.path !== userPattern) return undefined
            const text = readFileSync(args.path, 'utf8')
            if (!text.includes(lazyRequire)) throw new Error(`build: ${userPattern} no longer contains ${lazyRequire}; update the agent build`)
            return {contents: text.replace(lazyRequire, "require('re2js')"), loader: 'ts'}
          })
        },
      },
    ],
  })
  const agentBytes = readFileSync(join(root, 'dist/agent.cjs'))
  writeFileSync(join(root, 'dist/agent.sha256'), `${createHash('sha256').update(agentBytes).digest('hex')}\n`)
}

if (entryPoints['schema-gen']) {
  execFileSync(process.execPath, [join(root, 'dist/schema-gen.js'), join(root, 'schema/mar.schema.json')], {stdio: 'inherit'})
}
execFileSync(process.execPath, [join(root, 'node_modules/oclif/bin/run.js'), 'manifest'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'},
})
// oclif lists commands in the order the file system returns them, which
// differs between machines (CI's clone listed them differently from ours).
// Sort them so the committed manifest is the same wherever it is built.
{
  const manifestPath = join(root, 'oclif.manifest.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  const sorted = Object.fromEntries(Object.entries(manifest.commands).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  writeFileSync(manifestPath, JSON.stringify({...manifest, commands: sorted}, null, 2))
}
