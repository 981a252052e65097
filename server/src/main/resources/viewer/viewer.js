// The viewer page: reads the AI result's basis and images from /viewer/api/{id} with the link's
// token (from the URL fragment, never sent to a server as part of a URL).
'use strict';

(function () {
  const id = decodeURIComponent(location.pathname.split('/').pop());
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('access');
  const api = '/viewer/api/' + encodeURIComponent(id);
  const $ = (selector) => document.querySelector(selector);
  const views = {}; // posture -> {canvas, grey: ImageData of the untouched image}
  let current = null; // the basis on the page: a review is of this version of the result

  function headers(extra) {
    const h = Object.assign({}, extra || {});
    if (token) {
      h.Authorization = 'Bearer ' + token;
    }
    return h;
  }

  async function call(path, options) {
    const response = await fetch(api + path, Object.assign({ headers: headers() }, options || {}));
    if (!response.ok) {
      let message = response.status + ' ' + response.statusText;
      try {
        message = (await response.json()).detail || message;
      } catch (e) {
        // not JSON: keep the status line
      }
      throw new Error(message);
    }
    return response;
  }

  function fail(message) {
    const error = $('#error');
    error.textContent = message;
    error.hidden = false;
  }

  function fixed(value) {
    return typeof value === 'number' ? value.toFixed(4) : '–';
  }

  function showBasis(basis) {
    current = basis;
    $('#synthetic').hidden = !basis.model.synthetic;
    $('#probability').textContent = fixed(basis.probability);
    $('#band').textContent = basis.band ? '(' + basis.band.display + ')' : '';
    const ruleOut = basis.model.ruleOut;
    const ruleIn = basis.model.ruleIn;
    $('#rule-out').textContent = fixed(ruleOut);
    $('#rule-in').textContent = fixed(ruleIn);
    const zones = document.querySelectorAll('#scale .zone');
    zones[0].style.width = (ruleOut * 100) + '%';
    zones[1].style.width = ((ruleIn - ruleOut) * 100) + '%';
    zones[2].style.width = ((1 - ruleIn) * 100) + '%';
    $('#scale .rule-out').style.left = (ruleOut * 100) + '%';
    $('#scale .rule-in').style.left = (ruleIn * 100) + '%';
    const value = $('#scale .value');
    value.hidden = typeof basis.probability !== 'number';
    if (!value.hidden) {
      value.style.left = 'calc(' + (basis.probability * 100) + '% - 2px)';
    }
    for (const posture of ['neutral', 'flexion', 'extension']) {
      const score = basis.viewScores[posture];
      $('#score-' + posture).textContent =
        typeof score === 'number' ? 'view score ' + score.toFixed(4) : '';
    }
    const flags = $('#quality-flags');
    flags.replaceChildren(...basis.qualityFlags.map((f) => {
      const li = document.createElement('li');
      li.textContent = 'Quality: ' + f;
      return li;
    }));
    $('#views-used').textContent = basis.viewsUsed.length ? basis.viewsUsed.join(', ') : 'none';
    $('#model').textContent = (basis.model.name || basis.model.id) + ', version ' + basis.model.version;
    $('#validation').textContent = basis.model.validation;
    const mismatch = $('#model-mismatch');
    mismatch.hidden = basis.model.madeThisResult;
    mismatch.textContent = 'This result was made by ' + basis.model.resultModel +
      ', not the model in use: its heatmaps cannot be shown and its probability is not read' +
      ' against these operating points.';
    $('#caveats').replaceChildren(...basis.caveats.map((c) => {
      const li = document.createElement('li');
      li.textContent = c;
      return li;
    }));
    $('#status').textContent = basis.disputed ? 'disputed' : basis.status;
    $('#reviews').replaceChildren(...basis.reviews.map((r) => {
      const li = document.createElement('li');
      li.textContent = r.action + ' by ' + r.who + ' at ' + r.when;
      return li;
    }));
    const open = basis.status === 'preliminary' && !basis.disputed;
    $('#review-form').hidden = !(open && basis.mayReview);
    if (open && !basis.mayReview) {
      $('#review-status').textContent = 'Open this result from a card shown to you to review it.';
    }
    document.body.dataset.loaded = 'basis';
  }

  function applyWindow() {
    const width = Number($('#window').value);
    const level = Number($('#level').value);
    const low = level - width / 2;
    const lut = new Uint8ClampedArray(256);
    for (let v = 0; v < 256; v++) {
      lut[v] = Math.round(((v - low) / width) * 255);
    }
    for (const view of Object.values(views)) {
      const out = new ImageData(view.grey.width, view.grey.height);
      const src = view.grey.data;
      for (let i = 0; i < src.length; i += 4) {
        const g = lut[src[i]];
        out.data[i] = g;
        out.data[i + 1] = g;
        out.data[i + 2] = g;
        out.data[i + 3] = 255;
      }
      view.canvas.getContext('2d').putImageData(out, 0, 0);
    }
  }

  function applyOverlay() {
    const shown = $('#overlay-toggle').checked;
    const opacity = Number($('#overlay-opacity').value) / 100;
    document.querySelectorAll('.heatmap').forEach((img) => {
      img.hidden = !shown || !img.dataset.ready;
      img.style.opacity = String(opacity);
    });
  }

  function applyZoom() {
    const zoom = Number($('#zoom').value) / 100;
    document.querySelectorAll('.stage').forEach((stage) => {
      stage.style.transform = 'scale(' + zoom + ')';
    });
  }

  async function blobUrl(path) {
    const response = await call(path);
    return URL.createObjectURL(await response.blob());
  }

  async function loadImage(url) {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  }

  async function showViews(basis, availability) {
    const status = $('#views-status');
    const available = await availability;
    // every image asked for at once (the browser fetches them side by side), drawn in order
    const fetched = {};
    for (const posture of available.views) {
      fetched[posture] = {
        view: blobUrl('/views/' + posture + '.png'),
        heatmap: available.heatmaps.includes(posture)
          ? blobUrl('/heatmaps/' + posture + '.png')
          : null,
      };
    }
    // a failed fetch is reported below, once, not as an unhandled rejection
    for (const f of Object.values(fetched)) {
      f.view.catch(() => {});
      if (f.heatmap) {
        f.heatmap.catch(() => {});
      }
    }
    for (const figure of document.querySelectorAll('.view')) {
      const posture = figure.dataset.posture;
      if (!available.views.includes(posture)) {
        figure.querySelector('.frame').hidden = true;
        figure.querySelector('.missing').hidden = false;
        continue;
      }
      const image = await loadImage(await fetched[posture].view);
      const canvas = figure.querySelector('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      views[posture] = { canvas, grey: context.getImageData(0, 0, canvas.width, canvas.height) };
      if (available.heatmaps.includes(posture)) {
        const heatmap = figure.querySelector('.heatmap');
        heatmap.src = await fetched[posture].heatmap;
        heatmap.dataset.ready = 'true';
      }
    }
    applyWindow();
    applyOverlay();
    applyZoom();
    const reproduced = available.reproducedProbability;
    if (available.heatmapSource === 'stored') {
      $('#reproduced').textContent =
        'Heatmaps stored with the result when the model made it.';
      $('#reproduced').classList.remove('warning');
    } else if (typeof reproduced === 'number' && typeof basis.probability === 'number') {
      const same = Math.abs(reproduced - basis.probability) < 5e-4;
      $('#reproduced').textContent = same
        ? 'Heatmaps from the model in use, which gives the same probability again.'
        : 'The model in use now gives ' + reproduced.toFixed(4) + ' on these images, not the ' +
          'stored ' + basis.probability.toFixed(4) + ': the heatmaps may not be the stored ' +
          'result\'s.';
      $('#reproduced').classList.toggle('warning', !same);
    }
    status.textContent = available.heatmaps.length
      ? 'Radiographs as the model read them (reduced for display).'
      : 'Radiographs as found; no heatmaps (this result has no probability from the model in use).';
    document.body.dataset.loaded = 'views';
  }

  async function review(action) {
    const comment = $('#comment').value;
    $('#review-status').textContent = 'Saving…';
    try {
      const response = await call('/review', {
        method: 'POST',
        headers: headers({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({ action, comment, version: current.version }),
      });
      showBasis(await response.json());
      $('#review-status').textContent = action === 'acknowledge' ? 'Acknowledged.' : 'Disputed.';
    } catch (e) {
      $('#review-status').textContent = e.message;
    }
  }

  async function start() {
    $('#overlay-toggle').addEventListener('change', applyOverlay);
    $('#overlay-opacity').addEventListener('input', applyOverlay);
    $('#window').addEventListener('input', applyWindow);
    $('#level').addEventListener('input', applyWindow);
    $('#zoom').addEventListener('input', applyZoom);
    $('#reset').addEventListener('click', () => {
      $('#window').value = 255;
      $('#level').value = 128;
      $('#zoom').value = 100;
      $('#overlay-opacity').value = 60;
      $('#overlay-toggle').checked = true;
      applyWindow();
      applyOverlay();
      applyZoom();
    });
    $('#acknowledge').addEventListener('click', () => review('acknowledge'));
    $('#dispute').addEventListener('click', () => review('dispute'));
    // what there is to show is asked for beside the basis, not after it: one round trip less
    // before the images (the images themselves wait for it)
    const availability = call('/views').then((response) => response.json());
    availability.catch(() => {});
    let basis;
    try {
      basis = await (await call('')).json();
    } catch (e) {
      fail(e.message);
      return;
    }
    $('#main').hidden = false;
    showBasis(basis);
    try {
      await showViews(basis, availability);
    } catch (e) {
      $('#views-status').textContent = 'The radiographs could not be shown: ' + e.message;
      $('#views-status').classList.add('warning');
    }
  }

  start();
})();
