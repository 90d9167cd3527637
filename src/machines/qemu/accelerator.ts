import { spawn } from 'node:child_process';
import { constants, existsSync, readFileSync } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, removeTempDir } from '../../util/temp-dir.js';
import { QEMU_BINARY } from './machine.js';

export type Accelerator = 'kvm' | 'tcg' | 'none';
export type AcceleratorSetting = Accelerator | 'auto';

/** The accelerator QEMU will use, and why, for the build log. */
export interface AcceleratorChoice {
  accelerator: Accelerator;
  reason: string;
}

/** What the probe needs to know about the host; real by default, replaced in unit tests. */
export interface HostFacts {
  /** undefined when /dev/kvm can be opened read-write, else why not. */
  kvmDeviceProblem(): Promise<string | undefined>;
  loadedModules(): string[];
  cpuFlags(): string[];
  /** Boots a tiny guest with `binary` under KVM; resolves to its run time in ms, or why it failed. */
  probeBoot(accelerator: Accelerator, timeoutMs: number, binary: string): Promise<{ ms: number } | { failure: string }>;
}

/** A KVM that boots the probe slower than this is not worth using over TCG. */
const PROBE_LIMIT_MS = 2000;

/**
 * Resolves `auto` by probing, not guessing: /dev/kvm can exist and answer while every
 * real guest dies (a paravirtual nested KVM without CPU virtualization). Explicit
 * settings are honoured as given.
 */
export async function chooseAccelerator(
  setting: AcceleratorSetting,
  binary = QEMU_BINARY,
  facts: HostFacts = realHost,
): Promise<AcceleratorChoice> {
  if (setting !== 'auto') return { accelerator: setting, reason: `"accelerator": "${setting}" in the template` };
  const device = await facts.kvmDeviceProblem();
  if (device) return { accelerator: 'tcg', reason: `${device}; using TCG (software emulation, slower)` };
  if (facts.loadedModules().includes('kvm_pvm'))
    return {
      accelerator: 'tcg',
      reason: '/dev/kvm is a paravirtual nested KVM (kvm_pvm), whose guests die with "KVM internal error"; using TCG',
    };
  const flags = facts.cpuFlags();
  if (!flags.includes('vmx') && !flags.includes('svm'))
    return {
      accelerator: 'tcg',
      reason: 'the CPU offers neither vmx nor svm, so /dev/kvm cannot run real guests; using TCG',
    };
  // The build's own QEMU (qemu_binary) is the one that has to run under KVM.
  const probe = await facts.probeBoot('kvm', PROBE_LIMIT_MS * 2, binary);
  if ('failure' in probe)
    return { accelerator: 'tcg', reason: `a probe guest failed under KVM (${probe.failure}); using TCG` };
  if (probe.ms > PROBE_LIMIT_MS)
    return {
      accelerator: 'tcg',
      reason: `a probe guest took ${probe.ms} ms under KVM (TCG needs under 100 ms); using TCG`,
    };
  return { accelerator: 'kvm', reason: `KVM works (a probe guest booted in ${probe.ms} ms)` };
}

// A boot sector that writes "K" to COM1 and leaves through isa-debug-exit with status 3.
const PROBE_CODE = [0xba, 0xf8, 0x03, 0xb0, 0x4b, 0xee, 0xba, 0xf4, 0x00, 0xb0, 0x01, 0xee, 0xf4, 0xeb, 0xfd];

/** Boots the probe sector; QEMU exits 3 when the guest code ran to its end. */
export async function probeBoot(
  accelerator: Accelerator,
  timeoutMs: number,
  binary = QEMU_BINARY,
): Promise<{ ms: number } | { failure: string }> {
  const dir = await makeTempDir('probe');
  try {
    const image = Buffer.alloc(512);
    Buffer.from(PROBE_CODE).copy(image);
    image[510] = 0x55;
    image[511] = 0xaa;
    await writeFile(path.join(dir, 'probe.img'), image);
    const serial = path.join(dir, 'serial');
    const started = Date.now();
    const args = [
      '-accel',
      accelerator === 'none' ? 'tcg' : accelerator,
      '-machine',
      'pc',
      '-nodefaults',
      '-display',
      'none',
      '-m',
      '32',
      '-no-reboot',
      '-drive',
      `file=${path.join(dir, 'probe.img')},format=raw,if=ide`,
      '-device',
      'isa-debug-exit,iobase=0xf4,iosize=0x04',
      '-serial',
      `file:${serial}`,
    ];
    const result = await new Promise<{ code: number | null; stderr: string; timedOut: boolean }>((resolve) => {
      const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let timedOut = false;
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), timeoutMs);
      child.on('error', (err) => resolve({ code: null, stderr: err.message, timedOut }));
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr, timedOut });
      });
    });
    const ms = Date.now() - started;
    const printed = await readFile(serial, 'utf8').catch(() => '');
    if (result.timedOut) return { failure: `no result within ${timeoutMs} ms` };
    if (result.code !== 3 || printed !== 'K')
      return { failure: result.stderr.trim().split('\n').pop() || `exit code ${result.code}` };
    return { ms };
  } finally {
    await removeTempDir(dir);
  }
}

const realHost: HostFacts = {
  async kvmDeviceProblem() {
    if (!existsSync('/dev/kvm')) return 'there is no /dev/kvm (KVM is not enabled on this host)';
    try {
      await access('/dev/kvm', constants.R_OK | constants.W_OK);
      return undefined;
    } catch {
      return '/dev/kvm exists but this user may not open it (add the user to the "kvm" group)';
    }
  },
  loadedModules: () => {
    // Built-in modules are in /sys/module only; loadable ones are in /proc/modules too.
    let listed: string[] = [];
    try {
      listed = readFileSync('/proc/modules', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[0]!);
    } catch {
      // No module support: only built-ins.
    }
    return existsSync('/sys/module/kvm_pvm') ? [...listed, 'kvm_pvm'] : listed;
  },
  cpuFlags: () => {
    try {
      return /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
    } catch {
      return [];
    }
  },
  probeBoot,
};
