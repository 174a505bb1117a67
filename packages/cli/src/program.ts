import { Command, CommanderError } from 'commander';
import { checkCommand } from './commands/check.js';
import { copyCommand } from './commands/copy.js';
import { listCommand, showCommand } from './commands/list.js';
import { deleteCommand, purgeCommand } from './commands/remove.js';
import { rotateKeysCommand } from './commands/rotate.js';
import { describeError, describeVerbose, EXIT } from './failure.js';
import { err, scrub } from './output.js';
import { storeOf } from './session.js';
import { URL_EXAMPLES } from './url.js';

const STORE_HELP = `
Store URLs:
${URL_EXAMPLES.map((example) => `  ${example}`).join('\n')}
  Options of the backend go in the query string (?namespace=crm&operationTimeoutMs=5000); see the README.

Exit codes: 0 ok, 1 findings (failed cases, failed or differing tokens, not found), 2 usage or
prompt refused, 3 store error, 4 backend package missing or not in this version, 130 interrupted.`;

type Action = (...args: never[]) => Promise<unknown>;

/** The `tokens` program; `run` parses argv, runs a command and resolves to its exit code. */
export function createProgram(): Command {
  const program = new Command('tokens')
    .description('Inspect, check, copy and maintain any @tokens store')
    .version(VERSION, '-V, --version')
    .option('-n, --namespace <name>', 'namespace of the store(s) (a namespace in the URL wins)')
    .option('--verbose', 'on error, print the stack and cause chain')
    .addHelpText('after', STORE_HELP)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(scrub(text)), writeOut: (text) => process.stdout.write(text) });

  const filters = (command: Command) =>
    command
      .option('--expired', 'only tokens whose expiry has passed')
      .option('--expiring-within <duration>', 'only tokens not yet expired that expire within it (e.g. 1h)')
      .option('--expired-for <duration>', 'only tokens expired for at least this long (e.g. 30d)')
      .option('--user <glob>', "only users matching the glob ('*@example.com'; case-sensitive)");

  filters(
    program
      .command('list')
      .alias('ls')
      .description('table of tokens: user, client id, expiry, version, id (secrets never shown)')
      .argument('<store>', 'store URL'),
  )
    .option('--json', 'JSON array instead of the table (secrets as "[redacted]")')
    .option('--reveal', 'with --json: print the secrets themselves')
    .action(wrap(listCommand));

  program
    .command('show')
    .description('every field of one token, found by id or by user')
    .argument('<store>', 'store URL')
    .argument('<id-or-user>', 'token id, or userSignature')
    .option('--json', 'JSON instead of lines')
    .option('--reveal', 'print the secrets (client secret, access, refresh and grant tokens)')
    .action(wrap(showCommand));

  filters(
    program
      .command('copy')
      .alias('migrate')
      .description('copy every token of FROM into TO: idempotent upsert by id / lookup key, resumable, verified')
      .argument('<from>', 'source store URL (also zoho-csv:FILE and zoho-mysql://…)')
      .argument('<to>', 'target store URL'),
  )
    .option('--dry-run', 'count what would be copied, updated and left unchanged; write nothing')
    .option('--no-verify', 'skip the pass that re-reads the target and compares it with the source')
    .option('-c, --concurrency <n>', 'saves in flight at once', '32')
    .option('--from-namespace <name>', 'namespace of FROM')
    .option('--to-namespace <name>', 'namespace of TO')
    .option('--json', 'print the summary as JSON')
    .action(wrap(copyCommand));

  program
    .command('check')
    .description('run the @tokens conformance suite against your store module; exit 1 if a case fails')
    .argument('<module>', 'path of an ES module exporting create…Store(namespace, shelf?) or a conformance target')
    .option('--export <name>', 'the exported factory to use')
    .option('--reopen', 'declare the reopen capability (closing and reopening keeps tokens)')
    .option('--multi-instance', 'declare the multiInstance capability (two stores on one namespace share it)')
    .option('--only <prefix...>', 'only cases whose id starts with a prefix (e.g. lookup/)')
    .option('--timeout-ms <ms>', 'time limit per case (default 30000)')
    .option('--all', 'print every case, not only the failing ones')
    .option('--json', 'the report as JSON')
    .action(wrap(checkCommand));

  program
    .command('delete')
    .alias('rm')
    .description('delete tokens by id or user, after a confirmation')
    .argument('<store>', 'store URL')
    .argument('<id-or-user...>', 'token ids or userSignatures')
    .option('-y, --yes', 'do not ask (required when stdin is not a terminal)')
    .action(wrap(deleteCommand));

  filters(
    program.command('purge').description('delete every token matching the filters, after a confirmation').argument('<store>', 'store URL'),
  )
    .option('--all', 'with no filter: every token of the namespace')
    .option('--dry-run', 'show what would be deleted; delete nothing')
    .option('-y, --yes', 'do not ask (required when stdin is not a terminal)')
    .action(wrap(purgeCommand));

  program
    .command('rotate-keys')
    .description('re-encrypt every record with the current key (TOKENS_ENCRYPTION_KEYS, current first)')
    .argument('<store>', 'store URL (encrypted=true is implied)')
    .option('-c, --concurrency <n>', 'records rewritten at once', '8')
    .option('--json', 'print the result as JSON')
    .action(wrap(rotateKeysCommand));

  return program;

  /** Commander hands (args..., options, command); global options are merged into the options. */
  function wrap(action: Action): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const positional = args.slice(0, -2);
      const flags = { ...program.opts(), ...command.opts() };
      const code = await (action as (...a: unknown[]) => Promise<unknown>)(...positional, flags);
      exitCode = typeof code === 'number' ? code : EXIT.OK;
    };
  }
}

declare const __CLI_VERSION__: string | undefined;
const VERSION = typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : '0.0.0';

let exitCode: number = EXIT.OK;

/** Runs `tokens` with these arguments (without `node` and the script); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  exitCode = EXIT.OK;
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.OK : EXIT.USAGE;
    }
    const verbose = argv.includes('--verbose');
    const { line, exitCode: code } = describeError(error, storeOf(error));
    err(line);
    if (verbose) err(describeVerbose(error));
    return code;
  }
}
