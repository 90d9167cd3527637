import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { thenRemove } from '../../../src/provisioners/shell/index.js';
import { tempDir } from '../../support/cli.js';

/** The shells a container's /bin/sh is likely to be: Debian's dash, bash, Alpine's busybox ash. */
const SHELLS = [['dash'], ['bash'], ['busybox', 'sh']];

async function run(shell: string[], command: string, files: string[]) {
  const [bin, ...args] = shell;
  return execa(bin!, [...args, '-c', thenRemove(command, files)], { reject: false });
}

describe.each(SHELLS)('a script removed by the command that runs it (%s)', (...shell) => {
  const cases: [string, string, number][] = [
    ['keeps a failing exit status', 'echo out; exit 3', 3],
    ['keeps a success', 'true', 0],
    ['survives an exec, which replaces only the subshell', 'exec sh -c "exit 4"', 4],
    ['is not commented out by a comment on the last line', 'false # the end', 1],
    ['survives a here-document', 'cat <<EOF\nbody\nEOF', 0],
  ];
  it.each(cases)('%s', async (_what, command, status) => {
    const dir = tempDir();
    const script = path.join(dir, 'script_1234.sh');
    const vars = path.join(dir, "varfile 'quoted'.sh");
    writeFileSync(script, '#!/bin/sh\n');
    writeFileSync(vars, '');
    const result = await run(shell, command, [script, vars]);
    expect(result.exitCode, result.stderr).toBe(status);
    expect(existsSync(script)).toBe(false);
    expect(existsSync(vars)).toBe(false);
  });

  it('says so on stderr when the script cannot be removed, and keeps the status', async () => {
    const dir = tempDir();
    // A directory where the script should be: rm -f refuses it.
    const script = path.join(dir, 'script_1234.sh');
    await execa('mkdir', [script]);
    const result = await run(shell, 'exit 5', [script]);
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toContain(`Could not remove ${script} from the machine; it stays there.`);
  });
});
