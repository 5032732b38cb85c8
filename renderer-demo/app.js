// The demo page: it only ever sees window.strongroom and opaque ids.
'use strict';

const bridge = window.strongroom;
const $ = (selector) => document.querySelector(selector);

function showError(error) {
  $('#error').textContent = error ? String(error.message || error) : '';
}

// A row is green only when the OS said so; null means "cannot be verified here".
function verdict(value) {
  if (value === true) return ['verified', 'verified by the OS'];
  if (value === null || value === undefined) return ['unverifiable', 'cannot be verified on this OS'];
  return ['failing', 'not in effect'];
}

function row(label, value) {
  const tr = document.createElement('tr');
  const name = document.createElement('td');
  name.textContent = label;
  const [cls, text] = verdict(value);
  const state = document.createElement('td');
  state.className = cls;
  state.textContent = text;
  tr.append(name, state);
  return tr;
}

async function refresh() {
  try {
    const [status, secrets] = await Promise.all([bridge.status(), bridge.list()]);
    const list = $('#secrets');
    list.replaceChildren();
    const body = $('#status tbody');
    body.replaceChildren(row('core dumps disabled for this process', status.hardening.coreDumps === 'unknown' ? null : status.hardening.coreDumps === 'disabled'));
    for (const secret of secrets) {
      const facts = await bridge.inspect(secret.id);
      const fingerprint = await bridge.run('fingerprint', secret.id);
      const item = document.createElement('li');
      const label = document.createElement('code');
      label.textContent = `${secret.size} bytes · fingerprint ${fingerprint}`;
      const destroy = document.createElement('button');
      destroy.type = 'button';
      destroy.textContent = 'Destroy';
      destroy.addEventListener('click', () => bridge.destroy(secret.id).then(refresh, showError));
      item.append(label, destroy);
      list.append(item);
      body.append(
        row(`${fingerprint}: pages locked`, facts.lockVerified),
        row(`${fingerprint}: excluded from core dumps`, facts.dumpExcluded),
        row(`${fingerprint}: guard pages`, facts.guardPages),
        row(`${fingerprint}: sealed at rest`, facts.sealing === 'none' ? null : facts.sealed),
        row(`${fingerprint}: canary intact`, facts.canaryIntact),
      );
    }
    showError(null);
  } catch (error) {
    showError(error);
  }
}

$('#generate').addEventListener('click', () => bridge.generate(32).then(refresh, showError));
refresh();
