// The attacks, in the README table's order.
import {injection, racingClients} from './clients.mjs'
import {hostileGrep, killMidFlood, portSquatter} from './daemon.mjs'
import {foreignHome, fullDisk, plantedLinks, stoppedDaemon} from './home.mjs'
import {bigFrames, malformedPlans, silentConnections} from './socket.mjs'

export const attacks = [
  hostileGrep,
  bigFrames,
  silentConnections,
  malformedPlans,
  plantedLinks,
  foreignHome,
  stoppedDaemon,
  fullDisk,
  portSquatter,
  injection,
  racingClients,
  killMidFlood,
]
