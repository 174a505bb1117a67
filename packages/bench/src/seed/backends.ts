import { fileScale } from './file.js';
import { memoryScale } from './memory.js';
import { mysqlScale } from './mysql.js';
import { redisScale } from './redis.js';
import { sqliteScale } from './sqlite.js';
import type { ScaleBackend } from './types.js';

/** The backends the scale suite grows to a million tokens, in the order of the report. */
export const scaleBackends: ScaleBackend[] = [memoryScale, fileScale, sqliteScale, mysqlScale, redisScale];
