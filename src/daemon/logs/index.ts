// The log store of the daemon: capture (InstanceLogs) and reading (the rest).
export {InstanceLogs, type LogOptions, type StoredChunk, type StoredListener} from './instance-logs.js'
export {StampClock} from './stamp-clock.js'
export {indexPath, logPath, spoolPath, STREAMS, type StreamName} from './layout.js'
export {mergeByTime} from './merge.js'
export {chunksAfter, followStart, positionAfter, readLinesFrom, type LinesFrom} from './read-from.js'
export {readLastLines, type LastLinesOptions} from './read-last.js'
export {lineText, type StoredLine} from './stored-line.js'
export {stopReclaimHelpers} from './spool-reclaim.js'
