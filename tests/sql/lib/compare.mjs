// Comparing ddbsql's results (parseJsonExact values) with SQLite's
// (.mode quote cells {t, v}), shared by run-differential.mjs and
// tools/check-goldens.mjs. The rules are described in run-differential.mjs.

import { exactJson, Num, parseJsonExact, renderCell } from './env.mjs';

// ---- exact decimal text helpers ---------------------------------------------------

/** Canonical decimal text ("-12.5", "0", "1200") of a plain or exponent number, or null. */
export function canonDecimal(text) {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  let digits = (m[2] || '') + (m[3] || '');
  let exp = (m[4] ? Number(m[4]) : 0) - (m[3] || '').length;
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  let s;
  if (exp >= 0) s = digits + '0'.repeat(exp);
  else if (-exp >= digits.length) s = `0.${'0'.repeat(-exp - digits.length)}${digits}`;
  else s = `${digits.slice(0, digits.length + exp)}.${digits.slice(digits.length + exp)}`;
  return (m[1] === '-' ? '-' : '') + s;
}

// ---- cell comparison ------------------------------------------------------------------

// ours: a parseJsonExact value (Num, string, boolean, null, object/array).
// theirs: {t: 'null'|'int'|'real'|'text'|'blob', v}.
export function cellEqual(ours, theirs) {
  if (theirs.t === 'null') return ours === null;
  if (ours === null) return false;
  if (typeof ours === 'boolean') return theirs.t === 'int' && theirs.v === (ours ? '1' : '0');
  if (theirs.t === 'text') {
    if (typeof ours === 'string') return ours === theirs.v;
    // A map, list or set against SQLite's JSON text of it (SQLite has no
    // such types): equal when the text parses to the same structure, numbers
    // compared as exact decimals. Not a loosening: every element must match.
    if (typeof ours === 'object' && !(ours instanceof Num)) return jsonEqual(ours, theirs.v);
    return false;
  }
  if (!(ours instanceof Num)) return false;
  if (theirs.t === 'int') return canonDecimal(ours.text) === canonDecimal(theirs.v);
  if (theirs.t === 'real') {
    const a = Number(ours.text);
    const b = Number(theirs.v);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return false;
}

function jsonEqual(ours, text) {
  let theirs;
  try {
    theirs = parseJsonExact(text);
  } catch {
    return false;
  }
  const same = (a, b) => {
    if (a === null || b === null) return a === b;
    if (a instanceof Num || b instanceof Num) {
      return a instanceof Num && b instanceof Num && canonDecimal(a.text) === canonDecimal(b.text);
    }
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
    }
    if (typeof a === 'object' && typeof b === 'object') {
      const ka = Object.keys(a).sort();
      const kb = Object.keys(b).sort();
      return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same(a[k], b[k]));
    }
    return a === b;
  };
  return same(ours, theirs);
}

// A sort key that puts equal cells (per cellEqual) next to each other: type
// class, then a rounded number or the text.
function oursKey(v) {
  if (v === null) return '0';
  if (typeof v === 'boolean') return `2${numKey(v ? 1 : 0)}`;
  if (v instanceof Num) return `2${numKey(Number(v.text))}`;
  if (typeof v === 'string') return `3${v}`;
  return `3${exactJson(v)}`; // next to SQLite's JSON text of it
}
function theirsKey(c) {
  if (c.t === 'null') return '0';
  if (c.t === 'int' || c.t === 'real') return `2${numKey(Number(c.v))}`;
  if (c.t === 'text') return `3${c.v}`;
  return `4${c.v}`;
}
function numKey(x) {
  // order-preserving text of x rounded to 9 significant digits
  if (x === 0) return 'M0';
  const r = Number(x.toPrecision(9));
  const e = Math.floor(Math.log10(Math.abs(r)));
  const mant = (Math.abs(r) / 10 ** e).toFixed(8);
  const ek = String(e + 500).padStart(4, '0');
  if (r > 0) return `P${ek}${mant}`;
  const inv = (s) => s.replace(/\d/g, (d) => String(9 - Number(d)));
  return `N${inv(ek)}${inv(mant)}`;
}

export function compareResults(c, ours, theirs) {
  const ncols = ours.columns.length;
  if (theirs.length && theirs[0].length !== ncols) return `column count: ddbsql ${ncols}, SQLite ${theirs[0].length}`;
  let a = ours.rows.map((r, i) => ({ r, i }));
  let b = theirs.map((r, i) => ({ r, i }));
  if (a.length !== b.length) return `row count: ddbsql ${a.length}, SQLite ${b.length}`;
  if (!c.ordered) {
    const ka = (x) => x.r.map(oursKey).join('\u0001');
    const kb = (x) => x.r.map(theirsKey).join('\u0001');
    a = [...a].sort((x, y) => (ka(x) < ka(y) ? -1 : ka(x) > ka(y) ? 1 : 0));
    b = [...b].sort((x, y) => (kb(x) < kb(y) ? -1 : kb(x) > kb(y) ? 1 : 0));
  }
  for (let i = 0; i < a.length; i++) {
    const ra = a[i].r;
    const rb = b[i].r;
    if (ra.length !== rb.length) return `row ${i + 1}: ddbsql has ${ra.length} values, SQLite ${rb.length}`;
    for (let j = 0; j < ra.length; j++) {
      if (!cellEqual(ra[j], rb[j])) {
        return `${c.ordered ? `row ${i + 1}` : `row ${i + 1} after sorting both`}, column ${j + 1}:\n` +
          `  ddbsql: ${ra.map(renderCell).join(' | ')}\n  SQLite: ${rb.map(showTheirs).join(' | ')}`;
      }
    }
  }
  return null;
}

export function showTheirs(c) {
  if (c.t === 'null') return 'NULL';
  if (c.t === 'text') return JSON.stringify(c.v);
  return c.v;
}

