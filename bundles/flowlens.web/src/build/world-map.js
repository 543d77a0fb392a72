/*
 * Builds the console's world map (console/vendor/world/world.json) from npm packages installed at
 * build time (see pom.xml):
 *   world-atlas          Natural Earth 1:110m admin-0 countries as TopoJSON, ids are ISO 3166-1 numeric
 *   topojson-client      TopoJSON to GeoJSON
 *   i18n-iso-countries   the ISO 3166-1 code table (numeric to alpha-2) and English/Chinese names
 * Output: {"geojson": FeatureCollection whose features are named by alpha-2 code (or by their Natural
 * Earth name where ISO 3166-1 has no code), "names": {"en": {...}, "zh-CN": {...}}}; rings cut at
 * the antimeridian, coordinates rounded to 0.01 degree (far finer than the 1:110m source). Antarctica
 * is left out (no traffic, and it would take a fifth of the map's height).
 * Usage: node world-map.js <node_modules dir> <output file>
 */
'use strict';
const fs = require('fs');
const path = require('path');

const [modulesArg, out] = process.argv.slice(2);
const modules = modulesArg && path.resolve(modulesArg);
if (!modules || !out) {
  console.error('usage: node world-map.js <node_modules dir> <output file>');
  process.exit(2);
}
const topojson = require(path.join(modules, 'topojson-client'));
const read = file => JSON.parse(fs.readFileSync(path.join(modules, file), 'utf8'));
const topology = read('world-atlas/countries-110m.json');
const codes = read('i18n-iso-countries/codes.json');
const en = read('i18n-iso-countries/langs/en.json').countries;
const zh = read('i18n-iso-countries/langs/zh.json').countries;

const alpha2ByNumeric = new Map(codes.map(c => [c[2], c[0]]));
// Kosovo has no ISO 3166-1 code; GeoIP databases report it with the user-assigned code XK
const BY_NAME = { Kosovo: 'XK' };
const LEFT_OUT = new Set(['AQ']);

function round(x) { return Math.round(x * 100) / 100; }

/* Rings that cross the antimeridian (Russia, Fiji) jump from +180 to -180; a flat map would draw that
 * jump as a stripe around the world. Such a ring is made continuous (longitudes past 180) and cut at
 * the meridian into the part on each side, the far part shifted back by 360 degrees. */
function unwrap(ring) {
  const out = [ring[0]];
  for (let i = 1; i < ring.length; i++) {
    let x = ring[i][0];
    const prev = out[i - 1][0];
    while (x - prev > 180) x -= 360;
    while (x - prev < -180) x += 360;
    out.push([x, ring[i][1]]);
  }
  return out;
}
function clipAt(ring, edge, keepBelow) {
  const inside = p => keepBelow ? p[0] <= edge : p[0] >= edge;
  const out = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i]; const b = ring[i + 1];
    if (inside(a)) out.push(a);
    if (inside(a) !== inside(b)) out.push([edge, a[1] + (b[1] - a[1]) * (edge - a[0]) / (b[0] - a[0])]);
  }
  if (out.length) out.push(out[0]);
  return out;
}
function shift(ring, dx) { return ring.map(p => [p[0] + dx, p[1]]); }
/* The polygon (outer ring and holes) as one or more polygons within -180..180. */
function splitAtAntimeridian(rings) {
  const u = rings.map(unwrap);
  const xs = u[0].map(p => p[0]);
  const min = Math.min(...xs); const max = Math.max(...xs);
  if (min >= -180 && max <= 180) return [rings];
  const edge = max > 180 ? 180 : -180;
  const near = u.map(r => clipAt(r, edge, edge > 0));
  const far = u.map(r => shift(clipAt(r, edge, edge < 0), edge > 0 ? -360 : 360));
  return [near, far].filter(p => p[0].length >= 4).map(p => p.filter(r => r.length >= 4));
}
function ring(points) {
  const r = [];
  for (const p of points) {
    const q = [round(p[0]), round(p[1])];
    const last = r[r.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) r.push(q);
  }
  return r.length >= 4 ? r : null;
}
function polygon(rings) {
  const rs = rings.map(ring);
  return rs[0] ? rs.filter(r => r) : null;
}
function polygons(list) {
  return list.flatMap(splitAtAntimeridian).map(polygon).filter(p => p);
}

const features = [];
const unmatched = [];
for (const f of topojson.feature(topology, topology.objects.countries).features) {
  const code = f.id === undefined ? BY_NAME[f.properties.name] : alpha2ByNumeric.get(String(f.id));
  if (code && LEFT_OUT.has(code)) continue;
  if (!code) unmatched.push(f.properties.name);
  const g = f.geometry;
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') continue;
  const ps = polygons(g.type === 'Polygon' ? [g.coordinates] : g.coordinates);
  if (!ps.length) continue;
  const geometry = ps.length === 1 ? { type: 'Polygon', coordinates: ps[0] } : { type: 'MultiPolygon', coordinates: ps };
  features.push({ type: 'Feature', properties: { name: code || f.properties.name }, geometry });
}

function names(table) {
  const o = {};
  for (const [code, v] of Object.entries(table)) o[code] = Array.isArray(v) ? v[0] : v;
  return o;
}
const world = {
  source: 'Natural Earth 1:110m admin-0 countries (public domain) via world-atlas ' + read('world-atlas/package.json').version
    + '; ISO 3166-1 codes and names via i18n-iso-countries ' + read('i18n-iso-countries/package.json').version,
  geojson: { type: 'FeatureCollection', features },
  names: { en: names(en), 'zh-CN': names(zh) }
};
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(world));
console.log('world map: ' + features.length + ' countries (' + unmatched.length + ' without an ISO code: ' + unmatched.join(', ') + '), '
  + fs.statSync(out).size + ' bytes -> ' + out);
