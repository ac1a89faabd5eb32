// Type-checked with `tsc --noEmit` (strict): the package's types as a user
// meets them. Each `@ts-expect-error` proves a type is precise, not `any`.
import { Embedis, type Listener, type RedisReply } from 'embedis';

async function main(): Promise<void> {
  const db = new Embedis({ databases: 4 });
  db.set('session:1', 'alice', { ex: 60 });
  const name: string | null = db.get('session:1');
  const bytes: Uint8Array | null = db.getBytes('session:1');
  db.hset('user:1', { name: 'alice', age: '30' });
  db.hset('user:1', 'city', 'paris');
  const user: Record<string, string> = db.hgetall('user:1');
  db.zadd('board', [[10, 'bob'], [20, 'eve']]);
  const members: string[] = db.zrange('board', 0, -1);
  const scored: Array<[string, number]> = db.zrange('board', 0, -1, { withScores: true });
  const score: number | null = db.zscore('board', 'bob');
  const head: string | null = db.lpop('jobs');
  const heads: string[] | null = db.lpop('jobs', 2);
  const job: [key: string, element: string] | null = await db.blpop(['jobs'], 1.5);
  const popped: [string, string, number] | null = await db.bzpopmin('board', 0.1);
  const off: () => void = db.subscribe('news', (msg: string, channel: string) => {
    console.log(msg.length, channel.length);
  });
  off();
  const reply: RedisReply = db.command(['GET', 'k']);
  const n: number = db.incr('n');
  const ok: boolean = db.expire('n', 10, { nx: true });
  const snapshot: Uint8Array = db.snapshot();
  const copy: Embedis = Embedis.restore(snapshot);
  copy.free();
  if (typeof process !== 'undefined') {
    const server: Listener = await db.listen({ port: 0 });
    await server.close();
    await db.saveFile('/tmp/embedis-types.embedis');
    const loaded: Embedis = await Embedis.loadFile('/tmp/embedis-types.embedis');
    loaded.free();
  }

  // @ts-expect-error: get() returns string | null, not a number
  const wrong: number = db.get('k');
  // @ts-expect-error: options are checked
  db.set('k', 'v', { ex: 'soon' });
  // @ts-expect-error: withScores changes the element type
  const notPairs: string[] = db.zrange('board', 0, -1, { withScores: true });
  // @ts-expect-error: keys must be strings or bytes
  db.get({ key: 'k' });
  console.log(name, bytes, user, members, scored, score, head, heads, job, popped, reply, n, ok, wrong, notPairs);
  db.free();
}

void main();
