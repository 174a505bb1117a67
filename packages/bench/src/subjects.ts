import type { Subject } from './subject.js';
import { fileSubject } from './suites/file.js';
import { memorySubject } from './suites/memory.js';
import { sqliteSubject } from './suites/sqlite.js';

/** Every backend the bench knows, in the order of the report. */
export async function allSubjects(): Promise<Subject[]> {
  return [memorySubject, fileSubject, sqliteSubject];
}
