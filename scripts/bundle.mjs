// Bundles the compiled CLI (dist/) into dist/bundle/, which bin/boxwright runs. Node spends
// most of a short command resolving and reading a few thousand module files; one bundle with
// lazily loaded chunks (AWS, Docker) halves the time before a build starts.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });

/**
 * ssh2 and cpu-features load compiled addons by paths relative to their own files; in the
 * bundle those are asked of node_modules instead (a missing addon falls back to JavaScript).
 */
const addonsFromNodeModules = {
  name: 'addons-from-node-modules',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const at = args.resolveDir.lastIndexOf(`${path.sep}node_modules${path.sep}`);
      if (at < 0) return undefined;
      const file = path.resolve(args.resolveDir, args.path).slice(at + '/node_modules/'.length);
      return { path: file.split(path.sep).join('/'), external: true };
    });
  },
};

/**
 * dockerode requires its BuildKit session code (gRPC and protobuf, a third of its load time)
 * up front, for image builds with BuildKit, which boxwright never asks for.
 */
const withoutBuildKit = {
  name: 'without-buildkit',
  setup(b) {
    b.onResolve({ filter: /^\.\/session$/ }, (args) =>
      args.importer.includes(`${path.sep}dockerode${path.sep}`) ? { path: 'dockerode-session', namespace: 'stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents:
        "module.exports = function () { throw new Error('BuildKit sessions are not part of boxwright'); };",
      loader: 'js',
    }));
  },
};

/**
 * docker-modem requires its SSH transport (ssh2, its crypto and a WebAssembly module, half
 * of the Docker chunk's load time) up front, for DOCKER_HOST=ssh://. The stub loads it from
 * node_modules when such a host is first used; a require by a computed name is not bundled.
 */
const dockerSshOnUse = {
  name: 'docker-ssh-on-use',
  setup(b) {
    b.onResolve({ filter: /^\.\/ssh$/ }, (args) =>
      args.importer.includes(`${path.sep}docker-modem${path.sep}`)
        ? { path: 'docker-modem-ssh', namespace: 'on-use' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'on-use' }, () => ({
      contents:
        "const transport = 'docker-modem/lib/ssh.js'; module.exports = function (opt) { return require(transport)(opt); };",
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: { boxwright: path.join(root, 'dist/cli/boxwright.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // jsonc-parser's "main" is a UMD build whose requires esbuild cannot follow.
  mainFields: ['module', 'main'],
  // The bundled CommonJS packages call require and read __dirname, which ES modules lack.
  banner: {
    js: [
      "import { createRequire as __bwRequire } from 'node:module';",
      "import { fileURLToPath as __bwPath } from 'node:url';",
      'const require = __bwRequire(import.meta.url);',
      'const __filename = __bwPath(import.meta.url);',
      "const __dirname = __bwPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
  sourcemap: true,
  logLevel: 'warning',
  plugins: [addonsFromNodeModules, withoutBuildKit, dockerSshOnUse],
});
