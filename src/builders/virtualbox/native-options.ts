import { port, type Options } from '../../config/options.js';

/** Options only VBoxManage can honour: passed to VirtualBox by the vboxmanage driver, reported as ignored by the qemu driver. */
export const NATIVE_ONLY = [
  'vboxmanage',
  'vboxmanage_post',
  'export_opts',
  'keep_registered',
  'import_flags',
  'import_opts',
  'gfx_controller',
  'gfx_vram_size',
  'gfx_accelerate_3d',
  'audio_controller',
  'usb',
  'rtc_time_base',
  'vrdp_bind_address',
  'vrdp_port_min',
  'vrdp_port_max',
  'hard_drive_nonrotational',
  'hard_drive_discard',
];

const commandList = { type: 'array', items: { type: 'array', items: { type: 'string' } }, default: [] };

/** The schema of the VirtualBox-only options (the import options are virtualbox-ovf's own). */
export const nativeOptions = {
  vboxmanage: commandList,
  vboxmanage_post: commandList,
  export_opts: { type: 'array', items: { type: 'string' }, default: [] },
  keep_registered: { type: 'boolean', default: false },
  gfx_controller: { type: 'string' },
  gfx_vram_size: { type: 'integer' },
  gfx_accelerate_3d: { type: 'boolean' },
  audio_controller: { type: 'string' },
  usb: { type: 'boolean' },
  rtc_time_base: { type: 'string', enum: ['UTC', 'local'] },
  vrdp_bind_address: { type: 'string' },
  vrdp_port_min: port(),
  vrdp_port_max: port(),
};

/** The native-only options the template set to something other than their defaults. */
export function nativeOnlySet(o: Options): string[] {
  const isSet = (key: string) =>
    o[key] !== undefined &&
    !(Array.isArray(o[key]) && (o[key] as unknown[]).length === 0) &&
    !(key === 'keep_registered' && o[key] === false) &&
    !(key === 'import_opts' && o[key] === '');
  return NATIVE_ONLY.filter(isSet);
}

const onOff = (v: unknown) => (v ? 'on' : 'off');

/** modifyvm flags from gfx_*, audio_controller, usb and rtc_time_base. */
export function modifyvmFlags(o: Options): string[] {
  const flags: string[] = [];
  if (o.gfx_controller !== undefined) flags.push('--graphicscontroller', String(o.gfx_controller));
  if (o.gfx_vram_size !== undefined) flags.push('--vram', String(o.gfx_vram_size));
  if (o.gfx_accelerate_3d !== undefined) flags.push('--accelerate3d', onOff(o.gfx_accelerate_3d));
  if (o.audio_controller !== undefined) flags.push('--audiocontroller', String(o.audio_controller));
  if (o.usb !== undefined) flags.push('--usb', onOff(o.usb));
  if (o.rtc_time_base !== undefined) flags.push('--rtcuseutc', onOff(o.rtc_time_base === 'UTC'));
  return flags;
}

/** storageattach flags from hard_drive_nonrotational and hard_drive_discard. */
export function diskAttachFlags(o: Options): string[] {
  return [
    ...(o.hard_drive_nonrotational ? ['--nonrotational', 'on'] : []),
    ...(o.hard_drive_discard ? ['--discard', 'on'] : []),
  ];
}
