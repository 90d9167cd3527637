import type { ConfigProblems } from '../core/plugin.js';
import { port, portRange, type Options } from './options.js';

/** The built-in HTTP server for installers: a folder or inline files, on a port from a range. */
export interface HttpConfig {
  directory: string | undefined;
  content: Record<string, string> | undefined;
  bindAddress: string;
  portRange: [number, number];
}

export const httpOptions = {
  http_directory: { type: 'string', minLength: 1 },
  http_content: { type: 'object', additionalProperties: { type: 'string' } },
  http_bind_address: { type: 'string', default: '127.0.0.1' },
  http_port_min: port(8000),
  http_port_max: port(9000),
};

/** The server, or undefined when neither http_directory nor http_content asks for one. */
export function prepareHttp(o: Options, p: ConfigProblems): HttpConfig | undefined {
  if (o.http_directory !== undefined && o.http_content !== undefined)
    p.error(['http_content'], '"http_directory" and "http_content" cannot be used together');
  const range = portRange(o, ['http_port_min', 'http_port_max'], [8000, 9000], p);
  if (o.http_directory === undefined && o.http_content === undefined) return undefined;
  return {
    directory: o.http_directory as string | undefined,
    content: o.http_content as Record<string, string> | undefined,
    bindAddress: o.http_bind_address as string,
    portRange: range,
  };
}
