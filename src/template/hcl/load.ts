import { suggestion, type DiagnosticBag } from '../diagnostics.js';
import type { PluginRegistry } from '../registry.js';
import type { Variables } from '../variables.js';
import { HclBuilds } from './builds.js';
import { parseHclFiles } from './files.js';
import { HclInputs, type HclInputRequest } from './inputs.js';
import { checkPackerBlocks } from './packer-block.js';
import { HclReporter } from './report.js';
import { HclSource } from './source.js';

export { isHclTemplate, parseHclFiles } from './files.js';

export interface HclLoadRequest extends HclInputRequest {
  templatePath: string;
  registry: PluginRegistry;
}

export interface HclTemplate {
  source: HclSource;
  root: Record<string, unknown>;
  variables: Variables;
  /** The values of sensitive variables and locals, for the redactor. */
  secrets: string[];
}

const TOP_LEVEL = ['packer', 'variable', 'variables', 'locals', 'local', 'source', 'build'];

/**
 * Reads HCL2 templates as Packer does and describes them as a JSON template: each build's
 * sources become builders named TYPE.NAME, its provisioners and post-processors run only on
 * them. Values are evaluated here; late fields ({{ .HTTPIP }}) are left for the build.
 */
export function loadHclTemplate(request: HclLoadRequest, bag: DiagnosticBag): HclTemplate | undefined {
  const parsed = parseHclFiles(request.templatePath, request.cwd, bag);
  if (!parsed) return undefined;
  const { parsed: files, autoVarFiles, templateDir } = parsed;
  const reporter = new HclReporter(bag);
  for (const { file, body } of files) {
    for (const attribute of body.attributes)
      reporter.error(
        file,
        attribute.nameRange,
        `unexpected attribute "${attribute.name}" at the top level`,
        'top-level settings go in blocks: variable, locals, source, build',
      );
    for (const block of body.blocks)
      if (!TOP_LEVEL.includes(block.type))
        reporter.error(
          file,
          block.typeRange,
          block.type === 'data'
            ? 'data sources are not supported by boxwright yet'
            : `unknown block type "${block.type}"`,
          block.type === 'data' ? 'compute the value in a local instead' : suggestion(block.type, TOP_LEVEL, 'one of'),
        );
  }
  const inputs = new HclInputs(request, files, autoVarFiles, templateDir, reporter);
  inputs.resolve();
  checkPackerBlocks(files, reporter, inputs.context());
  if (bag.errors.length) return undefined;
  const root: Record<string, unknown> = { builders: [], provisioners: [], 'post-processors': [] };
  const source = new HclSource(request.templatePath, templateDir, root);
  new HclBuilds(request.registry, files, inputs, reporter, source, root).write();
  if (bag.errors.length) return undefined;
  return { source, root, ...inputs.summary() };
}
