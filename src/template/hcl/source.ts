import type { Diagnostic } from '../diagnostics.js';
import { formatPath, type JsonPath, type LateOptions, type TemplateSource } from '../source.js';
import type { Range } from './ast.js';

/** Where each part of the template built from HCL files came from, for located errors. */
export interface HclPlace {
  file: string;
  /** The option's name (a key) and its value. */
  key: Range;
  value: Range;
}

/**
 * The template that HCL2 files describe, in the shape of a JSON template, with the file,
 * line and column of each option. It stands where a JsonSource stands for a JSON template,
 * so validation and planning locate their problems in the HCL files.
 */
export class HclSource implements TemplateSource {
  private readonly places = new Map<string, HclPlace>();

  constructor(
    /** The template file, or the directory of the files. */
    readonly file: string,
    readonly dir: string,
    private readonly root: Record<string, unknown>,
  ) {}

  /** Each build (TYPE.NAME) and its source's NAME. */
  readonly sourceNames = new Map<string, string>();

  pluginBuildName(buildName: string): string {
    return this.sourceNames.get(buildName) ?? buildName;
  }

  value(): unknown {
    return this.root;
  }

  private readonly labels = new Map<string, string>();

  /** Names the block that the part of the template at `path` came from: source.qemu.x, provisioner "shell". */
  label(path: JsonPath, label: string): void {
    this.labels.set(JSON.stringify(path), label);
  }

  formatPath(path: JsonPath): string {
    for (let n = path.length; n > 0; n--) {
      const label = this.labels.get(JSON.stringify(path.slice(0, n)));
      if (label === undefined) continue;
      const rest = formatPath(path.slice(n));
      return rest === '(root)' ? label : `${label}${rest.startsWith('[') ? '' : '.'}${rest}`;
    }
    return formatPath(path);
  }

  private readonly lates = new Map<string, LateOptions>();

  /** Marks the plugin block at `path` as reading build.*: `options` evaluates it again when the build runs. */
  late(path: JsonPath, options: LateOptions): void {
    this.lates.set(JSON.stringify(path), options);
  }

  lateOptions(path: JsonPath): LateOptions | undefined {
    return this.lates.get(JSON.stringify(path));
  }

  /** Records where the value at `path` was written. */
  place(path: JsonPath, place: HclPlace): void {
    this.places.set(JSON.stringify(path), place);
  }

  locate(path: JsonPath, at: 'key' | 'value' = 'value'): Pick<Diagnostic, 'file' | 'line' | 'column'> {
    for (let n = path.length; n >= 0; n--) {
      const place = this.places.get(JSON.stringify(path.slice(0, n)));
      if (!place) continue;
      // Below a recorded option (an item of a list) the option's value is the nearest place known.
      const range = at === 'key' && n === path.length ? place.key : place.value;
      return { file: place.file, line: range.start.line, column: range.start.column };
    }
    return { file: this.file, line: 1, column: 1 };
  }
}
