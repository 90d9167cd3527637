/**
 * A qemu builder that boots the Debian base disk and logs in as vagrant: what the tests of
 * QEMU-backed builds start from, with `extra` options on top.
 */
export function qemuFromBase(base: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'qemu',
    iso_url: base,
    iso_checksum: 'none',
    disk_image: true,
    memory: 1024,
    cpus: 2,
    boot_wait: '0s',
    ssh_username: 'vagrant',
    ssh_password: 'vagrant',
    ssh_timeout: '5m',
    shutdown_command: 'sudo poweroff',
    ...extra,
  };
}
