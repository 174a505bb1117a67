#!/usr/bin/env node
import { run } from './program.js';

// Node prints warnings as several lines; the AWS SDK's "Node 20 support ends" notice is not the
// operator's business at 3 a.m. Other warnings stay, on one line.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'NodeVersionSupportWarning' || /NodeVersionSupportWarning/.test(warning.message)) return;
  process.stderr.write(`tokens: warning: ${warning.name}: ${warning.message.split('\n')[0]}\n`);
});

// `tokens list … | head`: the reader went away; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// exitCode rather than exit(): stdout is flushed first when it is a pipe.
process.exitCode = await run(process.argv.slice(2));
