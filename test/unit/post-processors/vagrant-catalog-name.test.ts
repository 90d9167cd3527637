import { describe, expect, it } from 'vitest';
import { vagrantPostProcessor } from '../../../src/post-processors/vagrant/index.js';
import { loadFile } from '../../support/validate.js';
import { tempDir, writeTemplate } from '../../support/cli.js';

describe('the box catalog name', () => {
  it('is local/ and the template file name by default, so every build and provider of one template shares one catalog', () => {
    const dir = tempDir();
    const file = writeTemplate(
      dir,
      {
        builders: [
          {
            type: 'qemu',
            name: 'local',
            iso_url: 'x.qcow2',
            iso_checksum: 'none',
            disk_image: true,
            ssh_username: 'u',
            ssh_password: 'p',
          },
          { type: 'docker', name: 'image', image: 'debian:12', pull: false, commit: true },
        ],
        'post-processors': [{ type: 'vagrant' }, { type: 'vagrant', box_name: 'team/app' }],
      },
      'app.json',
    );
    const { loaded, diagnostics } = loadFile(file, { env: {} });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const names = loaded!.builds.flatMap((b) =>
      b.chains
        .flat()
        .filter((pp) => pp.plugin === vagrantPostProcessor)
        .map((pp) => (pp.config as { boxName: string }).boxName),
    );
    expect(names).toEqual(['local/app', 'team/app', 'local/app', 'team/app']);
  });
});
