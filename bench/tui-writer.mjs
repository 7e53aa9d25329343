// tui-writer.mjs RATE: write RATE numbered lines a second, forever, in 10 ms
// batches (the flood of bench/tui.mjs). Catches up after a late tick, so the
// rate holds on average; never more than one second's worth in one go.
const rate = Number(process.argv[2] ?? 5000)
const began = performance.now()
let written = 0
const pad = 'x'.repeat(60)
setInterval(() => {
  const due = Math.min(Math.floor(((performance.now() - began) / 1000) * rate), written + rate)
  let chunk = ''
  for (; written < due; written++) chunk += `line ${String(written).padStart(9, '0')} ${pad}\n`
  if (chunk) process.stdout.write(chunk)
}, 10)
