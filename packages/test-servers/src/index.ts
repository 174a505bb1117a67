export { expectUnavailableWhileDown, untilAnswers } from './faults.js';
export { startFerretDb } from './ferretdb.js';
export { startMariaDb } from './mariadb.js';
export { startMoto } from './moto.js';
export { startRedis } from './redis.js';
export { startRedisCluster } from './redis-cluster.js';
export type { AwsClientConfig, MariaDbServer, MongoServer, MotoServer, RedisClusterServer, RedisServer, ServerHandle } from './types.js';
