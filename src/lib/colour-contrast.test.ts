import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  accentPalette,
  contrastRatio,
  FILL_MIN_CONTRAST,
  hoverFill,
  mix,
  NON_TEXT_CONTRAST,
  normaliseHex,
  parseHex,
  relativeLuminance,
  SCHEME_COLOURS,
  shiftUntilContrast,
  surfacesOf,
  TEXT_CONTRAST,
  textColourOn,
  type Scheme,
} from './colour-contrast.ts';

const SCHEMES: Scheme[] = ['light', 'dark'];

/** Light and dark extremes, greys, saturated primaries and the pale and dark brand colours operators pick. */
const ACCENTS = [
  '#4f46e5', '#ffffff', '#000000', '#808080', '#ffd400', '#a5f3fc',
  '#1f2937', '#ff0000', '#00ff00', '#0000ff', '#f0f', '#0a7f5a', '#fafafa', '#111',
];

/** axe-core fails a ratio that is not strictly above the target. */
function assertAbove(ratio: number, target: number, what: string) {
  assert.ok(ratio > target, `${what}: ${ratio.toFixed(2)}:1, wanted more than ${target}:1`);
}

describe('colour contrast', () => {
  test('parses #rgb and #rrggbb, and rejects anything else', () => {
    assert.deepEqual(parseHex('#fff'), { r: 255, g: 255, b: 255 });
    assert.deepEqual(parseHex('#4F46E5'), { r: 79, g: 70, b: 229 });
    assert.equal(normaliseHex('#AbC'), '#aabbcc');
    for (const bad of ['', '4f46e5', '#12345', '#ggg', 'red', '#fff; } body { x: y']) {
      assert.throws(() => parseHex(bad), /not a hex colour/, bad);
    }
  });

  test('relative luminance and contrast ratios match WCAG', () => {
    assert.equal(relativeLuminance('#000'), 0);
    assert.equal(relativeLuminance('#fff'), 1);
    assert.equal(contrastRatio('#000', '#fff'), 21);
    assert.equal(contrastRatio('#fff', '#000'), 21);
    assert.equal(contrastRatio('#4f46e5', '#4f46e5'), 1);
    assert.ok(Math.abs(contrastRatio('#777', '#fff') - 4.48) < 0.01);
    // From the issue: the accent on the dark card, and white on the dark danger red.
    assert.ok(Math.abs(contrastRatio('#4f46e5', '#181b21') - 2.74) < 0.01);
    assert.ok(Math.abs(contrastRatio('#ffffff', '#f97066') - 2.78) < 0.01);
  });

  test('textColourOn picks black or white, whichever contrasts more', () => {
    assert.equal(textColourOn('#ffffff'), '#000000');
    assert.equal(textColourOn('#ffd400'), '#000000');
    assert.equal(textColourOn('#000000'), '#ffffff');
    assert.equal(textColourOn('#4f46e5'), '#ffffff');
    for (const colour of ACCENTS) assert.ok(contrastRatio(textColourOn(colour), colour) >= 4.58, colour);
  });

  test('mix blends in sRGB like color-mix(in srgb, …)', () => {
    assert.equal(mix('#000000', '#ffffff', 0), '#000000');
    assert.equal(mix('#000000', '#ffffff', 1), '#ffffff');
    assert.equal(mix('#000000', '#ffffff', 0.5), '#808080');
  });

  test('shiftUntilContrast changes nothing that is already enough, and the least that is otherwise', () => {
    assert.equal(shiftUntilContrast('#4f46e5', ['#ffffff'], 4.5), '#4f46e5');
    const shifted = shiftUntilContrast('#4f46e5', ['#181b21'], 4.5);
    assert.ok(contrastRatio(shifted, '#181b21') >= 4.5);
    assert.ok(relativeLuminance(shifted) > relativeLuminance('#4f46e5'), 'lightened on a dark background');
    // It is a 1 % step toward white, and one step less would not have been enough.
    const step = Array.from({ length: 101 }, (_, i) => i).find((i) => mix('#4f46e5', '#ffffff', i / 100) === shifted);
    assert.ok(step !== undefined && step > 0, `${shifted} is a mix of the accent with white`);
    assert.ok(contrastRatio(mix('#4f46e5', '#ffffff', (step - 1) / 100), '#181b21') < 4.5);
    assert.equal(shiftUntilContrast('#808080', ['#7f7f7f'], 21), '#000000', 'gives the extreme when nothing is enough');
  });

  test('hover fills visibly change and keep their text above 4.5:1', () => {
    for (const fill of ACCENTS) {
      const text = textColourOn(fill);
      const hover = hoverFill(fill, text);
      assert.notEqual(hover, normaliseHex(fill), fill);
      assertAbove(contrastRatio(text, hover), TEXT_CONTRAST, `${text} on hover ${hover} (from ${fill})`);
    }
  });

  test('the stylesheet uses the same scheme colours, and defaults to the palette of #4f46e5', () => {
    const css = readFileSync(new URL('../../public/styles.css', import.meta.url), 'utf8');
    const darkStart = css.indexOf('@media (prefers-color-scheme: dark)');
    assert.ok(darkStart > 0);
    const blocks: Record<Scheme, string> = { light: css.slice(0, darkStart), dark: css.slice(darkStart, css.indexOf('\n}\n', darkStart)) };
    const valueOf = (scheme: Scheme, property: string) => new RegExp(`--${property}:\\s*(#[0-9a-f]{3,6})\\s*;`, 'i').exec(blocks[scheme])?.[1];
    const defaults = accentPalette('#4f46e5');
    for (const scheme of SCHEMES) {
      const colours = SCHEME_COLOURS[scheme];
      const expected: Record<string, string> = {
        bg: colours.page,
        card: colours.card,
        text: colours.text,
        muted: colours.muted,
        danger: colours.danger,
        'on-danger': colours.onDanger,
        ok: colours.ok,
        'accent-fill': defaults[scheme].accentFill,
        'on-accent-fill': defaults[scheme].onAccentFill,
        'accent-fill-hover': defaults[scheme].accentFillHover,
        'accent-text': defaults[scheme].accentText,
        'focus-ring': defaults[scheme].focusRing,
      };
      for (const [property, value] of Object.entries(expected)) {
        assert.equal(valueOf(scheme, property), value, `--${property} in the ${scheme} block of public/styles.css`);
      }
    }
  });

  test('the fixed scheme colours meet their targets on the surfaces they sit on', () => {
    for (const scheme of SCHEMES) {
      const { page, card, text, muted, danger, onDanger, ok } = SCHEME_COLOURS[scheme];
      const [, , errorTint, okTint] = surfacesOf(scheme) as [string, string, string, string];
      for (const background of [page, card]) {
        assertAbove(contrastRatio(text, background), TEXT_CONTRAST, `${scheme} text on ${background}`);
        assertAbove(contrastRatio(muted, background), TEXT_CONTRAST, `${scheme} muted on ${background}`);
      }
      assertAbove(contrastRatio(danger, card), TEXT_CONTRAST, `${scheme} danger on the card`);
      assertAbove(contrastRatio(danger, errorTint), TEXT_CONTRAST, `${scheme} danger on the error alert`);
      assertAbove(contrastRatio(ok, okTint), TEXT_CONTRAST, `${scheme} ok on the ok alert`);
      assertAbove(contrastRatio(onDanger, danger), TEXT_CONTRAST, `${scheme} text on the danger button`);
      // --danger-hover: 15 % toward black (light, white text) or white (dark, dark text).
      const dangerHover = mix(danger, scheme === 'light' ? '#000000' : '#ffffff', 0.15);
      assertAbove(contrastRatio(onDanger, dangerHover), TEXT_CONTRAST, `${scheme} text on the hovered danger button`);
    }
  });

  for (const accent of ACCENTS) {
    test(`the palette of ${accent} meets every target in both schemes`, () => {
      const palette = accentPalette(accent);
      for (const scheme of SCHEMES) {
        const shades = palette[scheme];
        const where = `${accent} ${scheme}`;
        for (const shade of Object.values(shades)) assert.match(shade, /^#[0-9a-f]{6}$/, where);
        assertAbove(contrastRatio(shades.onAccentFill, shades.accentFill), TEXT_CONTRAST, `${where}: text on the fill`);
        assertAbove(contrastRatio(shades.onAccentFill, shades.accentFillHover), TEXT_CONTRAST, `${where}: text on the hover fill`);
        assert.ok(contrastRatio(shades.accentFill, SCHEME_COLOURS[scheme].card) >= FILL_MIN_CONTRAST, `${where}: fill visible on the card`);
        for (const surface of surfacesOf(scheme)) {
          assertAbove(contrastRatio(shades.accentText, surface), TEXT_CONTRAST, `${where}: link text on ${surface}`);
          assertAbove(contrastRatio(shades.focusRing, surface), NON_TEXT_CONTRAST, `${where}: focus ring on ${surface}`);
        }
      }
    });
  }

  test('a grid of 729 #rgb colours, black to white, all get palettes that meet the targets', () => {
    const digits = '02468acef';
    for (const r of digits) for (const g of digits) for (const b of digits) {
      const accent = `#${r}${g}${b}`;
      const palette = accentPalette(accent);
      for (const scheme of SCHEMES) {
        const shades = palette[scheme];
        const surfaces = surfacesOf(scheme);
        assert.ok(contrastRatio(shades.onAccentFill, shades.accentFill) > TEXT_CONTRAST, `${accent} ${scheme} fill`);
        assert.ok(surfaces.every((s) => contrastRatio(shades.accentText, s) > TEXT_CONTRAST), `${accent} ${scheme} text`);
        assert.ok(surfaces.every((s) => contrastRatio(shades.focusRing, s) > NON_TEXT_CONTRAST), `${accent} ${scheme} focus`);
      }
    }
  });

  test('an accent that already meets the targets is kept as it is', () => {
    const { light } = accentPalette('#4f46e5');
    assert.deepEqual([light.accentFill, light.accentText, light.focusRing], ['#4f46e5', '#4f46e5', '#4f46e5']);
    const { dark } = accentPalette('#ffd400');
    assert.deepEqual([dark.accentFill, dark.accentText, dark.focusRing], ['#ffd400', '#ffd400', '#ffd400']);
  });
});
