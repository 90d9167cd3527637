import { Command, CommanderError, Option } from 'commander';
import { messageOf, UserError } from '../base/errors.js';
import { normalizeArgs } from './argv.js';
import { buildCommand, type BuildFlags } from './commands/build.js';
import { cacheCommand, type CacheFlags } from './commands/cache.js';
import { cleanupCommand, type CleanupFlags } from './commands/cleanup.js';
import { fixCommand } from './commands/fix.js';
import { hcl2UpgradeCommand } from './commands/hcl2-upgrade.js';
import { inspectCommand } from './commands/inspect.js';
import { parityCommand, type ParityFlags } from './commands/parity.js';
import { validateCommand, type ValidateFlags } from './commands/validate.js';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';

const collect = (value: string, previous: string[]) => [...previous, value];

function parseParallel(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UserError(`-parallel-builds must be a whole number, 0 or more (got "${value}")`, '0 means no limit');
  return n;
}

function templateOptions(cmd: Command): Command {
  return cmd
    .option('--var <name=value>', 'set a template variable (repeatable); wins over -var-file and defaults', collect, [])
    .option('--var-file <path>', 'JSON file of variable values (repeatable)', collect, [])
    .option('--only <names>', 'build only these builds (comma-separated, globs allowed)', collect, [])
    .option(
      '--except <names>',
      'skip these builds or named post-processors (comma-separated, globs allowed)',
      collect,
      [],
    )
    .option('--machine-readable', 'print Packer-compatible machine-readable lines')
    .option('--no-color', 'disable colours');
}

const VALUE_OPTIONS = new Set([
  'var',
  'var-file',
  'only',
  'except',
  'parallel-builds',
  'on-error',
  'format',
  'ignore',
  'parity',
  'older-than',
]);
const BOOLEAN_OPTIONS = new Set([
  'force',
  'debug',
  'machine-readable',
  'timestamp-ui',
  'color',
  'syntax-only',
  'fingerprint',
  'checkpoints',
  'dry-run',
  'all',
]);
const NEGATABLE_OPTIONS = new Set(['color', 'fingerprint', 'checkpoints']);

/** Runs the CLI and resolves to the exit code; never throws for user mistakes. */
export async function main(
  argv: string[],
  io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  },
): Promise<number> {
  let exitCode = 0;
  const program = new Command('boxwright')
    .description(
      'Build identical VirtualBox, VMware, Docker and EC2 images and matching Vagrant boxes from one Packer JSON template.',
    )
    .version(`boxwright v${VERSION}`, '-v, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError(true);

  templateOptions(
    program
      .command('build')
      .description('build the images of a template')
      .argument('<template>', 'Packer JSON template')
      .option('--parallel-builds <n>', 'run at most n builds at once; 0 means no limit', parseParallel, 0)
      .addOption(
        new Option('--on-error <policy>', 'what to do when a build fails')
          .choices(['cleanup', 'abort', 'ask', 'run-cleanup-provisioner'])
          .default('cleanup'),
      )
      .option('--force', 'overwrite existing output directories and artifacts')
      .option('--debug', 'run builds one at a time and pause after each step')
      .option('--timestamp-ui', 'prefix every line with a timestamp')
      .option('--no-fingerprint', 'do not fingerprint builds after provisioning (-fingerprint=false)')
      .option(
        '--no-checkpoints',
        'neither resume from nor keep checkpoints after provisioners (docker builds keep them by default)',
      )
      .addOption(
        new Option(
          '--parity <mode>',
          'when builds were fingerprinted: print the parity verdict, fail the run on drift, or neither',
        )
          .choices(['warn', 'fail', 'off'])
          .default('warn'),
      ),
  ).action(async (template: string, flags: BuildFlags) => {
    exitCode = await buildCommand(template, flags, io);
  });

  templateOptions(
    program
      .command('validate')
      .description('check a template and report every problem with its line and column')
      .argument('<template>', 'Packer JSON template')
      .option('--syntax-only', 'only check that the file is valid JSON'),
  ).action((template: string, flags: ValidateFlags) => {
    exitCode = validateCommand(template, flags, io);
  });

  program
    .command('inspect')
    .description('show the variables, builds, provisioners and post-processors of a template')
    .argument('<template>', 'Packer JSON template')
    .option('--machine-readable', 'print Packer-compatible machine-readable lines')
    .action((template: string, flags: { machineReadable?: boolean }) => {
      exitCode = inspectCommand(template, flags, io);
    });

  program
    .command('parity')
    .description(
      'compare the fingerprints of builds (the last run in packer-manifest.json, or the manifests and NAME.fingerprint.json files named): exit 0 when equal, 1 on drift, 2 when it cannot compare',
    )
    .argument('[files...]', 'manifests or fingerprint files (default: packer-manifest.json here)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(
      '--ignore <rule>',
      'also ignore CATEGORY:GLOB, say package:htop or file:/etc/motd (repeatable)',
      collect,
      [],
    )
    .action((files: string[], flags: ParityFlags) => {
      exitCode = parityCommand(files, flags, io);
    });

  program
    .command('fix')
    .description(
      'print the template with the options Packer 1.6 refuses rewritten (as `packer fix`), e.g. iso_checksum_type',
    )
    .argument('<template>', 'Packer JSON template')
    .action((template: string) => {
      exitCode = fixCommand(template, io);
    });

  program
    .command('hcl2_upgrade')
    .description('write a JSON template as HCL2 (TEMPLATE.json.pkr.hcl), as `packer hcl2_upgrade` does')
    .argument('<template>', 'Packer JSON template')
    .option('-o, --output-file <file>', 'where to write it (default: TEMPLATE.pkr.hcl beside the template)')
    .option('--force', 'replace the output file if it exists')
    .action((template: string, flags: { outputFile?: string; force?: boolean }) => {
      exitCode = hcl2UpgradeCommand(template, flags, io);
    });

  program
    .command('cleanup')
    .description(
      'remove what killed boxwright runs left behind (QEMU and script processes, containers, temporary directories)',
    )
    .option('--dry-run', 'only list them')
    .option('--all', 'also look for leftovers of runs this cache directory has no record of')
    .action(async (flags: CleanupFlags) => {
      exitCode = await cleanupCommand(flags, io);
    });

  program
    .command('cache')
    .description('list (ls) or remove (prune) the checkpoints that builds keep after their provisioners')
    .argument('<action>', 'ls or prune')
    .option('--older-than <duration>', 'prune only checkpoints saved longer ago than this Go duration ("72h")')
    .action(async (action: string, flags: CacheFlags) => {
      exitCode = await cacheCommand(action, flags, io);
    });

  program
    .command('version')
    .description('print the version')
    .action(() => {
      io.stdout.write(`boxwright v${VERSION}\n`);
    });

  try {
    await program.parseAsync(normalizeArgs(argv, VALUE_OPTIONS, BOOLEAN_OPTIONS, NEGATABLE_OPTIONS), { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every usage mistake was already printed by commander.
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)) return 0;
      if (err.code === 'commander.executeSubCommandAsync') return err.exitCode;
      // parity's 1 means drift; a usage mistake is "cannot compare".
      return argv[0] === 'parity' ? 2 : 1;
    }
    if (err instanceof UserError) {
      io.stderr.write(`Error: ${err.message}\n${err.hint ? `    hint: ${err.hint}\n` : ''}`);
      return 1;
    }
    io.stderr.write(
      `Internal error: ${messageOf(err)}\n${err instanceof Error && err.stack ? err.stack : ''}\nThis is a bug in boxwright; please report it with the command you ran.\n`,
    );
    return 1;
  }
}
