// Where a value came from. The loader works on plain JS values (from YAML or
// a Procfile) and asks a Locator for the line and column of the node at a
// path, so every error can point at the offending key or value.

export type ConfigPath = readonly (string | number)[]

export interface Position {
  line: number
  column: number
}

export interface Locator {
  /**
   * Position of the value at `path`, or of its key when `at` is 'key'. When
   * the path does not exist (a missing key), the nearest existing ancestor's
   * key, so "missing cmd" points at the runner's name.
   */
  locate(path: ConfigPath, at?: 'key' | 'value'): Position | undefined
  /** Position of a character `offset` inside the string value at `path` (for `${VAR}` inside a command). */
  locateInString?(path: ConfigPath, offset: number): Position | undefined
  /** Whether the collection at `path` is written in flow style (`[a, b]`, `{a: b}`), for hints that quote a line back. */
  isFlow?(path: ConfigPath): boolean
}

export interface ParsedSource {
  file: string
  /** The document as plain data (null for an empty file). */
  data: unknown
  locator: Locator
}
