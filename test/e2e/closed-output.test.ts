import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeTemplate } from '../support/cli.js';

const BIN = path.resolve(__dirname, '../../bin/boxwright');

describe('output into a pipe whose reader goes away (`boxwright build t.json | head -3`)', () => {
  it('finishes the build, post-processors included, without a crash or a stack trace', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'null' }],
      provisioners: [{ type: 'shell-local', inline: ['for i in $(seq 1 500); do echo line $i; done'] }],
      'post-processors': [{ type: 'shell-local', inline: ['touch after-the-reader-left'] }],
    });
    const child = spawn(process.execPath, [BIN, 'build', t], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Read the first chunk, then close the pipe as `head` does.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
    expect(existsSync(path.join(dir, 'after-the-reader-left'))).toBe(true);
  });
});
