// SVG -> PNG with resvg (Rust, via napi): the same pixels on every machine, no browser. Text needs a font: the
// system's (DejaVu on Debian) is used; on a machine with no fonts at all the PNG still renders, without labels,
// and the SVG beside it keeps them.
import { Resvg } from '@resvg/resvg-js';
import { CHART } from './svg.ts';

/** Twice the SVG's size: crisp on high-density screens, still small (tens of kB per figure). */
export const PNG_SCALE = 2;
export const PNG_SIZE = { width: CHART.width * PNG_SCALE, height: CHART.height * PNG_SCALE } as const;

export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return r.render().asPng();
}
