/**
 * The fleet benchmark's baseline (fleet.ts): a bare aedes broker on a port, with no
 * authentication, no ACLs, no limits and no signatures, and one in-process subscriber that reads
 * every heartbeat as JSON — the least a gateway could do with the same connections and traffic.
 *   node scripts/dist/bench/bare-broker.js PORT
 */
import { createServer } from 'node:net';
import { TOPIC_ROOT } from '@loyalty/protocol';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const broker = await Aedes.createBroker();
let heartbeats = 0;
broker.subscribe(
  `${TOPIC_ROOT}/k/+/tele`,
  (packet, done) => {
    JSON.parse(packet.payload.toString());
    heartbeats += 1;
    done();
  },
  () => undefined,
);
const server = createServer(broker.handle);
server.listen(port, '127.0.0.1', () => process.send?.({ type: 'ready' }));
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send?.({ type: 'count', heartbeats });
});
process.on('disconnect', () => process.exit(0));
