// Prints the size of the first page's browser bundle (WASM + JS glue + CSS): raw, gzip, brotli.
// Run after `make release`: node scripts/bundle-size.mjs
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const dir = new URL('../target/site/pkg/', import.meta.url);
const files = ['hyperformant.wasm', 'hyperformant.js', 'hyperformant.css'];
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = { raw: 0, gz: 0, br: 0 };
for (const f of files) {
  const data = readFileSync(new URL(f, dir));
  const gz = gzipSync(data, { level: 9 }).length;
  const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  total = { raw: total.raw + data.length, gz: total.gz + gz, br: total.br + br };
  console.log(`${f.padEnd(20)} ${kb(data.length).padStart(10)} raw ${kb(gz).padStart(10)} gzip ${kb(br).padStart(10)} brotli`);
}
console.log(`${'total'.padEnd(20)} ${kb(total.raw).padStart(10)} raw ${kb(total.gz).padStart(10)} gzip ${kb(total.br).padStart(10)} brotli`);
