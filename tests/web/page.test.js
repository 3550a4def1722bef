// The page of `policy serve` in a real browser (Debian's headless Chromium), as a student and a
// registrar use it on a phone: node page.test.js BASE_URL SCREENSHOT.png
// Started by run.sh, which starts the server and stops it afterwards.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const { chromium } = require('playwright-core');

const base = process.argv[2];
const screenshot = process.argv[3];
const AS_OF = '2026-12-07';
const PHONE = { width: 390, height: 844 };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PYTHON = process.env.POLICY_TEST_PYTHON || '/usr/bin/python3';

let step = '';
const started = Date.now();
function log(text) {
  step = text;
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
}

/** The server's questions: the veteran's re-enrolment one and the 学历 one, by their outputs. */
async function findQuestions() {
  const r = await fetch(`${base}/v1/questions`);
  assert.equal(r.status, 200, 'GET /v1/questions');
  const { questions } = await r.json();
  const by = (output, label) => questions.find((q) => q.outputs.includes(output))
    || questions.find((q) => label.test(q.label));
  const veteran = by('reenroll_deadline', /退役/);
  const degree = by('degree_visible_from', /学历.*查/);
  const change = questions.find((q) => (q.ask || []).includes('identity_change_kind'));
  assert.ok(veteran, `a question about re-enrolment after discharge among ${questions.map((q) => q.label)}`);
  assert.ok(degree, `a question about the 学历 on 学信网 among ${questions.map((q) => q.label)}`);
  assert.ok(change, 'a question that asks what changed first (identity_change_kind)');
  return { veteran, degree, change };
}

/** Parses an .ics text with python3-icalendar; returns its events' DTSTART and SUMMARY. */
function parseIcs(text) {
  const script = [
    'import json, sys, icalendar',
    'cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())',
    'print(json.dumps([{"dtstart": ev.get("DTSTART").dt.isoformat(), "summary": str(ev.get("SUMMARY"))}',
    '                  for ev in cal.walk("VEVENT")], ensure_ascii=False))',
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: text }).toString());
}

async function answerText(page, output) {
  return page.locator(`#answer-body li[data-output="${output}"]`).innerText();
}

/** Answers the asked fact on screen: typed text into the input, or a click on a choice. */
async function answer(page, label, value) {
  await page.locator('#ask-title', { hasText: label }).waitFor();
  if (await page.locator('#ask-input').count()) {
    await page.fill('#ask-input', value);
    await page.click('#ask-form button[type="submit"]');
  } else {
    await page.click(`#ask-form button.choice >> text="${value}"`);
  }
}

async function main() {
  const problems = []; // console errors (CSP violations among them), page errors, foreign requests
  const failures = []; // responses with an error status: only the wrong date's 400 is expected
  const { veteran, degree, change } = await findQuestions();

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root needs --no-sandbox; the rest keeps Chromium off a network this machine does not have.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 120000,
  });
  try {
    const context = await browser.newContext({
      viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(60000);
    // A failed load is reported below by its URL; every other console error is a problem.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) failures.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith('blob:') && !u.startsWith('data:')) problems.push(`request elsewhere: ${u}`);
    });

    // ---- A returning veteran, on a phone ----
    log('open the page with ?as_of (the evaluation date staff can set)');
    await page.goto(`${base}/?as_of=${AS_OF}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.equal(await page.inputValue('#as-of'), AS_OF, 'the page shows the as_of it was given');
    await page.click(`button[data-question="${veteran.id}"]`);

    log('answer 退役日期 as typed text, then 入伍时身份');
    await answer(page, '退役日期', '2026年6月15日');
    await page.locator('#ask-title', { hasText: '入伍时身份' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'ask-title',
      'focus moves to the new question');
    await answer(page, '入伍时身份', '在校生');

    log('the answer: the school\'s last day, days left, citation 问题5');
    await page.locator('#view-answer').waitFor();
    const deadline = await answerText(page, 'reenroll_deadline');
    assert.match(deadline, /学校规定的最后办理日/);
    assert.match(deadline, /2027年9月30日 24:00（北京时间）/);
    assert.match(deadline, /还剩 297 天/);
    const citations = await page.locator('#answer-body .citations').innerText();
    assert.match(citations, /问题5/);
    assert.match(await page.innerText('#answer-body'), /评估日期：2026年12月7日/);
    assert.equal(await page.getAttribute('#answer-body', 'aria-live'), 'polite');
    const given = await page.innerText('#answer-given-list');
    assert.match(given, /退役日期：\s*2026年6月15日/);
    assert.match(given, /入伍时身份：\s*在校生/);

    log('screenshot of the answer at 390x844, the deadline in the middle');
    await page.evaluate(() => document.querySelector('#answer-body li[data-output="reenroll_deadline"]')
      .scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: screenshot });

    log('加入日历: the .ics download parses with python3-icalendar');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#answer-body li[data-output="reenroll_deadline"] button.calendar'),
    ]);
    assert.match(download.suggestedFilename(), /\.ics$/);
    const ics = fs.readFileSync(await download.path());
    assert.match(ics.toString(), /^BEGIN:VCALENDAR\r\n/);
    const events = parseIcs(ics);
    assert.ok(events.length >= 1, 'the calendar has an event');
    assert.ok(events.some((e) => e.dtstart.startsWith('2027-09-30')),
      `an event starts on the last day 2027-09-30: ${JSON.stringify(events)}`);

    log('显示计算过程: the steps of the rules');
    await page.click('#explain-button');
    await page.locator('#steps .step').first().waitFor();
    assert.equal(await page.getAttribute('#explain-button', 'aria-expanded'), 'true');
    assert.ok((await page.locator('#steps .step li').count()) > 0, 'steps have lines');
    await page.click('#explain-button');
    assert.equal(await page.locator('#steps').isHidden(), true);

    log('打印告知单: one A4 page with the facts, answers, citations, office and date');
    await page.evaluate(() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; });
    await page.click('#print-button');
    assert.equal(await page.evaluate(() => window.__printed), 1, 'the button prints');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.page').isHidden(), true, 'only the notice is printed');
    const notice = await page.innerText('#notice');
    for (const want of ['告知单', '退役日期', '2026年6月15日', '在校生', '学校规定的最后办理日',
      '2027年9月30日 24:00（北京时间）', '问题5', '受理部门与联系方式', '评估日期：2026年12月7日']) {
      assert.ok(notice.includes(want), `the notice shows ${want}`);
    }
    const pdf = (await page.pdf({ format: 'A4', preferCSSPageSize: true })).toString('latin1');
    const pages = (pdf.match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.equal(pages, 1, 'the notice fits one page');
    await page.emulateMedia({ media: 'screen' });

    log('at 360px wide nothing scrolls sideways');
    await page.setViewportSize({ width: 360, height: 740 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll at 360px');
    await page.setViewportSize(PHONE);

    log('the phone\'s back button: one answer at a time, then the list, never off the page');
    await page.goBack();
    await page.locator('#ask-title', { hasText: '入伍时身份' }).waitFor();
    await page.goBack();
    await page.locator('#ask-title', { hasText: '退役日期' }).waitFor();
    assert.equal(await page.inputValue('#ask-input'), '2026年6月15日', 'going back keeps what was typed');
    await page.goBack();
    await page.locator('#view-questions').waitFor();
    assert.equal(await page.locator('#view-ask').isHidden(), true, 'the list, not the question');
    assert.ok(page.url().startsWith(base), `still on the page: ${page.url()}`);
    assert.match(page.url(), /as_of=2026-12-07/, 'the evaluation date stays in the address');
    log('forward again, then 上一步 and 其他问题 walk the same history');
    await page.click(`button[data-question="${veteran.id}"]`);
    await answer(page, '退役日期', '2026年6月15日');
    await page.locator('#ask-title', { hasText: '入伍时身份' }).waitFor();
    await page.click('#ask-form button:has-text("上一步")');
    await page.locator('#ask-title', { hasText: '退役日期' }).waitFor();
    await answer(page, '退役日期', '2026年6月15日');
    await answer(page, '入伍时身份', '在校生');
    await page.locator('#view-answer').waitFor();
    await page.click('#other-button');
    await page.locator('#view-questions').waitFor();
    // 其他问题 went back through the steps: the entry on screen is the first one again, so that
    // the next back leaves the page instead of reopening answers closed.
    await page.waitForFunction(() => history.state === null);
    assert.equal(await page.locator('#view-questions').isVisible(), true);

    // ---- A graduate: when is the 学历 queryable? ----
    log('the 学历 question: 发证日期 = 2025-06-30');
    await page.click(`button[data-question="${degree.id}"]`);
    await answer(page, '发证日期', '2025-06-30');
    await page.locator('#view-answer').waitFor();
    assert.match(await page.innerText('#answer-body'), /2025年6月30日/);

    log('a wrong date is told beside its input, in Chinese; going back keeps the answer');
    await page.click('#answer-given-list button:has-text("修改")');
    assert.equal(await page.inputValue('#ask-input'), '2025-06-30', 'the input holds the earlier answer');
    await page.fill('#ask-input', '2025年2月30日');
    await page.click('#ask-form button[type="submit"]');
    await page.locator('#ask-error').waitFor();
    assert.match(await page.innerText('#ask-error'), /[\u4e00-\u9fff]/, 'the message is Chinese');
    assert.equal(await page.getAttribute('#ask-input', 'aria-invalid'), 'true');
    await page.fill('#ask-input', '2025年6月30日');
    await page.click('#ask-form button[type="submit"]');
    await page.locator('#view-answer').waitFor();
    assert.match(await page.innerText('#answer-body'), /2025年6月30日/);

    // ---- A question whose answers apply only once its own fact is given; 不清楚 moves on ----
    log('问题4: what changed is asked first; 不清楚，跳过 leaves the rest open and says what is missing');
    await page.click('#other-button');
    await page.click(`button[data-question="${change.id}"]`);
    await answer(page, '变更的身份信息', '姓名');
    for (let i = 0; i < 6 && await page.locator('#view-answer').isHidden(); i++) {
      const title = await page.innerText('#ask-title');
      await page.click('#ask-skip');
      await page.waitForFunction((t) => !document.getElementById('view-answer').hidden
        || (document.getElementById('ask-title') || {}).textContent !== t, title);
    }
    await page.locator('#view-answer').waitFor();
    assert.match(await page.innerText('#answer-given-list'), /变更的身份信息：\s*姓名[\s\S]*不清楚/);
    assert.match(await page.innerText('#answer-body'), /信息不足，还需要：/);

    // ---- A registrar's roster ----
    log('名单批量核对: upload a roster, read the summary, download the result');
    await page.click('#nav-roster');
    await page.locator('#view-roster').waitFor();
    assert.match(await page.innerText('#view-roster'), /服务器不保存/);
    const roster = '\ufeff学号,姓名,退役日期,入伍时身份\r\n'
      + '2021001,王小明,2026年6月15日,在校生\r\n'
      + '2021002,李四,,在校生\r\n'
      + '2021003,张三,2023-02-29,在校生\r\n';
    await page.setInputFiles('#roster-file', { name: '名单.csv', mimeType: 'text/csv', buffer: Buffer.from(roster) });
    await page.fill('#roster-as-of', AS_OF);
    await page.selectOption('#roster-format', 'csv');
    await page.click('#roster-submit');
    await page.locator('#roster-download').waitFor();
    const summary = await page.innerText('#roster-result .summary');
    assert.match(summary, /共 3 行：正常 1 行，待补充 1 行，错误 1 行/);
    const [result] = await Promise.all([page.waitForEvent('download'), page.click('#roster-download')]);
    assert.match(result.suggestedFilename(), /\.csv$/);
    const csv = fs.readFileSync(await result.path()).toString('utf8').replace(/^\ufeff/, '');
    const lines = csv.split(/\r?\n/).filter((l) => l !== '');
    assert.equal(lines.length, 4, `a header and three rows:\n${csv}`);
    const header = lines[0].split(',');
    for (const col of ['学号', '姓名', '退役日期', '入伍时身份', '评估日期', '学校规定的最后办理日', '状态', '说明']) {
      assert.ok(header.includes(col), `the result has the column ${col}: ${lines[0]}`);
    }
    const row1 = lines[1].split(',');
    assert.equal(row1[header.indexOf('学校规定的最后办理日')], '2027-09-30');
    assert.equal(row1[header.indexOf('状态')], '正常');

    log('名单批量核对: the same roster, the result as a workbook (the default), read by openpyxl');
    await page.selectOption('#roster-format', 'xlsx');
    await page.click('#roster-submit');
    await page.locator('#roster-download:has-text(".xlsx")').waitFor();
    const [book] = await Promise.all([page.waitForEvent('download'), page.click('#roster-download')]);
    assert.match(book.suggestedFilename(), /\.xlsx$/);
    const sheets = JSON.parse(execFileSync(PYTHON, ['-c', `
import json, sys, openpyxl
wb = openpyxl.load_workbook(open(sys.argv[1], 'rb'))  # a download has no .xlsx name
ws = wb['结果']
rows = [[c.value if not hasattr(c.value, 'isoformat') else c.value.date().isoformat() for c in r] for r in ws.iter_rows()]
wl = [[c.value for c in r] for r in wb['需处理'].iter_rows()]
print(json.dumps({'names': wb.sheetnames, 'rows': rows, 'worklist': wl}, ensure_ascii=False, default=str))
`, await book.path()]).toString('utf8'));
    assert.deepEqual(sheets.names, ['结果', '需处理', '汇总', '依据']);
    const head = sheets.rows[0];
    assert.equal(sheets.rows[1][head.indexOf('学号')], '2021001', 'the student number stays text');
    assert.equal(sheets.rows[1][head.indexOf('学校规定的最后办理日')], '2027-09-30', 'a real date cell');
    assert.equal(sheets.rows[3][head.indexOf('状态')], '错误');
    // The worklist: the error row (张三); 王小明's deadline is 297 days away, beyond the 30.
    assert.equal(sheets.worklist.length, 2, JSON.stringify(sheets.worklist));
    assert.ok(sheets.worklist[1].includes('张三'), JSON.stringify(sheets.worklist));

    log('nothing stored in the browser');
    assert.deepEqual(await context.cookies(), []);
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
    assert.deepEqual(problems, [], 'no console errors, CSP violations or requests elsewhere');
    assert.deepEqual(failures, ['400 POST /v1/eval'], 'no failed request but the wrong date');
    await context.close();
  } finally {
    await browser.close();
  }
}

main().then(() => {
  console.log(`web page test: all steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, (e) => {
  console.error(`web page test FAILED at step: ${step}\n${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
