import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { missingServer } from '../src/binaries.js';
import { startFerretDb, startMariaDb, startMoto, startPostgres, startRedis, startRedisCluster } from '../src/index.js';
import { redisCommand } from '../src/net.js';

describe('MariaDB', () => {
  it('serves the app user over TCP and keeps its data across stop/start', async () => {
    const server = await startMariaDb();
    if (!server) return;
    try {
      const open = () =>
        mysql.createConnection({
          host: server.host,
          port: server.port,
          user: server.user,
          password: server.password,
          database: server.database,
        });
      const connection = await open();
      await connection.query('CREATE TABLE t (v INT)');
      await connection.query('INSERT INTO t VALUES (42)');
      connection.destroy();
      if (server.external) return;
      await server.stop();
      await expect(open()).rejects.toThrow();
      await server.start();
      const again = await open();
      const [rows] = await again.query('SELECT v FROM t');
      again.destroy();
      expect(rows).toEqual([{ v: 42 }]);
    } finally {
      await server.dispose();
      await server.dispose();
    }
  });
});

describe('PostgreSQL', () => {
  it('serves the app user over TCP with its password and keeps its data across stop/start', async () => {
    const server = await startPostgres();
    if (!server) return;
    try {
      const open = async (password = server.password) => {
        const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password, database: server.database });
        client.on('error', () => {});
        await client.connect();
        return client;
      };
      const client = await open();
      await client.query('CREATE TABLE t (v INT)');
      await client.query('INSERT INTO t VALUES (42)');
      await client.end();
      await expect(open('wrong')).rejects.toThrow();
      if (server.external) return;
      await server.stop();
      await expect(open()).rejects.toThrow();
      await server.start();
      const again = await open();
      const { rows } = await again.query('SELECT v FROM t');
      await again.end();
      expect(rows).toEqual([{ v: 42 }]);
    } finally {
      await server.dispose();
      await server.dispose();
    }
  });
});

describe('Redis', () => {
  it('answers PING and keeps keys across stop/start', async () => {
    const server = await startRedis();
    if (!server) return;
    try {
      expect(await redisCommand(server.port, 'SET', 'k', 'v')).toBe('+OK\r\n');
      if (server.external) return;
      await server.stop();
      await expect(redisCommand(server.port, 'PING')).rejects.toThrow();
      await server.start();
      expect(await redisCommand(server.port, 'GET', 'k')).toBe('$1\r\nv\r\n');
    } finally {
      await server.dispose();
    }
  });
});

describe('Redis Cluster', () => {
  it('forms a healthy three-node cluster that comes back after stop/start', async () => {
    const cluster = await startRedisCluster();
    if (!cluster) return;
    try {
      expect(cluster.nodes).toHaveLength(3);
      if (cluster.external) return;
      await cluster.stop();
      await cluster.start();
      const info = await redisCommand(cluster.nodes[0]!.port, 'CLUSTER', 'INFO');
      expect(info).toContain('cluster_state:ok');
    } finally {
      await cluster.dispose();
    }
  });
});

describe('FerretDB', () => {
  it('starts, stops and starts again on the same port', async () => {
    const server = await startFerretDb();
    if (!server) return;
    try {
      expect(server.url).toContain(String(server.port));
      if (server.external) return;
      await server.stop();
      await server.start();
    } finally {
      await server.dispose();
    }
  });
});

describe('moto', () => {
  it('answers HTTP and comes back after stop/start', async () => {
    const server = await startMoto();
    if (!server) return;
    try {
      if (server.external) return;
      expect((await fetch(`${server.endpoint}/moto-api/`)).status).toBeLessThan(500);
      await server.stop();
      await server.start();
      expect((await fetch(`${server.endpoint}/moto-api/`)).status).toBeLessThan(500);
    } finally {
      await server.dispose();
    }
  });
});

describe('a missing server', () => {
  it('is a skip with a hint locally and an error naming the install script in CI', () => {
    const ci = process.env.CI;
    try {
      process.env.CI = 'true';
      expect(() => missingServer('Example', 'exampled')).toThrow(/Example.*bash scripts\/install-test-servers\.sh/);
      process.env.CI = '';
      expect(missingServer('Example', 'exampled')).toBeNull();
    } finally {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
  });
});
