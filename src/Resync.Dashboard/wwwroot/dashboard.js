// Resync dashboard. Each page is an HTML shell whose <main data-page> this script fills from the REST API (/api/v1),
// with the session cookie (or, in the embedded view, its token): what a page shows is exactly what the API lets the
// caller see. Every value is put in the page as text (never as HTML), so nothing a tenant stored can run as script.
'use strict';
(() => {
  const main = document.getElementById('main');
  if (!main || !main.dataset.page) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
  const embedToken = main.dataset.embedToken;
  const d = main.dataset;

  // ---- formatting for people -------------------------------------------------------------------------------------
  const numbers = new Intl.NumberFormat();
  const num = n => numbers.format(n ?? 0);
  const count = (n, one, many) => `${num(n)} ${n === 1 ? one : (many ?? one + 's')}`;
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  const utc = iso => new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  function ago(iso) {
    const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
    const steps = [[60, 'second'], [60, 'minute'], [24, 'hour'], [30, 'day'], [12, 'month'], [Infinity, 'year']];
    let value = seconds;
    for (const [size, unit] of steps) {
      if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
      value /= size;
    }
    return relative.format(Math.round(value), 'year');
  }
  // A moment as "3 min ago" (or the viewer's local time), with UTC on hover.
  const when = (iso, absolute) => iso
    ? h('time', { datetime: iso, title: `${localTime.format(new Date(iso))} — ${utc(iso)}` }, absolute ? localTime.format(new Date(iso)) : ago(iso))
    : h('span', { class: 'muted' }, '—');
  function duration(from, to) {
    const ms = (to ? new Date(to) : new Date()) - new Date(from);
    if (ms < 1000) return `${num(ms)} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(1)} s`;
    const m = Math.floor(s / 60);
    return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
  }

  // A setting's duration in seconds, as people say it: 30 s, 2 min, 1 h.
  const seconds = s => s >= 3600 && s % 3600 === 0 ? `${num(s / 3600)} h` : s >= 60 && s % 60 === 0 ? `${num(s / 60)} min` : `${num(s)} s`;

  // ---- DOM --------------------------------------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child == null || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }
  const badge = status => h('span', { class: `badge ${status}` }, status);
  const link = (href, ...text) => h('a', { href: embedToken ? null : href }, ...text);
  const runLink = id => id == null ? h('span', { class: 'muted' }, '—') : link(`/runs/${id}`, `Run ${num(id)}`);
  function setContent(title, ...nodes) {
    document.title = `${title} · Resync`;
    main.replaceChildren(h('h1', null, title), ...nodes.flat().filter(n => n != null && n !== false));
  }
  function table(columns, rows, empty, className) {
    if (!rows.length) return h('p', { class: 'muted' }, empty);
    return h('div', { class: 'table-wrap' }, h('table', { class: `stack ${className ?? ''}` },
      h('thead', null, h('tr', null, columns.map(c => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
      h('tbody', null, rows.map(row => h('tr', null, columns.map(c => h('td', { 'data-label': c.label, class: c.num ? 'num' : null }, c.cell(row))))))));
  }
  function problem(error) {
    return h('p', { class: 'problem', role: 'alert' }, error.problem?.detail ?? error.message);
  }
  function pager(page, go) {
    const previous = Math.max(0, page.offset - page.limit);
    return h('nav', { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', disabled: page.offset === 0, onclick: () => go(previous) }, '← Previous'),
      h('span', null, page.items.length ? `${num(page.offset + 1)}–${num(page.offset + page.items.length)}` : 'none'),
      h('button', { type: 'button', disabled: page.nextOffset == null, onclick: () => go(page.nextOffset) }, 'Next →'));
  }
  const query = () => new URLSearchParams(location.search);
  function setQuery(values) {
    const q = query();
    for (const [k, v] of Object.entries(values)) { if (v == null || v === '') q.delete(k); else q.set(k, v); }
    history.replaceState(null, '', `${location.pathname}${q.toString() ? '?' + q : ''}`);
  }

  // ---- API --------------------------------------------------------------------------------------------------------
  async function api(path, options = {}) {
    const headers = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (embedToken) headers.Authorization = `Embed ${embedToken}`;
    const response = await fetch(`/api/v1${path}`, {
      method: options.method ?? 'GET', headers, credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (response.status === 401 && !embedToken) {
      location.assign(`/signin?returnUrl=${encodeURIComponent(location.pathname + location.search)}`);
      throw new Error('Your session ended; sign in again.');
    }
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw Object.assign(new Error(body?.detail ?? `The server answered HTTP ${response.status}.`), { status: response.status, problem: body });
    return body;
  }
  // An action button: disabled while it runs; a refusal is shown next to it.
  function action(label, run, attrs = {}) {
    const message = h('span', { class: 'reason', role: 'status' });
    const button = h('button', { type: 'button', ...attrs, onclick: async () => {
      button.disabled = true; message.textContent = '';
      try { await run(message); } catch (error) { message.textContent = error.problem?.detail ?? error.message; message.classList.add('problem'); }
      finally { button.disabled = false; }
    } }, label);
    return h('span', { class: 'actions' }, button, message);
  }
  const go = url => { if (!embedToken) location.assign(url); };

  function errorBox(error, heading) {
    return h('div', { class: 'error-box' },
      heading ? h('strong', null, heading, ' ') : null,
      h('div', null, h('strong', null, error.code), ' · ', error.type, ' · ', error.durability,
        error.step ? [' · step ', h('code', null, error.step)] : null,
        error.fields?.length ? [' · fields ', error.fields.join(', ')] : null,
        error.attempt > 1 ? ` · attempt ${error.attempt}` : null),
      h('div', null, error.message),
      error.hint ? h('div', { class: 'hint' }, 'Hint: ', error.hint) : null,
      h('div', { class: 'muted' }, when(error.occurredAt)));
  }

  // ---- Links ------------------------------------------------------------------------------------------------------
  async function linksPage() {
    const links = (await api('/links?limit=1000')).items;
    const lastRuns = new Map(await Promise.all(links.filter(l => l.lastRunId != null)
      .map(async l => [l.id, await api(`/runs/${l.lastRunId}`).catch(() => null)])));
    const trigger = t => [t.schedule ? `schedule ${t.schedule}` : null, t.manual ? 'manual' : null, t.push ? 'push' : null].filter(Boolean).join(', ') || 'none';
    const health = l => {
      const parts = [];
      parts.push(l.health.consecutiveFailures ? `${count(l.health.consecutiveFailures, 'failure')} in a row` : 'no failures in a row');
      if (l.health.backoffAttempts) parts.push(`backoff attempt ${num(l.health.backoffAttempts)}`);
      return [parts.join(', '), l.health.nextAttemptAt ? h('div', null, 'next attempt ', when(l.health.nextAttemptAt)) : null];
    };
    const state = l => [badge(l.state), l.running ? [' ', badge('Running')] : null, l.stateReason ? h('div', { class: 'reason' }, l.stateReason) : null];
    const last = l => {
      const run = lastRuns.get(l.id);
      return run ? [runLink(run.id), ' ', badge(run.status), h('div', { class: 'muted' }, when(run.endedAt ?? run.startedAt))] : h('span', { class: 'muted' }, 'never ran');
    };
    // The settings that decide how the link fails and recovers, as it runs (defaults filled in by the API).
    const recovery = l => {
      const s = l.settings;
      const onOff = on => on ? 'on' : 'off';
      const facts = [
        ['Batches', `${count(s.batchSize, 'record')} each, ${s.sequentialProcessing ? 'one at a time in order (sequential: the first data error stops the link)' : `${num(s.parallelism)} at once`}`],
        ['Incomplete runs', s.storeIncompleteRuns ? 'kept (a stopped run\'s remainder is parked and retried)' : 'not kept'],
        ['Automated replay', s.automatedReplay ? `on: up to ${count(s.replayMaxAttempts, 'replay')} after ${s.replayDelaysSeconds.map(seconds).join(', ')}${s.replayIncludesDurable ? ', durable errors too' : ', ephemeral errors only'}` : 'off'],
        ['Call retries', `${count(s.callRetryAttempts, 'attempt')} per call, from ${seconds(s.callRetryDelaySeconds)}`],
        ['Deactivated after', `${count(s.maxConsecutiveErrors, 'failed run')} in a row; backoff ${s.backoffScheduleSeconds.map(seconds).join(', ')}`],
        ['Snapshots kept', s.loggingLevel],
        ['Stale protection', onOff(s.staleProtection)],
        ['Error policies', s.errorPolicies.length
          ? h('ul', null, s.errorPolicies.map(p => h('li', null, h('strong', null, p.type), ': ',
            p.attempts > 1 ? `${count(p.attempts, 'write')} (after ${p.delaysSeconds.map(seconds).join(', ')}), then ` : '',
            p.then ? p.then.toLowerCase() : 'built-in handling', p.reason ? ` (${p.reason})` : '')))
          : 'built-in handling for every error type'],
      ];
      return h('details', { class: 'settings' }, h('summary', null, `${s.sequentialProcessing ? 'sequential' : `batches of ${num(s.batchSize)}`}, replay ${onOff(s.automatedReplay)}`),
        h('dl', { class: 'facts' }, facts.map(([name, value]) => [h('dt', null, name), h('dd', null, value)])));
    };
    const actions = l => h('div', { class: 'actions' },
      l.state === 'Deactivated'
        ? action('Reactivate', async () => { await api(`/links/${encodeURIComponent(l.id)}/activate`, { method: 'POST' }); await render(); }, { 'aria-label': `Reactivate: ${l.id}` })
        : null,
      l.trigger.manual && !l.trigger.push
        ? action('Run now', async () => { const started = await api(`/links/${encodeURIComponent(l.id)}/runs`, { method: 'POST' }); go(`/runs/${started.runId}`); },
          { class: 'primary', 'aria-label': `Run now: ${l.id}`, disabled: l.state !== 'Active' || l.running })
        : null,
      link(`/runs?linkId=${encodeURIComponent(l.id)}`, 'Runs'),
      link(`/incomplete?linkId=${encodeURIComponent(l.id)}`, 'Incomplete'));
    setContent('Links', h('p', { class: 'muted' }, count(links.length, 'link')),
      table([
        { label: 'Link', cell: l => [h('strong', null, l.id), h('div', { class: 'muted' }, l.origin === 'file' ? 'from the links folder' : 'from the API')] },
        { label: 'Tenant', cell: l => l.tenant },
        { label: 'Trigger', cell: l => trigger(l.trigger) },
        { label: 'State', cell: state },
        { label: 'Health', cell: health },
        { label: 'Last run', cell: last },
        { label: 'Watermark', cell: l => l.watermark ? h('code', null, l.watermark) : h('span', { class: 'muted' }, 'none yet') },
        { label: 'Recovery settings', cell: recovery },
        { label: 'Actions', cell: actions },
      ], links, 'No links yet: add a link file to the links folder or PUT one through the API.'));
  }

  // ---- Runs list --------------------------------------------------------------------------------------------------
  async function runsPage() {
    const q = query();
    const offset = Number(q.get('offset') ?? 0);
    const filters = { linkId: q.get('linkId') ?? '', status: q.get('status') ?? '', kind: q.get('kind') ?? '', from: q.get('from') ?? '', to: q.get('to') ?? '' };
    const params = new URLSearchParams({ offset, limit: 50 });
    // The time range is picked in the viewer's zone and sent as UTC instants.
    const instant = local => local ? new Date(local).toISOString() : '';
    for (const [k, v] of Object.entries(filters)) if (v) params.set(k, k === 'from' || k === 'to' ? instant(v) : v);
    const [page, links] = await Promise.all([api(`/runs?${params}`), api('/links?limit=1000')]);
    const apply = () => {
      setQuery({ linkId: linkSelect.value, status: statusSelect.value, kind: kindSelect.value, from: fromInput.value, to: toInput.value, offset: null });
      render();
    };
    const linkSelect = h('select', { id: 'filter-link', onchange: apply }, h('option', { value: '' }, 'All links'),
      links.items.map(l => h('option', { value: l.id, selected: l.id === filters.linkId }, l.id)));
    const statusSelect = h('select', { id: 'filter-status', onchange: apply }, h('option', { value: '' }, 'Any status'),
      ['Running', 'Succeeded', 'CompletedWithErrors', 'Failed', 'Interrupted'].map(s => h('option', { value: s, selected: s === filters.status }, s)));
    const kindSelect = h('select', { id: 'filter-kind', onchange: apply }, h('option', { value: '' }, 'Any kind'),
      ['Scheduled', 'Manual', 'Push', 'Replay', 'Retry', 'Resume'].map(k => h('option', { value: k, selected: k === filters.kind }, k)));
    const fromInput = h('input', { id: 'filter-from', type: 'datetime-local', value: filters.from, onchange: apply });
    const toInput = h('input', { id: 'filter-to', type: 'datetime-local', value: filters.to, onchange: apply });
    setContent('Runs',
      h('div', { class: 'toolbar' },
        h('div', null, h('label', { for: 'filter-link' }, 'Link'), linkSelect),
        h('div', null, h('label', { for: 'filter-status' }, 'Status'), statusSelect),
        h('div', null, h('label', { for: 'filter-kind' }, 'Kind'), kindSelect),
        h('div', null, h('label', { for: 'filter-from' }, 'Started from'), fromInput),
        h('div', null, h('label', { for: 'filter-to' }, 'Started before'), toInput)),
      table([
        { label: 'Run', cell: r => runLink(r.id) },
        { label: 'Link', cell: r => r.linkId },
        { label: 'Status', cell: r => badge(r.status) },
        { label: 'Kind', cell: r => [r.kind, r.parentRunId ? h('div', { class: 'muted' }, 'of ', runLink(r.parentRunId)) : null] },
        { label: 'Started', cell: r => when(r.startedAt) },
        { label: 'Took', cell: r => duration(r.startedAt, r.endedAt) },
        { label: 'Read', num: true, cell: r => num(r.counts.read) },
        { label: 'Failed', num: true, cell: r => num(r.counts.failed) },
      ], page.items, 'No runs match.'),
      pager(page, next => { setQuery({ offset: next || null }); render(); }));
  }

  // ---- Run summary ------------------------------------------------------------------------------------------------
  function countsView(counts) {
    const parts = [['succeeded', counts.succeeded], ['failed', counts.failed], ['ignored', counts.ignored], ['incomplete', counts.incomplete]];
    const total = Math.max(1, counts.read);
    return h('div', { id: 'counts' },
      h('div', { class: 'bar', role: 'img', 'aria-label': parts.map(([name, n]) => `${num(n)} ${name}`).join(', ') },
        parts.filter(([, n]) => n > 0).map(([name, n]) => { const s = h('span', { class: name }); s.style.width = `${(100 * n) / total}%`; return s; })),
      h('ul', { class: 'legend' },
        h('li', { class: 'read' }, h('strong', { 'data-count': 'read' }, num(counts.read)), ' read'),
        parts.map(([name, n]) => h('li', { class: name }, h('strong', { 'data-count': name }, num(n)), ` ${name}`)),
        counts.warnings ? h('li', null, h('strong', null, num(counts.warnings)), ' warnings') : null,
        h('li', null, h('strong', null, num(counts.batchesTotal)), ' batches', counts.batchesFailed ? `, ${num(counts.batchesFailed)} failed` : '')));
  }

  // Why Retry Failures cannot apply, from what the summary says; the server's 409 answer stays the authority.
  function retryRefusal(run) {
    if (run.status === 'Running') return 'The run is still going.';
    if (run.history?.some(e => e.kind === 'resolved')) return 'Resolved already: its retries wrote every failure.';
    if (run.counts.failed === 0 && run.counts.batchesFailed === 0 && !run.batchErrors.length) return 'Nothing to retry: no record or batch failed.';
    return null;
  }

  async function chainView(run) {
    const rootId = run.rootRunId ?? run.id;
    const root = rootId === run.id ? run : await api(`/runs/${rootId}`).catch(() => null);
    if (!root || !root.children.length) return null;
    const members = await Promise.all(root.children.slice(0, 50).map(id => api(`/runs/${id}`).catch(() => null)));
    const byParent = new Map();
    for (const m of members.filter(Boolean)) byParent.set(m.parentRunId, [...(byParent.get(m.parentRunId) ?? []), m]);
    const node = r => h('li', { class: r.id === run.id ? 'current' : null, 'aria-current': r.id === run.id ? 'true' : null },
      runLink(r.id), ' ', r.kind, ' ', badge(r.status), ' ', h('span', { class: 'muted' }, when(r.startedAt)),
      byParent.has(r.id) ? h('ul', null, byParent.get(r.id).map(node)) : null);
    return h('section', { class: 'card', 'aria-labelledby': 'chain-title' }, h('h2', { id: 'chain-title' }, 'Retry chain'), h('ul', { class: 'tree' }, node(root)));
  }

  // What a recovery run is, in words, by its kind.
  const recoveryWords = {
    Replay: parent => ['This is an automated replay of ', runLink(parent), ': it processes the records that failed there again'],
    Retry: parent => ['This is a retry of ', runLink(parent), ': it writes the failures of that run again'],
    Resume: parent => ['This is a resume of ', runLink(parent), ': it completes what that run left incomplete'],
  };

  async function runPage() {
    const id = Number(d.runId);
    const run = await api(`/runs/${id}`);
    const refusal = retryRefusal(run);
    const started = body => go(`/runs/${body.runId}`);
    const banner = run.parentRunId != null
      ? h('p', { class: 'banner', id: 'kind-banner' }, recoveryWords[run.kind]?.(run.parentRunId) ?? [`This is a ${run.kind} run of `, runLink(run.parentRunId)],
        run.rootRunId != null && run.rootRunId !== run.parentRunId ? [' (root ', runLink(run.rootRunId), ')'] : null, '.',
        run.kind === 'Replay' ? h('span', { class: 'muted' }, ` ${run.trigger}.`) : null)
      : null;
    // The definition a recovery run used and what changed since the run it recovers, as its history keeps it.
    const definition = (run.history ?? []).filter(e => e.kind === 'definition').map(e => h('div', { class: 'muted' }, e.message));
    const reason = h('span', { class: 'reason', id: 'retry-reason', role: 'status' }, refusal ?? '');
    const retry = h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', id: 'retry-failures', disabled: !!refusal, 'aria-describedby': 'retry-reason',
        onclick: async e => {
          e.target.disabled = true;
          try { started(await api(`/runs/${id}/retry`, { method: 'POST' })); }
          catch (error) { reason.textContent = error.problem?.detail ?? error.message; e.target.disabled = false; }
        } }, 'Retry Failures'),
      reason);

    const facts = h('dl', { class: 'facts' },
      h('dt', null, 'Link'), h('dd', null, link(`/runs?linkId=${encodeURIComponent(run.linkId)}`, run.linkId), ` (tenant ${run.tenant})`),
      h('dt', null, 'Status'), h('dd', null, badge(run.status), ' ', run.kind, run.status === 'Running' ? h('span', { class: 'live', id: 'live' }, ' ● live') : null),
      h('dt', null, 'Trigger'), h('dd', null, run.trigger),
      h('dt', null, 'Request id'), h('dd', null, run.requestId ? h('code', null, run.requestId) : '—'),
      h('dt', null, 'Link version'), h('dd', { id: 'link-version' }, run.linkVersion ? h('code', null, run.linkVersion) : h('span', { class: 'muted' }, 'not kept (a run from before link versions were kept)'), definition),
      h('dt', null, 'Started'), h('dd', null, when(run.startedAt, true), ' (', when(run.startedAt), ')'),
      h('dt', null, 'Ended'), h('dd', null, run.endedAt ? [when(run.endedAt, true), ` — took ${duration(run.startedAt, run.endedAt)}`] : 'still going'));

    const groups = run.errorGroups ?? [];
    const groupList = groups.length
      ? h('ol', { class: 'groups' }, groups.map((g, i) => h('li', null,
        h('strong', null, count(g.count, 'record')), ': ', g.sampleMessage,
        h('div', { class: 'muted' }, g.code, ' · ', g.type, g.step ? ` · step ${g.step}` : '', g.fields.length ? ` · ${g.fields.join(', ')}` : '',
          g.sampleKey ? ` · e.g. key ${g.sampleKey}` : ''),
        g.hint ? h('div', { class: 'hint' }, 'Hint: ', g.hint) : null,
        refusal ? null : action('Retry this group', async () => started(await api(`/runs/${id}/error-groups/retry`, { method: 'POST', body: { group: i + 1 } })),
          { 'aria-label': `Retry this group: ${g.code}` }))))
      : h('p', { class: 'muted' }, 'No record errors.');

    const sections = [
      banner,
      h('section', { class: 'card', 'aria-labelledby': 'summary-title' }, h('h2', { id: 'summary-title' }, 'Summary'), facts, countsView(run.counts), retry),
      run.systemError ? h('section', { 'aria-labelledby': 'system-title' }, h('h2', { id: 'system-title' }, 'System error'), errorBox(run.systemError)) : null,
      run.batchErrors.length ? h('section', { 'aria-labelledby': 'batch-errors-title' }, h('h2', { id: 'batch-errors-title' }, 'Batch errors'),
        run.batchErrors.map(b => errorBox(b.error, `Batch ${num(b.batchNumber)}${b.cursor ? ` (cursor ${b.cursor})` : ''}:`))) : null,
      h('section', { 'aria-labelledby': 'groups-title' }, h('h2', { id: 'groups-title' }, 'Error groups'), groupList),
      await chainView(run),
      run.history?.length ? h('section', { 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'History'),
        h('ul', null, run.history.map(e => h('li', null, when(e.at), ' ', h('strong', null, e.kind), ': ', e.message)))) : null,
      h('section', { 'aria-labelledby': 'batches-title', id: 'batches' }, h('h2', { id: 'batches-title' }, 'Batches')),
      h('section', { 'aria-labelledby': 'records-title', id: 'records' }, h('h2', { id: 'records-title' }, 'Records')),
    ];
    setContent(`Run ${num(run.id)}`, ...sections);
    await Promise.all([batchesView(id, 0), recordsView(id, run, query().get('outcome') ?? (run.counts.failed ? 'failed' : 'all'), Number(query().get('offset') ?? 0))]);
    if (run.status === 'Running') follow(run);
  }

  async function batchesView(id, offset) {
    const page = await api(`/runs/${id}/batches?offset=${offset}&limit=20`);
    const section = document.getElementById('batches');
    section.replaceChildren(...[section.firstChild, table([
      { label: 'Batch', cell: b => num(b.number) },
      { label: 'Status', cell: b => badge(b.status) },
      { label: 'Read', num: true, cell: b => num(b.read) },
      { label: 'Succeeded', num: true, cell: b => num(b.succeeded) },
      { label: 'Failed', num: true, cell: b => num(b.failed) },
      { label: 'Ignored', num: true, cell: b => num(b.ignored) },
      { label: 'Error', cell: b => b.error ? [h('strong', null, b.error.code), ' ', b.error.message] : '' },
    ], page.items, 'No batches yet.'), page.nextOffset != null || offset ? pager(page, next => batchesView(id, next)) : null].filter(Boolean));
  }

  async function recordsView(id, run, outcome, offset) {
    const page = await api(`/runs/${id}/records?outcome=${outcome}&offset=${offset}&limit=50`);
    const section = document.getElementById('records');
    const select = h('select', { id: 'outcome', onchange: () => { setQuery({ outcome: select.value, offset: null }); recordsView(id, run, select.value, 0); } },
      [['failed', 'Failed'], ['ignored', 'Ignored'], ['succeeded', 'Succeeded'], ['all', 'All']].map(([v, label]) => h('option', { value: v, selected: v === outcome }, label)));
    section.replaceChildren(section.firstChild,
      h('div', { class: 'toolbar' }, h('div', null, h('label', { for: 'outcome' }, 'Outcome'), select)),
      table([
        { label: 'Record', cell: r => link(`/runs/${id}/records/${r.batch}/${r.position}`, r.key ?? `#${r.batch}/${r.position}`) },
        { label: 'Batch', num: true, cell: r => num(r.batch) },
        { label: 'Outcome', cell: r => badge(r.outcome) },
        { label: 'Why', cell: r => r.error ? [h('strong', null, r.error.code), ' ', r.error.message] : r.ignoreReason ? [r.ignoredBy, ': ', r.ignoreReason] : '' },
      ], page.items, run.counts.read ? 'No records with this outcome were kept (the link keeps snapshots of failing records by default).' : 'No records yet.'),
      pager(page, next => { setQuery({ offset: next || null }); recordsView(id, run, outcome, next); }));
  }

  // Live: the server-sent events of the run move the counts; when it ends the page shows the final summary.
  function follow(run) {
    if (embedToken) { setTimeout(render, 1000); return; }
    const events = new EventSource(`/api/v1/runs/${run.id}/events`);
    events.addEventListener('progress', e => {
      const counts = JSON.parse(e.data);
      document.getElementById('counts')?.replaceWith(countsView(counts));
    });
    events.addEventListener('finished', () => { events.close(); render(); });
    events.onerror = () => { events.close(); setTimeout(render, 1000); };
  }

  // ---- Record view ------------------------------------------------------------------------------------------------
  const show = value => value === undefined ? h('span', { class: 'muted' }, '(absent)') : h('code', null, JSON.stringify(value));

  // A form with one input per field of a record; read() gives the values back with their JSON types kept.
  function valuesForm(values, failing, prefix) {
    const inputs = Object.keys(values).map(f => [f, h('input', { id: `${prefix}-${f}`, name: f,
      value: typeof values[f] === 'string' ? values[f] : JSON.stringify(values[f]), 'aria-invalid': failing.has(f) ? 'true' : null })]);
    const parse = (f, text) => {
      if (typeof values[f] === 'string') return text;
      try { return JSON.parse(text); } catch { return text; }
    };
    return {
      form: h('form', { class: 'edit-form', onsubmit: e => e.preventDefault() }, inputs.map(([f, input]) => [h('label', { for: `${prefix}-${f}` }, f), input])),
      read: () => Object.fromEntries(inputs.map(([f, input]) => [f, parse(f, input.value)])),
    };
  }

  async function recordPage() {
    const [id, batch, position] = [Number(d.runId), Number(d.batch), Number(d.position)];
    const [detail, run] = await Promise.all([api(`/runs/${id}/records/${batch}/${position}`), api(`/runs/${id}`)]);
    const r = detail.record;
    const before = r.before ?? {}, after = r.after ?? {};
    const failing = new Set(r.error?.fields ?? []);
    const fields = [...new Set([...Object.keys(before), ...Object.keys(after), ...failing])];
    const rows = fields.map(f => h('tr', { class: [JSON.stringify(before[f]) !== JSON.stringify(after[f]) ? 'changed' : '', failing.has(f) ? 'failing' : ''].join(' ').trim() || null },
      h('td', { class: 'field', 'data-label': 'Field' }, f), h('td', { 'data-label': 'Before' }, show(before[f])), h('td', { 'data-label': 'After' }, show(after[f]))));
    const snapshots = r.before || r.after
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'snapshots stack' },
        h('caption', { class: 'muted' }, 'Before the steps and after them (what was sent to the target). ≠ changed by a step; ⚠ the failing field.'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
        h('tbody', null, rows)))
      : h('p', { class: 'muted' }, 'No snapshot was kept for this record (logging level).');

    let editor = null;
    if (r.outcome === 'Failed' && (r.before || detail.edited)) {
      const fieldsForm = valuesForm(detail.edited ?? r.before, failing, 'field');
      const status = h('p', { role: 'status', class: 'reason', id: 'edit-status' });
      const save = () => api(`/runs/${id}/records/${batch}/${position}`, { method: 'PATCH', body: fieldsForm.read() });
      const refusal = retryRefusal(run);
      editor = h('section', { class: 'card', 'aria-labelledby': 'edit-title' }, h('h2', { id: 'edit-title' }, 'Edit the values and retry'),
        h('p', { class: 'muted' }, detail.edited ? 'Edited: the next retry writes these values.' : 'The values the retry writes (from the snapshot before the steps).'),
        fieldsForm.form,
        h('div', { class: 'actions' },
          action('Save', async () => { await save(); status.textContent = 'Saved: the next retry of this run writes these values.'; }),
          action('Save and retry', async () => { await save(); go(`/runs/${(await api(`/runs/${id}/retry`, { method: 'POST' })).runId}`); },
            { class: 'primary', id: 'save-retry', disabled: !!refusal }),
          refusal ? h('span', { class: 'reason' }, refusal) : null),
        status);
    }
    setContent(`Record ${r.key ?? `${batch}/${position}`}`,
      h('p', null, link(`/runs/${id}`, `← Run ${num(id)}`), ` · batch ${num(batch)}, position ${num(position)} · `, badge(r.outcome)),
      r.error ? h('section', { 'aria-labelledby': 'error-title' }, h('h2', { id: 'error-title' }, 'Error'), errorBox(r.error)) : null,
      r.ignoreReason ? h('p', { class: 'notice' }, `Ignored by ${r.ignoredBy}: ${r.ignoreReason}`) : null,
      r.warnings?.length ? h('section', { 'aria-labelledby': 'warnings-title' }, h('h2', { id: 'warnings-title' }, 'Warnings'),
        h('ul', { id: 'warnings' }, r.warnings.map(w => h('li', null, h('strong', null, w.code), ' · step ', h('code', null, w.step),
          w.field ? [' · field ', h('code', null, w.field)] : null, ': ', w.message)))) : null,
      h('section', { 'aria-labelledby': 'snapshots-title' }, h('h2', { id: 'snapshots-title' }, 'Snapshots'), snapshots),
      editor);
  }

  // ---- Incomplete folder ------------------------------------------------------------------------------------------
  const incompleteLink = i => link(`/incomplete/${i.id}`, `Incomplete ${num(i.id)}`);

  async function incompleteListPage() {
    const q = query();
    const offset = Number(q.get('offset') ?? 0);
    const filters = { linkId: q.get('linkId') ?? '', status: q.get('status') ?? 'open' };
    const params = new URLSearchParams({ offset, limit: 50, status: filters.status });
    if (filters.linkId) params.set('linkId', filters.linkId);
    const [page, links] = await Promise.all([api(`/incomplete-runs?${params}`), api('/links?limit=1000')]);
    const apply = () => { setQuery({ linkId: linkSelect.value, status: statusSelect.value, offset: null }); render(); };
    const linkSelect = h('select', { id: 'filter-link', onchange: apply }, h('option', { value: '' }, 'All links'),
      links.items.map(l => h('option', { value: l.id, selected: l.id === filters.linkId }, l.id)));
    const statusSelect = h('select', { id: 'filter-status', onchange: apply },
      [['open', 'Open (scheduled or waiting)'], ['waiting', 'Waiting for a person'], ['scheduled', 'Scheduled'], ['resolved', 'Resolved'], ['discarded', 'Discarded'], ['all', 'All']]
        .map(([v, label]) => h('option', { value: v, selected: v === filters.status }, label)));
    const boxes = new Map();
    const selected = () => [...boxes].filter(([, box]) => box.checked).map(([id]) => id);
    const result = h('div', { role: 'status', id: 'bulk-result' });
    const report = (answer, verb) => result.replaceChildren(h('p', { class: 'notice' }, `${count(answer.accepted.length, 'incomplete run')} ${verb}.`,
      answer.refused.map(r => h('div', null, `Incomplete ${num(r.id)}: ${r.detail}`))));
    const reason = h('input', { id: 'bulk-reason', name: 'reason', placeholder: 'why (kept in the run history)' });
    const open = page.items.filter(i => i.status === 'Scheduled' || i.status === 'Waiting');
    setContent('Incomplete runs',
      h('p', { class: 'muted' }, 'Runs, or what remained of them, parked for later: retried on a backoff schedule while their error is ephemeral, waiting for a person when it is durable.'),
      h('div', { class: 'toolbar' },
        h('div', null, h('label', { for: 'filter-link' }, 'Link'), linkSelect),
        h('div', null, h('label', { for: 'filter-status' }, 'Status'), statusSelect)),
      table([
        { label: 'Select', cell: i => i.status === 'Scheduled' || i.status === 'Waiting'
          ? (() => { const box = h('input', { type: 'checkbox', 'aria-label': `Select incomplete run ${i.id}` }); boxes.set(i.id, box); return box; })() : '' },
        { label: 'Incomplete run', cell: incompleteLink },
        { label: 'Link', cell: i => i.linkId },
        { label: 'Of run', cell: i => runLink(i.runId) },
        { label: 'Status', cell: i => [badge(i.status), i.resolvedByRunId ? h('div', null, 'by ', runLink(i.resolvedByRunId)) : null] },
        { label: 'Why it stopped', cell: i => [h('strong', null, i.error.code), ' ', i.error.message] },
        { label: 'Attempts', num: true, cell: i => num(i.attempts) },
        { label: 'Next attempt', cell: i => i.nextAttemptAt ? when(i.nextAttemptAt) : h('span', { class: 'muted' }, i.status === 'Waiting' ? 'waits for you' : '—') },
        { label: 'Parked', cell: i => when(i.createdAt) },
      ], page.items, 'Nothing here: no run waits to be completed.'),
      pager(page, next => { setQuery({ offset: next || null }); render(); }),
      open.length ? h('section', { class: 'card', 'aria-labelledby': 'bulk-title' }, h('h2', { id: 'bulk-title' }, 'Selected'),
        h('div', { class: 'actions' },
          action('Retry selected', async () => report(await api('/incomplete-runs/retry', { method: 'POST', body: { ids: selected() } }), 'retried one after another')),
          h('label', { for: 'bulk-reason' }, 'Reason'), reason,
          action('Discard selected', async () => { report(await api('/incomplete-runs/discard', { method: 'POST', body: { ids: selected(), reason: reason.value || null } }), 'discarded'); },
            { class: 'danger' })),
        result) : null);
  }

  async function incompletePage() {
    const id = Number(d.incompleteId);
    const offset = Number(query().get('offset') ?? 0);
    const answer = await api(`/incomplete-runs/${id}?offset=${offset}&limit=50`);
    const i = answer.incompleteRun;
    const isOpen = i.status === 'Scheduled' || i.status === 'Waiting';
    const reason = h('input', { id: 'discard-reason', name: 'reason', placeholder: 'why (kept in the run history)' });
    const editor = r => {
      if (!isOpen || !r.values) return r.values ? h('code', null, JSON.stringify(r.values)) : h('span', { class: 'muted' }, 'no snapshot kept');
      const form = valuesForm(r.values, new Set(r.error?.fields ?? []), `r${r.batch}-${r.position}`);
      return h('details', null, h('summary', null, r.edited ? 'Edited values' : 'Values', ' (edit)'), form.form,
        action(`Save record ${r.key ?? `${r.batch}/${r.position}`}`, async message => {
          await api(`/incomplete-runs/${id}/records/${r.batch}/${r.position}`, { method: 'PUT', body: form.read() });
          message.textContent = 'Saved: the retry writes these values.';
        }));
    };
    setContent(`Incomplete run ${num(i.id)}`,
      h('section', { class: 'card', 'aria-labelledby': 'facts-title' }, h('h2', { id: 'facts-title' }, 'Where it stands'),
        h('dl', { class: 'facts' },
          h('dt', null, 'Status'), h('dd', null, badge(i.status), i.resolvedByRunId ? [' by ', runLink(i.resolvedByRunId)] : null),
          h('dt', null, 'Remainder of'), h('dd', null, runLink(i.runId), ` of link ${i.linkId} (tenant ${i.tenant})`),
          h('dt', null, 'Records'), h('dd', null, count(answer.totalRecords, 'record'), i.editedRecords ? `, ${num(i.editedRecords)} edited` : '',
            i.hasUnreadPages ? '; and the pages the source had not read yet' : ''),
          h('dt', null, 'Attempts'), h('dd', null, num(i.attempts), i.nextAttemptAt ? [' · next ', when(i.nextAttemptAt)] : null),
          h('dt', null, 'Parked'), h('dd', null, when(i.createdAt)),
          i.note ? [h('dt', null, 'Note'), h('dd', null, i.note)] : null),
        isOpen ? h('div', { class: 'actions' },
          action('Retry', async () => go(`/runs/${(await api(`/incomplete-runs/${id}/retry`, { method: 'POST' })).runId}`), { class: 'primary', id: 'retry-incomplete' }),
          h('label', { for: 'discard-reason' }, 'Reason'), reason,
          action('Discard', async () => { await api(`/incomplete-runs/${id}/discard`, { method: 'POST', body: { reason: reason.value || null } }); await render(); },
            { class: 'danger', id: 'discard-incomplete' })) : null),
      h('section', { 'aria-labelledby': 'why-title' }, h('h2', { id: 'why-title' }, 'Why it stopped'), errorBox(i.error)),
      h('section', { 'aria-labelledby': 'records-title' }, h('h2', { id: 'records-title' }, 'Records'),
        table([
          { label: 'Record', cell: r => r.key ?? `#${r.batch}/${r.position}` },
          { label: 'Batch', num: true, cell: r => num(r.batch) },
          { label: 'Outcome', cell: r => badge(r.outcome) },
          { label: 'Why', cell: r => r.error ? [h('strong', null, r.error.code), ' ', r.error.message] : 'not started when the run stopped' },
          { label: 'Values', cell: editor },
        ], answer.records.items, 'No records are held (the retry reads the source again).'),
        pager(answer.records, next => { setQuery({ offset: next || null }); render(); })));
  }

  // ---- Embeddable view ------------------------------------------------------------------------------------------
  // What a partner's customer sees: their own failed records with reasons and hints, and Retry when the token allows it.
  async function embedPage() {
    const scope = await api('/embed-tokens/current');
    const params = new URLSearchParams({ limit: 50 });
    if (scope.linkId) params.set('linkId', scope.linkId);
    const runs = (await api(`/runs?${params}`)).items.filter(r => r.counts.failed > 0 && r.status !== 'Succeeded' && r.status !== 'Running').slice(0, 10);
    const details = await Promise.all(runs.map(async r => [await api(`/runs/${r.id}`), (await api(`/runs/${r.id}/records?outcome=failed&limit=20`)).items]));
    const canRetry = scope.permission === 'ViewAndRetry';
    setContent(scope.linkId ? `Failed records of ${scope.linkId}` : 'Failed records',
      h('p', { class: 'muted' }, `Records that could not be synced, with what to fix. This view expires ${ago(scope.expiresAt)}.`),
      details.length ? details.map(([run, records]) => h('section', { class: 'card', 'aria-labelledby': `run-${run.id}` },
        h('h2', { id: `run-${run.id}` }, `${run.linkId}: ${count(run.counts.failed, 'record')} failed `, when(run.startedAt)),
        (run.errorGroups ?? []).map(g => h('div', { class: 'error-box' }, h('strong', null, count(g.count, 'record')), ': ', g.sampleMessage,
          g.hint ? h('div', { class: 'hint' }, 'How to fix: ', g.hint) : null)),
        table([
          { label: 'Record', cell: r => r.key ?? `#${r.batch}/${r.position}` },
          { label: 'Problem', cell: r => r.error ? r.error.message : '' },
          { label: 'Field', cell: r => r.error?.fields?.join(', ') ?? '' },
          { label: 'How to fix', cell: r => r.error?.hint ?? '' },
        ], records, 'No failed records were kept.'),
        canRetry ? action('Retry these records', async message => {
          const started = await api(`/runs/${run.id}/retry`, { method: 'POST' });
          message.textContent = `Retrying: run ${num(started.runId)} started.`;
        }, { class: 'primary' }) : null))
        : h('p', { class: 'notice' }, 'Nothing failed: every record was synced.'));
  }

  // ---- Alert routes -----------------------------------------------------------------------------------------------
  function attemptText(a) {
    return [a.succeeded ? badge('Delivered') : badge('Failed'), ' ', when(a.at), a.statusCode ? ` · HTTP ${a.statusCode}` : '',
      a.error ? h('div', null, a.error) : null, a.hint ? h('div', { class: 'hint' }, 'Hint: ', a.hint) : null];
  }

  async function deliveriesView(route, holder) {
    const page = await api(`/alert-routes/${route.id}/deliveries?limit=10`);
    holder.replaceChildren(table([
      { label: 'Delivery', cell: x => [x.kind, h('div', { class: 'muted' }, when(x.createdAt))] },
      { label: 'Status', cell: x => [badge(x.status), x.nextAttemptAt ? h('div', null, 'next attempt ', when(x.nextAttemptAt)) : null] },
      { label: 'Run', cell: x => x.runId != null ? runLink(x.runId) : '—' },
      { label: 'Attempts', cell: x => x.attempts.length ? h('ol', null, x.attempts.map(a => h('li', null, attemptText(a)))) : h('span', { class: 'muted' }, 'not yet') },
    ], page.items, 'No deliveries yet.'));
  }

  async function alertsPage() {
    const routes = (await api('/alert-routes?limit=1000')).items;
    setContent('Alert routes',
      h('p', { class: 'muted' }, 'Webhooks that receive alerts (a run failed, a link deactivated, an incomplete run waiting for a person), with how their deliveries go.'),
      routes.length ? routes.map(route => {
        const deliveries = h('div');
        const health = route.health;
        const section = h('section', { class: 'card', 'aria-labelledby': `route-${route.id}` },
          h('h2', { id: `route-${route.id}` }, route.name),
          h('dl', { class: 'facts' },
            h('dt', null, 'Webhook'), h('dd', null, h('code', null, route.url)),
            h('dt', null, 'Scope'), h('dd', null, route.tenant ? `tenant ${route.tenant}` : 'every tenant', route.linkId ? `, link ${route.linkId}` : ', every link',
              route.kinds.length ? ` · ${route.kinds.join(', ')}` : ' · every kind'),
            h('dt', null, 'Health'), h('dd', { 'data-health': route.id },
              health.consecutiveFailures ? h('strong', null, `${count(health.consecutiveFailures, 'failure')} in a row`) : 'no failures in a row',
              health.nextAttemptAt ? [' · next attempt ', when(health.nextAttemptAt)] : null,
              health.lastAttempt ? h('div', null, 'Last attempt: ', attemptText(health.lastAttempt)) : h('div', { class: 'muted' }, 'never called yet'))),
          action('Send a test alert', async message => {
            const delivery = await api(`/alert-routes/${route.id}/test`, { method: 'POST' });
            message.textContent = `Test alert ${delivery.status === 'Delivered' ? 'delivered' : delivery.status === 'Pending' ? 'sent, not delivered yet' : 'failed'}.`;
            await render();
          }, { 'aria-label': `Send a test alert: ${route.name}` }),
          h('h3', null, 'Latest deliveries'), deliveries);
        deliveriesView(route, deliveries).catch(error => deliveries.replaceChildren(problem(error)));
        return section;
      }) : h('p', { class: 'muted' }, 'No alert routes: create one with POST /api/v1/alert-routes (see docs/server.md, Alerts).'));
  }


  const pages = {
    links: linksPage,
    runs: runsPage,
    run: runPage,
    record: recordPage,
    'incomplete-list': incompleteListPage,
    incomplete: incompletePage,
    alerts: alertsPage,
    embed: embedPage,
  };

  async function render() {
    try {
      await pages[d.page]();
      main.setAttribute('data-ready', 'true');
    } catch (error) {
      const title = error.status === 404 ? 'Not found' : 'Something went wrong';
      setContent(title, problem(error));
      main.setAttribute('data-ready', 'true');
    }
  }
  render();
})();
