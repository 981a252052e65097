// The landing page's demo: POST /demo/api/load, then GET /demo/api/status until it ends; each case
// is shown with the cards an EHR would display. Everything is written as text (no innerHTML).
'use strict';

(function () {
  const $ = (selector) => document.querySelector(selector);
  const button = $('#load-demo');
  if (!button) {
    return; // the demo cannot be loaded on this server
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) {
      e.className = className;
    }
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  // **bold** within a line of the card's markdown
  function inline(parent, text) {
    text.split('**').forEach((part, i) => {
      parent.appendChild(i % 2 === 1 ? el('strong', null, part) : document.createTextNode(part));
    });
    return parent;
  }

  // The card's detail: paragraphs, "- " lists and **bold**, the rest as plain text.
  function markdown(md) {
    const box = el('div', 'detail');
    let list = null;
    for (const line of md.split('\n')) {
      if (line.startsWith('- ') || line.startsWith('* ')) {
        if (!list) {
          list = box.appendChild(el('ul'));
        }
        list.appendChild(inline(el('li'), line.slice(2)));
      } else {
        list = null;
        if (line.trim()) {
          box.appendChild(inline(el('p'), line));
        }
      }
    }
    return box;
  }

  function link(url, label) {
    const a = el('a', null, label || url);
    // only the web's own schemes: a card's link is never script
    if (/^(https?:\/\/|\/)/.test(url)) {
      a.href = url;
    }
    return a;
  }

  function card(c) {
    const box = el('article', 'cds-card ' + (c.indicator || 'info'));
    const head = box.appendChild(el('p'));
    head.append(el('span', 'indicator', c.indicator), el('span', 'summary', c.summary));
    if (c.detail) {
      box.appendChild(markdown(c.detail));
    }
    if (c.source) {
      const source = box.appendChild(el('p', 'source', 'Source: '));
      source.appendChild(c.source.url ? link(c.source.url, c.source.label) : el('span', null, c.source.label));
    }
    if (c.suggestions && c.suggestions.length) {
      const list = box.appendChild(el('ul', 'suggestions'));
      c.suggestions.forEach((s) => list.appendChild(el('li', null, s.label)));
    }
    if (c.overrideReasons && c.overrideReasons.length) {
      box.appendChild(el('p', 'source', 'Override reasons offered: ' +
        c.overrideReasons.map((r) => r.display).join('; ')));
    }
    if (c.links && c.links.length) {
      const links = box.appendChild(el('p', 'links'));
      c.links.forEach((l) => {
        const a = links.appendChild(link(l.url, l.label));
        a.className = 'card-link';
      });
    }
    return box;
  }

  function probability(p, band) {
    return typeof p === 'number' ? 'AI probability ' + p.toFixed(2) + ' (' + band + ')' : null;
  }

  function showCases(cases) {
    $('#cases').replaceChildren(...cases.map((c) => {
      const section = el('section', 'case');
      section.dataset.case = c.id;
      section.appendChild(el('h3', null, c.title));
      const about = [c.context, c.patient, probability(c.probability, c.band)];
      if (c.study && typeof c.probability !== 'number') {
        about.push('AI: no probability (quality checks failed)');
      }
      section.appendChild(el('p', 'context', about.filter((x) => x).join(' · ')));
      if (c.notShown) {
        section.appendChild(el('p', 'not-shown', 'Not shown: ' + c.notShown + '.'));
      } else if (!c.cards.length) {
        section.appendChild(el('p', 'note', 'No card: order-sign answered none.'));
      } else {
        c.cards.forEach((x) => section.appendChild(card(x)));
      }
      return section;
    }));
  }

  function showStudies(studies) {
    $('#studies tbody').replaceChildren(...studies.map((s) => {
      const tr = el('tr');
      tr.append(
        el('td', null, s.study + (s.role === 'missing-view' ? ' (extension not taken)' : '')),
        el('td', null, s.patient),
        el('td', null, typeof s.probability === 'number' ? s.probability.toFixed(4) : '–'),
        el('td', null, s.band || (s.failure ? 'analysis failed: ' + s.failure : 'no probability')),
        el('td', null, s.caseId || ''));
      return tr;
    }));
  }

  function show(s) {
    document.body.dataset.demo = s.state;
    const running = s.state === 'running';
    button.disabled = running;
    $('#demo-error').hidden = s.state !== 'failed';
    $('#demo-error').textContent = s.state === 'failed' ? 'The demo could not be loaded: ' + s.message : '';
    if (running) {
      $('#demo-progress').textContent = s.step +
        (typeof s.total === 'number' ? ' (' + s.done + ' of ' + s.total + ')' : '') + '…';
    } else if (s.state === 'done') {
      const shown = s.cases.filter((c) => !c.notShown).length;
      $('#demo-progress').textContent = 'Loaded: ' + shown + ' of ' + s.cases.length +
        ' cases shown, chosen from the results of ' + s.model.id + ' ' + s.model.version +
        ' (' + s.finished + ').';
      showCases(s.cases);
      showStudies(s.studies || []);
      $('#demo-result').hidden = false;
    } else {
      $('#demo-progress').textContent = '';
    }
  }

  async function status() {
    const response = await fetch('/demo/api/status', { headers: { Accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) {
      throw new Error(body.detail || response.statusText);
    }
    return body;
  }

  function failed(e) {
    $('#demo-error').hidden = false;
    $('#demo-error').textContent = 'The demo could not be loaded: ' + e.message;
    button.disabled = false;
  }

  async function follow(s) {
    show(s);
    while (s.state === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      s = await status();
      show(s);
    }
  }

  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const response = await fetch('/demo/api/load', {
        method: 'POST', headers: { Accept: 'application/json' } });
      const body = await response.json();
      if (!response.ok) {
        throw new Error(body.detail || response.statusText);
      }
      await follow(body);
    } catch (e) {
      failed(e);
    }
  });

  // a load begun earlier (another tab, before a reload) is shown as it stands
  status().then(follow).catch(failed);
})();
