/* Flowlens console: a small single-page app over the JSON API. Everything from the network is
 * put into the page as text nodes (never as HTML), and chart tooltips are drawn on the canvas. */
'use strict';
(function () {
  const I18N = window.FLOWLENS_I18N;
  const state = { lang: pickLanguage(), me: null, boot: null, csrf: null, timers: [], sockets: [], charts: [], pending: [], generation: 0, windows: [], firstRender: null };
  const PAGES = ['overview', 'sessions', 'ips', 'ports', 'trend', 'alerts', 'live', 'map', 'logs', 'events', 'collectors'];
  /* Pages with charts: ECharts (1 MB) is loaded for these only, while their data is fetched. */
  const CHART_PAGES = ['overview', 'ip', 'ports', 'trend', 'map'];
  const main = document.getElementById('main');

  function pickLanguage() {
    const saved = localStorage.getItem('flowlens.lang');
    if (saved === 'en' || saved === 'zh-CN') return saved;
    const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    return String(langs[0]).toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  }
  function t(key) { return (I18N[state.lang] && I18N[state.lang][key]) || I18N.en[key] || key; }

  /* DOM building: strings always become text nodes. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = String(v);
        else if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
        else e.setAttribute(k, String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function short(s, n) { s = s == null ? '' : String(s); return s.length > (n || 80) ? s.substring(0, (n || 80) - 1) + '…' : s; }
  function textCell(s, n) { return el('td', { title: s == null ? '' : String(s) }, short(s, n)); }

  function fmtBytes(b) {
    if (b == null || isNaN(b)) return '–';
    const u = ['B', 'KB', 'MB', 'GB', 'TB', 'PB']; let i = 0; b = Number(b);
    while (Math.abs(b) >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return (i === 0 ? b.toFixed(0) : b.toFixed(1)) + ' ' + u[i];
  }
  function fmtRate(bps) {
    if (bps == null || isNaN(bps)) return '–';
    const u = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s']; let i = 0; let v = Number(bps);
    while (Math.abs(v) >= 1000 && i < u.length - 1) { v /= 1000; i++; }
    return v.toFixed(i === 0 || Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) + ' ' + u[i];
  }
  function fmtNum(n) { return n == null || isNaN(n) ? '–' : Number(n).toLocaleString(state.lang); }
  function fmtTime(ms) { return ms ? new Date(ms).toLocaleString(state.lang) : '–'; }
  function fmtPct(x) { return x == null ? '–' : (100 * x).toFixed(1) + ' %'; }
  function fmtWindow(s) { return s >= 3600 ? (s / 3600) + 'h' : s >= 60 ? (s / 60) + 'm' : s + 's'; }

  /* API calls: JSON, same origin, CSRF token on anything that changes state. */
  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.credentials = 'same-origin';
    if (opts.body !== undefined) {
      opts.method = opts.method || 'POST';
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(opts.body);
    }
    if (opts.method && opts.method !== 'GET' && state.csrf) opts.headers['X-CSRF-Token'] = state.csrf;
    const r = await fetch(path, opts);
    if (state.boot) await state.boot;
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (r.status === 401 && !path.startsWith('/api/auth/')) { showLogin(); throw new Error('sign in'); }
    if (!r.ok) { const err = new Error((data && data.error) || ('HTTP ' + r.status)); err.status = r.status; throw err; }
    return data;
  }

  /* Tables with sortable columns. cols: {key, label, num, render(row) -> node|string, value(row)} */
  function table(cols, rows, opts) {
    opts = opts || {};
    let sortKey = opts.sort || null; let asc = false;
    const tbody = el('tbody');
    const heads = cols.map(c => el('th', { class: c.num ? 'num' : '', 'data-key': c.key, onclick: () => {
      if (sortKey === c.key) asc = !asc; else { sortKey = c.key; asc = !c.num; }
      draw();
    } }, c.label));
    const tableEl = el('table', { class: opts.class || '' }, el('thead', null, el('tr', null, heads)), tbody);
    function val(c, r) { return c.value ? c.value(r) : r[c.key]; }
    function draw() {
      clear(tbody);
      heads.forEach((h, i) => { h.className = (cols[i].num ? 'num ' : '') + (cols[i].key === sortKey ? (asc ? 'sorted-asc' : 'sorted-desc') : ''); });
      let list = rows.slice();
      if (sortKey) {
        const c = cols.find(x => x.key === sortKey);
        list.sort((a, b) => { const x = val(c, a), y = val(c, b); const d = (x > y) - (x < y); return asc ? d : -d; });
      }
      if (!list.length) tbody.appendChild(el('tr', null, el('td', { colspan: cols.length, class: 'muted' }, t('none'))));
      for (const r of list) {
        tbody.appendChild(el('tr', null, cols.map(c => {
          const v = c.render ? c.render(r) : val(c, r);
          if (v instanceof Node && v.tagName === 'TD') return v;
          return v instanceof Node ? el('td', { class: c.num ? 'num' : '' }, v) : el('td', { class: c.num ? 'num' : '', title: v == null ? '' : String(v) }, short(v, c.width || 80));
        })));
      }
    }
    draw();
    return tableEl;
  }

  /* The chart library, loaded once, on the first page that needs it. */
  let chartLibrary = null;
  function charts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!chartLibrary) {
      chartLibrary = new Promise((resolve, reject) => {
        const s = el('script', { src: 'vendor/echarts.min.js', async: 'async' });
        s.onload = () => resolve(window.echarts);
        s.onerror = () => { chartLibrary = null; s.remove(); reject(new Error('vendor/echarts.min.js could not be loaded')); };
        document.head.appendChild(s);
      });
    }
    return chartLibrary;
  }
  function pageOf(hash) { return (hash.split('?')[0].split('/')[1]) || 'overview'; }
  function preload(page) {
    if (CHART_PAGES.includes(page)) {
      charts().catch(() => { /* said on the page by ready() */ });
    } else if (!window.echarts && !document.getElementById('prefetch-charts')) {
      // a page without charts: fetch the library into the cache when idle, without running it
      (window.requestIdleCallback || setTimeout)(() => document.head.appendChild(el('link', { id: 'prefetch-charts', rel: 'prefetch', href: 'vendor/echarts.min.js', as: 'script' })));
    }
  }

  /* Charts: ECharts with canvas tooltips (richText), so no network text is ever parsed as HTML. A chart
   * asked for before the library is there is drawn by ready(), once it is. */
  function chart(container, option, cls) {
    const div = el('div', { class: 'chart ' + (cls || '') });
    container.appendChild(div);
    const draw = () => {
      const c = echarts.init(div, null, { renderer: 'canvas', locale: state.lang === 'zh-CN' ? 'ZH' : 'EN' });
      option.animation = false;
      if (option.grid) option.grid.containLabel = true;
      option.tooltip = Object.assign({ renderMode: 'richText', confine: true }, option.tooltip || {});
      c.on('finished', () => div.setAttribute('data-rendered', '1'));
      c.setOption(option);
      state.charts.push(c);
      return c;
    };
    if (window.echarts) return draw();
    state.pending.push(draw);
    return null;
  }

  function panel(title, ...children) { return el('div', { class: 'panel' }, el('h2', null, title), ...children); }
  function card(label, value) { return el('div', { class: 'card' }, el('div', { class: 'v' }, value), el('div', { class: 'k' }, label)); }
  function ipLink(ip) { return el('a', { class: 'ip', href: '#/ip/' + encodeURIComponent(ip), title: ip }, short(ip, 45)); }
  function errorBox(e) { return el('p', { class: 'error' }, e && e.message ? e.message : String(e)); }
  function windowSelect(value, onchange) {
    return el('label', null, t('window'), el('select', { id: 'window', onchange: e => onchange(e.target.value) },
      state.windows.map(w => el('option', { value: w + 's', selected: (w + 's') === value ? 'selected' : null }, fmtWindow(w)))));
  }

  function ready(page) {
    const generation = state.generation;
    // the page's numbers and tables are in place (its charts may still wait for the library)
    if (window.flowlensFirstContent === undefined) window.flowlensFirstContent = performance.now();
    const done = () => {
      if (generation !== state.generation) return;
      state.charts.forEach(c => c.resize());
      document.body.setAttribute('data-page', page);
      document.body.setAttribute('data-ready', '1');
      if (state.firstRender === null) { state.firstRender = performance.now(); window.flowlensFirstRender = state.firstRender; }
    };
    if (!state.pending.length) { done(); return; }
    const pending = state.pending; state.pending = [];
    charts().then(() => { if (generation === state.generation) pending.forEach(draw => draw()); done(); },
      e => { if (generation === state.generation) main.appendChild(errorBox(e)); done(); });
  }

  function stopPage() {
    state.generation++; state.pending = [];
    state.timers.forEach(clearInterval); state.timers = [];
    state.sockets.forEach(s => { try { s.close(); } catch (e) { /* closed */ } }); state.sockets = [];
    state.charts.forEach(c => c.dispose()); state.charts = [];
    document.body.removeAttribute('data-ready');
  }

  /* ---------------------------------------------------------------- pages */

  async function overview(view) {
    const w = localStorage.getItem('flowlens.window') || '';
    const [o, col] = await Promise.all([api('/api/overview' + (w ? '?window=' + encodeURIComponent(w) : '')), api('/api/collectors').catch(() => null)]);
    const tot = o.totals;
    view.appendChild(el('div', { class: 'toolbar' }, windowSelect(w || (tot.window + 's'), v => { localStorage.setItem('flowlens.window', v); route(); })));
    view.appendChild(el('div', { class: 'cards' },
      card(t('throughput'), fmtRate(tot.bits_per_second)), card(t('flows_per_s'), fmtNum(Math.round(tot.flows_per_second * 10) / 10)),
      card(t('packets_per_s'), fmtNum(Math.round(tot.packets_per_second))), card(t('bytes'), fmtBytes(tot.bytes)),
      card(t('distinct_sources'), fmtNum(tot.distinct_sources)), card(t('distinct_destinations'), fmtNum(tot.distinct_destinations)),
      card(t('active_alerts'), o.active_alerts == null ? t('unavailable') : fmtNum(o.active_alerts)),
      card(t('exporters'), col ? fmtNum(col.exporters.length) : '–'),
      card(t('drops'), col ? fmtNum(Object.values(col.pipeline.dropped || {}).reduce((a, b) => a + b, 0)
        + col.consumers.reduce((a, c) => a + (c.dropped_records || 0), 0)) : '–')));
    const grid = el('div', { class: 'grid' });
    view.appendChild(grid);
    const tp = panel(t('throughput')); grid.appendChild(tp);
    chart(tp, { grid: { left: 10, right: 20, top: 20, bottom: 10 }, xAxis: { type: 'time', axisLabel: { hideOverlap: true } }, yAxis: { type: 'value', axisLabel: { formatter: fmtRate } },
      tooltip: { trigger: 'axis', valueFormatter: fmtRate },
      series: [{ type: 'line', name: t('total'), showSymbol: false, areaStyle: {}, data: o.trend.total.map(p => [p.to_millis, p.bytes * 8000 / Math.max(1, p.to_millis - p.from_millis)]) }] });
    const hosts = o.top_hosts.hosts;
    const tt = panel(t('top_talkers')); grid.appendChild(tt);
    chart(tt, { grid: { left: 10, right: 30, top: 30, bottom: 10 }, xAxis: { type: 'value', splitNumber: 3, axisLabel: { formatter: fmtBytes, hideOverlap: true } },
      yAxis: { type: 'category', inverse: true, data: hosts.map(h => short(h.address, 30)) }, tooltip: { trigger: 'axis', valueFormatter: fmtBytes },
      legend: { data: [t('sent'), t('received')] },
      series: [{ type: 'bar', stack: 'b', name: t('sent'), data: hosts.map(h => h.bytes_sent) }, { type: 'bar', stack: 'b', name: t('received'), data: hosts.map(h => h.bytes_received) }] });
    if (o.protocols) {
      const pm = panel(t('protocol_mix')); grid.appendChild(pm);
      chart(pm, { tooltip: { trigger: 'item', valueFormatter: fmtBytes }, series: [{ type: 'pie', radius: ['35%', '70%'],
        data: o.protocols.groups.map(g => ({ name: g.key[0], value: g.bytes })) }] });
    }
    const al = panel(t('active_alerts')); grid.appendChild(al);
    al.appendChild(o.alerts ? table([
      { key: 'sev', label: t('severity'), value: a => a.alert.severity, render: a => el('span', { class: 'sev-' + a.alert.severity }, a.alert.severity) },
      { key: 'det', label: t('detector'), value: a => a.alert.detector }, { key: 'key', label: t('key'), value: a => a.alert.key },
      { key: 'msg', label: t('message'), value: a => a.alert.message, width: 60 }], o.alerts) : el('p', { class: 'muted' }, t('unavailable')));
    if (col) {
      const ch = panel(t('collector_health')); grid.appendChild(ch);
      ch.appendChild(exportersTable(col.exporters));
    }
    ready('overview');
  }

  function exportersTable(rows) {
    return table([
      { key: 'listener', label: t('listener') }, { key: 'exporter', label: t('exporter') },
      { key: 'datagrams', label: t('datagrams'), num: true, render: r => fmtNum(r.datagrams) },
      { key: 'records', label: t('records'), num: true, render: r => fmtNum(r.records) },
      { key: 'sequence_gaps', label: t('gaps'), num: true, render: r => fmtNum(r.sequence_gaps || 0) },
      { key: 'drops', label: t('drops'), num: true, value: r => Object.values(r.dropped || {}).reduce((a, b) => a + b, 0),
        render: r => Object.entries(r.dropped || {}).map(([k, v]) => k + ': ' + v).join(', ') || '0' }], rows);
  }

  async function sessions(view) {
    const params = new URLSearchParams(location.hash.split('?')[1] || '');
    const form = filterForm(['ip', 'port', 'protocol'], params, p => { location.hash = '#/sessions?' + p.toString(); });
    view.appendChild(form);
    const w = localStorage.getItem('flowlens.window');
    if (w && !params.has('window')) params.set('window', w);
    params.set('limit', '100');
    const data = await api('/api/sessions?' + params.toString());
    view.appendChild(el('p', { class: 'muted' }, t('window') + ' ' + fmtWindow(data.window) + ' · ' + t('total') + ' ' + fmtBytes(data.total_bytes)));
    view.appendChild(sessionsTable(data.sessions));
    ready('sessions');
  }

  function sessionsTable(rows) {
    return table([
      { key: 'src_ip', label: t('src'), render: r => el('td', null, ipLink(r.src_ip)) }, { key: 'src_port', label: t('src_port'), num: true },
      { key: 'dst_ip', label: t('dst'), render: r => el('td', null, ipLink(r.dst_ip)) }, { key: 'dst_port', label: t('dst_port'), num: true },
      { key: 'protocol', label: t('protocol') }, { key: 'bytes', label: t('bytes'), num: true, render: r => fmtBytes(r.bytes) },
      { key: 'packets', label: t('packets'), num: true, render: r => fmtNum(r.packets) }, { key: 'flows', label: t('requests'), num: true, render: r => fmtNum(r.flows) },
      { key: 'share', label: t('share'), num: true, render: r => fmtPct(r.share) }], rows, { sort: 'bytes', class: 'sessions' });
  }

  function filterForm(fields, params, submit) {
    const inputs = {};
    const f = el('form', { class: 'toolbar', onsubmit: e => {
      e.preventDefault();
      const p = new URLSearchParams();
      for (const [k, i] of Object.entries(inputs)) if (i.value.trim()) p.set(k, i.value.trim());
      submit(p);
    } });
    for (const k of fields) {
      const input = k === 'side' ? el('select', { name: k }, ['either', 'src', 'dst'].map(s => el('option', { value: s, selected: params.get(k) === s ? 'selected' : null }, s === 'either' ? t('either') : t(s))))
        : el('input', { name: k, value: params.get(k) || '', size: k === 'ip' || k === 'q' ? 22 : k.endsWith('since') || k.endsWith('until') ? 18 : 8 });
      inputs[k] = input;
      f.appendChild(el('label', null, t(k === 'q' ? 'text' : k), input));
    }
    f.appendChild(el('button', { class: 'primary', type: 'submit' }, t('apply')));
    return f;
  }

  async function ips(view) {
    const w = localStorage.getItem('flowlens.window') || '';
    const data = await api('/api/ips' + (w ? '?window=' + encodeURIComponent(w) : ''));
    view.appendChild(el('div', { class: 'toolbar' }, windowSelect(w || (data.window + 's'), v => { localStorage.setItem('flowlens.window', v); route(); })));
    view.appendChild(table([
      { key: 'address', label: t('ip'), render: r => el('td', null, ipLink(r.address)) },
      { key: 'bytes_sent', label: t('sent'), num: true, render: r => fmtBytes(r.bytes_sent) },
      { key: 'bytes_received', label: t('received'), num: true, render: r => fmtBytes(r.bytes_received) },
      { key: 'total', label: t('total'), num: true, value: r => r.bytes_sent + r.bytes_received, render: r => fmtBytes(r.bytes_sent + r.bytes_received) },
      { key: 'flows_sent', label: t('conn_out'), num: true, render: r => fmtNum(r.flows_sent) },
      { key: 'flows_received', label: t('conn_in'), num: true, render: r => fmtNum(r.flows_received) },
      { key: 'country', label: t('country'), value: r => r.country || '' }, { key: 'as_name', label: t('asn'), value: r => r.as_name || (r.asn ? 'AS' + r.asn : '') }],
      data.hosts, { sort: 'total', class: 'ips' }));
    const bad = await api('/api/bad-ips' + (w ? '?window=' + encodeURIComponent(w) : '')).catch(() => null);
    if (bad) {
      view.appendChild(el('h2', { style: 'margin-top:16px' }, t('bad_ips')));
      view.appendChild(table([{ key: 'address', label: t('ip'), render: r => el('td', null, ipLink(r.address)) },
        { key: 'distinct_ports', label: t('distinct_ports'), num: true }, { key: 'distinct_destinations', label: t('distinct_destinations'), num: true },
        { key: 'flows', label: t('flows'), num: true }, { key: 'alert', label: t('detector'), value: r => r.alert || '' }], bad.sources));
    }
    ready('ips');
  }

  async function ip(view, address) {
    const w = localStorage.getItem('flowlens.window') || '';
    const d = await api('/api/ip?ip=' + encodeURIComponent(address) + (w ? '&window=' + encodeURIComponent(w) : ''));
    view.appendChild(el('h1', null, d.address, d.country ? el('span', { class: 'pill', style: 'margin-left:8px' }, d.country) : null,
      d.as_name ? el('span', { class: 'pill', style: 'margin-left:8px' }, d.as_name) : null));
    view.appendChild(el('div', { class: 'cards' }, card(t('sent'), fmtBytes(d.bytes_sent)), card(t('received'), fmtBytes(d.bytes_received)),
      card(t('conn_out'), fmtNum(d.flows_sent)), card(t('conn_in'), fmtNum(d.flows_received))));
    const grid = el('div', { class: 'grid' }); view.appendChild(grid);
    const s = panel(t('series')); grid.appendChild(s);
    chart(s, { grid: { left: 10, right: 20, top: 30, bottom: 10 }, legend: { data: [t('sent'), t('received')] }, xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
      yAxis: { type: 'value', axisLabel: { formatter: fmtBytes } }, tooltip: { trigger: 'axis', valueFormatter: fmtBytes },
      series: [{ type: 'line', name: t('sent'), showSymbol: false, data: d.sent.map(p => [p.to_millis, p.bytes]) },
        { type: 'line', name: t('received'), showSymbol: false, data: d.received.map(p => [p.to_millis, p.bytes]) }] });
    const pr = panel(t('protocols')); grid.appendChild(pr);
    chart(pr, { tooltip: { trigger: 'item', valueFormatter: fmtBytes }, series: [{ type: 'pie', radius: ['35%', '70%'], data: d.protocols.map(p => ({ name: p.name, value: p.bytes })) }] }, 'small');
    grid.appendChild(panel(t('peers'), table([{ key: 'address', label: t('ip'), render: r => el('td', null, ipLink(r.address)) },
      { key: 'bytes_sent', label: t('sent'), num: true, render: r => fmtBytes(r.bytes_sent) },
      { key: 'bytes_received', label: t('received'), num: true, render: r => fmtBytes(r.bytes_received) }, { key: 'flows', label: t('flows'), num: true }], d.peers)));
    grid.appendChild(panel(t('ports'), table([{ key: 'port', label: t('port'), num: true }, { key: 'protocol_name', label: t('protocol') },
      { key: 'bytes', label: t('bytes'), num: true, render: r => fmtBytes(r.bytes) }, { key: 'flows', label: t('flows'), num: true }], d.ports)));
    ready('ip');
  }

  async function ports(view) {
    const w = localStorage.getItem('flowlens.window') || '';
    const d = await api('/api/ports' + (w ? '?window=' + encodeURIComponent(w) : ''));
    view.appendChild(el('div', { class: 'toolbar' }, windowSelect(w || (d.window + 's'), v => { localStorage.setItem('flowlens.window', v); route(); })));
    const top = d.ports.slice(0, 15);
    const protos = [...new Set(top.flatMap(p => p.protocols.map(x => x.name)))];
    const c = panel(t('ports')); view.appendChild(c);
    chart(c, { grid: { left: 10, right: 20, top: 30, bottom: 10 }, legend: { data: protos }, tooltip: { trigger: 'axis', valueFormatter: fmtBytes },
      xAxis: { type: 'category', data: top.map(p => String(p.port)) }, yAxis: { type: 'value', axisLabel: { formatter: fmtBytes } },
      series: protos.map(n => ({ type: 'bar', stack: 'p', name: n, data: top.map(p => { const x = p.protocols.find(q => q.name === n); return x ? x.bytes : 0; }) })) });
    view.appendChild(table([{ key: 'port', label: t('port'), num: true }, { key: 'bytes', label: t('bytes'), num: true, render: r => fmtBytes(r.bytes) },
      { key: 'packets', label: t('packets'), num: true, render: r => fmtNum(r.packets) }, { key: 'flows', label: t('flows'), num: true, render: r => fmtNum(r.flows) },
      { key: 'mix', label: t('protocol_mix'), value: r => r.protocols.map(p => p.name + ' ' + fmtBytes(p.bytes)).join(', ') }], d.ports, { sort: 'bytes', class: 'ports' }));
    ready('ports');
  }

  async function trend(view) {
    const span = localStorage.getItem('flowlens.span') || '1h';
    const spans = ['15m', '1h', '6h'];
    view.appendChild(el('div', { class: 'toolbar' }, el('label', null, t('span'), el('select', { id: 'span', onchange: e => { localStorage.setItem('flowlens.span', e.target.value); route(); } },
      spans.map(s => el('option', { value: s, selected: s === span ? 'selected' : null }, s))))));
    const d = await api('/api/trend?span=' + encodeURIComponent(span) + '&protocols=6');
    const c = panel(t('throughput')); view.appendChild(c);
    const series = [{ type: 'line', name: t('total'), showSymbol: false, lineStyle: { width: 3 }, data: d.total.map(p => [p.to_millis, p.bytes * 8000 / d.step_millis]) }];
    for (const [name, pts] of Object.entries(d.by_protocol)) {
      series.push({ type: 'line', name: name === 'OTHER' ? t('other') : name, showSymbol: false, areaStyle: { opacity: 0.25 }, stack: 'p', data: pts.map(p => [p.to_millis, p.bytes * 8000 / d.step_millis]) });
    }
    chart(c, { grid: { left: 10, right: 20, top: 40, bottom: 60 }, legend: { type: 'scroll' }, xAxis: { type: 'time', axisLabel: { hideOverlap: true } }, dataZoom: [{ type: 'slider' }],
      yAxis: { type: 'value', axisLabel: { formatter: fmtRate } }, tooltip: { trigger: 'axis', valueFormatter: fmtRate }, series: series });
    ready('trend');
  }

  async function alerts(view) {
    let active, history;
    try {
      active = await api('/api/alerts');
      history = await api('/api/alerts?state=all&limit=200');
    } catch (e) {
      view.appendChild(errorBox(e)); ready('alerts'); return;
    }
    const canAck = state.me && state.me.role === 'admin';
    const cols = [
      { key: 'sev', label: t('severity'), value: a => a.alert.severity, render: a => el('span', { class: 'sev-' + a.alert.severity }, a.alert.severity) },
      { key: 'det', label: t('detector'), value: a => a.alert.detector }, { key: 'key', label: t('key'), value: a => a.alert.key },
      { key: 'state', label: t('state'), value: a => a.alert.state },
      { key: 'last', label: t('last_seen'), value: a => a.alert.last_millis, render: a => fmtTime(a.alert.last_millis) },
      { key: 'value', label: t('value'), num: true, value: a => a.alert.value, render: a => fmtNum(a.alert.value) },
      { key: 'threshold', label: t('threshold'), num: true, value: a => a.alert.threshold, render: a => fmtNum(a.alert.threshold) },
      { key: 'msg', label: t('message'), value: a => a.alert.message, width: 50 },
      { key: 'evidence', label: t('evidence'), value: a => (a.alert.evidence || []).map(e => Object.entries(e).map(([k, v]) => k + '=' + v).join(' ')).join('; '), width: 36 },
      { key: 'ack', label: t('acknowledged'), value: a => a.acknowledgement ? a.acknowledgement.by : '', render: a => a.acknowledgement
        ? el('td', { title: a.acknowledgement.note || '' }, a.acknowledgement.by) : canAck
          ? el('td', null, el('button', { class: 'ack', onclick: async () => { await api('/api/alerts/ack', { body: { id: a.alert.id, note: '' } }); route(); } }, t('acknowledge'))) : '' }];
    view.appendChild(el('h2', null, t('active_alerts') + ' (' + active.alerts.length + ')'));
    view.appendChild(table(cols, active.alerts, { class: 'alerts-active' }));
    view.appendChild(el('h2', { style: 'margin-top:16px' }, t('history')));
    view.appendChild(table(cols, history.alerts, { class: 'alerts-history' }));
    ready('alerts');
  }

  function socket(path, onmessage) {
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path);
    ws.onmessage = m => { try { onmessage(JSON.parse(m.data)); } catch (e) { /* ignore a bad frame */ } };
    state.sockets.push(ws);
    return ws;
  }

  async function live(view) {
    let paused = false; const rows = []; let dropped = 0;
    const status = el('span', { class: 'muted', id: 'live-status' });
    const inputs = { ip: el('input', { name: 'ip', size: 20 }), port: el('input', { name: 'port', size: 6 }), protocol: el('input', { name: 'protocol', size: 6 }) };
    const pauseBtn = el('button', { id: 'pause', type: 'button' }, t('pause'));
    const tbody = el('tbody');
    const logs = socket('/ws/logs', m => {
      if (m.type === 'logs') {
        dropped = m.dropped;
        for (const r of m.records) rows.unshift(r);
        rows.length = Math.min(rows.length, 300);
        draw();
      }
    });
    const sess = socket('/ws/sessions', m => { if (m.type === 'sessions' && m.rows) { clear(sessBox).appendChild(sessionsTable(m.rows.slice(0, 30))); } });
    function send(msg) { [logs, sess].forEach(s => { if (s.readyState === 1) s.send(JSON.stringify(msg)); }); }
    pauseBtn.addEventListener('click', () => { paused = !paused; pauseBtn.textContent = paused ? t('resume') : t('pause'); send({ pause: paused }); });
    const form = el('form', { class: 'toolbar', onsubmit: e => {
      e.preventDefault();
      const f = {}; for (const [k, i] of Object.entries(inputs)) if (i.value.trim()) f[k] = i.value.trim();
      rows.length = 0; draw(); send({ filter: f });
    } }, Object.entries(inputs).map(([k, i]) => el('label', null, t(k), i)), el('button', { class: 'primary', type: 'submit' }, t('filter')), pauseBtn, status);
    view.appendChild(form);
    const sessBox = el('div');
    view.appendChild(panel(t('live.sessions'), sessBox));
    view.appendChild(el('h2', { style: 'margin-top:12px' }, t('live.records')));
    view.appendChild(el('table', { class: 'live' }, el('thead', null, el('tr', null, [t('time'), t('router'), t('src'), t('src_port'), t('dst'), t('dst_port'), t('protocol'), t('bytes'), t('packets'), t('domain')].map(h => el('th', null, h)))), tbody));
    function draw() {
      status.textContent = t('dropped') + ': ' + dropped + ' · ' + rows.length;
      clear(tbody);
      for (const r of rows.slice(0, 200)) {
        tbody.appendChild(el('tr', null, el('td', null, fmtTime(r.end)), textCell(r.router, 40), el('td', null, ipLink(r.src_ip)), el('td', { class: 'num' }, r.src_port),
          el('td', null, ipLink(r.dst_ip)), el('td', { class: 'num' }, r.dst_port), el('td', null, r.protocol), el('td', { class: 'num' }, fmtBytes(r.bytes)),
          el('td', { class: 'num' }, fmtNum(r.packets)), textCell(r.dst_domain || r.src_domain || '', 60)));
      }
    }
    draw();
    ready('live');
  }

  /* The world outline (console/vendor/world/world.json, built from Natural Earth): countries named by
   * their ISO 3166-1 alpha-2 code, as GeoIP reports them, with English and Chinese names. */
  let worldOutline = null;
  function world() {
    if (!worldOutline) {
      worldOutline = Promise.all([charts(), fetch('vendor/world/world.json', { credentials: 'same-origin' }).then(r => r.ok ? r.json() : null)])
        .then(([lib, w]) => { if (w) lib.registerMap('world', w.geojson); return w; });
      worldOutline.catch(() => { worldOutline = null; });
    }
    return worldOutline;
  }

  async function map(view) {
    const w = localStorage.getItem('flowlens.window') || '';
    const [d, outline] = await Promise.all([api('/api/countries' + (w ? '?window=' + encodeURIComponent(w) : '')), world()]);
    view.appendChild(el('div', { class: 'toolbar' }, windowSelect(w || (d.window + 's'), v => { localStorage.setItem('flowlens.window', v); route(); })));
    const names = outline ? outline.names[state.lang] || outline.names.en : {};
    const intl = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([state.lang], { type: 'region' }) : null;
    function cname(cc) {
      if (names[cc]) return names[cc];
      try { return intl && /^[A-Z]{2}$/.test(cc) ? intl.of(cc) : cc; } catch (e) { return cc; }
    }
    const total = r => r.bytes_sent + r.bytes_received;
    const located = d.countries.filter(r => /^[A-Z]{2}$/.test(r.country));
    if (!d.country_dimensions || !located.length) view.appendChild(el('p', { class: 'muted', id: 'map-nodata' }, t('map.nodata')));
    if (outline) {
      const mp = panel(t('map.world')); view.appendChild(mp);
      const byteValues = located.map(total).filter(b => b > 0);
      const lo = byteValues.length ? Math.log10(Math.max(1, Math.min(...byteValues))) : 0;
      const hi = Math.max(lo + 1, Math.log10(Math.max(1, ...byteValues)));
      // points with a city name only: an address known to its country alone is placed at the country's middle
      const cities = d.cities.filter(c => c.city);
      const maxc = Math.max(1, ...cities.map(c => c.bytes));
      chart(mp, {
        tooltip: { trigger: 'item', formatter: p => {
          const x = p.data;
          if (p.seriesType === 'scatter') return short(x.city, 60) + ' · ' + cname(x.country) + '\n' + t('bytes') + ': ' + fmtBytes(x.bytes);
          return cname(p.name) + '\n' + (x ? t('bytes') + ': ' + fmtBytes(x.bytes) + '\n' + t('flows') + ': ' + fmtNum(x.flows) : t('none'));
        } },
        visualMap: { type: 'continuous', seriesIndex: 0, min: lo, max: hi, left: 10, bottom: 10, itemHeight: 100, calculable: false,
          text: [fmtBytes(Math.pow(10, hi)), fmtBytes(Math.pow(10, lo))], inRange: { color: ['#c6dbfa', '#2f6fde', '#0d2f6e'] } },
        geo: { map: 'world', roam: true, top: 10, bottom: 10, left: 10, right: 10, itemStyle: { areaColor: '#e6e9ee', borderColor: '#a9b2bf', borderWidth: 0.5 },
          emphasis: { label: { show: false }, itemStyle: { areaColor: '#ffc857' } }, select: { disabled: true } },
        series: [
          { type: 'map', geoIndex: 0, data: located.map(r => ({ name: r.country, value: Math.log10(Math.max(1, total(r))), bytes: total(r), flows: r.flows_sent + r.flows_received })) },
          { type: 'scatter', coordinateSystem: 'geo', itemStyle: { color: '#e4572e', borderColor: '#fff', borderWidth: 1, opacity: 0.85 },
            symbolSize: (v, p) => 5 + 20 * Math.sqrt(p.data.bytes / maxc),
            data: cities.map(c => ({ value: [c.longitude, c.latitude], city: c.city, country: c.country, bytes: c.bytes })) }] }, 'world');
      mp.appendChild(el('p', { class: 'muted small' }, t('map.source')));
    } else {
      view.appendChild(el('p', { class: 'muted', id: 'map-nooutline' }, t('map.nooutline')));
    }
    const max = Math.max(1, ...d.countries.map(total));
    view.appendChild(panel(t('map.countries'), table([
      { key: 'country', label: t('country'), value: r => /^[A-Z]{2}$/.test(r.country) ? cname(r.country) + ' (' + r.country + ')' : r.country },
      { key: 'total', label: t('total'), num: true, value: total, render: r => fmtBytes(total(r)) },
      { key: 'bar', label: '', value: total, render: r => el('td', { style: 'width:30%' }, el('div', { class: 'bar', style: 'width:' + (100 * total(r) / max).toFixed(1) + '%' })) },
      { key: 'bytes_sent', label: t('sent'), num: true, render: r => fmtBytes(r.bytes_sent) },
      { key: 'bytes_received', label: t('received'), num: true, render: r => fmtBytes(r.bytes_received) },
      { key: 'flows', label: t('flows'), num: true, value: r => r.flows_sent + r.flows_received, render: r => fmtNum(r.flows_sent + r.flows_received) }],
      d.countries, { sort: 'total', class: 'countries' })));
    ready('map');
  }

  async function logs(view) {
    const params = new URLSearchParams(location.hash.split('?')[1] || '');
    view.appendChild(filterForm(['since', 'until', 'ip', 'side', 'src_port', 'dst_port', 'protocol'], params, p => { location.hash = '#/logs?' + p.toString(); }));
    const offset = Number(params.get('offset') || 0); const limit = 50;
    params.set('limit', limit); params.set('offset', offset);
    const d = await api('/api/logs?' + params.toString());
    if (d.source === 'recent') view.appendChild(el('p', { class: 'muted' }, t('store_note')));
    view.appendChild(table([{ key: 'end', label: t('time'), render: r => fmtTime(r.end) }, { key: 'router', label: t('router') },
      { key: 'src_ip', label: t('src'), render: r => el('td', null, ipLink(r.src_ip)) }, { key: 'src_port', label: t('src_port'), num: true },
      { key: 'dst_ip', label: t('dst'), render: r => el('td', null, ipLink(r.dst_ip)) }, { key: 'dst_port', label: t('dst_port'), num: true },
      { key: 'protocol', label: t('protocol') }, { key: 'bytes', label: t('bytes'), num: true, render: r => fmtBytes(r.bytes) },
      { key: 'domain', label: t('domain'), value: r => r.dst_domain || r.src_domain || '', width: 60 }], d.records, { class: 'logs' }));
    const pager = el('div', { class: 'pager' }, el('button', { type: 'button', disabled: offset === 0 ? 'disabled' : null, onclick: () => { params.set('offset', Math.max(0, offset - limit)); location.hash = '#/logs?' + params.toString(); } }, t('prev')),
      el('span', { class: 'muted' }, (d.total ? offset + 1 : 0) + '–' + Math.min(offset + limit, d.total) + ' / ' + d.total),
      el('button', { type: 'button', disabled: offset + limit >= d.total ? 'disabled' : null, onclick: () => { params.set('offset', offset + limit); location.hash = '#/logs?' + params.toString(); } }, t('next')));
    view.appendChild(pager);
    ready('logs');
  }

  async function events(view) {
    const params = new URLSearchParams(location.hash.split('?')[1] || '');
    view.appendChild(filterForm(['q', 'type', 'since', 'until'], params, p => { location.hash = '#/events?' + p.toString(); }));
    params.set('limit', '200');
    const d = await api('/api/events?' + params.toString());
    view.appendChild(el('p', { class: 'muted' }, fmtNum(d.total)));
    view.appendChild(table([{ key: 'millis', label: t('time'), render: r => fmtTime(r.millis) }, { key: 'type', label: t('type'), render: r => el('span', { class: 'pill' }, r.type) },
      { key: 'user', label: t('user'), value: r => r.user || '' }, { key: 'message', label: t('message'), width: 120 }], d.events, { class: 'events' }));
    ready('events');
  }

  async function collectors(view) {
    const d = await api('/api/collectors');
    const p = await api('/api/plugins');
    view.appendChild(el('p', null, el('a', { href: '/system/console/bundles', id: 'webconsole' }, t('webconsole'))));
    view.appendChild(panel(t('exporters'), exportersTable(d.exporters)));
    const ag = await api('/api/agents').catch(() => null);
    if (ag) {
      view.appendChild(panel(t('agents'), table([{ key: 'agent', label: t('name') }, { key: 'status', label: t('state'), render: r => el('span', { class: 'pill' }, r.status) },
        { key: 'address', label: t('address') }, { key: 'last_contact', label: t('last_contact'), render: r => fmtTime(r.last_contact) },
        { key: 'records_accepted', label: t('records'), num: true, render: r => fmtNum(r.records_accepted) },
        { key: 'spool', label: t('spool'), num: true, value: r => r.health.spool_records || 0, render: r => fmtNum(r.health.spool_records || 0) },
        { key: 'dropped', label: t('dropped'), num: true, value: r => r.health.records_dropped || 0, render: r => fmtNum(r.health.records_dropped || 0) },
        { key: 'last_error', label: t('errors'), value: r => r.health.last_error || '', width: 60 }], ag.agents, { class: 'agents' })));
    }
    const canAdmin = state.me && state.me.role === 'admin';
    view.appendChild(panel(t('sources'), table([{ key: 'name', label: t('name') }, { key: 'state', label: t('state') },
      { key: 'status', label: '', value: r => Object.entries(r.status).map(([k, v]) => k + '=' + v).join(' '), width: 100 },
      { key: 'act', label: '', render: r => canAdmin ? el('td', null, el('button', { type: 'button', onclick: async () => {
        await api('/api/capture/' + (r.state === 'RUNNING' ? 'stop' : 'start'), { body: { name: r.name } }); route(); } }, r.state === 'RUNNING' ? t('stop') : t('start'))) : '' }], d.sources)));
    view.appendChild(panel(t('consumers'), table([{ key: 'consumer', label: t('name') }, { key: 'records', label: t('records'), num: true, render: r => fmtNum(r.records) },
      { key: 'dropped_records', label: t('dropped'), num: true, render: r => fmtNum(r.dropped_records || 0) }, { key: 'queue_length', label: t('queue'), num: true },
      { key: 'errors', label: t('errors'), num: true, render: r => fmtNum(r.errors || 0) }], d.consumers)));
    view.appendChild(panel(t('pipeline'), table([{ key: 'k', label: t('name') }, { key: 'v', label: t('value'), num: true }],
      Object.entries(d.pipeline).filter(([k]) => k !== 'dropped').map(([k, v]) => ({ k: k, v: v })).concat(Object.entries(d.pipeline.dropped).map(([k, v]) => ({ k: 'dropped: ' + k, v: v }))))));
    view.appendChild(panel(t('plugins'), table([{ key: 'name', label: t('name') }, { key: 'version', label: t('version') }, { key: 'state', label: t('state') }], p.bundles, { sort: 'name' })));
    ready('collectors');
  }

  /* ---------------------------------------------------------------- shell */

  function showLogin() {
    stopPage();
    clear(main);
    const user = el('input', { id: 'user', autocomplete: 'username' });
    const pass = el('input', { id: 'password', type: 'password', autocomplete: 'current-password' });
    const msg = el('p', { class: 'error' });
    main.appendChild(el('form', { class: 'panel login', onsubmit: async e => {
      e.preventDefault();
      try {
        const r = await fetch('/api/auth/login', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: user.value, password: pass.value }) });
        if (!r.ok) { msg.textContent = r.status === 429 ? (await r.json()).error : t('login.failed'); return; }
        await start();
      } catch (err) { msg.textContent = String(err.message || err); }
    } }, el('h1', null, t('login.title')), el('label', null, t('login.user')), user, el('label', null, t('login.password')), pass,
      el('button', { class: 'primary', type: 'submit' }, t('login.submit')), msg));
    document.body.setAttribute('data-page', 'login');
    document.body.setAttribute('data-ready', '1');
  }

  function shell() {
    document.documentElement.lang = state.lang;
    const nav = clear(document.getElementById('nav'));
    const current = pageOf(location.hash);
    for (const p of PAGES) nav.appendChild(el('a', { href: '#/' + p, class: p === current || (p === 'ips' && current === 'ip') ? 'active' : '', 'data-nav': p }, t('nav.' + p)));
    document.getElementById('lang').textContent = t('lang.switch');
    const who = document.getElementById('who');
    who.textContent = state.me ? (state.me.via === 'anonymous' ? t('anonymous') : state.me.user + ' (' + state.me.role + ')') : '';
    const out = document.getElementById('logout');
    out.textContent = t('logout');
    out.hidden = !state.me || state.me.via !== 'session';
    document.getElementById('footer').textContent = 'Flowlens · ECharts (Apache-2.0) · Natural Earth (public domain)';
  }

  async function route() {
    stopPage();
    shell();
    clear(main);
    const parts = location.hash.split('?')[0].split('/');
    const page = pageOf(location.hash);
    preload(page);
    const view = el('section', { id: 'page-' + page });
    main.appendChild(el('h1', null, page === 'ip' ? t('nav.ips') : t('nav.' + page)));
    main.appendChild(view);
    const handlers = { overview, sessions, ips, ports, trend, alerts, live, map, logs, events, collectors };
    try {
      if (page === 'ip') await ip(view, decodeURIComponent(parts.slice(2).join('/')));
      else if (handlers[page]) await handlers[page](view);
      else { location.hash = '#/overview'; return; }
    } catch (e) {
      if (e.message === 'sign in') return;
      view.appendChild(errorBox(e));
      ready(page);
    }
    if (['overview', 'sessions', 'ips', 'ports'].includes(page) && !location.hash.includes('?')) {
      state.timers.push(setInterval(() => { if (!document.hidden && !document.querySelector('input:focus, select:focus')) refresh(page); }, 15000));
    }
  }

  async function refresh(page) { if (document.body.getAttribute('data-page') === page) route(); }

  async function start() {
    preload(pageOf(location.hash));
    const windows = fetch('/api/windows', { credentials: 'same-origin' }).then(r => r.ok ? r.json() : { windows: [] }).catch(() => ({ windows: [] }));
    const me = fetch('/api/auth/me', { credentials: 'same-origin' }).then(r => r.json());
    state.boot = Promise.all([me, windows]).then(([m, w]) => {
      state.me = m.login_required ? null : m; state.csrf = state.me ? m.csrf : null;
      state.windows = w.windows || [];
    });
    // the page's data is asked for at once, alongside who the user is: api() hands it over once that is known
    const first = route();
    await state.boot;
    if (!state.me) { stopPage(); shell(); showLogin(); return; }
    shell();
    await first;
  }

  document.getElementById('lang').addEventListener('click', () => {
    state.lang = state.lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('flowlens.lang', state.lang);
    if (state.me) route(); else { shell(); showLogin(); }
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' });
    state.me = null; state.csrf = null; shell(); showLogin();
  });
  window.addEventListener('hashchange', () => { if (state.me) route(); });
  window.addEventListener('resize', () => state.charts.forEach(c => c.resize()));
  start().catch(e => { clear(main).appendChild(errorBox(e)); });
})();
