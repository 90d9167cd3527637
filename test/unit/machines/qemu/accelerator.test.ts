import { describe, expect, it } from 'vitest';
import { chooseAccelerator, type HostFacts } from '../../../../src/machines/qemu/accelerator.js';

function host(overrides: Partial<HostFacts>): HostFacts {
  return {
    kvmDeviceProblem: async () => undefined,
    loadedModules: () => ['kvm', 'kvm_intel'],
    cpuFlags: () => ['fpu', 'vmx', 'sse2'],
    probeBoot: async () => ({ ms: 40 }),
    ...overrides,
  };
}

describe('choosing the accelerator', () => {
  it('honours an explicit setting without probing', async () => {
    let probed = false;
    const choice = await chooseAccelerator(
      'tcg',
      undefined,
      host({ probeBoot: async () => ((probed = true), { ms: 1 }) }),
    );
    expect(choice).toEqual({ accelerator: 'tcg', reason: '"accelerator": "tcg" in the template' });
    expect(probed).toBe(false);
  });

  it('picks KVM when the device, the CPU and a probe boot all agree', async () => {
    expect(await chooseAccelerator('auto', undefined, host({}))).toEqual({
      accelerator: 'kvm',
      reason: 'KVM works (a probe guest booted in 40 ms)',
    });
  });

  it('falls back to TCG, saying why, for each way KVM can be unusable', async () => {
    const cases: [Partial<HostFacts>, string][] = [
      [
        { kvmDeviceProblem: async () => 'there is no /dev/kvm (KVM is not enabled on this host)' },
        'there is no /dev/kvm',
      ],
      [{ loadedModules: () => ['kvm', 'kvm_pvm'] }, 'paravirtual nested KVM (kvm_pvm)'],
      [{ cpuFlags: () => ['fpu', 'sse2', 'hypervisor'] }, 'neither vmx nor svm'],
      [
        { probeBoot: async () => ({ failure: 'KVM internal error. Suberror: 1' }) },
        'a probe guest failed under KVM (KVM internal error. Suberror: 1)',
      ],
      [{ probeBoot: async () => ({ ms: 3680 }) }, 'a probe guest took 3680 ms under KVM'],
    ];
    for (const [facts, reason] of cases) {
      const choice = await chooseAccelerator('auto', undefined, host(facts));
      expect(choice.accelerator).toBe('tcg');
      expect(choice.reason).toContain(reason);
    }
  });

  it("probes with the build's own QEMU binary (qemu_binary)", async () => {
    const probed: string[] = [];
    const facts = host({ probeBoot: async (_accelerator, _ms, binary) => (probed.push(binary), { ms: 40 }) });
    await chooseAccelerator('auto', '/opt/qemu/bin/qemu-system-x86_64', facts);
    await chooseAccelerator('auto', undefined, facts);
    expect(probed).toEqual(['/opt/qemu/bin/qemu-system-x86_64', 'qemu-system-x86_64']);
  });
});
