// The trajectory page's diff (activities/report/viewer.ts) marks lines by the diff reader (issue 21): a removed
// `-- x` is the line `--- x` and an added `++ x` is `+++ x`, yet they are a removal and an addition.
import { describe, expect, it } from 'vitest';
import { renderDiffHtml } from '../../../../activities/report/viewer.ts';
import { MARKERS_PATCH, SQL_PATCH } from '../../../fixtures/trickyDiffs.ts';

describe('renderDiffHtml', () => {
  it('marks header-like content lines as removals and additions, and file headers as neither', () => {
    const sql = renderDiffHtml(SQL_PATCH).split('\n');
    expect(sql).toContain('<span class="del">--- users</span>');
    expect(sql).toContain('--- a/db/schema.sql');
    expect(sql).toContain('<span class="hunk">@@ -1,4 +1,2 @@</span>');
    const markers = renderDiffHtml(MARKERS_PATCH).split('\n');
    expect(markers).toContain('<span class="del">--- x</span>');
    expect(markers).toContain('<span class="add">+++ x</span>');
    expect(markers).toContain('+++ /dev/null');
  });
});
