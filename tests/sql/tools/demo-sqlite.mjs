// The demo dataset (deploy/local/demo-data.mjs) as a SQLite database, for
// checking the golden files' expected results independently of ddbsql
// (tools/check-goldens.mjs). Nested attributes are flattened into columns;
// lists and sets are JSON text; booleans are 0/1; a DynamoDB NULL and a
// missing attribute are both NULL (phone_kind/notes_kind keep which).
//
//   customers(customer_id, name, email, tier, signup_date, street, city, country, lat, lon,
//             marketing_opt_in, tags, phone, phone_kind, lifetime_value)
//   orders(customer_id, order_id, order_date, status, total, currency, ship_method, ship_cost,
//          ship_street, ship_city, ship_country, item_count, gift, coupon_code, notes, notes_kind)
//   order_items(order_id, line_no, product_id, quantity, unit_price, discount, options)
//   products(product_id, name, category, price, in_stock, color, size, weight_g, image, tags, ratings)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { generateDemoData, toPlain } from '../../../deploy/local/demo-data.mjs';

const lit = (v) => {
  if (v === undefined || v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object') return `'${JSON.stringify(v).replace(/'/g, "''")}'`;
  return `'${String(v).replace(/'/g, "''")}'`;
};
const kind = (item, a) => (!(a in item) ? 'missing' : Object.keys(item[a])[0]);

export function demoSqliteScript() {
  const tables = Object.fromEntries(generateDemoData().map((t) => [t.definition.TableName, t.items]));
  const out = ['BEGIN;'];
  const table = (name, cols, rows) => {
    out.push(`CREATE TABLE ${name} (${cols.map(([c, t]) => `${c} ${t}`).join(', ')});`);
    for (const r of rows) out.push(`INSERT INTO ${name} VALUES (${r.map(lit).join(', ')});`);
  };
  table('customers', [['customer_id', 'TEXT'], ['name', 'TEXT'], ['email', 'TEXT'], ['tier', 'TEXT'], ['signup_date', 'TEXT'],
    ['street', 'TEXT'], ['city', 'TEXT'], ['country', 'TEXT'], ['lat', 'REAL'], ['lon', 'REAL'], ['marketing_opt_in', 'INTEGER'],
    ['tags', 'TEXT'], ['phone', 'TEXT'], ['phone_kind', 'TEXT'], ['lifetime_value', 'REAL']],
  tables.customers.map((it) => {
    const p = toPlain(it);
    return [p.customer_id, p.name, p.email, p.tier, p.signup_date, p.address.street, p.address.city, p.address.country,
      p.address.geo.lat, p.address.geo.lon, p.marketing_opt_in, p.tags, p.phone, kind(it, 'phone'), p.lifetime_value];
  }));
  table('orders', [['customer_id', 'TEXT'], ['order_id', 'TEXT'], ['order_date', 'TEXT'], ['status', 'TEXT'], ['total', 'REAL'],
    ['currency', 'TEXT'], ['ship_method', 'TEXT'], ['ship_cost', 'REAL'], ['ship_street', 'TEXT'], ['ship_city', 'TEXT'],
    ['ship_country', 'TEXT'], ['item_count', 'INTEGER'], ['gift', 'INTEGER'], ['coupon_code', 'TEXT'], ['notes', 'TEXT'], ['notes_kind', 'TEXT']],
  tables.orders.map((it) => {
    const p = toPlain(it);
    return [p.customer_id, p.order_id, p.order_date, p.status, p.total, p.currency, p.shipping.method, p.shipping.cost,
      p.shipping.address.street, p.shipping.address.city, p.shipping.address.country, p.item_count, p.gift, p.coupon_code, p.notes, kind(it, 'notes')];
  }));
  table('order_items', [['order_id', 'TEXT'], ['line_no', 'INTEGER'], ['product_id', 'TEXT'], ['quantity', 'INTEGER'],
    ['unit_price', 'REAL'], ['discount', 'REAL'], ['options', 'TEXT']],
  tables.order_items.map((it) => {
    const p = toPlain(it);
    return [p.order_id, p.line_no, p.product_id, p.quantity, p.unit_price, p.discount, p.options];
  }));
  table('products', [['product_id', 'TEXT'], ['name', 'TEXT'], ['category', 'TEXT'], ['price', 'REAL'], ['in_stock', 'INTEGER'],
    ['color', 'TEXT'], ['size', 'TEXT'], ['weight_g', 'INTEGER'], ['image', 'TEXT'], ['tags', 'TEXT'], ['ratings', 'TEXT']],
  tables.products.map((it) => {
    const p = toPlain(it);
    return [p.product_id, p.name, p.category, p.price, p.in_stock, p.attributes.color, p.attributes.size, p.attributes.weight_g,
      p.image, p.tags, p.ratings];
  }));
  out.push('COMMIT;');
  return `${out.join('\n')}\n`;
}

export function buildDemoSqlite(dbPath) {
  fs.rmSync(dbPath, { force: true });
  const r = spawnSync('sqlite3', ['-bail', dbPath], { input: demoSqliteScript(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr || r.error?.message}`);
  return dbPath;
}
