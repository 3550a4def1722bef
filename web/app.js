// 学籍学历政策问答: the page served by `policy serve`.
// Plain JavaScript, no framework, no build step. It talks only to its own server (/v1/...), keeps
// what the person types in memory only (no localStorage, no cookies) and never shows an ID number
// whole outside the person's own input.
'use strict';

(function () {
  // ---- Small helpers ------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  /** Makes an element: el('p', {class: 'x', text: '...'}, child, ...). */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function show(node, visible) { node.hidden = !visible; }

  const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

  /** 110101199003078515 -> 110***********8515: an ID number is never shown whole. */
  function maskId(text) {
    const s = String(text);
    if (s.length <= 7) return '*'.repeat(s.length);
    return s.slice(0, 3) + '*'.repeat(s.length - 7) + s.slice(-4);
  }

  function isIdFact(meta) {
    return meta && (meta.type === 'resident_id' || /身份证|证件号|身份号码/.test(meta.label || ''));
  }

  /** How a given fact is shown back: enum labels, 是/否, masked ID numbers, the rest as typed. */
  function factText(meta, value) {
    if (value === true) return '是';
    if (value === false) return '否';
    if (value === null || value === undefined) return '不清楚';
    if (meta && Array.isArray(meta.values)) {
      const v = meta.values.find((x) => x.name === value);
      if (v) return v.label;
    }
    if (isIdFact(meta)) return maskId(value);
    return String(value);
  }

  /** The file name of a Content-Disposition header (filename*=UTF-8'' first), or ''. */
  function dispositionName(header) {
    if (!header) return '';
    let m = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
    if (m) { try { return decodeURIComponent(m[1].trim()); } catch (e) { /* fall through */ } }
    m = /filename\s*=\s*"([^"]*)"/i.exec(header) || /filename\s*=\s*([^;]+)/i.exec(header);
    return m ? m[1].trim() : '';
  }

  /** Offers a Blob for download under a name (object URL + <a download>). */
  function saveBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name, class: 'offscreen' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  // ---- Talking to the server ------------------------------------------------------------------

  /** An error answer of the server: {status, code, field, message} with the Chinese message. */
  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message_zh || e.message || `服务器返回错误（HTTP ${status}）`);
      this.status = status;
      this.code = e.code || '';
      this.field = e.field || '';
      this.all = (body && Array.isArray(body.errors)) ? body.errors : (body && body.error ? [body.error] : []);
    }
    /** The Chinese message for one field (facts.<name>), or ''. */
    messageFor(field) {
      const hit = this.all.find((e) => e.field === field);
      if (hit) return hit.message_zh || hit.message || '';
      return this.field === field ? this.message : '';
    }
  }

  /** The API's bearer token, when the server asks for one (policy serve --token-file): asked once,
   *  kept in memory only. */
  let token = '';

  async function request(path, init) {
    let r;
    const options = Object.assign({ cache: 'no-store', credentials: 'same-origin' }, init);
    if (token) options.headers = Object.assign({}, init.headers || {}, { Authorization: `Bearer ${token}` });
    try {
      r = await fetch(path, options);
    } catch (e) {
      throw new ApiError(0, { error: { message_zh: '无法连接服务器，请检查网络后重试。' } });
    }
    if (r.status === 401) {
      const given = window.prompt('此服务需要访问令牌（由学校信息中心提供），请输入：');
      if (given && given.trim()) {
        token = given.trim();
        return request(path, init);
      }
    }
    if (!r.ok) {
      let body = null;
      try { body = await r.json(); } catch (e) { /* not JSON */ }
      throw new ApiError(r.status, body);
    }
    return r;
  }

  async function getJSON(path) {
    return (await request(path, { method: 'GET' })).json();
  }

  function postJSON(path, body) {
    return request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  // ---- State: in memory only -----------------------------------------------------------------

  const params = new URLSearchParams(location.search);
  const state = {
    asOf: ISO_DATE.test(params.get('as_of') || '') ? params.get('as_of') : '',
    questions: [],
    hasOfficeContact: false,
    question: null,
    facts: {},     // name -> value sent to the server
    meta: {},      // name -> the "ask" entry it was asked with (label, type, values)
    order: [],     // names in the order they were answered
    typed: {},     // name -> what was last typed, to fill the input again on going back
    editing: null, // name of a fact being changed, or null
    last: null,    // the last /v1/eval response
    steps: null,   // the last explain response's steps, or null
  };

  function outputsOf(q) {
    const outs = q.outputs.slice();
    if (state.hasOfficeContact && !outs.includes('office_contact')) outs.push('office_contact');
    return outs;
  }

  function evalRequest(extra) {
    // "question": the server adds the facts the question decides itself (问题8: the 学历) and asks
    // the question's own facts first.
    // "lang": the page's own words are Chinese, so its answers are too, whatever the server's
    // default (policy serve --lang en): one language on one screen.
    const body = { question: state.question.id, facts: Object.assign({}, state.facts), outputs: outputsOf(state.question), lang: 'zh' };
    if (state.asOf) body.as_of = state.asOf;
    return Object.assign(body, extra || {});
  }

  // ---- Status line and errors ---------------------------------------------------------------

  let busyTimer = 0;
  function busy(on) {
    clearTimeout(busyTimer);
    document.body.classList.toggle('busy', on);
    if (on) busyTimer = setTimeout(() => { $('status').textContent = '正在计算…'; }, 300);
    else $('status').textContent = '';
  }

  function alertText(text) {
    const a = $('alert');
    a.textContent = text || '';
    show(a, Boolean(text));
  }

  // ---- Views --------------------------------------------------------------------------------

  const VIEWS = ['view-questions', 'view-ask', 'view-answer', 'view-roster'];
  function showView(id) {
    for (const v of VIEWS) show($(v), v === id);
    const roster = id === 'view-roster';
    show($('as-of-bar'), !roster); // the roster has its own 评估日期
    $('nav-roster').removeAttribute('aria-current');
    $('nav-ask').removeAttribute('aria-current');
    $(roster ? 'nav-roster' : 'nav-ask').setAttribute('aria-current', 'page');
  }

  function focusOn(node) {
    if (!node) return;
    node.focus({ preventScroll: true });
    // The whole view from its top (the question it belongs to), not only the heading.
    (node.closest('section') || node).scrollIntoView({ block: 'start', behavior: 'auto' });
  }

  // ---- 1. The questions ---------------------------------------------------------------------

  async function loadQuestions() {
    const list = $('question-list');
    try {
      const [qs, outs] = await Promise.all([
        getJSON('/v1/questions'),
        getJSON('/v1/outputs').catch(() => ({ outputs: [] })),
      ]);
      state.questions = qs.questions || [];
      state.hasOfficeContact = (outs.outputs || []).some((o) => o.name === 'office_contact');
    } catch (e) {
      alertText(`问题列表载入失败：${e.message}`);
      return;
    }
    if (state.questions.length === 0) {
      alertText('这个服务没有提供可选的问题，请联系学校学籍学历管理部门。');
      return;
    }
    list.replaceChildren(...state.questions.map((q) => el('li', {},
      el('button', { type: 'button', class: 'question', 'data-question': q.id, onclick: () => pick(q) },
        el('span', { class: 'question-label', text: q.label }),
        q.source ? el('span', { class: 'question-source', text: `一本通${q.source}` }) : null))));
  }

  async function pick(q) {
    state.question = q;
    state.facts = {}; state.meta = {}; state.order = []; state.typed = {};
    state.editing = null; state.last = null; state.steps = null;
    alertText('');
    $('ask-question').textContent = q.label;
    $('answer-question').textContent = q.label;
    if (await evaluate()) pushStep();
  }

  // ---- The phone's back button ---------------------------------------------------------------
  // Each step forward (a question picked, a fact answered) is a history entry holding how many
  // steps in it is (0: the list of questions), so that the browser's back button, a phone's above
  // all, goes back one answer at a time and then to the list, not off the page.

  function stepDepth() { return state.question ? 1 + state.order.length : 0; }
  function pushStep() { history.pushState({ depth: stepDepth() }, '', location.href); }
  /** Whether the current history entry is the step on screen (then going back is history.back()). */
  function inStep() { return !!history.state && history.state.depth === stepDepth() && stepDepth() > 0; }

  async function onPopState(ev) {
    if (location.hash === '#roster') return; // the roster page: route() shows it
    const want = ev.state && typeof ev.state.depth === 'number' ? ev.state.depth : 0;
    alertText('');
    state.editing = null;
    if (want === 0 || !state.question) { showQuestions(); return; }
    let dropped = false;
    while (1 + state.order.length > want && state.order.length) {
      delete state.facts[state.order.pop()];
      dropped = true;
    }
    if (dropped) await evaluate(); else if (state.last) render();
  }

  function showQuestions() {
    state.question = null;
    state.last = null;
    alertText('');
    showView('view-questions');
    focusOn($('questions-title'));
  }

  /** 其他问题: back to the list, through the history when the steps are in it. */
  function toQuestions() {
    if (inStep()) { history.go(-stepDepth()); return; }
    showQuestions();
  }

  /** POSTs the facts so far and shows what comes next. Returns false on an error. */
  async function evaluate() {
    busy(true);
    try {
      const r = await postJSON('/v1/eval', evalRequest());
      state.last = await r.json();
      state.steps = null;
      render();
      return true;
    } catch (e) {
      alertText(e.message);
      return false;
    } finally {
      busy(false);
    }
  }

  /**
   * The fact to ask next: first the question's own facts (its "ask": what the answers are about,
   * such as what changed, without which they do not apply), then, while an answer is unknown, the
   * first of the response's "ask" not answered yet ("不清楚" counts as answered).
   */
  function nextAsk(res) {
    const given = (name) => Object.prototype.hasOwnProperty.call(state.facts, name);
    const asks = (res.ask || []).filter((a) => !given(a.fact));
    for (const name of state.question.ask || []) {
      const a = asks.find((x) => x.fact === name);
      if (a) return a;
    }
    const outs = state.question.outputs;
    if (!res.answers.some((a) => outs.includes(a.output) && a.state === 'unknown')) return null;
    return asks[0] || null;
  }

  function render() {
    const res = state.last;
    const ask = state.editing ? null : nextAsk(res);
    if (state.editing) renderAsk(state.meta[state.editing]);
    else if (ask) renderAsk(ask);
    else renderAnswer(res);
  }

  // ---- 2. One question at a time ------------------------------------------------------------

  function renderAsk(ask) {
    showView('view-ask');
    const form = $('ask-form');
    const name = ask.fact;
    const prior = Object.prototype.hasOwnProperty.call(state.facts, name) ? state.facts[name]
      : state.typed[name];
    const described = ['ask-help', 'ask-expected', 'ask-error'].join(' ');
    const title = el('h2', { id: 'ask-title', tabindex: '-1' });
    const parts = [title];
    if (ask.help) parts.push(el('p', { id: 'ask-help', class: 'help', text: ask.help }));
    const choice = ask.type === 'bool' || (ask.type === 'enum' && Array.isArray(ask.values));
    // What to type: for a typed answer only (the buttons say it for a choice).
    if (ask.expected && !choice) parts.push(el('p', { id: 'ask-expected', class: 'expected', text: `填写：${ask.expected}` }));

    const submitText = (value) => answer(ask, value);
    let input = null;

    if (ask.type === 'bool') {
      title.textContent = ask.label;
      parts.push(el('div', { class: 'choices two', role: 'group', 'aria-labelledby': 'ask-title', 'aria-describedby': described },
        [[true, '是'], [false, '否']].map(([v, text]) => el('button', {
          type: 'button', class: 'choice', 'data-value': String(v), 'aria-pressed': String(prior === v),
          onclick: () => submitText(v), text,
        }))));
    } else if (ask.type === 'enum' && Array.isArray(ask.values)) {
      title.textContent = ask.label;
      parts.push(el('div', { class: 'choices', role: 'group', 'aria-labelledby': 'ask-title', 'aria-describedby': described },
        ask.values.map((v) => el('button', {
          type: 'button', class: 'choice', 'data-value': v.name, 'aria-pressed': String(prior === v.name),
          onclick: () => submitText(v.name), text: v.label,
        }))));
    } else {
      title.append(el('label', { for: 'ask-input', text: ask.label }));
      input = el('input', {
        id: 'ask-input', name: name, type: 'text', autocomplete: 'off', spellcheck: 'false',
        'aria-describedby': described, 'data-fact': name,
        inputmode: ask.type === 'integer' ? 'numeric' : null,
        placeholder: ask.type === 'date' ? '如 2025年6月30日' : null,
      });
      if (typeof prior === 'string') input.value = prior;
      parts.push(input);
      if (ask.type === 'date') {
        // Typed text is sent as typed (the server reads every spelling a roster cell may hold);
        // the native picker only fills the text in.
        const picker = el('input', { type: 'date', id: 'ask-picker', class: 'picker', 'aria-label': `从日历选择${ask.label}` });
        if (typeof prior === 'string' && ISO_DATE.test(prior)) picker.value = prior;
        picker.addEventListener('change', () => { if (picker.value) input.value = picker.value; });
        parts.push(el('div', { class: 'picker-row' }, el('label', { for: 'ask-picker', text: '或从日历选择：' }), picker));
      }
    }
    parts.push(el('p', { id: 'ask-error', class: 'field-error', hidden: true }));

    const actions = el('div', { class: 'actions' });
    if (input) actions.append(el('button', { type: 'submit', class: 'primary', text: state.editing ? '确定' : '下一步' }));
    // Not known: recorded as unknown (null), so the next fact is asked; the answer says what stays open.
    actions.append(el('button', { type: 'button', class: 'secondary', id: 'ask-skip', text: '不清楚，跳过', onclick: () => submitText(null) }));
    actions.append(el('button', {
      type: 'button', class: 'secondary', text: state.editing ? '取消修改' : '上一步', onclick: back,
    }));
    parts.push(actions);

    form.replaceChildren(...parts);
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) { fieldError('请填写这一项。'); input.focus(); return; }
      submitText(text);
    };
    renderGiven($('ask-given-list'), $('ask-given'));
    focusOn(title);
  }

  function fieldError(text) {
    const p = $('ask-error');
    if (!p) return;
    p.textContent = text || '';
    show(p, Boolean(text));
    const input = $('ask-input');
    if (input) input.setAttribute('aria-invalid', text ? 'true' : 'false');
  }

  /** Records one answer, re-evaluates; a 400 naming this fact is shown beside its input. */
  async function answer(ask, value) {
    if (document.body.classList.contains('busy')) return; // one answer at a time
    const name = ask.fact;
    const had = Object.prototype.hasOwnProperty.call(state.facts, name);
    const before = state.facts[name];
    state.facts[name] = value;
    state.typed[name] = value;
    fieldError('');
    alertText('');
    busy(true);
    try {
      const r = await postJSON('/v1/eval', evalRequest());
      const res = await r.json();
      state.meta[name] = ask;
      const added = !state.order.includes(name);
      if (added) state.order.push(name);
      state.editing = null;
      state.last = res;
      state.steps = null;
      if (added) pushStep(); // a change to an earlier answer is no step forward
      render();
    } catch (e) {
      if (had) state.facts[name] = before; else delete state.facts[name];
      const own = e instanceof ApiError ? e.messageFor(`facts.${name}`) : '';
      if (own) {
        fieldError(own);
        const input = $('ask-input');
        if (input) input.focus();
      } else {
        alertText(e.message);
      }
    } finally {
      busy(false);
    }
  }

  /** 上一步: drops the last answer (or leaves the change being made); before the first, the list. */
  async function back() {
    alertText('');
    if (state.editing) {
      state.editing = null;
      render();
      return;
    }
    if (inStep()) { history.back(); return; } // onPopState drops the last answer
    const last = state.order.pop();
    if (last === undefined) { toQuestions(); return; }
    delete state.facts[last];
    await evaluate();
  }

  function change(name) {
    state.editing = name;
    alertText('');
    render();
  }

  /** The answers given so far, each with a 修改 button. */
  function renderGiven(list, box) {
    list.replaceChildren(...state.order.map((name) => {
      const meta = state.meta[name];
      return el('li', {},
        el('span', { class: 'given-label', text: `${meta.label}：` }),
        el('span', { class: 'given-value', text: factText(meta, state.facts[name]) }),
        el('button', { type: 'button', class: 'link', 'aria-label': `修改${meta.label}`, text: '修改', onclick: () => change(name) }));
    }));
    show(box, state.order.length > 0);
  }

  // ---- 3. The answer ------------------------------------------------------------------------

  function daysText(n) {
    if (n > 0) return `还剩 ${n} 天`;
    if (n < 0) return `已过 ${-n} 天`;
    return '今天截止';
  }

  /** An unknown answer: the facts it still waits for, by their labels. */
  function missingText(res, a) {
    const names = (res.unknown && res.unknown[a.output]) || [];
    const labels = names.map((n) => ((res.ask || []).find((x) => x.fact === n) || state.meta[n] || { label: n }).label);
    return labels.length ? `信息不足，还需要：${labels.join('、')}` : '信息不足，暂时无法确定。';
  }

  /** The office and phone: shown once, as its own line, not among the answers. */
  function isOffice(a) { return a.output === 'office_contact'; }

  /**
   * What the answer shows: the answers (not those that do not apply), the office line, and only the
   * citations those cite, numbered 1.. in first-appearance order ("citations" also holds those of
   * answers that do not apply).
   */
  function answerView(res) {
    const answers = res.answers.filter((a) => a.state !== 'not_applicable' && !isOffice(a));
    const office = res.answers.find((a) => isOffice(a) && a.state === 'decided') || null;
    const number = new Map();
    const citations = [];
    for (const a of answers.concat(office ? [office] : [])) {
      if (a.state === 'unknown' || !Array.isArray(a.citations)) continue;
      for (const i of a.citations) {
        if (!number.has(i) && res.citations && res.citations[i]) {
          citations.push(res.citations[i]);
          number.set(i, citations.length);
        }
      }
    }
    const refs = (a) => (a.state === 'unknown' || !Array.isArray(a.citations) ? []
      : a.citations.filter((i) => number.has(i)).map((i) => `[${number.get(i)}]`));
    return { answers, office, citations, refs };
  }

  function citationRefs(view, a) {
    const refs = view.refs(a);
    if (refs.length === 0) return null;
    return el('span', { class: 'refs' }, '依据 ', refs.map((r) => el('span', { class: 'ref', text: r })));
  }

  /** The citations as list items: document, article, the note when unverified; the summary on screen. */
  function citationItems(view, withSummary) {
    return view.citations.map((c, i) => el('li', { value: String(i + 1) },
      el('span', { class: 'cite-doc', text: c.document }),
      c.article ? el('span', { class: 'cite-article', text: ` ${c.article}` }) : null,
      withSummary && c.summary ? el('span', { class: 'cite-summary', text: `：${c.summary}` }) : null,
      c.unverified ? el('span', { class: 'cite-note', text: `（${c.note || '出处尚待核实'}）` }) : null));
  }

  function renderAnswer(res) {
    showView('view-answer');
    const body = $('answer-body');
    const view = answerView(res);
    const items = view.answers.map((a) => {
      const li = el('li', { class: `answer ${a.state}`, 'data-output': a.output });
      li.append(el('h3', { class: 'answer-label', text: a.label }));
      if (a.state === 'decided') {
        li.append(el('p', { class: a.type === 'text' ? 'answer-text' : 'answer-value', text: a.text }));
      } else if (a.state === 'error') {
        li.append(el('p', { class: 'answer-error', text: a.text || a.message_zh || a.message || (res.errors && res.errors[a.output]) || '计算出错' }));
      } else {
        li.append(el('p', { class: 'answer-unknown', text: missingText(res, a) }));
      }
      // One line under the value: days left, the citations, 加入日历.
      const foot = el('div', { class: 'answer-foot' });
      if (a.state === 'decided' && typeof a.days_left === 'number') {
        foot.append(el('span', { class: `days ${a.days_left < 0 ? 'past' : a.days_left === 0 ? 'today' : ''}`, text: daysText(a.days_left) }));
      }
      const refs = citationRefs(view, a);
      if (refs) foot.append(refs);
      const msg = el('p', { class: 'field-error', hidden: true });
      // A day already past has nothing to remind of.
      const calendar = a.calendar && !(typeof a.days_left === 'number' && a.days_left < 0);
      if (calendar) {
        foot.append(el('button', { type: 'button', class: 'secondary calendar', 'data-output': a.output,
          onclick: (ev) => addToCalendar(a.output, ev.currentTarget, msg), text: '加入日历' }));
      }
      if (foot.childNodes.length) li.append(foot);
      if (calendar) li.append(msg);
      return li;
    });
    const parts = [el('p', { class: 'as-of', text: `评估日期：${res.as_of_text || res.as_of}` })];
    if (items.length) parts.push(el('ul', { class: 'answers' }, items));
    else parts.push(el('p', { text: '按你填写的情况，这个问题没有适用的答复，请联系学校学籍学历管理部门。' }));
    if (view.office) {
      parts.push(el('div', { class: 'office', 'data-output': 'office_contact' },
        el('p', {}, el('strong', { text: `${view.office.label}：` }), view.office.text), citationRefs(view, view.office)));
    }
    if (view.citations.length) {
      parts.push(el('section', { class: 'citations', 'aria-labelledby': 'cite-title' },
        el('h3', { id: 'cite-title', text: '依据' }), el('ol', {}, citationItems(view, true))));
    }
    body.replaceChildren(...parts);
    renderSteps();
    renderGiven($('answer-given-list'), $('answer-given'));
    buildNotice(res, view);
    focusOn($('answer-title'));
  }

  async function addToCalendar(output, button, msg) {
    show(msg, false);
    button.disabled = true;
    try {
      const r = await postJSON('/v1/ics', evalRequest({ output }));
      const blob = await r.blob();
      const name = dispositionName(r.headers.get('Content-Disposition')) || `${output}.ics`;
      saveBlob(new Blob([blob], { type: 'text/calendar' }), name);
      $('status').textContent = `已生成日历文件 ${name}，请用手机或电脑的日历打开。`;
    } catch (e) {
      msg.textContent = e.message;
      show(msg, true);
    } finally {
      button.disabled = false;
    }
  }

  // 显示计算过程: asks the same again with "explain": true.
  async function toggleSteps() {
    const button = $('explain-button');
    if (state.steps) {
      state.steps = null;
      renderSteps();
      return;
    }
    button.disabled = true;
    busy(true);
    try {
      const r = await postJSON('/v1/eval', evalRequest({ explain: true }));
      const res = await r.json();
      state.steps = res.steps || [];
      renderSteps();
      focusOn($('steps-title'));
    } catch (e) {
      alertText(e.message);
    } finally {
      button.disabled = false;
      busy(false);
    }
  }

  function renderSteps() {
    const box = $('steps');
    const button = $('explain-button');
    const open = Array.isArray(state.steps);
    button.textContent = open ? '隐藏计算过程' : '显示计算过程';
    button.setAttribute('aria-expanded', String(open));
    if (!open) { box.replaceChildren(); show(box, false); return; }
    box.replaceChildren(el('h3', { id: 'steps-title', tabindex: '-1', text: '计算过程' }),
      ...(state.steps.length ? state.steps.map((s) => el('div', { class: 'step' },
        el('h4', { text: s.title || s.rule }),
        el('ol', {}, (s.lines || []).map((line) => el('li', { text: line })))))
        : [el('p', { text: '没有可显示的计算步骤。' })]));
    show(box, true);
  }

  // ---- 告知单 (print) -------------------------------------------------------------------------

  function buildNotice(res, view) {
    const q = state.question;
    const rows = state.order.map((name) => el('tr', {},
      el('th', { scope: 'row', text: state.meta[name].label }),
      el('td', { text: factText(state.meta[name], state.facts[name]) })));
    const answers = view.answers.map((a) => el('tr', {},
      el('th', { scope: 'row', text: a.label }),
      el('td', {},
        a.state === 'decided' ? a.text : a.state === 'error' ? (a.text || '计算出错') : missingText(res, a),
        typeof a.days_left === 'number' && a.state === 'decided' ? `（${daysText(a.days_left)}）` : '',
        view.refs(a).length ? ` 依据${view.refs(a).join('')}` : '')));
    const office = view.office;
    $('notice').replaceChildren(
      el('h1', { text: '学籍学历事项告知单' }),
      el('p', { class: 'notice-q' }, el('strong', { text: '问题：' }), q.label),
      el('h2', { text: '已提供的情况' }),
      rows.length ? el('table', {}, el('tbody', {}, rows)) : el('p', { text: '（无）' }),
      el('h2', { text: '答复' }),
      el('table', {}, el('tbody', {}, answers)),
      view.citations.length ? el('h2', { text: '依据' }) : null,
      view.citations.length ? el('ol', {}, citationItems(view, false)) : null,
      office ? el('p', { class: 'notice-office' }, el('strong', { text: `${office.label}：` }), office.text) : null,
      el('p', { class: 'notice-meta' },
        `评估日期：${res.as_of_text || res.as_of}`,
        res.decision_id ? `　编号：${res.decision_id}` : '',
        res.policy ? `　政策包：${res.policy.id} ${res.policy.version}` : ''),
      el('p', { class: 'notice-foot', text: '本告知单依据国家规定和学校的学籍学历管理规定自动生成，仅供参考，以学校学籍学历管理部门的答复为准。' }));
  }

  // ---- 4. Roster ----------------------------------------------------------------------------

  const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  let rosterUrl = '';
  async function submitRoster(ev) {
    ev.preventDefault();
    const file = $('roster-file').files[0];
    const err = $('roster-error');
    const out = $('roster-result');
    show(err, false);
    if (!file) {
      err.textContent = '请先选择名单文件（.xlsx 或 CSV）。';
      show(err, true);
      $('roster-file').focus();
      return;
    }
    const q = new URLSearchParams();
    const asOf = $('roster-as-of').value || state.asOf;
    if (asOf) q.set('as_of', asOf);
    q.set('lang', 'zh');
    q.set('format', $('roster-format').value === 'csv' ? 'csv' : 'xlsx');
    const workbook = /\.xlsx$/i.test(file.name);
    const sheet = $('roster-sheet').value.trim();
    if (sheet && workbook) q.set('sheet', sheet);
    const button = $('roster-submit');
    button.disabled = true;
    out.replaceChildren(el('p', { text: `正在核对 ${file.name} …` }));
    try {
      // JSON: the result file and the summary's lines in one answer (the lines would outgrow a
      // proxy's header buffer).
      const r = await request(`/v1/batch${q.toString() ? `?${q}` : ''}`, {
        method: 'POST',
        headers: { 'Content-Type': workbook ? XLSX_TYPE : 'text/csv', Accept: 'application/json' },
        body: file,
      });
      const answer = await r.json();
      // A workbook comes in base64 (a binary file inside JSON).
      const content = answer.file.encoding === 'base64'
        ? Uint8Array.from(atob(answer.file.content), (c) => c.charCodeAt(0))
        : answer.file.content;
      const blob = new Blob([content], { type: answer.file.content_type });
      const name = answer.file.name || 'result.csv';
      const summary = answer.summary || null;
      if (rosterUrl) URL.revokeObjectURL(rosterUrl);
      rosterUrl = URL.createObjectURL(blob);
      const parts = [el('h3', { text: '核对完成' })];
      if (summary) {
        parts.push(el('p', { class: 'summary', text:
          `共 ${summary.rows} 行：正常 ${summary.ok} 行，待补充 ${summary.unknown} 行，错误 ${summary.error} 行。` }));
        // The first line is the counts, said above; the rest: columns read, notes, first errors.
        const lines = Array.isArray(summary.lines) ? summary.lines.slice(1) : [];
        if (lines.length) {
          parts.push(el('ul', { class: 'notes' }, lines.map((n) => el('li', { text: n.trim() }))));
        }
      }
      parts.push(el('a', { class: 'button primary', id: 'roster-download', href: rosterUrl, download: name, text: `下载结果文件（${name}）` }));
      parts.push(el('p', { class: 'note', text: answer.file.encoding === 'base64'
        ? '结果工作簿可直接用 Excel 或 WPS 打开，先看“需处理”表。服务器没有保存名单或结果。'
        : '结果文件可直接用 Excel 打开。服务器没有保存名单或结果。' }));
      out.replaceChildren(...parts);
    } catch (e) {
      out.replaceChildren();
      err.textContent = e.message;
      show(err, true);
    } finally {
      button.disabled = false;
    }
  }

  // ---- Evaluation date, routing, start -------------------------------------------------------

  function setAsOf(value) {
    state.asOf = ISO_DATE.test(value) ? value : '';
    const u = new URL(location.href);
    if (state.asOf) u.searchParams.set('as_of', state.asOf); else u.searchParams.delete('as_of');
    history.replaceState(history.state, '', u); // the step it is stays
    if (state.question && state.last && location.hash !== '#roster') evaluate();
  }

  function route() {
    alertText('');
    if (location.hash === '#roster') {
      if (!$('roster-as-of').value && state.asOf) $('roster-as-of').value = state.asOf;
      showView('view-roster');
      focusOn($('roster-title'));
    } else if (state.question && state.last) {
      render();
    } else {
      showView('view-questions');
    }
  }

  function start() {
    $('as-of').value = state.asOf;
    $('as-of').addEventListener('change', (ev) => setAsOf(ev.target.value));
    $('print-button').addEventListener('click', () => window.print());
    $('explain-button').addEventListener('click', toggleSteps);
    $('change-button').addEventListener('click', () => {
      if (state.order.length) change(state.order[state.order.length - 1]); else toQuestions();
    });
    $('other-button').addEventListener('click', toQuestions);
    $('nav-ask').addEventListener('click', (ev) => {
      if (location.hash !== '#roster' && location.hash !== '') return;
      if (location.hash === '') { ev.preventDefault(); toQuestions(); }
    });
    $('roster-form').addEventListener('submit', submitRoster);
    window.addEventListener('hashchange', route);
    window.addEventListener('popstate', onPopState);
    route();
    loadQuestions();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
