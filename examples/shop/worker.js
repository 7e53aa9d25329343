// A worker that processes a "job" every second until told to stop.
let jobs = 0
const timer = setInterval(() => console.log(`processed job ${++jobs}`), 1000)
process.on('SIGTERM', () => {
  clearInterval(timer)
  console.log(`stopping after ${jobs} jobs`)
  process.exit(0)
})
