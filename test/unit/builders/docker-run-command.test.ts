import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_COMMAND, parseByteSize, parseRunCommand } from '../../../src/builders/docker/run-command.js';

const spec = (args: string[]) => {
  const r = parseRunCommand(args);
  if ('error' in r) throw new Error(r.error.message);
  return r.spec;
};

describe('run_command parsing', () => {
  it("reads Packer's default: detached, stdin open, a TTY, /bin/sh as entrypoint, the image last", () => {
    const s = spec(DEFAULT_RUN_COMMAND.map((a) => a.replace('{{.Image}}', 'debian:bookworm')));
    expect(s).toMatchObject({ image: 'debian:bookworm', cmd: [], entrypoint: ['/bin/sh'], tty: true, openStdin: true });
  });

  it('takes clustered short flags, values in the same or the next item, and a command after the image', () => {
    const s = spec([
      '-dit',
      '-eA=1',
      '-e',
      'B=2',
      '-v',
      '/src:/dst:ro',
      '-u',
      'app',
      '-w=/srv',
      '--label',
      'x=y',
      '--memory',
      '1g',
      '--tmpfs',
      '/run:size=64m',
      '--device',
      '/dev/fuse',
      'img',
      'sleep',
      'infinity',
    ]);
    expect(s).toMatchObject({
      image: 'img',
      cmd: ['sleep', 'infinity'],
      tty: true,
      openStdin: true,
      env: ['A=1', 'B=2'],
      binds: ['/src:/dst:ro'],
      user: 'app',
      workingDir: '/srv',
      labels: { x: 'y' },
      memoryBytes: 1024 ** 3,
      tmpfs: { '/run': 'size=64m' },
      devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
    });
  });

  it('an empty --entrypoint resets the image entrypoint, and --privileged=false is honoured', () => {
    expect(spec(['--entrypoint=', '--privileged=false', 'img']).entrypoint).toEqual([]);
    expect(spec(['--privileged', 'img']).privileged).toBe(true);
  });

  it('refuses unknown flags by name, with the index of the argument', () => {
    expect(parseRunCommand(['-d', '--pids-limit', '5', 'img'])).toMatchObject({
      error: { index: 1, message: expect.stringContaining('"--pids-limit"') },
    });
    expect(parseRunCommand(['-dx', 'img'])).toMatchObject({
      error: { index: 0, message: expect.stringContaining('"-x"') },
    });
  });

  it('reports a flag without its value and a command without an image', () => {
    expect(parseRunCommand(['--name'])).toMatchObject({
      error: { index: 0, message: expect.stringContaining('needs a value') },
    });
    expect(parseRunCommand(['-d', '--'])).toMatchObject({
      error: { message: expect.stringContaining('names no image') },
    });
    expect(parseRunCommand(['--memory', 'lots', 'img'])).toMatchObject({
      error: { index: 1, message: expect.stringContaining('512m') },
    });
  });

  it('reads docker sizes in powers of 1024', () => {
    expect(parseByteSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseByteSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('100')).toBe(100);
    expect(parseByteSize('ten')).toBeUndefined();
  });
});
