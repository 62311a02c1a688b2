'use strict';
// node get.js URL: GET with Node's own fetch (so that scripts need nothing but node); prints the body, and exits 1
// with one line on stderr on a non-2xx answer or a failed connection.
const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node get.js URL\n');
  process.exit(2);
}
fetch(url).then(async (r) => {
  const body = await r.text();
  if (!r.ok) {
    process.stderr.write(`GET ${url}: ${r.status} ${body}\n`);
    process.exit(1);
  }
  process.stdout.write(body + '\n');
}, (e) => {
  process.stderr.write(`GET ${url}: ${e.cause ? e.cause.code || e.cause.message : e.message}\n`);
  process.exit(1);
});
