// The attacks, in the README table's order.
import {foreignHome, fullDisk, plantedLinks, stoppedDaemon} from './home.mjs'
import {bigFrames, malformedPlans, silentConnections} from './socket.mjs'

export const attacks = [bigFrames, silentConnections, malformedPlans, plantedLinks, foreignHome, stoppedDaemon, fullDisk].sort((a, b) => a.id - b.id)
