// The attacks, in the README table's order.
import {bigFrames, malformedPlans, silentConnections} from './socket.mjs'

export const attacks = [bigFrames, silentConnections, malformedPlans].sort((a, b) => a.id - b.id)
