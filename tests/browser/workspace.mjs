// The web workspace in a real browser (issue 15 §3): Debian's /usr/bin/chromium driven by playwright-core (no
// browser download), against a real `piao stack up` loaded with the Torino 2022 case as `tools/dev run` loads it.
// Every page is checked with axe-core (WCAG 2.1 A/AA rules): any serious or critical violation fails. A full-page
// screenshot of every page goes to $PIAO_BROWSER_SHOTS (the build directory's browser-screenshots/).
//
//   PIAO_BIN_DIR=build/bin PIAO_SOURCE_DIR=. [PIAO_NPM_DIR=~/.cache/piao-npm] node tests/browser/workspace.mjs
//
// playwright-core and axe-core come from tools/npm/package.json, installed by `tools/dev deps` into $PIAO_NPM_DIR.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const BIN = process.env.PIAO_BIN_DIR;
const SRC = process.env.PIAO_SOURCE_DIR;
const NPM = process.env.PIAO_NPM_DIR || path.join(os.homedir(), '.cache', 'piao-npm');
const SHOTS = process.env.PIAO_BROWSER_SHOTS || path.join(BIN, '..', 'browser-screenshots');
const CHROMIUM = '/usr/bin/chromium';
for (const [what, p] of [['PIAO_BIN_DIR', BIN], ['PIAO_SOURCE_DIR', SRC]]) {
  if (!p) throw new Error(`${what} is not set`);
}
for (const p of [path.join(NPM, 'node_modules', 'playwright-core'), path.join(NPM, 'node_modules', 'axe-core')]) {
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run tools/dev deps (tools/npm/package.json)`);
}
if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run tools/dev deps (Debian's chromium)`);
const require = createRequire(path.join(NPM, 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');
const AXE = path.join(NPM, 'node_modules', 'axe-core', 'axe.min.js');

const PIAO = path.join(BIN, 'piao');
const FIX = path.join(SRC, 'tests', 'fixtures', 'torino-2022');
const DATA = fs.mkdtempSync(path.join(os.tmpdir(), 'piao-browser-'));
const ADMIN = ['--administration', 'CCIAA-TO'];
fs.rmSync(SHOTS, { recursive: true, force: true });
fs.mkdirSync(SHOTS, { recursive: true });

function piao(...args) {
  return execFileSync(PIAO, [...args, '--data', DATA], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let failures = 0;
const results = [];
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures++;
    results.push(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
  console.log(results[results.length - 1]);
}

// axe-core on the page as it is; serious and critical violations fail, the others are printed.
let shot = 0;
async function check(page, name) {
  shot++;
  await page.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    // Closed <details> hide most of the tree: open them so every element is checked.
    document.querySelectorAll('details').forEach((d) => { d.open = true; });
    return await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
  });
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of r.violations) {
    console.log(`  axe ${name}: ${v.impact} ${v.id} (${v.nodes.length}): ${v.help} — ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`);
  }
  assert.equal(bad.length, 0, `${name}: serious/critical accessibility violations: ${bad.map((v) => v.id).join(', ')}`);
  return r;
}

let browser;
try {
  // ---- the stack, loaded like `tools/dev run` ----
  piao('stack', 'up');
  piao('import', path.join(FIX, 'plan-2022.json'), ...ADMIN);
  piao('revise', path.join(FIX, 'revisions-2022.json'), ...ADMIN);
  piao('import', path.join(FIX, 'results-2022-strategic.json'), ...ADMIN);
  for (const y of [2017, 2018, 2019, 2020, 2021]) piao('import', path.join(FIX, `ratios-plan-${y}.json`), ...ADMIN);
  piao('feed', 'import', '--kind', 'accounting', path.join(FIX, 'accounting-2017-2021.csv'),
       '--mapping', path.join(FIX, 'accounting-mapping.csv'), ...ADMIN);
  piao('risk', 'import', path.join(FIX, 'risk-register.json'));
  piao('hr', 'import', path.join(FIX, 'hr-2022.json'));
  const url = fs.readFileSync(path.join(DATA, 'web.addr'), 'utf8').trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const status = JSON.parse(piao('stack', 'status', '--json'));
  const web = status.components.find((c) => c.name === 'web');
  assert.ok(web && web.healthy && web.address === url, `stack status lists the web at ${url}: ${JSON.stringify(web)}`);
  const operatorToken = fs.readFileSync(path.join(DATA, 'operator.token'), 'utf8').trim();
  const plannerToken = piao('token', 'issue', '--principal', 'user:planner-to', '--roles', 'planner', ...ADMIN).trim();
  const oivToken = piao('token', 'issue', '--principal', 'user:oiv-to', '--roles', 'oiv', ...ADMIN).trim();
  const oivOtherToken = piao('token', 'issue', '--principal', 'user:oiv-mi', '--roles', 'oiv', '--administration',
                             'CCIAA-MI').trim();

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  // bypassCSP: only so the test can inject axe-core; the pages themselves run no script.
  const laptop = await browser.newContext({ viewport: { width: 1366, height: 900 }, bypassCSP: true, acceptDownloads: true,
                                            locale: 'it-IT' });
  const page = await laptop.newPage();
  const signIn = async (p, token) => {
    await p.goto(url + '/');
    assert.match(p.url(), /\/accedi$/, 'not signed in: the sign-in page');
    await p.fill('#token', token);
    await Promise.all([p.waitForNavigation(), p.click('button[type=submit]')]);
  };

  await step('sign-in page, wrong token refused', async () => {
    await page.goto(url + '/');
    assert.match(page.url(), /\/accedi$/);
    await check(page, 'accesso');
    await page.fill('#token', 'not-a-token');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(await page.textContent('main'), /Token non valido/);
  });

  await step('sign in with the operator token: HttpOnly, SameSite=Strict cookie, security headers', async () => {
    await signIn(page, operatorToken);
    assert.match(await page.textContent('h1'), /Area di lavoro/);
    const cookies = await laptop.cookies();
    const session = cookies.find((c) => c.name === 'piao_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(!cookies.some((c) => c.value.includes(operatorToken)), 'the token is never in a cookie');
    const res = await page.request.get(url + '/');
    const h = res.headers();
    assert.match(h['content-security-policy'], /default-src 'self'/);
    assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
    assert.equal(h['x-content-type-options'], 'nosniff');
    await check(page, 'home');
  });

  await step('a POST without the CSRF token is refused (403) and changes nothing', async () => {
    const res = await page.request.post(url + '/esci', { form: { csrf: 'wrong' }, maxRedirects: 0 });
    assert.equal(res.status(), 403);
    const res2 = await page.request.post(url + '/esci', { form: {}, maxRedirects: 0 });
    assert.equal(res2.status(), 403);
    await page.goto(url + '/');
    assert.match(await page.textContent('h1'), /Area di lavoro/, 'still signed in');
  });

  await step('the tree: areas, strategic objectives, approved beside revised', async () => {
    await page.fill('#amm', 'CCIAA-TO');
    await page.fill('#anno', '2022');
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
    assert.match(page.url(), /\/albero\?amm=CCIAA-TO&anno=2022/);
    const main = await page.textContent('main');
    assert.match(main, /OS03\.1\.1/);
    assert.match(main, /Come approvato/);
    assert.match(main, /Come revisionato/);
    assert.ok(await page.locator('svg[role=img]').count() >= 1, 'a chart of the strategic scores');
    await check(page, 'albero');
  });

  await step('tree on a tablet (768 px), as of a date and on a monitoring period', async () => {
    const tablet = await browser.newContext({ viewport: { width: 768, height: 1024 }, bypassCSP: true,
                                              storageState: await laptop.storageState() });
    const t = await tablet.newPage();
    await t.goto(url + '/albero?amm=CCIAA-TO&anno=2022&data=2022-07-01');
    assert.match(await t.textContent('main'), /2022-07-01/);
    await check(t, 'albero-tablet-al-2022-07-01');
    await tablet.close();
  });

  await step('walk the tree to an indicator: its timeline shows delibera 142', async () => {
    await page.goto(url + '/albero?amm=CCIAA-TO&anno=2022');
    const objective = page.locator('details.objective', { has: page.locator('summary .code', { hasText: /^OS01\.1\.1$/ }) });
    await objective.locator('> summary').click();
    await Promise.all([page.waitForNavigation(), objective.locator('a', { hasText: 'kpi1.1.1_03' }).first().click()]);
    assert.match(page.url(), /\/indicatore\?/);
    const main = await page.textContent('main');
    assert.match(main, /Storia della definizione/);
    assert.match(main, /Deliberazione di Giunta n\. 142 del 13\/09\/2022/);
    assert.match(main, /Deliberazione di Giunta n\. 103/);
    assert.match(main, /2022-09-13/);
    assert.match(main, /Soglia/);
    await check(page, 'indicatore');
  });

  await step('an indicator computed from the accounting feed: lineage back to the feed rows', async () => {
    await page.goto(url + '/indicatore?amm=CCIAA-TO&anno=2021&obiettivo=RATIOS&livello=strategic&codice=STR_PRIM');
    const main = await page.textContent('main');
    assert.match(main, /Provenienza del valore/);
    assert.match(main, /patrimonio_netto/);
    assert.match(main, /accounting-2017-2021\.csv/);
    await check(page, 'indicatore-calcolato');
  });

  await step('audit search with filters, and its CSV export', async () => {
    await page.goto(url + '/audit?amm=CCIAA-TO&anno=2022');
    await check(page, 'audit-modulo');
    await page.fill('#obiettivo', 'OS01.1.1');
    await page.check('input[name=modifica][value=threshold]');
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
    const table = await page.textContent('table.audit');
    assert.match(table, /Deliberazione di Giunta n\. 142/);
    assert.match(table, /kpi1\.1\.1_03/);
    assert.match(table, /Soglia/);
    assert.doesNotMatch(table, /Valore rilevato|Target|Peso/, 'only threshold changes');
    await check(page, 'audit-risultati');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/audit.csv"]')]);
    const file = path.join(SHOTS, 'audit-export.csv');
    await download.saveAs(file);
    const csv = fs.readFileSync(file, 'utf8');
    const lines = csv.trim().split(/\r\n/);
    assert.match(lines[0], /^registrato_il,in_vigore_dal,servizio,modifica,obiettivo/);
    assert.ok(lines.length >= 2, 'at least one change');
    for (const l of lines.slice(1)) assert.match(l, /,planning,threshold,OS01\.1\.1,/);
    assert.match(csv, /Deliberazione di Giunta n\. 142 del 13\/09\/2022/);
  });

  await step('risk map, a process history', async () => {
    await page.goto(url + '/rischi?amm=CCIAA-TO&anno=2022');
    const main = await page.textContent('main');
    assert.match(main, /Mappa: aree per livello di rischio/);
    assert.match(main, /Copertura del monitoraggio/);
    await check(page, 'rischi');
    await Promise.all([page.waitForNavigation(), page.locator('a[href^="/rischi/processo"]').first().click()]);
    assert.match(await page.textContent('main'), /Storia delle valutazioni/);
    await check(page, 'rischi-processo');
  });

  await step('workforce capacity', async () => {
    await page.goto(url + '/personale?amm=CCIAA-TO&anno=2022');
    const main = await page.textContent('main');
    assert.match(main, /Tetto di spesa/);
    assert.match(main, /Budget assunzionale/);
    assert.match(main, /Turnover/);
    await check(page, 'personale');
  });

  await step('an OIV of another administration sees nothing of Torino', async () => {
    const other = await browser.newContext({ viewport: { width: 1366, height: 900 }, bypassCSP: true });
    const p = await other.newPage();
    await signIn(p, oivOtherToken);
    for (const where of ['/albero?amm=CCIAA-TO&anno=2022', '/audit?amm=CCIAA-TO&anno=2022&cerca=1',
                         '/indicatore?amm=CCIAA-TO&anno=2022&obiettivo=OS01.1.1&livello=strategic&codice=kpi1.1.1_03',
                         '/rischi?amm=CCIAA-TO&anno=2022', '/personale?amm=CCIAA-TO&anno=2022',
                         '/audit.csv?amm=CCIAA-TO&anno=2022&cerca=1', '/oiv?amm=CCIAA-TO&anno=2022']) {
      const res = await p.request.get(url + where);
      assert.equal(res.status(), 403, `${where}: ${res.status()}`);
      const body = await res.text();
      assert.doesNotMatch(body, /OS01\.1\.1<|kpi1\.1\.1_03<|Deliberazione di Giunta n\. 142/, where);
    }
    // Without naming an administration: the token's own, which has no plan.
    await p.goto(url + '/albero?anno=2022');
    const main = await p.textContent('main');
    assert.doesNotMatch(main, /OS01\.1\.1|CCIAA-TO/);
    await p.goto(url + '/albero?amm=CCIAA-TO&anno=2022');
    assert.match(await p.textContent('main'), /Accesso negato/);
    await check(p, 'oiv-altra-amministrazione');
    await other.close();
  });

  const REMARK = 'Osservazione dal browser: target del tasso di assenteismo da motivare';
  await step("the OIV's desk: a validation with remarks, then found in the audit trail and in the Relazione", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, bypassCSP: true });
    const p = await ctx.newPage();
    await signIn(p, oivToken);
    await p.goto(url + '/oiv?amm=CCIAA-TO&anno=2022');
    assert.match(await p.textContent('main'), /Nessuna validazione registrata/);
    await check(p, 'oiv-scrivania');
    await p.selectOption('#esito', 'validated-with-remarks');
    await p.fill('#motivazione', 'La Relazione è coerente con il Piano; una osservazione.');
    await p.fill('#oss_obiettivo_1', 'OS01.1.1');
    await p.fill('#oss_testo_1', REMARK);
    await Promise.all([p.waitForNavigation(), p.click('form[action="/oiv/validazione"] button[type=submit]')]);
    assert.match(p.url(), /\/oiv\?amm=CCIAA-TO&anno=2022&registrato=validazione/);
    const main = await p.textContent('main');
    assert.match(main, /Validazione registrata/);
    assert.match(main, /Validata con osservazioni/);
    assert.ok(main.includes(REMARK), 'the remark is shown');
    assert.match(main, /user:oiv-to/);
    await check(p, 'oiv-validazione-registrata');
    // A monitoring report and the attestation grid.
    await p.fill('#periodo', '2022-09-30');
    await p.fill('#sintesi', 'Monitoraggio intermedio: avanzamento regolare.');
    await Promise.all([p.waitForNavigation(), p.click('form[action="/oiv/monitoraggio"] button[type=submit]')]);
    assert.match(await p.textContent('main'), /Relazione di monitoraggio registrata/);
    await p.fill('#ob_1', 'Piano triennale della performance');
    await p.fill('#sez_1', 'Performance');
    await p.check('#pub_1');
    await p.selectOption('#compl_1', '3');
    await p.selectOption('#agg_1', '2');
    await p.selectOption('#fmt_1', '3');
    await Promise.all([p.waitForNavigation(), p.click('form[action="/oiv/attestazione"] button[type=submit]')]);
    const after = await p.textContent('main');
    assert.match(after, /Attestazione registrata/);
    assert.match(after, /Piano triennale della performance/);
    assert.match(after, /Monitoraggio intermedio/);
    await check(p, 'oiv-attestazione');
    // The audit trail, as the OIV reads it.
    await p.goto(url + '/audit?amm=CCIAA-TO&anno=2022&cerca=1&modifica=oiv-relazione-validated');
    const table = await p.textContent('table.audit');
    assert.match(table, /Validazione OIV della Relazione/);
    assert.match(table, /user:oiv-to/);
    assert.match(table, /validation\/1/);
    await check(p, 'audit-validazione-oiv');
    await ctx.close();
    // The Relazione sulla performance shows the validation and the remark.
    const md = piao('report', 'relazione', '--year', '2022', '--format', 'md');
    assert.ok(md.includes(REMARK), 'the remark is in the Relazione');
    assert.match(md, /validated-with-remarks/);
  });

  await step('a planner signs in, reads its own administration, and is refused on the OIV form', async () => {
    const ctx = await browser.newContext({ bypassCSP: true });
    const p = await ctx.newPage();
    await signIn(p, plannerToken);
    await p.goto(url + '/albero?amm=CCIAA-TO&anno=2022');
    assert.match(await p.textContent('main'), /OS03\.1\.1/);
    await p.goto(url + '/oiv?amm=CCIAA-TO&anno=2022');
    await p.selectOption('#esito', 'validated');
    await p.fill('#motivazione', 'Tentativo del pianificatore');
    const [response] = await Promise.all([p.waitForNavigation(),
                                          p.click('form[action="/oiv/validazione"] button[type=submit]')]);
    assert.equal(response.status(), 403);
    const main = await p.textContent('main');
    assert.match(main, /Accesso negato/);
    assert.doesNotMatch(main, /Tentativo del pianificatore/);
    await check(p, 'oiv-pianificatore-rifiutato');
    await ctx.close();
    const audit = piao('audit', '--year', '2022', '--json');
    assert.doesNotMatch(audit, /Tentativo del pianificatore/, 'nothing recorded for the planner');
  });

  await step('sign out ends the session', async () => {
    await page.goto(url + '/');
    await Promise.all([page.waitForNavigation(), page.click('form.signout button')]);
    assert.match(page.url(), /\/accedi$/);
    await page.goto(url + '/albero?amm=CCIAA-TO&anno=2022');
    assert.match(page.url(), /\/accedi$/, 'signed out: back to the sign-in page');
  });
} catch (e) {
  failures++;
  console.log(`FAIL set-up: ${e && e.stack ? e.stack : e}`);
  if (e && e.stderr) console.log(String(e.stderr));
} finally {
  if (browser) await browser.close();
  try { piao('stack', 'down'); } catch (e) { console.log(`stack down: ${e}`); }
  fs.rmSync(DATA, { recursive: true, force: true });
}
console.log(`screenshots in ${SHOTS}`);
if (failures > 0) {
  console.log(`${failures} failure(s)`);
  process.exit(1);
}
console.log('all browser checks passed');
