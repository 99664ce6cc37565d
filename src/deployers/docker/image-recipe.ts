/**
 * What goes into a chainlab image: plain data, so an adapter can describe its node's image
 * and the builder can hash it. Images are `FROM scratch`: every file is listed here.
 */

/** One file in the image. Give `source` (a host file, copied) or `content`. */
export interface ImageFile {
  /** Absolute path inside the image. */
  path: string;
  /** Host file to copy (symlinks are followed). */
  source?: string;
  /** Literal content. */
  content?: string | Uint8Array;
  /** Permission bits; default: the source's, or 0o644 for content. */
  mode?: number;
  /**
   * Layer name; files of one layer land in one `COPY`, layers in order of first
   * appearance. Put what changes least first so rebuilds reuse it. Default `app`.
   */
  layer?: string;
}

/** An empty directory in the image. */
export interface ImageDir {
  /** Absolute path inside the image. */
  path: string;
  /**
   * Permission bits; default 0o755. The build context is packed with the process umask,
   * so group/other write bits are dropped: make a dir writable with `ownedByUser`.
   */
  mode?: number;
  /** Owned by the image's user (a data dir a named volume is mounted on, /tmp); default false (root). */
  ownedByUser?: boolean;
}

/** The non-root account a container runs as. */
export interface ImageUser {
  name: string;
  uid: number;
  gid: number;
}

/** Everything needed to build one image; the tag is a hash of all of it. */
export interface ImageRecipe {
  /** Repository part of the tag, e.g. `chainlab/refnode`. */
  name: string;
  files: readonly ImageFile[];
  dirs?: readonly ImageDir[];
  entrypoint: readonly string[];
  /** Default arguments after the entrypoint; default none. */
  cmd?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Default `/`. */
  workdir?: string;
  /** Default {@link defaultImageUser}; `/etc/passwd` and `/etc/group` are written for it. */
  user?: ImageUser;
  /** Extra image labels (chainlab adds `chainlab.image` and `chainlab.hash`). */
  labels?: Readonly<Record<string, string>>;
}

/** The account chainlab's images run as: `chainlab`, uid/gid 1000. */
export const defaultImageUser: ImageUser = { name: 'chainlab', uid: 1000, gid: 1000 };
