// `?`: every key of the key map (the user's overrides included), actions
// left out in read-only mode.
import {Box, Text} from 'ink'
import React from 'react'
import {ACTION_HELP, type Action, type KeyMap} from './keys.js'


/** What a read-only screen does not offer. */
export const MUTATING: ReadonlySet<Action> = new Set(['restart', 'stop', 'start', 'signal', 'reload', 'scaleUp', 'scaleDown'])

/** The mouse (app-mouse.ts): not rebindable, so not in the key map, but listed with it. */
const MOUSE_HELP = ['click          table: select the row; logs: focus them', 'wheel          move the selection / scroll the logs']

export function helpLines(keys: KeyMap, readOnly: boolean): string[] {
  return (Object.keys(ACTION_HELP) as Action[])
    .filter((a) => !(readOnly && MUTATING.has(a)))
    .map((a) => `${(keys[a] ?? []).join(', ').padEnd(14)} ${ACTION_HELP[a]}`)
    .concat(MOUSE_HELP)
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
