import { HostToolError, runHostTool } from './host-tool.js';

/** What `qemu-img info` says of an image. */
export interface ImageInfo {
  format: string;
  virtualSize: number;
}

const QEMU_UTILS = { debianPackage: 'qemu-utils' };

/** qemu-img, one call per operation the builds and exporters need. */
export const qemuImg = {
  async info(file: string, signal?: AbortSignal): Promise<ImageInfo> {
    const info = JSON.parse(
      await runHostTool('qemu-img', ['info', '--output=json', file], { signal, ...QEMU_UTILS }),
    ) as { format: string; 'virtual-size': number };
    return { format: info.format, virtualSize: info['virtual-size'] };
  },

  /** A new qcow2: empty of `bytes`, or an overlay on `backing`. */
  async create(
    file: string,
    options: { bytes: number } | { backing: string; backingFormat: string },
    signal?: AbortSignal,
  ): Promise<void> {
    const args =
      'bytes' in options
        ? ['create', '-f', 'qcow2', file, String(options.bytes)]
        : ['create', '-f', 'qcow2', '-b', options.backing, '-F', options.backingFormat, file];
    await runHostTool('qemu-img', args, { signal, ...QEMU_UTILS });
  },

  async convert(
    source: string,
    target: string,
    options: {
      format: string;
      compress?: boolean;
      sparse?: string;
      /** -o, the format's own options. */ options?: string;
    },
    signal?: AbortSignal,
  ): Promise<void> {
    const args = [
      'convert',
      '-O',
      options.format,
      ...(options.options ? ['-o', options.options] : []),
      ...(options.compress ? ['-c'] : []),
      ...(options.sparse ? ['-S', options.sparse] : []),
      source,
      target,
    ];
    await runHostTool('qemu-img', args, { signal, ...QEMU_UTILS });
  },

  async resize(file: string, bytes: number, signal?: AbortSignal): Promise<void> {
    await runHostTool('qemu-img', ['resize', file, String(bytes)], { signal, ...QEMU_UTILS });
  },

  /** The allocation map (`qemu-img map --output=json`), as its JSON text. */
  async map(file: string, format: string, signal?: AbortSignal): Promise<string> {
    return runHostTool('qemu-img', ['map', '--output=json', '-f', format, file], { signal, ...QEMU_UTILS });
  },

  /** Whether both images hold the same data (qemu-img compare reads both); the difference when not. */
  async compare(a: string, b: string, signal?: AbortSignal): Promise<{ same: true } | { same: false; detail: string }> {
    try {
      await runHostTool('qemu-img', ['compare', '-q', a, b], { signal, ...QEMU_UTILS });
      return { same: true };
    } catch (err) {
      if (err instanceof HostToolError && !err.missing) return { same: false, detail: err.lastLines || err.outcome };
      throw err;
    }
  },
};
