// STAND-IN for T2's logs-pane.tsx (the virtualised, searchable log pane):
// the same props, following the selection's last lines and nothing more.
// The lead takes T2's version at merge.
import {Box, Text} from 'ink'
import React, {useEffect, useState} from 'react'
import type {LogLine, LogsEnd, LogsParams, Notice} from '../api/protocol.js'
import type {KeyMap} from './keys.js'

export interface LogSource {
  stream(method: 'logs', params: LogsParams, handlers: {item(line: LogLine): void; notice?(n: Notice): void}): {done: Promise<LogsEnd>; cancel(): void}
}

export interface LogsPaneProps {
  source: LogSource
  selection: {stack: string | null; targets: string[]}
  width: number
  height: number
  focused: boolean
  keys: KeyMap
  color: boolean
  toggles: {follow: boolean; wrap: boolean; timestamps: boolean; stderrOnly: boolean}
  onToggle(name: keyof LogsPaneProps['toggles']): void
}

export function LogsPane(props: LogsPaneProps): React.ReactElement {
  const {source, selection, height} = props
  const [lines, setLines] = useState<LogLine[]>([])
  const targets = selection.targets.join(' ')
  useEffect(() => {
    setLines([])
    const handle = source.stream('logs', {stack: selection.stack === null ? null : {name: selection.stack}, targets: selection.targets, lines: height, follow: true}, {
      item: (line) => setLines((before) => [...before.slice(-(height - 1)), line]),
    })
    handle.done.catch(() => {})
    return () => handle.cancel()
  }, [source, selection.stack, targets, height])
  return (
    <Box flexDirection="column" height={height} width={props.width}>
      {lines.slice(-height).map((l) => (
        <Text key={l.cursor} wrap="truncate">{`${l.instance} | ${l.line}`}</Text>
      ))}
    </Box>
  )
}
