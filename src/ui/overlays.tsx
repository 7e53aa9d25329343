// The small pieces around the table: the header and key-hint lines, the
// signal picker and the reload confirmation.
import {Box, Text} from 'ink'
import React from 'react'
import {isUp} from '../api/instance-state.js'
import type {ReloadReply} from '../api/protocol.js'
import type {Action, KeyMap} from './keys.js'
import type {UiState} from './state.js'

export const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL', 'SIGQUIT', 'SIGWINCH'] as const

/** A reload's dry-run diff, one line per change. */
export function reloadLines(reply: ReloadReply): string[] {
  const lines = reply.changes.map((c) => {
    const where = c.fromHost ? ` (moves ${c.fromHost} → ${c.host})` : ''
    if (c.change === 'added') return `+ ${c.instance} added${where}`
    if (c.change === 'removed') return `- ${c.instance} removed${where}`
    return `~ ${c.instance} changed: ${(c.fields ?? []).join(', ')}${where}`
  })
  if (reply.structural.length > 0) lines.push(`the stack restarts as a whole: ${reply.structural.join('; ')}`)
  return lines
}

export function headerLine(state: UiState, shown: {stack: string | null; readOnly: boolean}, sort: string, desc: boolean, filter: string, filtering: boolean): string {
  const all = [...state.instances.values()]
  const up = all.filter(isUp).length
  const parts = [`mar ui — ${shown.stack ?? 'all stacks'}`, state.loaded ? `${up}/${all.length} up` : 'connecting…', `sort: ${sort}${desc ? ' ↓' : ' ↑'}`]
  if (filter || filtering) parts.push(`filter: ${filter}${filtering ? '▏' : ''}`)
  if (shown.readOnly) parts.push('read-only')
  if (state.dropped > 0) parts.push(`missed ${state.dropped} events (resynced)`)
  return parts.join(' · ')
}

export function hints(keys: KeyMap, readOnly: boolean): string {
  const k = (a: Action) => keys[a]?.[0] ?? '?'
  const actions: Action[] = readOnly ? ['filter', 'details', 'graph', 'nextPane', 'help', 'quit'] : ['restart', 'stop', 'start', 'signal', 'reload', 'scaleUp', 'filter', 'details', 'graph', 'help', 'quit']
  const label: Partial<Record<Action, string>> = {restart: 'restart', stop: 'stop', start: 'start', signal: 'signal', reload: 'reload', scaleUp: 'scale', filter: 'filter', details: 'details', graph: 'graph', nextPane: 'logs', help: 'help', quit: 'quit'}
  return actions.map((a) => `${k(a)} ${label[a]}`).join('  ')
}

export function SignalPicker(props: {target: string; index: number; height: number}): React.ReactElement {
  return (
    <Box flexDirection="column" height={Math.max(props.height, 3)}>
      <Text bold>{`send a signal to ${props.target} (↑/↓, enter, esc)`}</Text>
      {SIGNALS.map((s, i) => (
        <Text key={s} inverse={i === props.index}>
          {`${i === props.index ? '›' : ' '} ${s}`}
        </Text>
      ))}
    </Box>
  )
}

export function ReloadConfirm(props: {stack: string; reply: ReloadReply; width: number; height: number; color: boolean}): React.ReactElement {
  const diff = reloadLines(props.reply)
  return (
    <Box flexDirection="column" height={props.height} width={props.width}>
      <Text bold>{`reload ${props.stack}: apply these changes? (y / enter: apply, esc: cancel)`}</Text>
      {diff.slice(0, props.height - 1).map((line, n) => (
        <Text key={n} wrap="truncate" color={props.color ? (line.startsWith('+') ? 'green' : line.startsWith('-') ? 'red' : 'yellow') : undefined}>
          {line}
        </Text>
      ))}
    </Box>
  )
}
