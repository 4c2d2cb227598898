// The row shapes people publish, mapped onto ours before validation. Pure: the caller reads files.
//  - SWE-bench / Verified / Lite / Multimodal, SWE-Gym, nebius SWE-bench-extra: our shape already.
//  - SWE-rebench: `docker_image` names the image; install_config fields may be null or '' (no steps).
//  - SWE-smith: no base_commit and no test_patch; `repo` is `swesmith/<owner>__<name>.<commit>` and `patch` is the
//    diff that PUT the bug in. The task state is that diff applied at the commit (`setup_patch`), the gold fix is
//    its reverse, and the tests are chosen by the names in FAIL_TO_PASS / PASS_TO_PASS.
import { familyImage, isImageFamily } from './imageFamilies.ts';
import { reverseDiff } from './unifiedDiff.ts';

export type RowFormat = 'swe-bench' | 'swe-rebench' | 'swe-smith' | 'harbor';

const SWESMITH_REPO = /^swesmith\/([A-Za-z0-9_.-]+?)__([A-Za-z0-9_.-]+)\.([0-9a-f]{7,40})$/;

/** The reverse of a unified diff: what undoes it (`git apply -R` as text). */
export const reversePatch = reverseDiff;

/** Maps one published row onto our shape; the schema then validates it. Unknown shapes pass through unchanged. */
export function normaliseRow(raw: Record<string, unknown>): { row: Record<string, unknown>; format: RowFormat } {
  const row: Record<string, unknown> = { ...raw };
  let format: RowFormat = 'swe-bench';
  if (typeof row.instance_id === 'number') row.instance_id = String(row.instance_id);
  for (const alias of ['docker_image', 'image']) {
    if (row.image_name == null && typeof row[alias] === 'string') {
      row.image_name = row[alias];
      format = 'swe-rebench';
    }
  }
  if (row.install_config && typeof row.install_config === 'object') format = 'swe-rebench';
  // `image_family: swebench` names the published image by the family's scheme.
  if (row.image_name == null && typeof row.image_family === 'string' && typeof row.instance_id === 'string') {
    if (isImageFamily(row.image_family)) row.image_name = familyImage(row.image_family, row.instance_id);
  }
  const smith = typeof row.repo === 'string' && row.base_commit == null ? SWESMITH_REPO.exec(row.repo) : null;
  if (smith) {
    format = 'swe-smith';
    row.swesmith_repo = row.repo;
    row.repo = `${smith[1]}/${smith[2]}`;
    row.base_commit = smith[3];
    if (typeof row.patch === 'string') {
      row.setup_patch = row.patch;
      row.patch = reversePatch(row.patch);
    }
    row.test_patch ??= '';
  }
  return { row, format };
}
