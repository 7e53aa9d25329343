// A web server that answers /health, and says goodbye on SIGTERM.
import {createServer} from 'node:http'

const port = Number(process.env.PORT ?? 3000)
const server = createServer((request, response) => {
  if (request.url === '/health') return response.end('ok\n')
  response.end(`${process.env.GREETING} — ${process.env.MAR_INSTANCE ? `instance ${process.env.MAR_INSTANCE}` : 'web'}\n`)
})
// Every address, not only 127.0.0.1: exported to Kubernetes or Nomad, its checks come from outside the pod or allocation.
server.listen(port, () => console.log(`listening on port ${port}`))
process.on('SIGTERM', () => {
  console.log('SIGTERM: closing')
  server.close(() => process.exit(0))
})
