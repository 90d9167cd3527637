import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { debianBaseImage } from '../../support/base-image.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { qemuFromBase } from '../../support/qemu-template.js';
import { bootDisk, loginVagrant } from '../../support/vm.js';
import { readMachineState } from '../../../src/machines/qemu/machine-state.js';

let base: string;
beforeAll(async () => {
  base = await debianBaseImage();
}, 900_000);

const SECRET = 'tok-5be1c09f';

describe('checkpoints of a qemu build (real QEMU, TCG here)', () => {
  it('keeps a disk layer and the sealed running machine after each provisioner, continues the longest match, boots its disk when the machine cannot load (replaying /tmp uploads), caps, cleans up a failure, and prunes', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'checkpoints');
    const env = { BOXWRIGHT_CHECKPOINT_DIR: store };
    writeFileSync(path.join(dir, 'one.sh'), '#!/bin/sh\necho step one ran\necho one | sudo tee /one\n');
    writeFileSync(path.join(dir, 'payload.txt'), 'payload-7c1\n');
    const template = (third: string) => ({
      variables: { token: SECRET },
      'sensitive-variables': ['token'],
      builders: [qemuFromBase(base, { output_directory: 'out', vm_name: 'disk.qcow2' })],
      provisioners: [
        // Uploaded to /tmp, which the guest empties at boot: a resumed build uploads it again.
        { type: 'file', source: 'payload.txt', destination: '/tmp/payload.txt' },
        { type: 'shell', script: 'one.sh' },
        {
          type: 'shell',
          inline: [
            'echo step two ran',
            'echo "two $TOKEN" | sha256sum | sudo tee /two',
            // A service started with the secret: it is in the machine's memory when it is saved.
            `setsid sh -c 'while :; do sleep 60; done' "holder-$TOKEN" </dev/null >/dev/null 2>&1 &`,
          ],
          environment_vars: ['TOKEN={{user `token`}}'],
        },
        { type: 'shell', inline: ['sudo cp /tmp/payload.txt /payload', third] },
      ],
    });
    const build = async (third: string, extraEnv: Record<string, string> = {}) => {
      const t = writeTemplate(dir, template(third));
      return runCli(['build', '-color=false', '-force', t], { cwd: dir, env: { ...env, ...extraEnv } });
    };
    const records = () => readdirSync(path.join(store, 'qemu')).filter((n) => n.endsWith('.json'));
    const files = () => readdirSync(path.join(store, 'qemu', 'layers'));
    const layers = () => files().filter((n) => n.endsWith('.qcow2'));
    const states = () => files().filter((n) => n.endsWith('.state'));

    const first = await build('echo three | sudo tee /three');
    expect(first.code, first.all).toBe(0);
    expect(first.all).toContain('step one ran');
    expect(first.all).toContain('Kept a checkpoint after provisioner 4 of 4, with the running machine');
    expect(first.all).toContain('Kept the finished machine');
    expect(records()).toHaveLength(5);
    expect(layers()).toHaveLength(5);
    expect(states()).toHaveLength(4);

    // The machine saved after provisioner 3 holds the secret in its memory, and the file
    // holds it only sealed: opened with the template's sensitive values, it is there.
    const stateFiles = states().map((n) => path.join(store, 'qemu', 'layers', n));
    for (const file of stateFiles) expect(readFileSync(file).includes(`holder-${SECRET}`)).toBe(false);
    const found = await Promise.all(
      stateFiles.map((file) => openedHolds(file, [SECRET, 'vagrant'], `holder-${SECRET}`)),
    );
    expect(found.filter(Boolean)).toHaveLength(2);

    // The last provisioner edited: the machine saved after the third continues, without a
    // boot, with its /tmp and its clock set to now; the checkpoints beyond the cap (here all
    // but this build's own) go.
    const editedAt = Math.floor(Date.now() / 1000);
    const editedThird = 'echo three-v2 | sudo tee /three; echo "guest clock $(date +%s)"';
    const edited = await build(editedThird, {
      BOXWRIGHT_CHECKPOINTS_MAX_SIZE: '1',
    });
    expect(edited.code, edited.all).toBe(0);
    expect(edited.all).toMatch(
      /Resuming from the checkpoint after provisioner 3 of 4 \(saved \d{4}-\d\d-\d\dT[\d:]+Z\); pass -no-checkpoints/,
    );
    expect(edited.all).toContain('Continuing the machine saved with the checkpoint (its memory too: no boot)');
    expect(edited.all).not.toContain('Running provisioner 1 of 4 again');
    expect(edited.all).not.toContain('step one ran');
    expect(edited.all).not.toContain('step two ran');
    const guestClock = Number(/guest clock (\d+)/.exec(edited.all)?.[1]);
    expect(guestClock).toBeGreaterThanOrEqual(editedAt - 1);
    expect(edited.all).toMatch(/Removed the checkpoint \w{12} \(after provisioner 4 of 4 of qemu\)/);
    expect(records()).toHaveLength(5);
    expect(layers()).toHaveLength(5);
    expect(states()).toHaveLength(4);

    // Nothing changed: the finished machine's disk is exported as it is, without starting
    // the machine, and the artifact's content is the last build's, byte for byte.
    const disk = path.join(dir, 'out/disk.qcow2');
    const previous = path.join(dir, 'edited.qcow2');
    execFileSync('cp', ['--reflink=auto', disk, previous]);
    const fingerprintFile = path.join(dir, 'qemu.fingerprint.json');
    const fingerprint = readFileSync(fingerprintFile, 'utf8');
    const unchanged = await build(editedThird);
    expect(unchanged.code, unchanged.all).toBe(0);
    expect(unchanged.all).toMatch(
      /Nothing changed since a build that finished \(saved [\dT:-]+Z\): its disk is exported without starting the machine/,
    );
    expect(unchanged.all).not.toContain('Starting the virtual machine');
    expect(unchanged.all).not.toContain('step one ran');
    // The fingerprint is the one the finished build took, kept with its disk.
    expect(unchanged.all).toContain('Wrote the fingerprint to qemu.fingerprint.json');
    expect(readFileSync(fingerprintFile, 'utf8')).toBe(fingerprint);
    expect(execFileSync('qemu-img', ['compare', previous, disk], { encoding: 'utf8' })).toContain(
      'Images are identical',
    );
    expect(records()).toHaveLength(5);
    expect(layers()).toHaveLength(5);

    // The artifact stands alone, and holds what every provisioner wrote.
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', disk], { encoding: 'utf8' })) as Record<
      string,
      unknown
    >;
    expect(info['backing-filename']).toBeUndefined();
    const vm = await bootDisk(disk);
    try {
      const { comm, run } = await loginVagrant(vm);
      const { out } = await run('cat /one /three /payload; test -s /two && echo two-written');
      expect(out).toEqual(['one', 'three-v2', 'payload-7c1', 'two-written']);
      await comm.close();
    } finally {
      await vm.stop();
    }

    // A saved machine that cannot load (here cut short) is passed over: the checkpoint's
    // disk boots, and the upload to /tmp, which a boot empties, runs again.
    for (const file of states()) truncateSync(path.join(store, 'qemu', 'layers', file), 100_000);
    // What a provisioner leaves in /tmp that no upload can put back makes its checkpoint
    // worthless: it is not kept, and the build says why.
    const scratch = await build('echo scratch > /tmp/scratch-9f2');
    expect(scratch.code, scratch.all).toBe(0);
    expect(scratch.all).toMatch(/Could not load the checkpoint's running machine \(.+\); booting its disk instead/);
    expect(scratch.all).toContain(
      "Running provisioner 1 of 4 again: the checkpoint's disk lacks what it put in /tmp/payload.txt",
    );
    expect(scratch.all).toContain(
      'No checkpoint after provisioner 4 of 4: /tmp/scratch-9f2 would be missing from a build resumed there',
    );
    expect(records()).toHaveLength(5);
    expect(layers()).toHaveLength(5);
    expect(states()).toHaveLength(4);

    // A failing provisioner leaves no half-made layer behind, and no checkpoint of it.
    const failed = await build('exit 3');
    expect(failed.code).toBe(1);
    expect(failed.all).toContain('Resuming from the checkpoint after provisioner 3 of 4');
    expect(records()).toHaveLength(5);
    expect(layers()).toHaveLength(5);
    expect(states()).toHaveLength(4);

    // Nothing the store keeps names the sensitive value.
    for (const name of records()) expect(readFileSync(path.join(store, 'qemu', name), 'utf8')).not.toContain(SECRET);

    const ls = await runCli(['cache', 'ls'], { cwd: dir, env });
    expect(ls.code, ls.all).toBe(0);
    expect(
      ls.stdout.split('\n').filter((l) => /^ {2}qemu {3}\w{12} {2}after provisioner \d of 4 of qemu/.test(l)),
    ).toHaveLength(4);
    expect(ls.stdout).toMatch(/^ {2}qemu {3}\w{12} {2}after provisioner 4 of 4, shut down of qemu/m);
    const prune = await runCli(['cache', 'prune'], { cwd: dir, env });
    expect(prune.code, prune.all).toBe(0);
    expect(prune.stdout).toContain('Removed 5 checkpoint(s); 0 kept.');
    expect(records()).toEqual([]);
    expect(files()).toEqual([]);
  }, 600_000);
});

/** Whether the saved machine in `file`, opened with `secrets`, holds `text`; scanned as it streams. */
async function openedHolds(file: string, secrets: string[], text: string): Promise<boolean> {
  const needle = Buffer.from(text);
  let tail = Buffer.alloc(0);
  let found = false;
  const scan = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const window = Buffer.concat([tail, chunk]);
      if (window.includes(needle)) found = true;
      tail = window.subarray(Math.max(0, window.length - needle.length));
      done();
    },
  });
  await readMachineState(file, secrets, scan, new AbortController().signal);
  return found;
}
