// The differential tests' dataset: deterministic (a seeded PRNG), small
// enough to load in a second, varied enough to catch semantic slips.
//
// Tables (DynamoDB key schema; every table exists with the same name and
// columns in SQLite, where a missing attribute and a DynamoDB NULL are both
// NULL):
//   users   PK uid "U001".."U300" (S)
//           GSI by_city (city S, age N; ALL), sparse: some users have no city
//   events  PK uid (S) + SK seq (N); LSI by_amount (uid, amount N; ALL);
//           GSI by_kind (kind S, day S; ALL); GSI by_tag (tag S; KEYS_ONLY),
//           sparse: most events have no tag
//   items   PK item_id (N, 1..200); GSI by_category (category S, price N;
//           INCLUDE title)
//   codes   PK code (S), 12 rows: a small table for cross joins and IN lists
//
// Value shapes: integers (negative ones too), decimals with exactly two
// places (written canonically, as DynamoDB stores them: 12.5 not 12.50),
// strings with varied case, shared prefixes, spaces, '%' and '_' (for LIKE),
// quotes; flags as the numbers 0/1 (SQLite has no boolean); ISO-8601 dates.
// NULLs come both as {"NULL": true} and as missing attributes.

function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
  };
}
export { makeRng };

export const SEED = 424242;
const pad = (n, w) => String(n).padStart(w, '0');
// Canonical DynamoDB number text of cents/100.
export const dec2 = (cents) => {
  const neg = cents < 0;
  const a = Math.abs(cents);
  let s = `${Math.floor(a / 100)}.${pad(a % 100, 2)}`.replace(/0+$/, '').replace(/\.$/, '');
  if (neg && s !== '0') s = `-${s}`;
  return s;
};

const FIRST = ['alice', 'Alice', 'ALICE', 'bob', 'Bob', 'carol', 'Carla', 'carl', 'dave', 'Dave',
  'eve', 'Eve', 'frank', 'grace', 'Grace', 'heidi', 'ivan', 'judy', 'Mallory', 'oscar'];
const LAST = ['smith', 'Smith', 'jones', 'Jones', 'brown', 'de la Cruz', "O'Neil", 'lee', 'Lee', 'garcia'];
export const CITIES = ['Austin', 'austin', 'Boston', 'Berlin', 'Bern', 'Paris', 'Lyon', 'Tokyo', 'Kyoto', 'Oslo'];
export const KINDS = ['click', 'view', 'buy', 'refund', 'Click', 'share'];
export const TAGS = ['red', 'green', 'blue', 'x_y', 'x%y'];
export const CATEGORIES = ['tools', 'toys', 'books', 'Books', 'food', 'garden'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'Alpha', 'BETA', 'omega', 'pi', 'rho', 'sigma'];

/** SQLite column declarations of each table (the DynamoDB side is schemaless). */
export const COLUMNS = {
  users: { uid: 'TEXT', name: 'TEXT', city: 'TEXT', age: 'INTEGER', score: 'REAL', active: 'INTEGER', grp: 'INTEGER', created: 'TEXT', nick: 'TEXT' },
  events: { uid: 'TEXT', seq: 'INTEGER', kind: 'TEXT', amount: 'REAL', qty: 'INTEGER', tag: 'TEXT', note: 'TEXT', flag: 'INTEGER', day: 'TEXT' },
  items: { item_id: 'INTEGER', title: 'TEXT', category: 'TEXT', price: 'REAL', stock: 'INTEGER', owner: 'TEXT', rating: 'INTEGER' },
  codes: { code: 'TEXT', label: 'TEXT', weight: 'INTEGER', ratio: 'REAL' },
};

/** Table definitions for CreateTable. */
export function tableDefinitions() {
  const S = (n) => ({ AttributeName: n, AttributeType: 'S' });
  const N = (n) => ({ AttributeName: n, AttributeType: 'N' });
  const key = (h, r) => (r ? [{ AttributeName: h, KeyType: 'HASH' }, { AttributeName: r, KeyType: 'RANGE' }] : [{ AttributeName: h, KeyType: 'HASH' }]);
  return [
    {
      TableName: 'users', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [S('uid'), S('city'), N('age')],
      KeySchema: key('uid'),
      GlobalSecondaryIndexes: [{ IndexName: 'by_city', KeySchema: key('city', 'age'), Projection: { ProjectionType: 'ALL' } }],
    },
    {
      TableName: 'events', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [S('uid'), N('seq'), N('amount'), S('kind'), S('day'), S('tag')],
      KeySchema: key('uid', 'seq'),
      LocalSecondaryIndexes: [{ IndexName: 'by_amount', KeySchema: key('uid', 'amount'), Projection: { ProjectionType: 'ALL' } }],
      GlobalSecondaryIndexes: [
        { IndexName: 'by_kind', KeySchema: key('kind', 'day'), Projection: { ProjectionType: 'ALL' } },
        { IndexName: 'by_tag', KeySchema: key('tag'), Projection: { ProjectionType: 'KEYS_ONLY' } },
      ],
    },
    {
      TableName: 'items', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [N('item_id'), S('category'), N('price')],
      KeySchema: key('item_id'),
      GlobalSecondaryIndexes: [{ IndexName: 'by_category', KeySchema: key('category', 'price'), Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['title'] } }],
    },
    {
      TableName: 'codes', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [S('code')],
      KeySchema: key('code'),
    },
  ];
}

// A row value: a JS string, an integer (number), {dec: 'text'} for a
// two-place decimal, null (DynamoDB NULL) or undefined (missing).
const D = (cents) => ({ dec: dec2(cents) });
// null as DynamoDB NULL or as a missing attribute, half and half.
const nul = (rng) => (rng.chance(0.5) ? null : undefined);

/** {table: [row objects]} with the values described above. */
export function generateRows() {
  const rng = makeRng(SEED);
  const users = [];
  for (let i = 1; i <= 300; i++) {
    const u = { uid: `U${pad(i, 3)}`, name: `${rng.pick(FIRST)} ${rng.pick(LAST)}` };
    // city, age, amount and category are index keys: DynamoDB refuses them
    // as NULL, so they are only ever missing.
    u.city = rng.chance(0.85) ? rng.pick(CITIES) : undefined;
    u.age = rng.chance(0.9) ? rng.int(16, 90) : undefined;
    // the by_city index needs both keys: keep age when city is set
    if (typeof u.city === 'string' && typeof u.age !== 'number') u.age = rng.int(16, 90);
    u.score = rng.chance(0.9) ? D(rng.int(-5000, 100000)) : nul(rng);
    u.active = rng.int(0, 1);
    u.grp = rng.int(0, 9);
    u.created = `202${rng.int(3, 5)}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}T${pad(rng.int(0, 23), 2)}:${pad(rng.int(0, 59), 2)}:00Z`;
    if (rng.chance(0.3)) u.nick = rng.pick(['  padded  ', 'x', 'under_score', '100%', "it's", 'MiXeD', 'trail ']);
    users.push(u);
  }
  const events = [];
  for (const u of users) {
    const n = rng.int(0, 13);
    for (let s = 1; s <= n; s++) {
      const e = { uid: u.uid, seq: s * 10 + rng.int(0, 9), kind: rng.pick(KINDS) };
      e.amount = rng.chance(0.92) ? D(rng.int(-2000, 50000)) : undefined;
      e.qty = rng.chance(0.9) ? rng.int(0, 20) : nul(rng);
      if (rng.chance(0.3)) e.tag = rng.pick(TAGS);
      e.note = rng.chance(0.5) ? `${rng.pick(WORDS)} ${rng.pick(WORDS)}` : nul(rng);
      e.flag = rng.int(0, 1);
      e.day = `2025-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`;
      events.push(e);
    }
  }
  const items = [];
  for (let i = 1; i <= 200; i++) {
    const it = { item_id: i, title: `${rng.pick(WORDS)}-${rng.pick(WORDS)} ${i % 7}` };
    it.category = rng.chance(0.95) ? rng.pick(CATEGORIES) : undefined;
    it.price = D(rng.int(1, 99999));
    it.stock = rng.chance(0.9) ? rng.int(-3, 500) : nul(rng);
    // owners: a user, a user id with no user (dangling), or none
    it.owner = rng.chance(0.7) ? `U${pad(rng.int(1, 330), 3)}` : nul(rng);
    it.rating = rng.chance(0.8) ? rng.int(1, 5) : nul(rng);
    items.push(it);
  }
  const codes = [];
  const LABELS = ['one', 'Two', 'three', 'FOUR', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
  for (let i = 0; i < 12; i++) {
    codes.push({ code: ['click', 'view', 'buy', 'red', 'blue', 'Austin', 'Paris', 'tools', 'toys', 'K1', 'K2', 'K3'][i], label: LABELS[i], weight: i % 4, ratio: i % 3 ? D(rng.int(0, 999)) : null });
  }
  return { users, events, items, codes };
}

/** A row as a DynamoDB item. */
export function toItem(row) {
  const item = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    if (v === null) item[k] = { NULL: true };
    else if (typeof v === 'string') item[k] = { S: v };
    else if (typeof v === 'number') item[k] = { N: String(v) };
    else if (v.dec !== undefined) item[k] = { N: v.dec };
    else throw new Error(`bad value for ${k}`);
  }
  return item;
}

/** SQL literal of a row value for SQLite's INSERT. */
export function sqliteLiteral(v) {
  if (v === undefined || v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  if (typeof v === 'number') return String(v);
  return v.dec;
}

/** The SQLite script that creates and fills the tables. */
export function sqliteScript(data = generateRows()) {
  const out = ['BEGIN;'];
  for (const [t, cols] of Object.entries(COLUMNS)) {
    out.push(`CREATE TABLE ${t} (${Object.entries(cols).map(([c, ty]) => `${c} ${ty}`).join(', ')});`);
    const names = Object.keys(cols);
    for (const row of data[t]) {
      for (const k of Object.keys(row)) if (!names.includes(k)) throw new Error(`${t}.${k} is not declared`);
      out.push(`INSERT INTO ${t} (${names.join(', ')}) VALUES (${names.map((c) => sqliteLiteral(row[c])).join(', ')});`);
    }
  }
  out.push('COMMIT;');
  return `${out.join('\n')}\n`;
}
