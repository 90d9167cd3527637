import type { Builder, PluginKind, PostProcessor, Provisioner } from '../core/plugin.js';

/** Maps template "type" strings to plugins; the loader knows plugins only through this. */
export interface PluginRegistry {
  builder(type: string): Builder | undefined;
  provisioner(type: string): Provisioner | undefined;
  postProcessor(type: string): PostProcessor | undefined;
  /** Types implemented for a kind. */
  implemented(kind: PluginKind): string[];
  /** Packer types that boxwright recognises but does not implement yet. */
  planned(kind: PluginKind): string[];
}
