import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import { HOST } from './net.js';
import type { ServerProcess } from './process.js';
import { RespConnection } from './resp.js';
import type { RedisClusterNode, RedisClusterServer } from './types.js';
import { waitUntil } from './wait.js';

const SLOTS = 16384;
const HEALTHY_TIMEOUT_MS = 60_000;
const RESHARD_TIMEOUT_MS = 180_000;

export interface LocalNode {
  port: number;
  server: ServerProcess;
}

type Operations = Pick<RedisClusterServer, 'topology' | 'keySlot' | 'kill' | 'waitForHealthy' | 'reshard'>;

/** What a test does to a local cluster: look at it, crash a node, wait for a failover, reshard. */
export function clusterOperations(nodes: readonly LocalNode[], cli: string, logFile: string, logTails: () => string): Operations {
  const live = () => nodes.filter(({ server }) => !server.exited);
  const ask = async <T>(port: number, run: (connection: RespConnection) => Promise<T>): Promise<T> => {
    const connection = await RespConnection.open(port);
    try {
      return await run(connection);
    } finally {
      connection.close();
    }
  };
  const anyLive = () => {
    const node = live()[0];
    if (!node) throw new Error('Redis Cluster: no node is running');
    return node.port;
  };
  const topologyAt = async (port: number) => parseNodes(String(await ask(port, (c) => c.call('CLUSTER', 'NODES'))));

  const operations: Operations = {
    topology: () => topologyAt(anyLive()),
    keySlot: async (key) => Number(await ask(anyLive(), (c) => c.call('CLUSTER', 'KEYSLOT', key))),
    async kill(port) {
      const node = nodes.find((candidate) => candidate.port === port);
      if (!node) throw new Error(`Redis Cluster: no node on port ${port}`);
      await node.server.stop('SIGKILL');
    },
    async waitForHealthy(timeoutMs = HEALTHY_TIMEOUT_MS) {
      let agreed: RedisClusterNode[] = [];
      let lastProblem = '';
      await waitUntil(
        'Redis Cluster healthy',
        async () => {
          const livePorts = new Set(live().map(({ port }) => port));
          const views = await Promise.all(
            [...livePorts].map(async (port) => ({
              info: String(await ask(port, (c) => c.call('CLUSTER', 'INFO'))),
              nodes: await topologyAt(port),
            })),
          );
          const first = ownership(views[0]?.nodes ?? []);
          const problems = views.map(({ info, nodes: seen }) => {
            if (!info.includes('cluster_state:ok')) return 'cluster_state is not ok';
            if (!info.includes(`cluster_slots_ok:${SLOTS}`)) return 'not every slot is ok';
            if (!slotsServedByLiveMasters(seen, livePorts)) return 'a slot is served by a node that is down or failed';
            return ownership(seen) === first ? '' : `disagrees with the first live node: ${ownership(seen)} vs ${first}`;
          });
          lastProblem = problems.map((problem, index) => (problem ? `[${[...livePorts][index]}] ${problem}` : '')).join(' ');
          const healthy = problems.every((problem) => problem === '');
          if (healthy) agreed = views[0]?.nodes ?? [];
          return healthy;
        },
        { timeoutMs, describe: () => `${lastProblem.trim()}\n${logTails()}` },
      );
      return agreed;
    },
    async reshard({ from, to, slots, include }) {
      const before = await operations.waitForHealthy();
      const source = before.find((node) => node.port === from && node.role === 'master');
      const target = before.find((node) => node.port === to && node.role === 'master');
      if (!source || !target) throw new Error(`Redis Cluster: reshard needs two masters (ports ${from}, ${to})`);
      // redis-cli takes the source's lowest slots.
      const moved = source.slots.slice(0, slots);
      if (moved.length !== slots) throw new Error(`Redis Cluster: the master on ${from} serves only ${source.slots.length} slots`);
      if (include !== undefined && !moved.includes(include)) {
        throw new Error(`Redis Cluster: slot ${include} is not among the ${slots} lowest slots of the master on ${from}`);
      }
      const args = ['--cluster', 'reshard', `${HOST}:${from}`, '--cluster-from', source.id, '--cluster-to', target.id];
      await runCli(cli, [...args, '--cluster-slots', String(slots), '--cluster-yes'], logFile);
      await waitUntil(
        'Redis Cluster reshard',
        async () => {
          const after = await operations.waitForHealthy();
          const owner = after.find((node) => node.id === target.id);
          return moved.every((slot) => owner?.slots.includes(slot));
        },
        { timeoutMs: HEALTHY_TIMEOUT_MS, describe: logTails },
      );
      return moved;
    },
  };
  return operations;
}

/** redis-cli prints a line per slot and key: to the cluster's log, not to memory. */
async function runCli(cli: string, args: string[], logFile: string): Promise<void> {
  appendFileSync(logFile, `\n$ redis-cli ${args.join(' ')}\n`);
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    appendFileSync(logFile, chunk);
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), RESHARD_TIMEOUT_MS);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  // redis-cli --cluster exits 0 even after some [ERR] lines; those mean the reshard stopped.
  if (code !== 0 || /\[ERR\]/.test(tail)) {
    throw new Error(`Redis Cluster: redis-cli ${args.slice(0, 2).join(' ')} failed (${code ?? signal}):\n${tail}`);
  }
}

/** CLUSTER NODES: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges...>`. */
export function parseNodes(text: string): RedisClusterNode[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flagText = '', master = '-', , , , , ...ranges] = line.trim().split(' ');
      const flags = flagText.split(',');
      const [host = HOST, port = '0'] = (address.split('@')[0] ?? '').split(':');
      const slots: number[] = [];
      for (const range of ranges) {
        // `[slot->-id]` / `[slot-<-id]`: a slot being migrated, still served here.
        if (range.startsWith('[')) continue;
        const [first, last = first] = range.split('-').map(Number);
        for (let slot = first as number; slot <= (last as number); slot++) slots.push(slot);
      }
      return {
        id,
        host,
        port: Number(port),
        role: flags.includes('master') ? 'master' : 'replica',
        masterId: master === '-' ? null : master,
        failed: flags.includes('fail') || flags.includes('fail?'),
        slots,
      } satisfies RedisClusterNode;
    });
}

function slotsServedByLiveMasters(nodes: RedisClusterNode[], livePorts: Set<number>): boolean {
  let served = 0;
  for (const node of nodes) {
    if (node.slots.length === 0) continue;
    if (node.role !== 'master' || node.failed || !livePorts.has(node.port)) return false;
    served += node.slots.length;
  }
  return served === SLOTS;
}

/** Who serves which slots, as one string to compare views. */
function ownership(nodes: RedisClusterNode[]): string {
  return nodes
    .filter((node) => node.slots.length > 0)
    .map((node) => `${node.id}:${ranges(node.slots)}`)
    .sort()
    .join(' ');
}

/** Ascending slots as `a-b,c-d`. */
function ranges(slots: readonly number[]): string {
  const parts: string[] = [];
  let start = slots[0] as number;
  for (let index = 1; index <= slots.length; index++) {
    const slot = slots[index];
    const previous = slots[index - 1] as number;
    if (slot !== previous + 1) {
      parts.push(start === previous ? `${start}` : `${start}-${previous}`);
      start = slot as number;
    }
  }
  return parts.join(',');
}
