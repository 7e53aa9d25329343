// The baseline of bench/tui.mjs's key → frame figure: the least a
// full-screen Node program does for a key — raw mode, and on `j`/`k` the
// whole 120×40 frame written again in one write with the selection moved.
// Its latency, measured as the TUI's is, is the measuring method's own cost.
const rows = process.stdout.rows || 40
let selected = 0
const frame = () => {
  const lines = ['baseline  fleet']
  for (let i = 0; i < rows - 1; i++) {
    const row = `fleet.${String(i + 1).padEnd(4)} running   pid ${10000 + i}`.padEnd(60)
    lines.push(i === selected ? `\u001b[7m${row}\u001b[27m` : row)
  }
  process.stdout.write('\u001b[H' + lines.join('\r\n'))
}
process.stdin.setRawMode(true)
process.stdout.write('\u001b[?1049h\u001b[?25l')
frame()
process.stdin.on('data', (data) => {
  const key = String(data)
  if (key === 'q') {
    process.stdout.write('\u001b[?25h\u001b[?1049l')
    process.exit(0)
  }
  if (key === 'j') selected = Math.min(rows - 2, selected + 1)
  if (key === 'k') selected = Math.max(0, selected - 1)
  frame()
})
