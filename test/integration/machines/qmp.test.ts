import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QmpClient, QmpError } from '../../../src/machines/qemu/qmp.js';
import { tempDir } from '../../support/cli.js';

const signal = new AbortController().signal;

/** A QEMU with no guest at all ("-machine none"): enough to talk QMP to, in milliseconds. */
function startBareQemu(socket: string) {
  const child = spawn(
    'qemu-system-x86_64',
    [
      '-machine',
      'none',
      '-nodefaults',
      '-display',
      'none',
      '-accel',
      'tcg',
      '-qmp',
      `unix:${socket},server=on,wait=off`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited };
}

describe('QMP client against a real QEMU', () => {
  it('negotiates, runs commands, reports errors by class, and sees QEMU quit', async () => {
    const socket = path.join(tempDir(), 'qmp.sock');
    const qemu = startBareQemu(socket);
    const qmp = await QmpClient.connect(socket, signal);
    const status = await qmp.execute<{ status: string; running: boolean }>('query-status');
    expect(status.status).toBe('running');
    const version = await qmp.execute<{ qemu: { major: number } }>('query-version');
    expect(version.qemu.major).toBeGreaterThanOrEqual(7);
    await expect(qmp.execute('no-such-command')).rejects.toBeInstanceOf(QmpError);
    await expect(qmp.execute('no-such-command')).rejects.toThrow('CommandNotFound');
    const shutdown = qmp.waitForEvent('SHUTDOWN', 5000, signal);
    await qmp.execute('quit');
    expect((await shutdown).event).toMatch(/SHUTDOWN|CLOSED/);
    expect(await qemu.exited).toBe(0);
  });

  it('fails clearly when no QEMU listens on the socket', async () => {
    const socket = path.join(tempDir(), 'nothing.sock');
    await expect(QmpClient.connect(socket, signal, 300)).rejects.toThrow(
      `could not connect to QEMU's QMP socket ${socket}`,
    );
  });
});
