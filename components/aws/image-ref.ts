/**
 * Checks a prebuilt image reference: it must name an exact image, by digest (`name@sha256:<64 hex>`)
 * or by a tag other than `latest`. A floating tag lets two pods of one workload run different code.
 * Returns undefined when valid, otherwise the reason.
 */
export function imageRefProblem(ref: string): string | undefined {
  if (ref.trim() !== ref || ref === "" || /\s/.test(ref))
    return "must be a non-empty image reference without spaces";
  const at = ref.indexOf("@");
  if (at >= 0) {
    return /^sha256:[a-f0-9]{64}$/.test(ref.slice(at + 1)) && at > 0
      ? undefined
      : "has a malformed digest (expected name@sha256:<64 hex characters>)";
  }
  // The tag follows the last ':' after the last '/', so "registry:5000/faktory" has no tag.
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.indexOf(":", lastSlash + 1);
  if (colon < 0) return "has neither a tag nor a digest";
  const tag = ref.slice(colon + 1);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return `has a malformed tag ${JSON.stringify(tag)}`;
  if (tag === "latest") return 'uses the floating tag "latest"; pin a version tag or a digest';
  return undefined;
}
