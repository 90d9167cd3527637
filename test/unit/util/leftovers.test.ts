import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leftoverDirectories, leftoverProcesses } from '../../../src/util/leftovers.js';
import { markedPid, runIsOver, runMark } from '../../../src/util/run-mark.js';
import { forgetRun, recordRun, runsThatDied } from '../../../src/util/run-record.js';
import { tempDir } from '../../support/cli.js';
import { stillAlive } from '../../support/process.js';

/** The pid of a process that has ended: a run killed a moment ago. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

/** A shell in its own process group whose command line carries `mark`, with a sleeping child. */
function markedShell(mark: string): { pid: number; childPid: Promise<number> } {
  const shell = spawn('sh', ['-c', 'sleep 60 & echo $!; wait', `${mark}-shell-local`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  shell.unref();
  const childPid = new Promise<number>((resolve) => shell.stdout.once('data', (d) => resolve(Number(String(d)))));
  return { pid: shell.pid!, childPid };
}

describe('the run mark', () => {
  it('names the pid, and only a whole pid', () => {
    expect(runMark(42)).toBe('boxwright-pid42');
    expect(markedPid('/tmp/boxwright-pid42-qemu-Ab12/qmp.sock')).toBe(42);
    expect(markedPid('-name boxwright-pid4242')).toBe(4242);
    expect(markedPid('boxwright-shell-local-x')).toBeUndefined();
  });

  it("a run is over when no process has its pid; this process's and a live one's are not", () => {
    expect(runIsOver(deadPid())).toBe(true);
    expect(runIsOver(process.pid)).toBe(false);
    expect(runIsOver(process.ppid)).toBe(false);
  });
});

describe('leftovers of runs that are over', () => {
  it("finds a killed run's temporary directories and removes them, and leaves a live run's", async () => {
    const tmp = tempDir();
    const dead = deadPid();
    const theirs = path.join(tmp, `${runMark(dead)}-qemu-Ab12Cd`);
    const ours = path.join(tmp, `${runMark()}-qemu-Ef34Gh`);
    mkdirSync(path.join(theirs, 'inside'), { recursive: true });
    mkdirSync(ours);
    mkdirSync(path.join(tmp, 'boxwright-test-unrelated'));
    const found = await leftoverDirectories(runIsOver, tmp);
    expect(found.map((l) => [l.owner, l.what])).toEqual([[dead, `temporary directory ${theirs}`]]);
    await found[0]!.remove();
    expect(readdirSync(tmp).sort()).toEqual(['boxwright-test-unrelated', path.basename(ours)].sort());
  });

  it("stops a killed run's script with its process group, and leaves a live run's processes alone", async () => {
    const dead = deadPid();
    const orphan = markedShell(runMark(dead));
    const live = markedShell(runMark());
    try {
      const sleeper = await orphan.childPid;
      const found = await leftoverProcesses(runIsOver);
      // Other runs that ended may have left processes too (a test killed by its timeout): only ours are asserted.
      const mine = found.filter((l) => l.owner === dead);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.what).toMatch(new RegExp(`^process ${orphan.pid} and its process group: sh -c`));
      expect(found.some((l) => l.owner === process.pid)).toBe(false);
      await mine[0]!.remove();
      expect(await stillAlive(orphan.pid, 2000)).toBe(false);
      expect(await stillAlive(sleeper, 2000)).toBe(false);
      expect(await stillAlive(live.pid, 200)).toBe(true);
    } finally {
      for (const p of [orphan.pid, live.pid])
        try {
          process.kill(-p, 'SIGKILL');
        } catch {
          // gone
        }
    }
  });
});

describe('run records', () => {
  it('a run that ends forgets its record; one whose process died is reported, with its template', () => {
    const cache = tempDir();
    const record = recordRun(cache, '/work/t.json');
    expect(runsThatDied(cache)).toEqual([]);
    forgetRun(record);
    expect(existsSync(record.file)).toBe(false);
    // A record left by a process that is gone: what a SIGKILL leaves.
    const dead = deadPid();
    writeFileSync(
      path.join(cache, 'runs', `${dead}-0a1b2c3d.json`),
      JSON.stringify({ pid: dead, template: '/work/killed.json', started: '2026-12-04T05:00:00.000Z' }),
    );
    expect(runsThatDied(cache).map((r) => [r.pid, r.template])).toEqual([[dead, '/work/killed.json']]);
  });
});
