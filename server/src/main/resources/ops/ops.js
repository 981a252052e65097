// The operations view: reads /ops/api/summary and fills the page.
'use strict';

(function () {
  const $ = (selector) => document.querySelector(selector);

  function cell(row, text) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '–' : String(text);
    row.appendChild(td);
  }

  function rows(selector, items, fill) {
    const body = $(selector + ' tbody');
    body.replaceChildren(...items.map((item) => {
      const tr = document.createElement('tr');
      fill(tr, item);
      return tr;
    }));
  }

  function pct(x) {
    return typeof x === 'number' ? (100 * x).toFixed(1) + ' %' : '–';
  }

  function histogram(recent, validation) {
    const total = (counts) => counts.reduce((a, b) => a + b, 0) || 1;
    const r = recent.map((c) => c / total(recent));
    const v = validation.map((c) => c / total(validation));
    const top = Math.max(...r, ...v) || 1;
    $('#histogram').replaceChildren(...r.map((share, i) => {
      const bin = document.createElement('div');
      bin.className = 'bin';
      for (const [kind, value] of [['recent', share], ['validation', v[i]]]) {
        const bar = document.createElement('div');
        bar.className = 'bar ' + kind;
        bar.style.height = (100 * value / top) + '%';
        bar.title = kind + ' ' + (100 * value).toFixed(1) + ' %';
        bin.appendChild(bar);
      }
      return bin;
    }));
  }

  function show(s) {
    $('#model').textContent = (s.model.name || s.model.id) + ', version ' + s.model.version +
      ' (sha256 ' + s.model.sha256.slice(0, 12) + '…); rule-out ' + s.model.ruleOut.toFixed(4) +
      ', rule-in ' + s.model.ruleIn.toFixed(4);
    $('#synthetic').hidden = !s.model.synthetic;
    $('#jobs-queued').textContent = s.jobs.now.queued;
    $('#jobs-running').textContent = s.jobs.now.running;
    $('#jobs-retry').textContent = s.jobs.now.waitingToRetry;
    $('#tasks-completed').textContent = s.jobs.tasks.completed;
    $('#tasks-failed').textContent = s.jobs.tasks.failed;
    rows('#failures', s.jobs.recentFailures, (tr, f) => {
      cell(tr, f.when);
      cell(tr, f.task);
      cell(tr, f.order);
      cell(tr, f.reason);
    });
    const r = s.results;
    $('#results').textContent = r.read + ' results in the last ' + s.days + ' days: ' +
      r.withProbability + ' with a probability, ' + r.qualityFailures + ' without (quality checks failed)' +
      (r.truncated ? ' (only the latest were read)' : '') + '.';
    if (r.drift) {
      $('#drift').textContent = 'Drift against the validation distribution: ' +
        (r.drift.psi === null ? '' : 'PSI ' + r.drift.psi.toFixed(3) + ', ') + r.drift.reading + '.';
      $('#drift').classList.toggle('warning', r.drift.psi !== null && r.drift.psi >= 0.1);
      histogram(r.histogram, r.validation.counts);
    } else {
      $('#drift').textContent = r.validation.missing;
    }
    rows('#per-day', r.perDay, (tr, d) => {
      cell(tr, d.date);
      cell(tr, d.results);
      cell(tr, d.qualityFailures);
      cell(tr, typeof d.meanProbability === 'number' ? d.meanProbability.toFixed(3) : null);
      cell(tr, d.aboveRuleIn);
      cell(tr, d.belowRuleOut);
      cell(tr, d.drift ? (d.drift.psi === null ? d.drift.reading : d.drift.psi.toFixed(3) + ' ' + d.drift.reading) : null);
    });
    const f = s.feedback;
    $('#feedback').textContent = f.cards + ' cards shown, ' + f.feedback + ' with feedback: ' +
      'accepted ' + pct(f.acceptRate) + ', overridden ' + pct(f.overrideRate) + '.';
    $('#foreign').textContent = s.foreignAiResultsIgnored + ' AI result(s) of another patient' +
      ' found in records and ignored since this instance started' +
      (s.foreignAiResultsIgnored > 0 ? ': check how the EHR fills prefetch.' : '.');
    rows('#services', Object.entries(f.services), (tr, [id, svc]) => {
      cell(tr, id);
      cell(tr, svc.cards);
      cell(tr, Object.entries(svc.outcomes).map(([k, v]) => k + ' ' + v).join(', '));
      cell(tr, Object.values(svc.overrideReasons).map((o) => o.display + ' ' + o.count).join(', '));
    });
    document.body.dataset.loaded = 'summary';
  }

  async function load() {
    try {
      const response = await fetch('/ops/api/summary?days=' + $('#days').value);
      const body = await response.json();
      if (!response.ok) {
        throw new Error(body.detail || response.statusText);
      }
      $('#main').hidden = false;
      $('#error').hidden = true;
      show(body);
    } catch (e) {
      $('#error').textContent = 'The summary could not be read: ' + e.message;
      $('#error').hidden = false;
    }
  }

  $('#days').addEventListener('change', load);
  load();
})();
