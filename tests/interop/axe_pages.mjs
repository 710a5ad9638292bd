#!/usr/bin/env node
// Accessibility of the pages as people see them: Debian's Chromium, driven by puppeteer-core,
// opens each page (or submits the /verify form), at the given window size, with "Technical
// details" closed and then open, and runs axe-core (WCAG 2.1 A and AA rules) on it. The pages
// allow no script, so the page's CSP is bypassed for axe's own script only.
//
// Usage: node axe_pages.mjs < JOB.json
//   JOB: {"chromium": "/usr/bin/chromium", "pages": [{"name", "url", "width", "height",
//          "submit": {"credential": "..."}?, "click": "<selector of a submit button>"?}]}
// Prints [{"name", "lang", "verdict", "violations": [{"id", "impact", "nodes"}], "open": bool}].
import puppeteer from 'puppeteer-core';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const job = JSON.parse(readFileSync(0, 'utf8'));

const browser = await puppeteer.launch({
  executablePath: job.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const results = [];
try {
  for(const spec of job.pages) {
    const page = await browser.newPage();
    await page.setBypassCSP(true);
    await page.setViewport({width: spec.width, height: spec.height});
    if(spec.submit) {
      await page.goto(spec.url, {waitUntil: 'load'});
      await page.$eval('textarea[name="credential"]', (el, value) => {
        el.value = value;
      }, spec.submit.credential);
      await Promise.all([
        page.waitForNavigation({waitUntil: 'load'}),
        page.$eval('form[action^="/verify"] button[type="submit"], form[action^="/verify"] input[type="submit"]',
          el => el.click()),
      ]);
    } else {
      await page.goto(spec.url, {waitUntil: 'load'});
    }
    if(spec.click) {
      await Promise.all([
        page.waitForNavigation({waitUntil: 'load'}),
        page.$eval(spec.click, el => el.click()),
      ]);
    }
    for(const open of [false, true]) {
      await page.evaluate(o => {
        document.querySelectorAll('details').forEach(d => {
          d.open = o;
        });
      }, open);
      await page.evaluate(axeSource);
      const outcome = await page.evaluate(async () => {
        const run = await window.axe.run(document, {
          runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
        });
        const verdict = document.querySelector('[data-verdict]');
        return {
          lang: document.documentElement.lang,
          verdict: verdict ? verdict.getAttribute('data-verdict') : null,
          violations: run.violations.map(v => ({
            id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
          })),
        };
      });
      results.push({name: spec.name, open, ...outcome});
    }
    await page.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results) + '\n');
