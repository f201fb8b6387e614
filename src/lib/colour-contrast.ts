/**
 * WCAG 2 colour contrast, and the accent palette the hosted pages derive from APP_ACCENT.
 * Pure functions on hex colours ("#rgb" or "#rrggbb"); every colour returned is "#rrggbb".
 */

export interface Rgb {
  /** 0–255 */
  r: number;
  g: number;
  b: number;
}

export type Scheme = 'light' | 'dark';

/** WCAG 1.4.3: normal-size text. */
export const TEXT_CONTRAST = 4.5;
/** WCAG 1.4.11: focus indicators and other non-text parts of controls. */
export const NON_TEXT_CONTRAST = 3;
/**
 * axe-core fails a ratio that is not strictly above its target and blends translucent backgrounds
 * in floating point; aiming this much higher keeps a computed colour from landing on the edge.
 */
const SAFETY_MARGIN = 0.1;
/**
 * Not a WCAG requirement (the label names the button, and its text contrast is checked): the
 * least contrast between a primary button's fill and the card, so the button still reads as one
 * when the accent is close to the card colour (white in light mode, near-black in dark mode).
 */
export const FILL_MIN_CONTRAST = 1.3;
/** The least contrast between a button's fill and its hover fill, so hovering visibly changes it. */
const HOVER_MIN_CHANGE = 1.1;
const HOVER_FALLBACK_SHIFT = 0.12;

/** Share of the alert's colour in an alert's background: `.alert.*` in public/styles.css. */
export const ALERT_TINT = 0.12;

/**
 * The fixed colours of each scheme. These are the values of --bg, --card, --text, --muted,
 * --danger, --on-danger and --ok in public/styles.css (light in :root, dark in its
 * prefers-color-scheme: dark block): change both together. colour-contrast.test.ts reads the
 * stylesheet and fails when they differ.
 */
export const SCHEME_COLOURS = {
  light: {
    page: '#f4f5f7',
    card: '#ffffff',
    text: '#16181d',
    muted: '#5b6170',
    danger: '#b42318',
    onDanger: '#ffffff',
    ok: '#067647',
  },
  dark: {
    page: '#0f1115',
    card: '#181b21',
    text: '#eceef2',
    muted: '#a2a8b5',
    danger: '#f97066',
    onDanger: '#0f1115',
    ok: '#47cd89',
  },
} as const satisfies Record<Scheme, Record<string, string>>;

const HEX_COLOUR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

export function isHexColour(value: string): boolean {
  return HEX_COLOUR.test(value);
}

export function parseHex(hex: string): Rgb {
  if (!isHexColour(hex)) throw new Error(`not a hex colour: ${JSON.stringify(hex)}`);
  const digits = hex.slice(1);
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits;
  return { r: parseInt(full.slice(0, 2), 16), g: parseInt(full.slice(2, 4), 16), b: parseInt(full.slice(4, 6), 16) };
}

export function toHex({ r, g, b }: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

/** "#ABC" → "#aabbcc". */
export function normaliseHex(hex: string): string {
  return toHex(parseHex(hex));
}

function linearChannel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance: 0 for black, 1 for white. */
export function relativeLuminance(hex: string): number {
  const { r, g, b } = parseHex(hex);
  return 0.2126 * linearChannel(r) + 0.7152 * linearChannel(g) + 0.0722 * linearChannel(b);
}

/** WCAG contrast ratio, 1 to 21, the same whichever colour is the foreground. */
export function contrastRatio(a: string, b: string): number {
  const [lighter, darker] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}

/** The lowest contrast of `colour` against any of `backgrounds`. */
export function leastContrast(colour: string, backgrounds: readonly string[]): number {
  return Math.min(...backgrounds.map((background) => contrastRatio(colour, background)));
}

/** Black or white, whichever contrasts more with `background` (at least 4.58:1 on any colour). */
export function textColourOn(background: string): '#000000' | '#ffffff' {
  return contrastRatio('#000000', background) >= contrastRatio('#ffffff', background) ? '#000000' : '#ffffff';
}

/** `color-mix(in srgb, from, to <amount × 100>%)`: amount 0 is `from`, 1 is `to`. */
export function mix(from: string, to: string, amount: number): string {
  const a = parseHex(from);
  const b = parseHex(to);
  const blend = (x: number, y: number) => x + (y - x) * amount;
  return toHex({ r: blend(a.r, b.r), g: blend(a.g, b.g), b: blend(a.b, b.b) });
}

/**
 * `colour` mixed with black or white (whichever contrasts more with the backgrounds), in 1 %
 * steps, until it reaches `target` against every background: the least change that is enough.
 * Mixing with black only lowers luminance and with white only raises it, so the steps never
 * overshoot and then come back. Returns black or white itself when nothing short of it is enough.
 */
export function shiftUntilContrast(colour: string, backgrounds: readonly string[], target: number): string {
  const end = leastContrast('#000000', backgrounds) >= leastContrast('#ffffff', backgrounds) ? '#000000' : '#ffffff';
  for (let step = 0; step <= 100; step++) {
    const candidate = mix(colour, end, step / 100);
    if (leastContrast(candidate, backgrounds) >= target) return candidate;
  }
  return end;
}

/** The CSS values one colour scheme needs from the accent (custom properties in /theme.css). */
export interface SchemePalette {
  /** Primary buttons' background (--accent-fill). */
  accentFill: string;
  /** Text on accentFill, at least 4.5:1 (--on-accent-fill). */
  onAccentFill: string;
  /** accentFill on hover (--accent-fill-hover): see hoverFill. */
  accentFillHover: string;
  /** Links and link-like text, at least 4.5:1 on every surface it can sit on (--accent-text). */
  accentText: string;
  /** Focus outlines, at least 3:1 on every surface they can sit on (--focus-ring). */
  focusRing: string;
}

export type AccentPalette = Record<Scheme, SchemePalette>;

/** What links and focus outlines can sit on: the page, the card, and the tinted alerts inside it. */
export function surfacesOf(scheme: Scheme): string[] {
  const { page, card, danger, ok } = SCHEME_COLOURS[scheme];
  return [page, card, mix(card, danger, ALERT_TINT), mix(card, ok, ALERT_TINT)];
}

/**
 * A button's fill on hover: moved away from its text colour (so the text only gains contrast)
 * in 1 % steps until the change is visible. A fill at the far extreme (white under black text,
 * black under white text) cannot move away, so it moves toward the text instead: it starts at
 * 20:1 or more, so it stays far above 4.5:1.
 */
export function hoverFill(fill: string, text: '#000000' | '#ffffff'): string {
  const away = text === '#ffffff' ? '#000000' : '#ffffff';
  for (let step = 1; step <= 100; step++) {
    const candidate = mix(fill, away, step / 100);
    if (contrastRatio(candidate, fill) >= HOVER_MIN_CHANGE) return candidate;
  }
  return mix(fill, text, HOVER_FALLBACK_SHIFT);
}

function schemePalette(accent: string, scheme: Scheme): SchemePalette {
  const surfaces = surfacesOf(scheme);
  const { card } = SCHEME_COLOURS[scheme];
  const accentFill = shiftUntilContrast(accent, [card], FILL_MIN_CONTRAST);
  const onAccentFill = textColourOn(accentFill);
  return {
    accentFill,
    onAccentFill,
    accentFillHover: hoverFill(accentFill, onAccentFill),
    accentText: shiftUntilContrast(accent, surfaces, TEXT_CONTRAST + SAFETY_MARGIN),
    focusRing: shiftUntilContrast(accent, surfaces, NON_TEXT_CONTRAST + SAFETY_MARGIN),
  };
}

/** The accent's shades for the light and the dark scheme, each found by computed contrast. */
export function accentPalette(accent: string): AccentPalette {
  const base = normaliseHex(accent);
  return { light: schemePalette(base, 'light'), dark: schemePalette(base, 'dark') };
}
