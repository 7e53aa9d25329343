// `g`: the dependency graph of each stack — groups in start order, what each
// waits for, and its runners with every instance's state — as a text tree.
import {Box, Text} from 'ink'
import React from 'react'
import type {GroupInfo} from '../api/protocol.js'
import {keyOf, STATE_SYMBOL, type UiState} from './state.js'
import {shownName} from '../api/targets.js'

/** Groups in an order where each comes after what it depends on (a cycle, which the config refuses, keeps the daemon's order). */
export function startOrder(groups: readonly GroupInfo[]): GroupInfo[] {
  const byName = new Map(groups.map((g) => [g.name, g]))
  const done = new Set<string>()
  const out: GroupInfo[] = []
  const visit = (g: GroupInfo, path: Set<string>) => {
    if (done.has(g.name) || path.has(g.name)) return
    path.add(g.name)
    for (const d of g.dependsOn) {
      const dep = byName.get(d.group)
      if (dep) visit(dep, path)
    }
    done.add(g.name)
    out.push(g)
  }
  for (const g of groups) visit(g, new Set())
  return out
}

export function graphLines(state: UiState): string[] {
  const out: string[] = []
  for (const stack of state.stacks.values()) {
    out.push(stack.name)
    const groups = startOrder(stack.groups)
    groups.forEach((g, gi) => {
      const lastGroup = gi === groups.length - 1
      const deps = g.dependsOn.length > 0 ? `  ← ${g.dependsOn.map((d) => `${d.group} (${d.condition})`).join(', ')}` : ''
      out.push(`${lastGroup ? '└─' : '├─'} ${g.name} [${g.phase}]${g.reason ? ` ${g.reason}` : ''}${deps}`)
      const runners = new Map<string, string[]>()
      for (const name of stack.order) {
        const i = state.instances.get(keyOf(stack.name, name))
        if (!i || i.group !== g.name) continue
        const list = runners.get(i.runner) ?? runners.set(i.runner, []).get(i.runner)!
        list.push(`${STATE_SYMBOL[i.state]}${shownName(i.name, i.host)} ${i.state}`)
      }
      const entries = [...runners]
      entries.forEach(([runner, instances], ri) => {
        out.push(`${lastGroup ? '   ' : '│  '}${ri === entries.length - 1 ? '└─' : '├─'} ${runner}: ${instances.join('  ')}`)
      })
    })
  }
  return out.length > 0 ? out : ['no stacks are up']
}

export function Graph(props: {state: UiState; width: number; height: number; color: boolean}): React.ReactElement {
  const lines = graphLines(props.state)
  return (
    <Box flexDirection="column" height={props.height} width={props.width}>
      <Text bold>dependency graph</Text>
      {lines.slice(0, Math.max(0, props.height - 2)).map((line, n) => (
        <Text key={n} wrap="truncate">{line}</Text>
      ))}
      <Text dimColor={props.color}>esc: back</Text>
    </Box>
  )
}
