import { execFileSync, spawnSync } from 'node:child_process';

/** Installs Debian's packer (1.6.6 in bookworm) when it is missing, as root or through sudo; returns its version line. */
export function ensurePacker(): string {
  if (spawnSync('packer', ['version']).status === 0)
    return execFileSync('packer', ['version'], { encoding: 'utf8' }).trim();
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  execFileSync(
    sudo[0] ?? 'apt-get',
    [...(sudo.length ? ['apt-get'] : []), 'install', '-y', '--no-install-recommends', 'packer'],
    { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
  );
  return execFileSync('packer', ['version'], { encoding: 'utf8' }).trim();
}

/** Packer's machine-readable lines (`time,target,type,data...`), split on commas. */
export function machineReadable(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(','));
}
