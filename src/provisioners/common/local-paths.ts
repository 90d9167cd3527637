import { statSync } from 'node:fs';
import type { ConfigPath, ConfigProblems } from '../../core/plugin.js';

const RELATIVE = 'paths are relative to the directory boxwright runs in';

/** Reports `file` unless it is an existing file on this host. */
export function checkFile(problems: ConfigProblems, at: ConfigPath, file: string): void {
  const info = statSync(file, { throwIfNoEntry: false });
  if (!info) problems.error(at, `"${file}" does not exist`, RELATIVE);
  else if (info.isDirectory()) problems.error(at, `"${file}" is a directory, not a file`, 'name a file');
}

/** Reports `dir` unless it is an existing directory on this host. */
export function checkDirectory(problems: ConfigProblems, at: ConfigPath, dir: string): void {
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info) problems.error(at, `"${dir}" does not exist`, RELATIVE);
  else if (!info.isDirectory()) problems.error(at, `"${dir}" is a file, not a directory`, 'name a directory');
}
