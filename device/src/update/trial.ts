/**
 * The verdict on an agent update, given by the agent that starts after it (docs/fleet.md "Agent
 * updates"). When the new version has connected and reported before the marker's deadline it is
 * kept (`good` points at it) and the update_agent command succeeds; boot.js holds the deadline
 * and rolls back otherwise. The restored version, finding the marker rolled back, answers the
 * command `failed` with the reason.
 */
import type { Logger } from '@loyalty/protocol/node';
import type { CommandRunner } from '../commands.js';
import type { AgentDir, UpdateMarker } from './agent-dir.js';

export class UpdateTrial {
  private marker: UpdateMarker | null = null;

  constructor(
    private readonly dir: AgentDir,
    private readonly version: string,
    private readonly commands: CommandRunner,
    private readonly log: Logger,
  ) {}

  /** At start, after the command runner: reports a rollback, or starts this version's trial. */
  start(): void {
    const marker = this.dir.readMarker();
    if (marker?.state === 'rolled_back') {
      this.dir.clearMarker();
      this.log.warn({ from: marker.to, to: marker.from, reason: marker.reason }, 'agent update rolled back');
      void this.commands.complete(marker.commandId, { state: 'failed', error: `rolled back to ${marker.from}: ${marker.reason ?? 'the new version was not healthy'}` });
    } else if (marker?.state === 'trial' && marker.to === this.version) {
      this.marker = marker;
      this.log.info({ version: marker.to, start: marker.starts, deadline: marker.deadline }, 'this agent version is on trial until it connects and reports');
    }
  }

  /** Connected and reporting: this version stays. */
  healthy(): void {
    const marker = this.marker;
    if (!marker) return;
    this.marker = null;
    this.dir.point('good', this.dir.current());
    this.dir.clearMarker();
    this.log.info({ from: marker.from, to: marker.to }, 'agent update healthy; keeping it');
    void this.commands.complete(marker.commandId, { state: 'succeeded', result: { version: marker.to, previous: marker.from, starts: marker.starts } });
  }
}
