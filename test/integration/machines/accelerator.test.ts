import { describe, expect, it } from 'vitest';
import { chooseAccelerator, probeBoot } from '../../../src/machines/qemu/accelerator.js';

describe('accelerator probe on this host', () => {
  it('boots the probe guest under TCG: it runs to its end and reports through the serial port', async () => {
    const result = await probeBoot('tcg', 10_000);
    expect(result).toHaveProperty('ms');
  });

  it('auto gives a decision with a reason; where KVM answers but cannot run guests, it is TCG', async () => {
    const choice = await chooseAccelerator('auto');
    expect(['kvm', 'tcg']).toContain(choice.accelerator);
    expect(choice.reason.length).toBeGreaterThan(10);
    const { existsSync } = await import('node:fs');
    // Machines of this kind have the paravirtual nested KVM that kills every real guest, some
    // with a /dev/kvm (the reason names kvm_pvm) and some without one (the reason names the device).
    if (existsSync('/sys/module/kvm_pvm'))
      expect(choice).toMatchObject({ accelerator: 'tcg', reason: expect.stringMatching(/kvm_pvm|no \/dev\/kvm/) });
  });
});
