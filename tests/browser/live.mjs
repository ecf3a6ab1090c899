// SPDX-License-Identifier: Apache-2.0
//
// live.mjs: live updates of the dashboard in ONE page session. It starts
// headless Chromium with --remote-debugging-port, drives it over the DevTools
// protocol with node's built-in WebSocket (node 20: --experimental-websocket),
// opens the dashboard once, marks the page's window, and then submits
// protocols through the API in phases while the page keeps polling. After
// each phase the page, never reloaded (the mark survives), must show the
// numbers the API gives for the same moment: stations reported and ballots
// cast. Prints "ok ..."/"FAILED ..." and "N passed, M failed".
//
// usage: node --experimental-websocket live.mjs CHROMIUM BASE_URL TOKEN ENTRIES_1 ENTRIES_2 PROFILE_DIR
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const [chromium, base, token, e1, e2, profile] = process.argv.slice(2);
let pass = 0, fail = 0;
const ok = (n) => { pass++; console.log('ok ' + n); };
const bad = (n, why) => { fail++; console.log('FAILED ' + n + ': ' + why); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const protocols = (f) => readFileSync(f, 'utf8').split('\n')
  .filter((l) => l.includes('"station"')).map((l) => l.replace(/,\s*$/, ''));

const browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--remote-debugging-port=0', '--user-data-dir=' + profile, '--window-size=1280,2000',
  'about:blank'], { stdio: 'ignore' });
const deadline = Date.now() + 60000;  // the whole test is bounded
let ws = null;
async function finish(code) {
  try { if (ws) ws.close(); } catch (e) { /* closing anyway */ }
  browser.kill('SIGTERM');
  console.log(pass + ' passed, ' + fail + ' failed');
  process.exit(code);
}
setTimeout(() => { bad('live test', 'took over 60 s'); finish(1); }, 61000).unref();

// the DevTools port, then the page target
let port = 0;
for (let i = 0; i < 100 && !port; i++) {
  const f = profile + '/DevToolsActivePort';
  if (existsSync(f)) port = parseInt(readFileSync(f, 'utf8').split('\n')[0], 10) || 0;
  if (!port) await sleep(100);
}
if (!port) { bad('chromium starts with a DevTools port', 'no DevToolsActivePort'); await finish(1); }
const targets = await (await fetch('http://127.0.0.1:' + port + '/json/list')).json();
const page = targets.find((t) => t.type === 'page');
if (!page) { bad('a page target', JSON.stringify(targets)); await finish(1); }
ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
let seq = 0;
const waiting = new Map();
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && waiting.has(msg.id)) { waiting.get(msg.id)(msg); waiting.delete(msg.id); }
};
const cdp = (method, params = {}) => new Promise((res) => {
  const id = ++seq;
  waiting.set(id, res);
  ws.send(JSON.stringify({ id, method, params }));
});
const evaluate = async (expr) => {
  const r = await cdp('Runtime.evaluate', { expression: expr, returnByValue: true });
  return r.result && r.result.result ? r.result.result.value : undefined;
};

await cdp('Page.enable');
await cdp('Page.navigate', { url: base + '/' });
let ready = false;
for (let i = 0; i < 100 && !ready; i++) {
  ready = await evaluate("!!document.querySelector('[data-ready=\"1\"]')");
  if (!ready) await sleep(100);
}
ready ? ok('the dashboard loads') : bad('the dashboard loads', 'no data-ready');
await evaluate('window.__liveMark = 42');

const shown = () => evaluate("[document.getElementById('reported')?.dataset.value, " +
  "document.getElementById('ballots-cast')?.dataset.value, window.__liveMark]");
async function submit(list) {
  // 16 at a time: concurrent submissions share group commits
  let next = 0, refused = 0;
  const worker = async () => {
    while (next < list.length) {
      const body = list[next++];
      const r = await fetch(base + '/api/v1/protocols', { method: 'POST', body,
        headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' } });
      await r.arrayBuffer();
      if (r.status >= 300) refused++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return refused;
}
async function phase(name, list) {
  const refused = await submit(list);
  const res = await (await fetch(base + '/api/v1/results')).json();
  const want = [String(res.progress.reported), String(res.turnout.ballots_cast)];
  let got = null;
  const t0 = Date.now();
  while (Date.now() < deadline) {  // the dashboard polls every 4 s
    got = await shown();
    if (got && got[0] === want[0] && got[1] === want[1]) break;
    await sleep(200);
  }
  if (got && got[0] === want[0] && got[1] === want[1] && got[2] === 42)
    ok(name + ': the open page shows reported ' + want[0] + ', ballots cast ' + want[1] +
       ' after ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s, without a reload (' +
       list.length + ' submitted, ' + refused + ' refused)');
  else
    bad(name, 'page ' + JSON.stringify(got) + ', API ' + JSON.stringify(want));
  return Number(want[0]);
}

const first = protocols(e1), second = protocols(e2);
const half = Math.floor(second.length / 2);
const r0 = await phase('first entries', first);
const r1 = await phase('half of the second entries', second.slice(0, half));
const r2 = await phase('the rest of the second entries', second.slice(half));
r0 < r1 && r1 < r2 ? ok('reported stations grow in the same page session: ' + [r0, r1, r2].join(' < '))
  : bad('reported stations grow', [r0, r1, r2].join(', '));
await finish(fail ? 1 : 0);
