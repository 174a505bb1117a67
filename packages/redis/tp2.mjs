import { createRedisStore } from '/work/main/packages/redis/dist/index.mjs';
import { Redis } from 'ioredis';
const url = 'redis://127.0.0.1:6399';
const own = new Redis(url);
const store = createRedisStore({ client: own, namespace: 'tp' + Date.now() });
const store2 = createRedisStore({ url, namespace: 'tq' + Date.now() });
const N = 1000;
for (let i = 0; i < N; i++) { const t = { userSignature: `u${i}`, refreshToken: `r${i}`, accessToken: `a${i}`, clientId: 'c', clientSecret: 's', expiryTime: 1 }; await store.saveToken(t); await store2.saveToken(t); }
const raw = new Redis(url, { commandTimeout: 5000 });
for (let i = 0; i < N; i++) await raw.hset(`raw:t:${i}`, { id: `${i}`, userSignature: `u${i}`, accessToken: `a${i}`, refreshToken: `r${i}` });
for (let i = 0; i < N; i++) await raw.set(`raw:u:u${i}`, `${i}`);
raw.defineCommand('findByIndex', { numberOfKeys: 1, lua: `local id = redis.call('GET', KEYS[1]) if not id then return nil end return redis.call('HGETALL', 'raw:t:' .. id)` });
async function tp(label, op, ms = 2000) {
  let next = 0; const end = performance.now() + ms; const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 32 }, async () => { while (performance.now() < end) await op(next++); }));
  const c = process.cpuUsage(c0);
  console.log(label.padEnd(22), Math.round(next / ms * 1000), 'ops/s  cpu/op', ((c.user + c.system) / next).toFixed(1), 'µs');
}
for (let r = 0; r < 2; r++) {
  await tp('ours find (own client)', (i) => store.findToken({ userSignature: `u${i % N}` }));
  await tp('ours find (url)', (i) => store2.findToken({ userSignature: `u${i % N}` }));
  await tp('raw find (cmdTimeout)', (i) => raw.findByIndex(`raw:u:u${i % N}`));
}
await store.close(); await store2.close(); raw.disconnect(); own.disconnect();
