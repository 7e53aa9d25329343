// `?`: every key of the key map (the user's overrides included), actions
// left out in read-only mode.
import {Box, Text} from 'ink'
import React from 'react'
import type {Action, KeyMap} from './keys.js'

export const ACTION_HELP: Record<Action, string> = {
  up: 'move up',
  down: 'move down',
  pageUp: 'page up',
  pageDown: 'page down',
  top: 'first line',
  bottom: 'last line',
  nextPane: 'switch between table and logs',
  filter: 'filter by name',
  restart: 'restart (a group: rolling)',
  stop: 'stop',
  start: 'start',
  signal: 'send a signal (pick from a list)',
  reload: 'reload the stack (diff first)',
  scaleUp: 'scale the runner up (this session)',
  scaleDown: 'scale the runner down (this session)',
  follow: 'logs: follow',
  wrap: 'logs: wrap',
  timestamps: 'logs: timestamps',
  stderrOnly: 'logs: stderr only',
  fullScreen: 'logs: full screen',
  search: 'logs: search',
  nextMatch: 'logs: next match',
  graph: 'dependency graph',
  details: 'details of the instance',
  help: 'this help',
  quit: 'quit',
  sort: 'sort by the next column',
  sortReverse: 'reverse the sort',
}

/** What a read-only screen does not offer. */
export const MUTATING: ReadonlySet<Action> = new Set(['restart', 'stop', 'start', 'signal', 'reload', 'scaleUp', 'scaleDown'])

export function helpLines(keys: KeyMap, readOnly: boolean): string[] {
  return (Object.keys(ACTION_HELP) as Action[])
    .filter((a) => !(readOnly && MUTATING.has(a)))
    .map((a) => `${(keys[a] ?? []).join(', ').padEnd(14)} ${ACTION_HELP[a]}`)
}

export function Help(props: {keys: KeyMap; readOnly: boolean; width: number; height: number; color: boolean}): React.ReactElement {
  const lines = helpLines(props.keys, props.readOnly)
  // Two columns when it does not fit in one.
  const rows = Math.max(1, props.height - 2)
  const columns = lines.length > rows && props.width >= 80 ? 2 : 1
  const perColumn = Math.ceil(lines.length / columns)
  const colWidth = Math.floor(props.width / columns)
  const shown: string[] = []
  for (let r = 0; r < Math.min(rows, perColumn); r++) {
    shown.push(Array.from({length: columns}, (_, c) => (lines[c * perColumn + r] ?? '').padEnd(colWidth).slice(0, colWidth)).join('').trimEnd())
  }
  return (
    <Box flexDirection="column" height={props.height} width={props.width}>
      <Text bold>keys{props.readOnly ? ' (read-only: actions hidden)' : ''}</Text>
      {shown.map((line, n) => (
        <Text key={n} wrap="truncate">{line}</Text>
      ))}
      <Text dimColor={props.color}>esc: back</Text>
    </Box>
  )
}
