// The demo dataset served by `make run` and used by the integration tests.
//
// Deterministic: a seeded PRNG and a fixed base date (2026-01-01T00:00:00Z),
// never the clock, so tests can import generateDemoData() and compute the
// answers they expect. No npm dependencies (Node 20).
//
// Tables (items are DynamoDB JSON, i.e. {"S": ...}, {"N": ...}):
//   customers    PK customer_id "C0001".."C0400"
//                GSI by_email (email; ALL), GSI by_tier (tier + signup_date;
//                INCLUDE name)
//   orders       PK customer_id + SK order_id "O000001"..
//                GSI by_status (status + order_date; ALL), sparse GSI
//                by_coupon (coupon_code; KEYS_ONLY), LSI by_date
//                (customer_id + order_date; ALL)
//   order_items  PK order_id + SK line_no (N, 1..)
//   products     PK product_id "P001".."P120"
//                GSI by_category (category + price; INCLUDE name)
//
// Consistency rules the tests may rely on:
//   - every order's customer_id is a customer; every order item's order_id is
//     an order and its product_id a product;
//   - orders.item_count = number of order_items rows of that order;
//   - order_items.unit_price = the product's price;
//   - line amount = round2(quantity * unit_price * (1 - discount)) (discount
//     is a fraction, absent means 0); orders.total = round2(sum of line
//     amounts + shipping.cost);
//   - customers.lifetime_value = round2(sum of totals of the customer's orders
//     whose status is not "cancelled");
//   - order_date >= the customer's signup_date, both before the base date.
// Numbers are written in canonical form (no trailing zeros), as DynamoDB
// returns them.

export const BASE_DATE = '2026-01-01T00:00:00Z';
const BASE_MS = Date.parse(BASE_DATE);
const DAY_MS = 86400000;

// mulberry32: small, fast, good enough for test data, identical everywhere.
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
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    // weights: [[value, weight], ...]
    weighted: (pairs) => {
      const total = pairs.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [v, w] of pairs) {
        if ((r -= w) < 0) return v;
      }
      return pairs[pairs.length - 1][0];
    },
    // k distinct elements, in the array's order
    sample: (arr, k) => {
      const idx = arr.map((_, i) => i);
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      return idx.slice(0, k).sort((x, y) => x - y).map((i) => arr[i]);
    },
  };
}

// Canonical DynamoDB number text for a value with at most `dp` decimals.
export function num(value, dp = 2) {
  let s = Number(value).toFixed(dp);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s;
}
const round2 = (x) => Math.round(x * 100) / 100;
const pad = (n, w) => String(n).padStart(w, '0');
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const S = (s) => ({ S: s });
const N = (n, dp) => ({ N: typeof n === 'string' ? n : num(n, dp) });
const BOOL = (b) => ({ BOOL: b });
const NULL = { NULL: true };
const M = (obj) => ({ M: obj });
const L = (arr) => ({ L: arr });

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dmitri', 'Elena', 'Farah', 'Gus', 'Hana', 'Ivan',
  'Jade', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tara',
  'Umar', 'Vera', 'Wen', 'Ximena', 'Yusuf', 'Zoe'];
const LAST = ['Abbott', 'Becker', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad',
  'Ito', 'Jensen', 'Kowalski', 'Lopez', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quispe',
  'Rossi', 'Schmidt', 'Tanaka', 'Usman', 'Varga', 'Weber', 'Xu', 'Yilmaz', 'Zhang'];
// [city, country, lat, lon, currency]
const CITIES = [
  ['Seattle', 'US', 47.6062, -122.3321, 'USD'],
  ['Austin', 'US', 30.2672, -97.7431, 'USD'],
  ['Boston', 'US', 42.3601, -71.0589, 'USD'],
  ['Chicago', 'US', 41.8781, -87.6298, 'USD'],
  ['Toronto', 'CA', 43.6532, -79.3832, 'CAD'],
  ['London', 'GB', 51.5072, -0.1276, 'GBP'],
  ['Manchester', 'GB', 53.4808, -2.2426, 'GBP'],
  ['Berlin', 'DE', 52.52, 13.405, 'EUR'],
  ['Paris', 'FR', 48.8566, 2.3522, 'EUR'],
  ['Madrid', 'ES', 40.4168, -3.7038, 'EUR'],
  ['Amsterdam', 'NL', 52.3676, 4.9041, 'EUR'],
  ['Tokyo', 'JP', 35.6762, 139.6503, 'JPY'],
  ['Sydney', 'AU', -33.8688, 151.2093, 'AUD'],
];
const STREETS = ['Main St', 'Oak Ave', 'Maple Rd', 'High St', 'Station Rd', 'Park Lane',
  'Church St', 'Mill Rd', 'Elm St', 'King St'];
const CUSTOMER_TAGS = ['vip', 'newsletter', 'wholesale', 'returning', 'early-adopter',
  'student', 'b2b', 'referral'];
const CATEGORIES = ['electronics', 'books', 'home', 'garden', 'toys', 'sports', 'clothing',
  'beauty'];
const ADJ = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Smart', 'Ultra', 'Vintage', 'Pro', 'Mini',
  'Rugged'];
const NOUN = {
  electronics: ['Headphones', 'Charger', 'Speaker', 'Keyboard', 'Webcam'],
  books: ['Cookbook', 'Novel', 'Atlas', 'Field Guide', 'Anthology'],
  home: ['Lamp', 'Kettle', 'Blanket', 'Vase', 'Clock'],
  garden: ['Trowel', 'Planter', 'Hose', 'Shears', 'Bird Feeder'],
  toys: ['Puzzle', 'Kite', 'Robot', 'Board Game', 'Yo-yo'],
  sports: ['Yoga Mat', 'Water Bottle', 'Tennis Racket', 'Football', 'Jump Rope'],
  clothing: ['Jacket', 'Scarf', 'T-shirt', 'Hoodie', 'Socks'],
  beauty: ['Shampoo', 'Lip Balm', 'Face Cream', 'Perfume', 'Soap'],
};
const COLORS = ['black', 'white', 'red', 'blue', 'green', 'grey', 'yellow'];
const SIZES = ['XS', 'S', 'M', 'L', 'XL'];
const PRODUCT_TAGS = ['new', 'sale', 'bestseller', 'eco', 'limited', 'gift-idea', 'bundle'];
const COUPONS = ['WELCOME10', 'SPRING15', 'FREESHIP', 'VIP20', 'BLACKFRIDAY'];
const NOTES = ['Leave at the door', 'Call before delivery', 'Fragile', 'Deliver after 5pm',
  'Use side entrance'];
const OPTIONS_S = ['gift-wrap', 'express-packing', 'no-invoice'];

function tableDefs() {
  const S_ = (name) => ({ AttributeName: name, AttributeType: 'S' });
  const N_ = (name) => ({ AttributeName: name, AttributeType: 'N' });
  const key = (hash, range) =>
    range ? [{ AttributeName: hash, KeyType: 'HASH' }, { AttributeName: range, KeyType: 'RANGE' }]
      : [{ AttributeName: hash, KeyType: 'HASH' }];
  return {
    customers: {
      TableName: 'customers',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [S_('customer_id'), S_('email'), S_('tier'), S_('signup_date')],
      KeySchema: key('customer_id'),
      GlobalSecondaryIndexes: [
        { IndexName: 'by_email', KeySchema: key('email'), Projection: { ProjectionType: 'ALL' } },
        {
          IndexName: 'by_tier',
          KeySchema: key('tier', 'signup_date'),
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['name'] },
        },
      ],
    },
    orders: {
      TableName: 'orders',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [S_('customer_id'), S_('order_id'), S_('status'), S_('order_date'),
        S_('coupon_code')],
      KeySchema: key('customer_id', 'order_id'),
      GlobalSecondaryIndexes: [
        { IndexName: 'by_status', KeySchema: key('status', 'order_date'),
          Projection: { ProjectionType: 'ALL' } },
        { IndexName: 'by_coupon', KeySchema: key('coupon_code'),
          Projection: { ProjectionType: 'KEYS_ONLY' } },
      ],
      LocalSecondaryIndexes: [
        { IndexName: 'by_date', KeySchema: key('customer_id', 'order_date'),
          Projection: { ProjectionType: 'ALL' } },
      ],
    },
    order_items: {
      TableName: 'order_items',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [S_('order_id'), N_('line_no')],
      KeySchema: key('order_id', 'line_no'),
    },
    products: {
      TableName: 'products',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [S_('product_id'), S_('category'), N_('price')],
      KeySchema: key('product_id'),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by_category',
          KeySchema: key('category', 'price'),
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['name'] },
        },
      ],
    },
  };
}

function genProducts(rng) {
  const out = [];
  for (let i = 1; i <= 120; i++) {
    const category = CATEGORIES[(i - 1) % CATEGORIES.length];
    const priceCents = rng.int(199, 29999);
    const item = {
      product_id: S(`P${pad(i, 3)}`),
      name: S(`${rng.pick(ADJ)} ${rng.pick(NOUN[category])}`),
      category: S(category),
      price: N(priceCents / 100),
      in_stock: BOOL(rng.chance(0.8)),
      attributes: M({
        color: S(rng.pick(COLORS)),
        size: S(rng.pick(SIZES)),
        weight_g: N(rng.int(20, 5000), 0),
      }),
      image: { B: Buffer.from([0x89, 0x50, 0x4e, 0x47, i & 0xff, (i * 7) & 0xff]).toString('base64') },
      tags: L(rng.sample(PRODUCT_TAGS, rng.int(0, 3)).map(S)),
    };
    // ratings: a number set (distinct values) on most products, absent on the rest
    if (rng.chance(0.85)) {
      const ratings = rng.sample(['1', '2', '3', '3.5', '4', '4.5', '5'], rng.int(1, 4));
      item.ratings = { NS: ratings };
    }
    out.push(item);
  }
  return out;
}

function genCustomers(rng) {
  const out = [];
  for (let i = 1; i <= 400; i++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const [city, country, lat, lon, currency] = rng.pick(CITIES);
    const signupMs = BASE_MS - rng.int(30, 3 * 365) * DAY_MS - rng.int(0, 86399) * 1000;
    const item = {
      customer_id: S(`C${pad(i, 4)}`),
      name: S(`${first} ${last}`),
      email: S(`${first.toLowerCase()}.${last.toLowerCase()}${i}@example.com`),
      tier: S(rng.weighted([['gold', 1], ['silver', 2], ['bronze', 4]])),
      signup_date: S(iso(signupMs)),
      address: M({
        street: S(`${rng.int(1, 999)} ${rng.pick(STREETS)}`),
        city: S(city),
        country: S(country),
        geo: M({
          lat: N(lat + (rng.next() - 0.5) / 10, 4),
          lon: N(lon + (rng.next() - 0.5) / 10, 4),
        }),
      }),
      marketing_opt_in: BOOL(rng.chance(0.55)),
    };
    if (rng.chance(0.9)) item.tags = { SS: rng.sample(CUSTOMER_TAGS, rng.int(1, 3)) };
    const phone = rng.weighted([['S', 8], ['NULL', 1], ['missing', 1]]);
    if (phone === 'S') item.phone = S(`+1-555-${pad(rng.int(0, 9999), 4)}`);
    else if (phone === 'NULL') item.phone = NULL;
    out.push({ item, signupMs, currency });
  }
  return out;
}

function genOrders(rng, customers, products) {
  const orders = [];
  const lines = [];
  let seq = 0;
  for (const c of customers) {
    const n = rng.weighted([[0, 2], [1, 3], [2, 4], [3, 4], [4, 4], [5, 3], [6, 3], [7, 2], [8, 2]]);
    // order dates between signup and the base date, ascending with order_id
    const dates = [];
    for (let k = 0; k < n; k++) {
      dates.push(c.signupMs + Math.floor(rng.next() * (BASE_MS - DAY_MS - c.signupMs)));
    }
    dates.sort((a, b) => a - b);
    let lifetime = 0;
    for (const dateMs of dates) {
      seq++;
      const orderId = `O${pad(seq, 6)}`;
      const nlines = rng.weighted([[1, 30], [2, 30], [3, 20], [4, 12], [5, 8]]);
      let sumCents = 0;
      const chosen = rng.sample(products, nlines);
      for (let ln = 1; ln <= nlines; ln++) {
        const p = chosen[ln - 1];
        const priceCents = Math.round(Number(p.price.N) * 100);
        const quantity = rng.weighted([[1, 6], [2, 3], [3, 1], [5, 1]]);
        const line = {
          order_id: S(orderId),
          line_no: N(ln, 0),
          product_id: p.product_id,
          quantity: N(quantity, 0),
          unit_price: p.price,
        };
        let discount = 0;
        if (rng.chance(0.25)) {
          discount = rng.pick([0.05, 0.1, 0.15, 0.2, 0.25]);
          line.discount = N(discount);
        }
        const opt = rng.weighted([['none', 5], ['empty', 1], ['list', 3]]);
        if (opt === 'empty') line.options = L([]);
        else if (opt === 'list') {
          const opts = [S(rng.pick(OPTIONS_S))];
          if (rng.chance(0.5)) {
            opts.push(M({ name: S('engraving'), value: S(`${rng.pick(FIRST)[0]}.${rng.pick(LAST)[0]}.`) }));
          }
          line.options = L(opts);
        }
        sumCents += Math.round(quantity * priceCents * (1 - discount));
        lines.push(line);
      }
      const method = rng.weighted([['standard', 6], ['express', 3], ['overnight', 1]]);
      const costCents = { standard: 499, express: 1299, overnight: 2499 }[method];
      const totalCents = sumCents + costCents;
      const status = rng.weighted([['delivered', 6], ['shipped', 2], ['pending', 1], ['cancelled', 1]]);
      const addr = c.item.address.M;
      const order = {
        customer_id: c.item.customer_id,
        order_id: S(orderId),
        order_date: S(iso(dateMs)),
        status: S(status),
        total: N(totalCents / 100),
        currency: S(c.currency),
        shipping: M({
          method: S(method),
          cost: N(costCents / 100),
          address: M({ street: addr.street, city: addr.city, country: addr.country }),
        }),
        item_count: N(nlines, 0),
        gift: BOOL(rng.chance(0.12)),
      };
      if (rng.chance(0.15)) order.coupon_code = S(rng.pick(COUPONS));
      const note = rng.weighted([['S', 2], ['NULL', 1], ['missing', 7]]);
      if (note === 'S') order.notes = S(rng.pick(NOTES));
      else if (note === 'NULL') order.notes = NULL;
      if (status !== 'cancelled') lifetime += totalCents;
      orders.push(order);
    }
    c.item.lifetime_value = N(round2(lifetime / 100));
  }
  return { orders, lines };
}

// Returns [{definition, items}] for customers, orders, order_items, products.
// A fresh deep structure on every call (callers may mutate it).
export function generateDemoData() {
  const rng = makeRng(20260101);
  const products = genProducts(rng);
  const customers = genCustomers(rng);
  const { orders, lines } = genOrders(rng, customers, products);
  const defs = tableDefs();
  // structuredClone: generation shares sub-objects (a product's price, a
  // customer's address); callers get independent items.
  return structuredClone([
    { definition: defs.customers, items: customers.map((c) => c.item) },
    { definition: defs.orders, items: orders },
    { definition: defs.order_items, items: lines },
    { definition: defs.products, items: products },
  ]);
}

// DynamoDB JSON attribute value -> plain JS (numbers as Number, sets as
// arrays, B as base64 text, NULL as null). For computing expected answers.
export function fromAttr(av) {
  const [type, v] = Object.entries(av)[0];
  switch (type) {
    case 'S': case 'B': return v;
    case 'N': return Number(v);
    case 'BOOL': return v;
    case 'NULL': return null;
    case 'SS': case 'BS': return [...v];
    case 'NS': return v.map(Number);
    case 'L': return v.map(fromAttr);
    case 'M': return toPlain(v);
    default: throw new Error(`unknown attribute type ${type}`);
  }
}

export function toPlain(item) {
  const out = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromAttr(v);
  return out;
}

// { tableName: [plain items] } for the whole dataset.
export function demoTables() {
  const out = {};
  for (const t of generateDemoData()) out[t.definition.TableName] = t.items.map(toPlain);
  return out;
}
