// Which of a group's milestones have been reached, for depends_on:
//   started   — every instance has been spawned;
//   ready     — every service is ready and every oneshot has completed;
//   completed — every oneshot has exited 0 (services need only be up).
// Milestones are reported once; dependents start on the first report.
import type {Reason} from './reasons.js'
import type {GroupPhase, RunContext} from './runner.js'
import type {Slot} from './slot.js'

export class GroupPhases {
  private readonly reached = new Set<GroupPhase>()

  constructor(
    private readonly group: string,
    private readonly ctx: RunContext,
  ) {}

  has(phase: GroupPhase): boolean {
    return this.reached.has(phase)
  }

  enter(phase: GroupPhase, why?: Reason): void {
    const repeatable = phase === 'failed' || phase === 'stopped' || phase === 'stopping'
    if (this.reached.has(phase) && !repeatable) return
    // A failed group that is started again (daemon: mar start) goes through
    // its milestones anew, so what depends on it can come back.
    if (phase === 'failed') this.reached.clear()
    else this.reached.delete('failed')
    this.reached.add(phase)
    this.ctx.emit({kind: 'group', name: this.group, at: this.ctx.clock.now(), phase, why})
    if (phase === 'ready') this.ctx.ready()
  }

  update(slots: readonly Slot[]): void {
    const live = slots.filter((s) => s.state !== 'stopped')
    if (live.every((s) => s.spawned || s.state === 'done')) this.enter('started')
    const oneshotsDone = live.filter((s) => s.spec.oneshot).every((s) => s.state === 'done')
    const servicesReady = live.filter((s) => !s.spec.oneshot).every((s) => s.ready)
    const servicesUp = live.filter((s) => !s.spec.oneshot).every((s) => s.spawned)
    if (oneshotsDone && servicesUp) this.enter('completed')
    if (oneshotsDone && servicesReady) this.enter('ready')
  }
}
