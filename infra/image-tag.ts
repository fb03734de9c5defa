// The HA image's tag: a digest of what goes into it, so an unchanged supervisor and base image
// reuse the pushed image (ECR tags are immutable) and any change pushes a new one.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function filesUnder(root: string, dir: string): string[] {
  const path = join(root, dir);
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [dir];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => filesUnder(root, join(dir, entry)));
}

/** `<version>-<12 hex>` over the base image name and the image's inputs under `root`. */
export function imageTag(
  root: string,
  version: string,
  baseImage: string,
  inputs: readonly string[],
): string {
  const hash = createHash("sha256").update(baseImage);
  for (const file of inputs.flatMap((i) => filesUnder(root, i))) {
    hash.update(relative(root, join(root, file))).update(readFileSync(join(root, file)));
  }
  return `${version}-${hash.digest("hex").slice(0, 12)}`;
}
