import type { SequenceSource } from './envelope.js';

/**
 * A sender's sequence numbers survive crashes without a write per message: the sender reserves
 * a block ahead (persisting the block's end synchronously and durably), hands numbers out of it,
 * and after a crash starts above the last reserved end — skipping what it never used, never
 * reusing a number (docs/security.md: "skip ahead after a crash").
 */
export class BlockSequence implements SequenceSource {
  private nextValue: number;
  private reservedUpTo: number;

  /**
   * @param persistedUpTo the last reservation read from storage (0 on first start)
   * @param persist durably writes a new reservation end; must not return before it is on disk
   */
  constructor(
    persistedUpTo: number,
    private readonly persist: (reservedUpTo: number) => void,
    private readonly blockSize = 1000,
  ) {
    this.nextValue = persistedUpTo + 1;
    this.reservedUpTo = persistedUpTo;
  }

  next(): number {
    if (this.nextValue > this.reservedUpTo) {
      this.reservedUpTo = this.nextValue + this.blockSize - 1;
      this.persist(this.reservedUpTo);
    }
    const value = this.nextValue;
    this.nextValue += 1;
    return value;
  }
}
