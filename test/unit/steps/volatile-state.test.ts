import { describe, expect, it } from 'vitest';
import { isVolatile, judgeVolatile } from '../../../src/steps/volatile-state.js';

const set = (...items: string[]) => new Set(items);

describe('what a VM checkpoint cannot keep across the boot a resumed build starts with', () => {
  it('knows the places a guest empties at boot', () => {
    expect(isVolatile('/tmp/app')).toBe(true);
    expect(isVolatile('/tmp')).toBe(true);
    expect(isVolatile('/dev/shm/x')).toBe(true);
    expect(isVolatile('/var/run/app.pid')).toBe(true);
    expect(isVolatile('/tmpfiles/app')).toBe(false);
    expect(isVolatile('/var/tmp/app')).toBe(false);
    expect(isVolatile('/opt/app/../../tmp/x')).toBe(true);
    expect(isVolatile('app/files')).toBe(false);
  });

  it('replays an upload whose files are still in /tmp, and not one a later step removed', () => {
    const writes = [
      { index: 0, paths: ['/tmp/app-packages'] },
      { index: 1, paths: ['/tmp/app-files'] },
      { index: 2, paths: ['/etc/motd'] },
    ];
    const verdict = judgeVolatile(
      set('/tmp/.X11-unix'),
      set('/tmp/.X11-unix', '/tmp/app-packages'),
      set('/tmp/app-packages'),
      writes,
    );
    expect(verdict).toEqual({ replay: [{ index: 0, paths: ['/tmp/app-packages'] }], lost: [] });
  });

  it('counts an upload into a folder it made, or into /tmp itself, as covering that entry', () => {
    const verdict = judgeVolatile(set(), set('/tmp/deep', '/tmp/a.txt'), set('/tmp/deep/er/file', '/tmp/'), [
      { index: 0, paths: ['/tmp/deep/er/file'] },
      { index: 3, paths: ['/tmp/'] },
    ]);
    expect(verdict.lost).toEqual([]);
    expect(verdict.replay.map((r) => r.index)).toEqual([0, 3]);
  });

  it('reports what nothing can put back, but not what was there at boot or what systemd makes again', () => {
    const verdict = judgeVolatile(
      set('/tmp/cloud-init.log'),
      set('/tmp/cloud-init.log', '/tmp/build-scratch', '/dev/shm/sem.app', '/tmp/systemd-private-abc-nginx.service-x'),
      set(),
      [{ index: 0, paths: ['/tmp/gone'] }],
    );
    expect(verdict).toEqual({ replay: [], lost: ['/dev/shm/sem.app', '/tmp/build-scratch'] });
  });
});
