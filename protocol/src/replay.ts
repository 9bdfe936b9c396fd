/**
 * Per-sender replay protection with a sliding window, as IPsec and DTLS do (RFC 4303 §3.4.3):
 * a sequence number is accepted once, either above the highest seen or inside the window below
 * it and not seen yet. The window tolerates the reordering that QoS 1 redelivery and several
 * topics per sender produce; anything older than the window is refused.
 */
export interface ReplayGuard {
  /** true (and remembered) when `seq` is new for `sender`; false for a replay. */
  accept(sender: string, seq: number): boolean;
}

/** Where the highest accepted sequence per sender survives a restart. */
export interface HighWaterStore {
  load(): Promise<Map<string, number>>;
  save(marks: ReadonlyMap<string, number>): Promise<void>;
}

interface SenderWindow {
  highest: number;
  seen: Set<number>;
}

export class SlidingReplayWindow implements ReplayGuard {
  private readonly windows = new Map<string, SenderWindow>();
  private readonly dirty = new Map<string, number>();

  constructor(private readonly size = 1024) {}

  /** After a restart: everything at or below a persisted mark counts as seen. */
  restore(marks: ReadonlyMap<string, number>): void {
    for (const [sender, highest] of marks) this.windows.set(sender, { highest, seen: new Set() });
  }

  accept(sender: string, seq: number): boolean {
    let window = this.windows.get(sender);
    if (!window) {
      window = { highest: 0, seen: new Set() };
      this.windows.set(sender, window);
    }
    if (seq > window.highest) {
      window.seen.add(seq);
      window.highest = seq;
      for (const s of window.seen) if (s <= seq - this.size) window.seen.delete(s);
      this.dirty.set(sender, seq);
      return true;
    }
    if (seq <= window.highest - this.size) return false;
    if (window.seen.has(seq)) return false;
    // Below the highest: only a number we know was skipped, not one from before a restart.
    if (!this.isKnownGap(window, seq)) return false;
    window.seen.add(seq);
    return true;
  }

  /** Marks that changed since the last call, for a periodic flush to a HighWaterStore. */
  takeDirty(): Map<string, number> {
    const out = new Map(this.dirty);
    this.dirty.clear();
    return out;
  }

  /** Marks a failed flush could not persist: written again by the next flush. */
  requeue(marks: ReadonlyMap<string, number>): void {
    for (const [sender, highest] of marks) this.dirty.set(sender, Math.max(highest, this.dirty.get(sender) ?? 0));
  }

  private isKnownGap(window: SenderWindow, seq: number): boolean {
    // A gap is known when the window holds a number below seq that we did see (i.e. seq sits
    // between two accepted numbers since start), or the window has no history at all below.
    for (const s of window.seen) if (s < seq) return true;
    return false;
  }
}
