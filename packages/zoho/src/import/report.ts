/** A row the import left out, and why; never a token or secret. */
export interface ImportIssue {
  /** Line number in the CSV file (the header is line 1), or the row's position in the table (1-based). */
  row: number;
  /** The row's SDK id when it could be read. */
  id?: string;
  reason: string;
}

export interface ImportReport {
  /** Rows that became new tokens in the target store. */
  imported: number;
  /** Rows that updated a token the target store already held (a re-run, or a user who had logged in through @tokens). */
  updated: number;
  /** Rows whose token the target store already held exactly as the row has it. */
  unchanged: number;
  /** Rows left out: one entry each in `issues`. */
  skipped: number;
  issues: ImportIssue[];
}

export function emptyReport(): ImportReport {
  return { imported: 0, updated: 0, unchanged: 0, skipped: 0, issues: [] };
}
