import type { Subject } from './subject.js';
import { dynamodbSubject } from './suites/dynamodb.js';
import { redisEncryptedSubject, sqliteEncryptedSubject } from './suites/encryption.js';
import { fileSubject } from './suites/file.js';
import { memorySubject } from './suites/memory.js';
import { mongoSubject } from './suites/mongo.js';
import { mysqlSubject } from './suites/mysql.js';
import { postgresSubject } from './suites/postgres.js';
import { redisSubject } from './suites/redis.js';
import { sqliteSubject } from './suites/sqlite.js';

/** Every backend the bench knows, in the order of the report. */
export async function allSubjects(): Promise<Subject[]> {
  return [
    memorySubject,
    fileSubject,
    sqliteSubject,
    mysqlSubject,
    postgresSubject,
    redisSubject,
    mongoSubject,
    dynamodbSubject,
    sqliteEncryptedSubject,
    redisEncryptedSubject,
  ];
}
