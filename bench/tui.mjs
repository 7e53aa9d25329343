// `npm run bench` section `tui` (issue 14, point 8): `mar ui` in a real
// terminal (a private tmux, test/helpers/tmux.ts bundled with esbuild at
// bench time) on a daemon holding 200 instances.
//   idle:     199 `sleep 600` and nothing writing; the TUI's own CPU —
//             utime+stime of its process from /proc/PID/stat over a window
//             (BENCH_TUI_WINDOW_MS, 10 s) after it settled — as % of one
//             core (goal ≤ 1 %), and its VmRSS. Measured once the instances
//             are over a minute old (the bench waits for it), and shown
//             too for their first minute, when uptimes tick every second
//             (a frame of every row a second; key presses measured then too).
//   flooded:  the same, plus one instance writing 5 000 lines a second
//             (bench/tui-writer.mjs), the TUI following everything
//             (goal ≤ 25 %); its VmRSS.
//   key → frame: p50/p95 over BENCH_TUI_KEYS (40) presses 80–160 ms
//             apart, idle and flooded (goal p95 ≤ 50 ms). Method: a tmux control-mode
//             client (one process, no tmux start per command) sends `j`/`k`
//             alternately; from writing send-keys to it, every %output
//             notification (the TUI's bytes, as tmux read them from the pty)
//             is followed by a capture-pane through the same client, until
//             the highlighted (reverse video) line — the selection — has
//             moved: the latency is the arrival of the last %output before
//             that capture. Only a key moves the selection, so neither a log
//             line nor a late frame of the key before can pass for this
//             key's frame (comparing whole table rows could: two keys then
//             went out before the first was read, cancelled each other,
//             and the run timed out). Its own overhead is measured the same way
//             on a baseline (bench/baseline/tui-frame.mjs: node in raw mode,
//             redrawing a 120×40 frame with the selection moved on each key)
//             and shown beside — the TUI's share is the difference.
// Skipped, saying why, without tmux or while `mar ui` is not the TUI
// (its --help has no --read-only). Everything it starts is stopped by pid:
// the TUI and the tmux server (driver.kill), the daemon (MarHome.teardown).
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {median, printTable, root} from './lib.mjs'
import {MarHome} from './mar-home.mjs'
import {cleanEnv, cpuTimes, rssOf, sleep, startSection} from './proc.mjs'

const here = new URL('.', import.meta.url).pathname
const WINDOW_MS = Number(process.env.BENCH_TUI_WINDOW_MS ?? 10_000)
const KEYS = Number(process.env.BENCH_TUI_KEYS ?? 40)
const N = Number(process.env.BENCH_TUI_N ?? 200)
const RATE = Number(process.env.BENCH_TUI_RATE ?? 5000)
const SETTLE_MS = 3000

function skipReason() {
  try {
    execFileSync('tmux', ['-V'], {stdio: 'ignore'})
  } catch {
    return 'no tmux'
  }
  try {
    const help = execFileSync(process.execPath, [join(root, 'bin/run.js'), 'ui', '--help'], {encoding: 'utf8', env: cleanEnv()})
    return help.includes('--read-only') ? null : '`mar ui` is not the TUI yet (its --help has no --read-only)'
  } catch (error) {
    return `\`mar ui --help\` failed: ${error.message.split('\n')[0]}`
  }
}

/** test/helpers/tmux.ts and golden.ts (masking), bundled into a temp .mjs. */
export async function loadDriver(scratch) {
  const entry = join(scratch, 'tmux-entry.ts')
  writeFileSync(entry, `export * from ${JSON.stringify(join(root, 'test/helpers/tmux.ts'))}\nexport {maskScreen} from ${JSON.stringify(join(root, 'test/helpers/golden.ts'))}\n`)
  const outfile = join(scratch, 'tmux.mjs')
  const {build} = await import('esbuild')
  await build({entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning'})
  return import(outfile)
}

/** CPU of pid as % of one core over windowMs, from /proc/PID/stat (10 ms ticks). */
export async function cpuPercent(pid, windowMs = WINDOW_MS) {
  const a = cpuTimes(pid)
  const t0 = performance.now()
  await sleep(windowMs)
  const b = cpuTimes(pid)
  if (!a || !b) throw new Error(`process ${pid} went away while measured`)
  return ((b.self - a.self) / (performance.now() - t0)) * 100
}

const percentile = (values, p) => {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

/**
 * Key-to-frame latencies (ms) of `presses` alternating j/k. `view(screen)`
 * extracts what the key must change (where the selection is), so a log pane
 * scrolling under a flood, or a late frame of the key before, does not
 * count as the frame.
 */
export async function keyLatencies(driver, {presses, view, maskScreen}) {
  const control = driver.control()
  await control.ready
  let outputs = 0
  let lastOutputAt = 0
  let wake = null
  control.onOutput((_, at) => {
    outputs++
    lastOutputAt = at
    wake?.()
  })
  const capture = async () => view(maskScreen((await control.command('capture-pane -p -e -t main')).join('\n')))
  const times = []
  const polled = {count: 0}
  try {
    for (let i = 0; i < presses; i++) {
      // Presses come as a person's do, 80–160 ms apart: sent the instant the frame before
      // appeared, a key would mostly measure ink's frame-rate cap (one frame per 16 ms).
      if (i > 0) await sleep(80 + Math.random() * 80)
      const before = await capture()
      const seen = outputs
      const t0 = performance.now()
      void control.command(`send-keys -t main ${i % 2 === 0 ? 'j' : 'k'}`)
      let checked = seen
      for (;;) {
        if (outputs === checked) {
          // A frame tmux did not notify (its first output to a fresh control client was lost so,
          // before `control.ready`; see TmuxDriver.control) is still found: after a second without
          // %output, look anyway, and count it as its capture's time — later than the frame, never earlier.
          const quiet = sleep(1000).then(() => 'quiet')
          if ((await Promise.race([new Promise((resolve) => (wake = resolve)), quiet])) === 'quiet') {
            if ((await capture()) !== before) {
              times.push(performance.now() - t0)
              polled.count++
              break
            }
            if (performance.now() - t0 > 5000) {
              const screen = (await control.command('capture-pane -p -t main')).join('\n')
              throw new Error(`no frame changed the table within 5 s of key ${i}; the screen:\n${screen}`)
            }
          }
          continue
        }
        checked = outputs
        const at = lastOutputAt
        if ((await capture()) !== before) {
          times.push(at - t0)
          break
        }
      }
    }
  } finally {
    await control.close()
  }
  if (polled.count > 0) console.log(`  (${polled.count} of ${presses} frames found by looking, without tmux's %output: timed late)`)
  return times
}

export async function benchTui() {
  const skip = skipReason()
  if (skip) {
    console.log(`\ntui: skipped — ${skip}`)
    return undefined
  }
  const {cleanup, log, done} = startSection('tui', `mar ui at 120×40 in tmux; ${N} instances; flood ${RATE} lines/s; CPU over ${WINDOW_MS / 1000} s windows; ${KEYS} key presses`)
  const scratch = mkdtempSync(join(tmpdir(), 'mb-tui-'))
  cleanup.add(() => rmSync(scratch, {recursive: true, force: true}))
  try {
    const {startTmux, maskScreen} = await loadDriver(scratch)
    // Which line is in reverse video (the selection; tmux shows it as ESC[7m in capture-pane -e).
    const selectedLine = (screen) => String(screen.split('\n').findIndex((l) => [...l.matchAll(/\u001b\[([0-9;]*)m/g)].some((m) => m[1].split(';').includes('7'))))

    // The method's own overhead: the same measurement on a trivial full-screen program.
    const baseline = await startTmux([process.execPath, join(here, 'baseline/tui-frame.mjs')], {width: 120, height: 40, env: cleanEnv()})
    cleanup.add(() => baseline.kill())
    await baseline.waitForScreen('fleet.1', 10_000)
    const overhead = await keyLatencies(baseline, {presses: KEYS, view: selectedLine, maskScreen})
    await baseline.kill()
    log(`  method overhead (baseline frame program): p50 ${median(overhead).toFixed(1)} ms, p95 ${percentile(overhead, 95).toFixed(1)} ms`)

    const home = new MarHome('tui')
    cleanup.add(() => home.teardown())
    const cwd = home.stack('tuibench', `name: tuibench\nrunners:\n  fleet: { cmd: "sleep 600", scale: ${N - 1} }\n  flood: { cmd: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(here, 'tui-writer.mjs'))}, "${RATE}"] }\n`)
    await home.startDaemon()
    await home.cli(['up', 'fleet'], cwd)
    const fleetUpAt = performance.now()
    const ui = await startTmux([process.execPath, join(root, 'bin/run.js'), 'ui'], {width: 120, height: 40, cwd, env: {...home.env, NO_COLOR: undefined, FORCE_COLOR: '1', XDG_CONFIG_HOME: scratch}})
    cleanup.add(() => ui.kill())
    const startedAt = performance.now()
    await ui.waitForScreen('fleet', 30_000)
    const firstFrameMs = performance.now() - startedAt
    await sleep(SETTLE_MS)
    // In the instances' first minute their uptimes tick every second (a frame a second);
    // after it, the table shows minutes and an idle stack changes nothing on the screen.
    const tickingCpu = await cpuPercent(ui.pid)
    log(`  idle, uptimes under a minute: CPU ${tickingCpu.toFixed(2)} %`)
    const tickingKeys = await keyLatencies(ui, {presses: KEYS, view: selectedLine, maskScreen})
    log(`  key → frame, uptimes under a minute: p50 ${median(tickingKeys).toFixed(1)} ms, p95 ${percentile(tickingKeys, 95).toFixed(1)} ms`)
    const pastMinute = fleetUpAt + 62_000 - performance.now()
    if (pastMinute > 0) await sleep(pastMinute)
    const idleCpu = await cpuPercent(ui.pid)
    const idleRss = rssOf(ui.pid)
    log(`  idle: CPU ${idleCpu.toFixed(2)} %, RSS ${(idleRss / 1048576).toFixed(1)} MB`)
    const idleKeys = await keyLatencies(ui, {presses: KEYS, view: selectedLine, maskScreen})
    log(`  idle key → frame: p50 ${median(idleKeys).toFixed(1)} ms, p95 ${percentile(idleKeys, 95).toFixed(1)} ms`)

    await home.cli(['up', 'flood'], cwd)
    await sleep(SETTLE_MS)
    const floodCpu = await cpuPercent(ui.pid)
    const floodRss = rssOf(ui.pid)
    log(`  flooded: CPU ${floodCpu.toFixed(1)} %, RSS ${(floodRss / 1048576).toFixed(1)} MB`)
    const floodKeys = await keyLatencies(ui, {presses: KEYS, view: selectedLine, maskScreen})
    log(`  flooded key → frame: p50 ${median(floodKeys).toFixed(1)} ms, p95 ${percentile(floodKeys, 95).toFixed(1)} ms`)
    const peakRss = rssOf(ui.pid)
    await ui.keys('q')
    await ui.waitForExit(10_000).catch(() => undefined)

    const ok = (value, goal) => (value <= goal ? 'ok' : 'MISSED')
    printTable('TUI (mar ui, 120×40, ' + N + ' instances)', [
      ['figure', 'value', 'goal', ''],
      ['first frame (node start included)', `${firstFrameMs.toFixed(0)} ms`, '', ''],
      ['CPU, stack idle', `${idleCpu.toFixed(2)} % of a core`, '≤ 1 %', ok(idleCpu, 1)],
      ['CPU, idle, uptimes under a minute', `${tickingCpu.toFixed(2)} % of a core`, '', ''],
      [`CPU, ${RATE} lines/s`, `${floodCpu.toFixed(1)} % of a core`, '≤ 25 %', ok(floodCpu, 25)],
      ['RSS idle / flooded / end', `${(idleRss / 1048576).toFixed(1)} / ${(floodRss / 1048576).toFixed(1)} / ${(peakRss / 1048576).toFixed(1)} MB`, '', ''],
      ['key → frame p95, idle', `${percentile(idleKeys, 95).toFixed(1)} ms (p50 ${median(idleKeys).toFixed(1)})`, '≤ 50 ms', ok(percentile(idleKeys, 95), 50)],
      ['key → frame p95, uptimes under a minute', `${percentile(tickingKeys, 95).toFixed(1)} ms (p50 ${median(tickingKeys).toFixed(1)})`, '', ''],
      ['key → frame p95, flooded', `${percentile(floodKeys, 95).toFixed(1)} ms (p50 ${median(floodKeys).toFixed(1)})`, '≤ 50 ms', ok(percentile(floodKeys, 95), 50)],
      ['  of which the method (baseline)', `p95 ${percentile(overhead, 95).toFixed(1)} ms (p50 ${median(overhead).toFixed(1)})`, '', ''],
    ])
    const figures = {n: N, rate: RATE, firstFrameMs, idleCpu, tickingCpu, floodCpu, idleRss, floodRss, peakRss, idleKeys, tickingKeys, floodKeys, overhead}
    if (process.env.BENCH_JSON) writeFileSync(`${process.env.BENCH_JSON}.tui.json`, JSON.stringify(figures, null, 2))
    return figures
  } finally {
    await cleanup.run()
    done()
  }
}
