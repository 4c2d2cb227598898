// The row shapes people publish, mapped onto ours before validation. Pure: the caller reads files.
//  - SWE-bench / Verified / Lite / Multimodal, SWE-Gym, nebius SWE-bench-extra: our shape already.
//  - SWE-rebench: `docker_image` names the image; install_config fields may be null or '' (no steps).
//  - SWE-smith: no base_commit and no test_patch; `repo` is `swesmith/<owner>__<name>.<commit>` and `patch` is the
//    diff that PUT the bug in. The task state is that diff applied at the commit (`setup_patch`), the gold fix is
//    its reverse, and the tests are chosen by the names in FAIL_TO_PASS / PASS_TO_PASS.
import { familyImage, isImageFamily } from './imageFamilies.ts';

export type RowFormat = 'swe-bench' | 'swe-rebench' | 'swe-smith' | 'harbor';

const SWESMITH_REPO = /^swesmith\/([A-Za-z0-9_.-]+?)__([A-Za-z0-9_.-]+)\.([0-9a-f]{7,40})$/;

/** The reverse of a unified diff: what undoes it (`git apply -R` as text). */
export function reversePatch(patch: string): string {
  const out: string[] = [];
  let pending: string | undefined; // a `--- ` line waiting for its `+++ ` partner
  // A run of changed lines is written removals first, as diff tools do (git apply would take either order).
  let minus: string[] = [];
  let plus: string[] = [];
  const flush = () => {
    out.push(...minus, ...plus);
    minus = [];
    plus = [];
  };
  for (const line of patch.split('\n')) {
    if (pending === undefined && /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line)) {
      (line.startsWith('+') ? minus : plus).push(`${line.startsWith('+') ? '-' : '+'}${line.slice(1)}`);
      continue;
    }
    flush();
    const head = /^diff --git (a\/\S+) (b\/\S+)$/.exec(line);
    if (head) out.push(`diff --git ${head[1]} ${head[2]}`);
    else if (line.startsWith('--- ')) pending = line.slice(4);
    else if (line.startsWith('+++ ') && pending !== undefined) {
      const swap = (p: string, to: 'a' | 'b') => (p === '/dev/null' ? p : `${to}/${p.replace(/^[ab]\//, '')}`);
      out.push(`--- ${swap(line.slice(4), 'a')}`, `+++ ${swap(pending, 'b')}`);
      pending = undefined;
    } else if (line.startsWith('new file mode')) out.push(line.replace('new file mode', 'deleted file mode'));
    else if (line.startsWith('deleted file mode')) out.push(line.replace('deleted file mode', 'new file mode'));
    else if (/^index [0-9a-f]+\.\.[0-9a-f]+/.test(line)) {
      out.push(line.replace(/^index ([0-9a-f]+)\.\.([0-9a-f]+)/, 'index $2..$1'));
    } else {
      const hunk = /^@@ -(\d+(?:,\d+)?) \+(\d+(?:,\d+)?) @@(.*)$/.exec(line);
      if (hunk) out.push(`@@ -${hunk[2]} +${hunk[1]} @@${hunk[3]}`);
      else out.push(line);
    }
  }
  flush();
  return out.join('\n');
}

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
