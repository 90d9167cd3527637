import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeTemplate } from '../support/cli.js';
import { startCli, stillAlive } from '../support/process.js';

async function waitForFile(file: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
    if (Date.now() > until) throw new Error(`${file} did not appear`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Ctrl-C', () => {
  it('first SIGINT cancels: the running command gets SIGTERM, temp files go, later steps do not run, exit 1', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'null' }],
      provisioners: [
        // The script records its pid and path, then sleeps in the foreground; its trap proves the signal arrived.
        {
          type: 'shell-local',
          inline: [
            "trap 'echo TERM > got-term; exit 143' TERM",
            'echo "$0" > script-path',
            'sleep 30 & echo $! > sleep-pid',
            'echo $$ > shell-pid',
            'wait',
          ],
        },
        { type: 'shell-local', inline: ['touch must-not-run'] },
      ],
    });
    const run = startCli(['build', t], dir);
    await waitForFile(path.join(dir, 'shell-pid'));
    run.signal('SIGINT');
    const { code, output } = await run.exit;
    expect(code).toBe(1);
    expect(output).toContain('Received SIGINT: cancelling builds and cleaning up.');
    expect(output).toContain('Cleanly cancelled builds after being interrupted.');
    expect(readFileSync(path.join(dir, 'got-term'), 'utf8')).toBe('TERM\n');
    const sleepPid = Number(readFileSync(path.join(dir, 'sleep-pid'), 'utf8'));
    expect(await stillAlive(sleepPid)).toBe(false);
    const scriptPath = readFileSync(path.join(dir, 'script-path'), 'utf8').trim();
    expect(existsSync(path.dirname(scriptPath))).toBe(false);
    expect(existsSync(path.join(dir, 'must-not-run'))).toBe(false);
  });

  it('a second SIGINT stops at once without waiting for cleanup, and kills what is still running', async () => {
    const dir = tempDir();
    // Ignoring TERM makes the graceful cancel wait for its SIGKILL grace period.
    const t = writeTemplate(dir, {
      builders: [{ type: 'null' }],
      provisioners: [
        {
          type: 'shell-local',
          inline: ["trap '' TERM", 'echo "$0" > script-path', 'sleep 60 & echo $! > sleep-pid', 'wait'],
        },
      ],
    });
    const run = startCli(['build', t], dir);
    await waitForFile(path.join(dir, 'sleep-pid'));
    run.signal('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const before = Date.now();
    run.signal('SIGINT');
    const { code, output } = await run.exit;
    expect(Date.now() - before).toBeLessThan(3000);
    expect(code).toBe(130);
    expect(output).toContain('Stopped without cleaning up.');
    expect(await stillAlive(Number(readFileSync(path.join(dir, 'sleep-pid'), 'utf8')))).toBe(false);
    // Nothing is listed as left behind, and nothing is: the script's scratch directory went too.
    expect(output).not.toContain('These resources remain');
    const scriptPath = readFileSync(path.join(dir, 'script-path'), 'utf8').trim();
    expect(existsSync(path.dirname(scriptPath))).toBe(false);
  });

  it('SIGTERM cancels like the first Ctrl-C', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'null' }],
      provisioners: [{ type: 'shell-local', inline: ['echo $$ > shell-pid', 'sleep 30'] }],
    });
    const run = startCli(['build', t], dir);
    await waitForFile(path.join(dir, 'shell-pid'));
    run.signal('SIGTERM');
    const { code, output } = await run.exit;
    expect(code).toBe(1);
    expect(output).toContain('Cleanly cancelled builds after being interrupted.');
    expect(await stillAlive(Number(readFileSync(path.join(dir, 'shell-pid'), 'utf8')))).toBe(false);
  });
});

describe('SIGKILL', () => {
  it('the next build names what the killed run left, and boxwright cleanup removes it', async () => {
    const dir = tempDir();
    // Its own temp folder and cache, so that no other test's build sees this run's leftovers.
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp, BOXWRIGHT_CACHE_DIR: path.join(dir, 'cache') };
    const t = writeTemplate(dir, {
      builders: [{ type: 'null' }],
      provisioners: [{ type: 'shell-local', inline: ['sleep 60 & echo $! > sleep-pid', 'wait'] }],
    });
    const killed = startCli(['build', t], dir, env);
    await waitForFile(path.join(dir, 'sleep-pid'));
    killed.signal('SIGKILL');
    await killed.exit;
    // What a SIGKILL leaves: the script still running, and its folder.
    const sleepPid = Number(readFileSync(path.join(dir, 'sleep-pid'), 'utf8'));
    expect(await stillAlive(sleepPid, 300)).toBe(true);
    const [scriptDir] = readdirSync(tmp);
    expect(scriptDir).toMatch(/^boxwright-pid\d+-shell-local-/);

    const next = startCli(['build', writeTemplate(dir, { builders: [{ type: 'null' }] }, 'next.json')], dir, env);
    const { code: nextCode, output: nextOutput } = await next.exit;
    expect(nextCode, nextOutput).toBe(0);
    expect(nextOutput).toContain('An earlier boxwright run was killed before it could clean up');
    expect(nextOutput).toContain(`(${t}, started `);
    expect(nextOutput).toContain(`temporary directory ${path.join(tmp, scriptDir!)}`);
    expect(nextOutput).toMatch(
      /- process \d+ and its process group: \/bin\/sh .*\/boxwright-pid\d+-shell-local-\w+\/inline/,
    );
    expect(nextOutput).toContain('Run `boxwright cleanup` to remove them');

    const listed = await startCli(['cleanup', '-dry-run'], dir, env).exit;
    expect(listed.code).toBe(0);
    expect(listed.output).toContain(`temporary directory ${path.join(tmp, scriptDir!)}\n`);
    expect(existsSync(path.join(tmp, scriptDir!))).toBe(true);
    // With another cache directory the run is not known: only -all looks at leftovers without a record.
    const elsewhere = { ...env, BOXWRIGHT_CACHE_DIR: path.join(dir, 'other-cache') };
    expect((await startCli(['cleanup', '-dry-run'], dir, elsewhere).exit).output).toContain('Nothing is left over');
    expect((await startCli(['cleanup', '-dry-run', '-all'], dir, elsewhere).exit).output).toContain(scriptDir);

    const cleanup = await startCli(['cleanup'], dir, env).exit;
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(cleanup.output).toMatch(/process \d+ and its process group: .*: removed/);
    expect(cleanup.output).toContain(`temporary directory ${path.join(tmp, scriptDir!)}: removed`);
    expect(await stillAlive(sleepPid)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    // Cleaned up, the killed run is forgotten: the next build says nothing about it.
    const after = await startCli(['build', path.join(dir, 'next.json')], dir, env).exit;
    expect(after.output).not.toContain('An earlier boxwright run');
  });
});
