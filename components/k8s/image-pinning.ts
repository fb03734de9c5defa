import { imageRefProblem } from "../aws/image-ref";

/**
 * Checks that an image reference is pinned: a digest, or a tag other than `latest`. With
 * `IfNotPresent` a floating tag would run whatever each node cached last.
 * @returns the error message, or undefined when pinned.
 */
export function imagePinningError(image: string): string | undefined {
  const problem = imageRefProblem(image);
  return problem === undefined ? undefined : `image=${JSON.stringify(image)} is not pinned: it ${problem}`;
}
