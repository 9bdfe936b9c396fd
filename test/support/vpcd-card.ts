/**
 * A contactless card for the vpcd virtual reader (vsmartcard): the card is a TCP client of the
 * reader driver; connecting inserts it, closing removes it. Messages are a uint16 big-endian
 * length and a payload: one byte is control (0 off, 1 on, 2 reset, 4 get ATR), anything longer
 * an APDU that gets a response. `FF CA 00 00 00` (get UID) answers the UID and 90 00.
 */
import { connect, type Socket } from 'node:net';

/** A MIFARE Classic 1K ATR as an ACR122U reports it (docs/hardware-lab.md). */
export const CONTACTLESS_ATR = '3B8F8001804F0CA000000306030001000000006A';

export class VirtualCard {
  private socket: Socket | null = null;
  readonly apdus: string[] = [];

  constructor(
    readonly uid: string,
    private readonly atr = CONTACTLESS_ATR,
  ) {}

  /** Puts the card on the reader listening on `port`. */
  insert(port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve());
      socket.once('error', reject);
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2) {
          const length = buffered.readUInt16BE(0);
          if (buffered.length < 2 + length) break;
          const payload = buffered.subarray(2, 2 + length);
          buffered = buffered.subarray(2 + length);
          const answer = this.answer(payload);
          if (answer) socket.write(Buffer.concat([Buffer.from([answer.length >> 8, answer.length & 0xff]), answer]));
        }
      });
      this.socket = socket;
    });
  }

  /** Takes the card off the reader. */
  remove(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private answer(payload: Buffer): Buffer | null {
    if (payload.length === 1) return payload[0] === 4 ? Buffer.from(this.atr, 'hex') : null;
    const apdu = payload.toString('hex').toUpperCase();
    this.apdus.push(apdu);
    if (apdu === 'FFCA000000') return Buffer.concat([Buffer.from(this.uid, 'hex'), Buffer.from([0x90, 0x00])]);
    return Buffer.from([0x6a, 0x81]); // function not supported
  }
}
