// A web server that answers /health, and says goodbye on SIGTERM.
import {createServer} from 'node:http'

const port = Number(process.env.PORT ?? 3000)
const server = createServer((request, response) => {
  if (request.url === '/health') return response.end('ok\n')
  response.end(`${process.env.GREETING} — ${process.env.MAR_INSTANCE ? `instance ${process.env.MAR_INSTANCE}` : 'web'}\n`)
})
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`))
process.on('SIGTERM', () => {
  console.log('SIGTERM: closing')
  server.close(() => process.exit(0))
})
