export { type CountingProxy, startCountingProxy } from './counting-proxy.js';
export { deadlineToken, expectUnavailableWithinBound, type SlowServerCheck, timedFailure } from './deadline-check.js';
export { expectUnavailableWhileDown, untilAnswers } from './faults.js';
export { startFerretDb } from './ferretdb.js';
export { describeInsertTokens, type InsertTokensTarget } from './insert-tokens-harness.js';
export { startMariaDb } from './mariadb.js';
export { startMoto } from './moto.js';
export { startPostgres } from './postgres.js';
export { type RacingSaverConfig, type RacingSaversRun, runRacingSavers } from './racing-savers.js';
export { startRedis } from './redis.js';
export { startRedisCluster } from './redis-cluster.js';
export { describeRefreshConformance, type RefreshHarnessTarget } from './refresh-harness.js';
export { expectRefusalWithoutSecrets, type RefusalCheck, refusal, secretsOf, secretToken } from './secrets-check.js';
export { type SlowProxy, startSlowProxy } from './slow-proxy.js';
export type {
  TokenEndpoint,
  TokenEndpointFault,
  TokenEndpointFlavor,
  TokenEndpointOptions,
  TokenEndpointRequest,
} from './token-endpoint.js';
export { startTokenEndpoint } from './token-endpoint.js';
export type {
  AwsClientConfig,
  MariaDbServer,
  MongoServer,
  MotoServer,
  PostgresServer,
  RedisClusterNode,
  RedisClusterOptions,
  RedisClusterServer,
  RedisServer,
  ServerHandle,
} from './types.js';
