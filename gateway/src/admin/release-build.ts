/**
 * Release tarballs. `npm run admin -- release build` makes the kiosk agent's (docs/fleet.md
 * "Agent updates"); `npm run release` makes the agent's and the gateway's install tarballs
 * (docs/operator-guide.md "Installing"). A release carries everything the program runs — its
 * built code, @loyalty/protocol and its production dependencies with their native addons — so it
 * is built on the platform it is for (a Raspberry Pi, or an arm64 runner) and says so in
 * release.json; a kiosk refuses an agent release for another platform or Node ABI.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { ReleaseManifest } from '@loyalty/protocol';
import { c as createTar } from 'tar';

export interface BuiltRelease {
  file: string;
  version: string;
  size: number;
  sha256: string;
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const PROGRAMS = {
  'loyalty-kiosk-agent': { workspace: 'device', file: 'loyalty-kiosk-agent' },
  'loyalty-gateway': { workspace: 'gateway', file: 'loyalty-gateway' },
} as const;
export type ReleaseName = keyof typeof PROGRAMS;

/**
 * Builds the tarball from a repository whose workspaces are built (`npm run build`). With
 * `install`, it also carries docs/ and systemd/, for a first install by unpacking.
 */
export async function buildRelease(options: { root: string; outDir: string; version?: string; name?: ReleaseName; install?: boolean }): Promise<BuiltRelease> {
  const root = realpathSync(options.root);
  const name = options.name ?? 'loyalty-kiosk-agent';
  const { workspace } = PROGRAMS[name];
  const program = join(root, workspace);
  if (!existsSync(join(program, 'dist', 'main.js'))) throw new Error(`nothing built at ${program}/dist; run npm run build first`);
  const programPackage = readJson(join(program, 'package.json'));
  const version = options.version ?? programPackage.version;
  const staging = mkdtempSync(join(tmpdir(), 'loyalty-release-'));
  try {
    // The program, with the release's version in its package (the agent reports it).
    cpSync(join(program, 'dist'), join(staging, workspace, 'dist'), { recursive: true, filter: (path) => !/\.(d\.ts|d\.ts\.map|tsbuildinfo)$/.test(path) });
    writeFileSync(join(staging, workspace, 'package.json'), JSON.stringify({ ...programPackage, version }, null, 2));
    const extra = options.install ? ['docs', 'systemd'] : [];
    for (const dir of extra) cpSync(join(root, dir), join(staging, dir), { recursive: true });
    // The protocol package as a real directory (in the repository it is a workspace link).
    const protocol = join(root, 'protocol');
    const protocolTarget = join(staging, 'node_modules', '@loyalty', 'protocol');
    cpSync(join(protocol, 'package.json'), join(protocolTarget, 'package.json'));
    cpSync(join(protocol, 'dist'), join(protocolTarget, 'dist'), { recursive: true, filter: (path) => !/\.(d\.ts|d\.ts\.map|tsbuildinfo)$/.test(path) });
    // Production dependencies at the same places under node_modules, so Node resolves them as it does here.
    for (const dir of productionClosure(root, [program, protocol])) {
      cpSync(dir, join(staging, relative(root, dir)), { recursive: true, dereference: true, filter: (path) => !path.split(sep).includes('.bin') });
    }
    const manifest: ReleaseManifest = { name, version, platform: `${process.platform}-${process.arch}`, nodeAbi: process.versions.modules, builtAt: new Date().toISOString() };
    writeFileSync(join(staging, 'release.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const file = join(options.outDir, `${PROGRAMS[name].file}-${version}-${manifest.platform}.tgz`);
    await createTar({ gzip: true, file, cwd: staging, portable: true }, ['release.json', workspace, 'node_modules', ...extra]);
    const bytes = readFileSync(file);
    return { file, version, size: statSync(file).size, sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The directories of every package the given packages need at run time (dependencies and the
 * optional ones that are installed), found the way Node finds them: the nearest node_modules
 * from the dependent upward. Workspace packages (@loyalty/*) are left out; they are copied whole.
 */
export function productionClosure(root: string, from: string[]): string[] {
  const found = new Set<string>();
  const visit = (packageDir: string) => {
    const manifest = readJson(join(packageDir, 'package.json'));
    const names = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})];
    for (const name of names) {
      if (name.startsWith('@loyalty/')) continue;
      const dir = resolvePackage(packageDir, name, root);
      if (!dir) {
        if (manifest.optionalDependencies?.[name]) continue;
        throw new Error(`${manifest.name} needs ${name}, which is not installed; run npm ci`);
      }
      if (found.has(dir)) continue;
      found.add(dir);
      visit(dir);
    }
  };
  for (const dir of from) visit(dir);
  // A package copied whole brings its nested node_modules; copy only the outermost ones.
  const sorted = [...found].sort();
  return sorted.filter((dir) => !sorted.some((other) => other !== dir && dir.startsWith(`${other}${sep}`)));
}

function resolvePackage(fromDir: string, name: string, root: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === root || dirname(dir) === dir) return null;
  }
}

function readJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}
