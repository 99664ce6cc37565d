/**
 * Builds `FROM scratch` images from an {@link ImageRecipe}, tagged by a content hash of
 * every input, so a second build with the same inputs is an image inspect and nothing else.
 * The build goes through testcontainers from a temp context dir removed afterwards.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, link, mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GenericContainer, ImageName } from 'testcontainers';
import { systemClock } from '../../support/clock.ts';
import { ChainlabError, ConfigError, type ConfigIssue } from '../../support/errors.ts';
import { dockerClient } from './docker-client.ts';
import { hashFile, saveHashCache } from './file-hash-cache.ts';
import { defaultImageUser, type ImageFile, type ImageRecipe } from './image-recipe.ts';

/** Options of {@link buildImage}. */
export interface BuildImageOptions {
  /** Receives progress lines (`building chainlab/refnode:…`); default silent. */
  log?: (line: string) => void;
  /**
   * After building a new tag, remove older tags of the same image name that no container
   * uses (each source change makes a new tag; without this they pile up). Default true.
   */
  pruneOlder?: boolean;
}

/** An image that exists in the local engine. */
export interface BuiltImage {
  /** `name:hash`, e.g. `chainlab/refnode:3f2a…`. */
  tag: string;
  /** Content hash of all inputs (first 16 hex chars of a sha256). */
  hash: string;
  /** True when the image already existed and nothing was built. */
  cached: boolean;
  /** Time spent, including hashing the inputs. */
  durationMs: number;
}

/** A file resolved for hashing and copying. */
interface ResolvedFile {
  path: string;
  layer: string;
  mode: number;
  /** Real host path, or the literal content. */
  source: { file: string } | { content: Uint8Array };
  sha256: string;
}

const inFlight = new Map<string, Promise<BuiltImage>>();

function sha256Of(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function validateRecipe(recipe: ImageRecipe): void {
  const issues: ConfigIssue[] = [];
  if (!/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/.test(recipe.name)) {
    issues.push({
      path: 'name',
      value: recipe.name,
      allowed: 'a lowercase image name like chainlab/refnode',
    });
  }
  if (recipe.entrypoint.length === 0) {
    issues.push({ path: 'entrypoint', value: recipe.entrypoint, allowed: 'a non-empty argv' });
  }
  recipe.files.forEach((file, i) => {
    if (!file.path.startsWith('/')) {
      issues.push({ path: `files[${i}].path`, value: file.path, allowed: 'an absolute path in the image' });
    }
    if ((file.source === undefined) === (file.content === undefined)) {
      issues.push({ path: `files[${i}]`, value: file.path, allowed: 'exactly one of source or content' });
    }
  });
  for (const [i, dir] of (recipe.dirs ?? []).entries()) {
    if (!dir.path.startsWith('/')) {
      issues.push({ path: `dirs[${i}].path`, value: dir.path, allowed: 'an absolute path in the image' });
    }
  }
  if (issues.length > 0) throw new ConfigError(`image recipe ${recipe.name}`, issues);
}

/** The passwd/group files for the recipe's user, as the first layer. */
function accountFiles(recipe: ImageRecipe): ImageFile[] {
  const user = recipe.user ?? defaultImageUser;
  const home = `/home/${user.name}`;
  return [
    {
      path: '/etc/passwd',
      content: `root:x:0:0:root:/root:/sbin/nologin\n${user.name}:x:${user.uid}:${user.gid}::${home}:/sbin/nologin\n`,
      layer: 'accounts',
    },
    { path: '/etc/group', content: `root:x:0:\n${user.name}:x:${user.gid}:\n`, layer: 'accounts' },
  ];
}

async function resolveFile(recipeName: string, file: ImageFile): Promise<ResolvedFile> {
  const layer = file.layer ?? 'app';
  if (file.source === undefined) {
    const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content!;
    return {
      path: file.path,
      layer,
      mode: file.mode ?? 0o644,
      source: { content },
      sha256: sha256Of(content),
    };
  }
  try {
    const real = await realpath(file.source);
    const mode = file.mode ?? (await stat(real)).mode & 0o7777;
    return { path: file.path, layer, mode, source: { file: real }, sha256: await hashFile(real) };
  } catch (error) {
    throw new ChainlabError(`image ${recipeName}: cannot read ${file.source} for ${file.path}`, {
      cause: error,
    });
  }
}

/** Resolves and hashes every file, a bounded number at a time (thousands of package files). */
async function resolveFiles(recipe: ImageRecipe): Promise<ResolvedFile[]> {
  const all = [...accountFiles(recipe), ...recipe.files];
  const resolved: ResolvedFile[] = new Array(all.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < all.length; i = next++) resolved[i] = await resolveFile(recipe.name, all[i]!);
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await saveHashCache();
  const byPath = new Map<string, ResolvedFile>();
  for (const file of resolved) {
    const previous = byPath.get(file.path);
    // The same library reached twice (e.g. libc for node and for libfaketime) is one file.
    if (previous !== undefined && previous.sha256 !== file.sha256) {
      throw new ChainlabError(`image ${recipe.name}: two different files for ${file.path}`);
    }
    if (previous === undefined) byPath.set(file.path, file);
  }
  return [...byPath.values()];
}

function layerOrder(files: readonly ResolvedFile[]): string[] {
  const order: string[] = [];
  for (const f of files) if (!order.includes(f.layer)) order.push(f.layer);
  return order;
}

function dockerfileText(recipe: ImageRecipe, files: readonly ResolvedFile[]): string {
  const user = recipe.user ?? defaultImageUser;
  const lines = ['FROM scratch'];
  layerOrder(files).forEach((_, i) => {
    lines.push(`COPY layer-${i}/ /`);
  });
  const dirs = recipe.dirs ?? [];
  if (dirs.some((d) => !d.ownedByUser)) lines.push('COPY dirs/ /');
  lines.push(`COPY --chown=${user.uid}:${user.gid} owned/ /`);
  lines.push(`USER ${user.uid}:${user.gid}`);
  lines.push(`WORKDIR ${recipe.workdir ?? '/'}`);
  const env = { HOME: `/home/${user.name}`, ...recipe.env };
  for (const [key, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`ENV ${key}=${JSON.stringify(value)}`);
  }
  const labels = { 'chainlab.image': recipe.name, ...recipe.labels };
  for (const [key, value] of Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`LABEL ${JSON.stringify(key)}=${JSON.stringify(value)}`);
  }
  lines.push(`ENTRYPOINT ${JSON.stringify(recipe.entrypoint)}`);
  if (recipe.cmd !== undefined) lines.push(`CMD ${JSON.stringify(recipe.cmd)}`);
  return `${lines.join('\n')}\n`;
}

function contentHash(dockerfile: string, recipe: ImageRecipe, files: readonly ResolvedFile[]): string {
  const hash = createHash('sha256').update(dockerfile);
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    hash.update(`\0${f.layer}\0${f.path}\0${f.mode.toString(8)}\0${f.sha256}`);
  }
  for (const d of [...(recipe.dirs ?? [])].sort((a, b) => a.path.localeCompare(b.path))) {
    hash.update(`\0dir\0${d.path}\0${(d.mode ?? 0o755).toString(8)}\0${d.ownedByUser === true}`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Computes the tag an image of `recipe` gets, without building anything. */
export async function imageTag(recipe: ImageRecipe): Promise<{ tag: string; hash: string }> {
  validateRecipe(recipe);
  const files = await resolveFiles(recipe);
  const hash = contentHash(dockerfileText(recipe, files), recipe, files);
  return { tag: `${recipe.name}:${hash}`, hash };
}

async function placeFile(file: ResolvedFile, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  if ('content' in file.source) {
    await writeFile(dest, file.source.content);
    await chmod(dest, file.mode);
    return;
  }
  const st = await stat(file.source.file);
  // A hard link costs nothing (the Node binary is >100 MB) but shares the mode with the
  // original, so only link when the mode is already the wanted one.
  if ((st.mode & 0o7777) === file.mode) {
    try {
      await link(file.source.file, dest);
      return;
    } catch {
      // other filesystem or no permission: copy instead
    }
  }
  await copyFile(file.source.file, dest);
  await chmod(dest, file.mode);
}

async function writeContext(
  dir: string,
  recipe: ImageRecipe,
  files: readonly ResolvedFile[],
  dockerfile: string,
) {
  const layers = layerOrder(files);
  await Promise.all(layers.map((_, i) => mkdir(join(dir, `layer-${i}`))));
  for (const file of files) {
    await placeFile(file, join(dir, `layer-${layers.indexOf(file.layer)}`, file.path));
  }
  const user = recipe.user ?? defaultImageUser;
  const dirs = [...(recipe.dirs ?? []), { path: `/home/${user.name}`, mode: 0o755, ownedByUser: true }];
  await mkdir(join(dir, 'owned'));
  for (const d of dirs) {
    const target = join(dir, d.ownedByUser === true ? 'owned' : 'dirs', d.path);
    await mkdir(target, { recursive: true });
    // explicit chmod: mkdir's mode is filtered by the umask (and /tmp needs the sticky bit)
    await chmod(target, d.mode ?? 0o755);
  }
  await writeFile(join(dir, 'Dockerfile'), dockerfile);
}

async function imageExists(tag: string): Promise<boolean> {
  const client = await dockerClient();
  // `client.image.exists` memoises positive answers per process, which would lie after a
  // removal; an inspect always asks the engine.
  return client.image
    .inspect(ImageName.fromString(tag))
    .then(() => true)
    .catch(() => false);
}

async function buildTag(
  recipe: ImageRecipe,
  files: readonly ResolvedFile[],
  dockerfile: string,
  hash: string,
  started: number,
  opts: BuildImageOptions,
): Promise<BuiltImage> {
  const tag = `${recipe.name}:${hash}`;
  if (await imageExists(tag)) {
    const durationMs = systemClock.monotonic() - started;
    opts.log?.(`image ${tag} is cached (checked in ${durationMs.toFixed(0)} ms)`);
    return { tag, hash, cached: true, durationMs };
  }
  // The owner pid in the name lets `chainlab sweep` remove the context of a killed build.
  const dir = await mkdtemp(join(tmpdir(), `chainlab-image-${process.pid}-`));
  try {
    opts.log?.(`building image ${tag} from ${files.length} files`);
    await writeContext(dir, recipe, files, `${dockerfile}LABEL "chainlab.hash"="${hash}"\n`);
    await GenericContainer.fromDockerfile(dir).build(tag, { deleteOnExit: false });
  } catch (error) {
    throw new ChainlabError(
      `image ${tag} failed to build: ${error instanceof Error ? error.message : String(error)}\n` +
        `Dockerfile:\n${dockerfile}` +
        'Set DEBUG=testcontainers:build to see the engine output.',
      { cause: error, shortMessage: `image ${tag} failed to build` },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const durationMs = systemClock.monotonic() - started;
  opts.log?.(`built image ${tag} in ${durationMs.toFixed(0)} ms`);
  if (opts.pruneOlder ?? true) await pruneOlder(recipe.name, tag, opts.log);
  return { tag, hash, cached: false, durationMs };
}

/**
 * Builds the image of `recipe` unless an image with the same content hash exists.
 *
 * @example
 * const recipe = await nodeAppImage({ name: 'chainlab/refnode', root, include: ['refnode'], entry: 'refnode/main.ts' });
 * const { tag } = await buildImage(recipe);
 * const container = await new GenericContainer(tag).start();
 */
export async function buildImage(recipe: ImageRecipe, opts: BuildImageOptions = {}): Promise<BuiltImage> {
  const started = systemClock.monotonic();
  validateRecipe(recipe);
  const files = await resolveFiles(recipe);
  const dockerfile = dockerfileText(recipe, files);
  const hash = contentHash(dockerfile, recipe, files);
  const tag = `${recipe.name}:${hash}`;
  // Concurrent requests for one image (several clusters in one worker) share one build.
  let running = inFlight.get(tag);
  if (running === undefined) {
    running = buildTag(recipe, files, dockerfile, hash, started, opts).finally(() => inFlight.delete(tag));
    inFlight.set(tag, running);
  }
  return running;
}

/** Removes images of `name` other than `keep`; an image in use (409) is left alone. */
async function pruneOlder(
  name: string,
  keep: string,
  log: ((line: string) => void) | undefined,
): Promise<void> {
  const client = await dockerClient();
  const docker = client.container.dockerode;
  const images = await docker.listImages({ filters: { label: [`chainlab.image=${name}`] } });
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (tag === keep || !tag.startsWith(`${name}:`)) continue;
      try {
        await docker.getImage(tag).remove();
        log?.(`removed older image ${tag}`);
      } catch {
        // in use by a container of another run, or already gone
      }
    }
  }
}

/** Removes an image by tag; a missing image is not an error. */
export async function removeImage(tag: string): Promise<void> {
  const client = await dockerClient();
  try {
    await client.container.dockerode.getImage(tag).remove({ force: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}
