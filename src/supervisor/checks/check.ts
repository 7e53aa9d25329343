// A probe's check, independent of whether it decides readiness (until it
// first passes) or liveness (every interval). Polled checks (tcp, http, exec)
// implement `attempt`; event-driven ones (log line, notify, after) implement
// `waitPass` for readiness and `passedSince` for liveness.
export interface Check {
  /** Set up before the program starts (bind a socket, subscribe to output). */
  prepare?(): Promise<void>
  /** One try; resolves if it passes, rejects with why not. */
  attempt?(timeoutMs: number): Promise<void>
  /** Event-driven: whether the awaited event has happened since `since` (ms). */
  passedSince?(since: number): boolean
  /** Event-driven: resolves when the event happens. */
  waitPass?(signal: AbortSignal): Promise<void>
  dispose?(): void
  describe(): string
}

export class CheckFailed extends Error {}
