import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshCommunicator } from '../../src/communicators/ssh/communicator.js';
import { waitForSsh } from '../../src/communicators/ssh/wait.js';
import { tempDir } from '../support/cli.js';
import { recordingUi, sshConfig } from '../support/ssh.js';
import { freePort, startSshd, TEST_PASSWORD, TEST_USER, type Sshd } from '../support/sshd.js';
import { rmSync } from 'node:fs';

let sshd: Sshd;
const signal = new AbortController().signal;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.dispose();
});

async function connect(options: Record<string, unknown>): Promise<SshCommunicator> {
  const cfg = sshConfig({ ssh_port: sshd.port, ...options });
  const ui = recordingUi();
  const endpoint = { host: '127.0.0.1', port: sshd.port };
  const client = await waitForSsh(cfg, endpoint, { ui, signal, log: () => {} });
  return new SshCommunicator(cfg, endpoint, client, { ui, signal, log: () => {} });
}

async function run(comm: SshCommunicator, command: string) {
  const out: string[] = [];
  const err: string[] = [];
  const result = await comm.exec(command, { signal, onStdout: (l) => out.push(l), onStderr: (l) => err.push(l) });
  return { ...result, out, err };
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

describe('SSH communicator against a real sshd', () => {
  it('logs in with a password and runs a command, with its output by stream and its exit code', async () => {
    const comm = await connect({ ssh_password: TEST_PASSWORD });
    const r = await run(comm, 'echo out; echo err >&2; whoami; exit 3');
    expect(r).toMatchObject({ exitCode: 3, out: ['out', TEST_USER], err: ['err'] });
    await comm.close();
  });

  it('pause_before_connecting: once SSH answers, waits, then logs in again; ssh_ciphers limits the ciphers', async () => {
    const cfg = sshConfig({
      ssh_port: sshd.port,
      ssh_password: TEST_PASSWORD,
      pause_before_connecting: '1s',
      ssh_ciphers: ['aes256-ctr'],
    });
    const ui = recordingUi();
    const started = Date.now();
    const client = await waitForSsh(cfg, { host: '127.0.0.1', port: sshd.port }, { ui, signal, log: () => {} });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(ui.lines.join('\n')).toContain('say: Pausing 1 second before connecting...');
    client.end();
    // A cipher the server does not offer fails the handshake: the option reached ssh2.
    const none = sshConfig({
      ssh_port: sshd.port,
      ssh_password: TEST_PASSWORD,
      ssh_ciphers: ['3des-cbc'],
      ssh_timeout: '3s',
    });
    await expect(
      waitForSsh(none, { host: '127.0.0.1', port: sshd.port }, { ui: recordingUi(), signal, log: () => {} }),
    ).rejects.toThrow();
  });

  it('logs in with a private key', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey });
    expect((await run(comm, 'id -un')).out).toEqual([TEST_USER]);
    await comm.close();
  });

  it('reports a refused login as such, after ssh_handshake_attempts', async () => {
    const cfg = sshConfig({ ssh_port: sshd.port, ssh_password: 'wrong', ssh_handshake_attempts: 2 });
    await expect(
      waitForSsh(cfg, { host: '127.0.0.1', port: sshd.port }, { ui: recordingUi(), signal, log: () => {} }),
    ).rejects.toThrow(`SSH login to 127.0.0.1:${sshd.port} as "${TEST_USER}" was refused 2 times`);
  });

  it('times out on a closed port with the last error, and says so while waiting', async () => {
    const port = await freePort();
    const ui = recordingUi();
    const cfg = sshConfig({ ssh_port: port, ssh_password: 'x', ssh_timeout: '2s' });
    const started = Date.now();
    await expect(
      waitForSsh(cfg, { host: '127.0.0.1', port }, { ui, signal, log: () => {}, progressEveryMs: 500 }),
    ).rejects.toThrow(
      `Timeout waiting for SSH after 2 seconds. Last error (port closed): connection refused on 127.0.0.1:${port}`,
    );
    expect(Date.now() - started).toBeLessThan(4000);
    expect(ui.lines.some((l) => l.includes('Still waiting for SSH') && l.includes('port closed'))).toBe(true);
  });

  it('names a refused login at the timeout, even when the last attempt was cut short in the handshake', async () => {
    // The first logins reach sshd and are refused; later connections are accepted and never
    // answered, as a busy guest's would be, until the deadline cuts the last attempt short.
    const { createServer, connect: dial } = await import('node:net');
    let connections = 0;
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => {
      sockets.push(s);
      if (++connections > 2) return;
      const upstream = dial(sshd.port, '127.0.0.1');
      sockets.push(upstream);
      s.pipe(upstream).pipe(s);
      upstream.on('error', () => s.destroy());
      s.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const ui = recordingUi();
    const cfg = sshConfig({ ssh_port: port, ssh_password: 'wrong', ssh_timeout: '4s', ssh_handshake_attempts: 100 });
    try {
      const failure = waitForSsh(cfg, { host: '127.0.0.1', port }, { ui, signal, log: () => {}, progressEveryMs: 500 });
      await expect(failure).rejects.toThrow(/Last error \(auth refused\): .*\(the last attempt: handshake failed\)/);
      await expect(failure).rejects.toMatchObject({
        hint: expect.stringContaining('check ssh_username and ssh_password'),
      });
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('says "handshake failed" when the port answers but does not speak SSH', async () => {
    const { createServer } = await import('node:net');
    const server = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const cfg = sshConfig({ ssh_port: port, ssh_password: 'x', ssh_timeout: '1s' });
    await expect(
      waitForSsh(cfg, { host: '127.0.0.1', port }, { ui: recordingUi(), signal, log: () => {} }),
    ).rejects.toThrow('Last error (handshake failed)');
    server.close();
  });

  it.each(['sftp', 'scp'])('uploads and downloads a file over %s, keeping its mode', async (method) => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey, ssh_file_transfer_method: method });
    const dir = tempDir();
    const local = path.join(dir, 'tool.sh');
    writeFileSync(local, '#!/bin/sh\necho it works\n', { mode: 0o750 });
    const remote = `/tmp/boxwright-${method}-${process.pid}.sh`;
    await comm.upload(local, remote, { signal });
    expect(await run(comm, `${remote}; stat -c %a ${remote}`)).toMatchObject({ exitCode: 0, out: ['it works', '750'] });
    await comm.download(remote, path.join(dir, 'back.sh'), { signal });
    expect(readFileSync(path.join(dir, 'back.sh'), 'utf8')).toBe('#!/bin/sh\necho it works\n');
    await run(comm, `rm -f ${remote}`);
    await comm.close();
  });

  it('uploads and downloads a directory tree', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey });
    const dir = tempDir();
    mkdirSync(path.join(dir, 'tree/sub/deeper'), { recursive: true });
    writeFileSync(path.join(dir, 'tree/a.txt'), 'a');
    writeFileSync(path.join(dir, 'tree/sub/deeper/b.sh'), 'b', { mode: 0o700 });
    const remote = `/tmp/boxwright-tree-${process.pid}`;
    await comm.uploadDir(path.join(dir, 'tree'), remote, { signal });
    expect((await run(comm, `cd ${remote} && find . -type f | sort && stat -c %a sub/deeper/b.sh`)).out).toEqual([
      './a.txt',
      './sub/deeper/b.sh',
      '700',
    ]);
    await comm.downloadDir(remote, path.join(dir, 'back'), { signal });
    expect(readFileSync(path.join(dir, 'back/sub/deeper/b.sh'), 'utf8')).toBe('b');
    await run(comm, `rm -rf ${remote}`);
    await comm.close();
  });

  it('streams a large upload: the hash matches and memory stays flat', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey });
    const dir = tempDir();
    const local = path.join(dir, 'big.bin');
    // 300 MiB of non-repeating data, written in chunks.
    const chunk = Buffer.alloc(1 << 20);
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(local, 'w');
    for (let i = 0; i < 300; i++) {
      createHash('sha512')
        .update(String(i))
        .digest()
        .copy(chunk, (i * 64) % (chunk.length - 64));
      chunk.writeUInt32LE(i, 0);
      writeSync(fd, chunk);
    }
    closeSync(fd);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const remote = `/tmp/boxwright-big-${process.pid}.bin`;
    try {
      await comm.upload(local, remote, { signal });
    } finally {
      clearInterval(sampler);
    }
    expect((await run(comm, `sha256sum ${remote} | cut -d' ' -f1`)).out[0]).toBe(await sha256(local));
    expect(statSync(local).size).toBe(300 * (1 << 20));
    expect(peak - before).toBeLessThan(100 * (1 << 20));
    await run(comm, `rm -f ${remote}`);
    await comm.close();
  }, 120_000);

  it('kills the remote command and what it started when cancelled', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey });
    const marker = `/tmp/boxwright-cancel-${process.pid}`;
    const controller = new AbortController();
    const running = comm.exec(`sleep 300 & echo $! > ${marker}; wait`, { signal: controller.signal });
    const until = Date.now() + 10_000;
    while (!existsSync(marker) || !readFileSync(marker, 'utf8').trim()) {
      if (Date.now() > until) throw new Error('the remote command did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const pid = Number(readFileSync(marker, 'utf8'));
    controller.abort();
    await expect(running).rejects.toThrow('cancelled');
    const gone = Date.now() + 5000;
    while (Date.now() < gone && (await run(comm, `kill -0 ${pid} 2>/dev/null`)).exitCode === 0)
      await new Promise((r) => setTimeout(r, 100));
    expect((await run(comm, `kill -0 ${pid} 2>/dev/null`)).exitCode).not.toBe(0);
    rmSync(marker, { force: true });
    await comm.close();
  });

  it('kills a cancelled command that ignores SIGHUP, however soon after its start the cancel comes', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey });
    // The window between the command starting and its pid line arriving is a few milliseconds:
    // cancelling after a range of delays lands in it on some of them.
    for (const delayMs of [0, 1, 2, 4, 6, 8, 12, 16, 24, 32]) {
      const marker = `/tmp/boxwright-early-cancel-${process.pid}-${delayMs}`;
      const controller = new AbortController();
      // Ignoring SIGPIPE and SIGHUP, the command would outlive its closed channel (a long install may).
      const running = comm.exec(`trap "" PIPE HUP; echo $$ > ${marker}; exec sleep 300`, { signal: controller.signal });
      await new Promise((r) => setTimeout(r, delayMs));
      controller.abort();
      await expect(running).rejects.toThrow('cancelled');
      const until = Date.now() + 1500;
      while (Date.now() < until && !(existsSync(marker) && readFileSync(marker, 'utf8').trim()))
        await new Promise((r) => setTimeout(r, 20));
      // Either it never started, or it is gone.
      if (existsSync(marker)) {
        const pid = Number(readFileSync(marker, 'utf8'));
        const gone = Date.now() + 5000;
        while (Date.now() < gone && (await run(comm, `kill -0 ${pid} 2>/dev/null`)).exitCode === 0)
          await new Promise((r) => setTimeout(r, 100));
        const alive = (await run(comm, `kill -0 ${pid} 2>/dev/null`)).exitCode === 0;
        if (alive) await run(comm, `kill -KILL ${pid}`);
        rmSync(marker, { force: true });
        expect(alive, `the command cancelled after ${delayMs} ms is still running`).toBe(false);
      }
    }
    await comm.close();
  });

  it('runs commands in a pseudo-terminal with ssh_pty', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey, ssh_pty: true });
    const r = await run(comm, 'tty >/dev/null && echo has-a-tty; exit 4');
    expect(r.exitCode).toBe(4);
    expect(r.out.map((l) => l.trim())).toEqual(['has-a-tty']);
    await comm.close();
  });

  it('reads the exit status of a quick command whose start, output and end arrive in one read (a busy client)', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey });
    // Busy 40 ms of every 41: sshd's answers pile up meanwhile, so the confirmation that a
    // command started often comes in one read with its exit status and the channel's close.
    const busy = setInterval(() => {
      const until = Date.now() + 40;
      while (Date.now() < until);
    }, 1);
    try {
      for (let i = 0; i < 30; i++)
        expect(await run(comm, `echo ${i}; exit ${i % 4}`)).toMatchObject({ exitCode: i % 4, out: [`${i}`] });
    } finally {
      clearInterval(busy);
    }
    await comm.close();
  });

  it('stops a command that outlives ssh_read_write_timeout, and says why', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey, ssh_read_write_timeout: '1s' });
    await expect(run(comm, 'sleep 30')).rejects.toThrow(
      'the command did not finish within ssh_read_write_timeout (1 second) and was stopped',
    );
    expect((await run(comm, 'echo still usable')).out).toEqual(['still usable']);
    await comm.close();
  });

  it('reconnects after the server went away and came back (a reboot)', async () => {
    const comm = await connect({ ssh_private_key_file: sshd.clientKey });
    expect((await run(comm, 'echo before')).out).toEqual(['before']);
    // The daemon restarts; existing sessions die with it in a real reboot.
    await run(comm, 'kill -TERM $PPID').catch(() => undefined);
    await sshd.restart(300);
    expect((await run(comm, 'echo after')).out).toEqual(['after']);
    await comm.close();
  });

  it('stops waiting at once when the private key cannot be read, instead of until ssh_timeout', async () => {
    const dir = tempDir();
    const key = path.join(dir, 'id');
    writeFileSync(key, readFileSync(sshd.clientKey), { mode: 0o600 });
    const cfg = sshConfig({ ssh_port: sshd.port, ssh_private_key_file: key, ssh_timeout: '2m' });
    // What ssh2 1.17's generator makes of a public key that starts with a zero byte: 31 bytes.
    writeFileSync(
      key,
      [
        '-----BEGIN OPENSSH PRIVATE KEY-----',
        'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz',
        'c2gtZWQyNTUxOQAAAB8oqD33yqPf7YGOy5PqW5UifnfIB4lfY/41tHIO3XwnAAAA',
        'mLTIBzm0yAc5AAAAC3NzaC1lZDI1NTE5AAAAHyioPffKo9/tgY7Lk+pblSJ+d8gH',
        'iV9j/jW0cg7dfCcAAAA/TCTIHeSpL7Dvp7A6RhbGAQ2PdFIBvaJah4XBlaGC2E8o',
        'qD33yqPf7YGOy5PqW5UifnfIB4lfY/41tHIO3XwnAAAAFGJveHdyaWdodCBhbWF6',
        'b24tZWJzAQID',
        '-----END OPENSSH PRIVATE KEY-----',
        '',
      ].join('\n'),
    );
    const started = Date.now();
    await expect(
      waitForSsh(cfg, { host: '127.0.0.1', port: sshd.port }, { ui: recordingUi(), signal, log: () => {} }),
    ).rejects.toThrow(/the private key for 127\.0\.0\.1:\d+ cannot be read: Cannot parse privateKey/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
