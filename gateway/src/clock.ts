/** What time it is: injected everywhere a timestamp is taken, so tests run on a fixed or stepped clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
