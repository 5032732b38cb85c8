// The demo wallet page. It sees window.strongroom only: opaque ids and
// public results. No key, seed or signature input ever reaches it from main
// except public values (address, fingerprint, signature).
'use strict';

(() => {
  const bridge = window.strongroom;
  const $ = (id) => document.getElementById(id);
  let walletId = null;
  // 'seed' for a created wallet; 'key' for an account imported from a keystore (it signs, it does not derive).
  let kind = null;
  // The demo's scrypt cost: geth's standard n = 2^18, p = 1 (256 MiB, about a second);
  // another can be set in the page's URL fragment (#scrypt-n=...&scrypt-p=...), as the e2e does.
  const scryptParam = (name, fallback) => {
    const match = new RegExp(`(?:^#|&)scrypt-${name}=([0-9]{1,7})(?:&|$)`).exec(location.hash);
    return match ? Number(match[1]) : fallback;
  };

  function showError(error) {
    $('error').textContent = error ? String((error && error.message) || error) : '';
  }

  function bytes(n) {
    if (n === null || n === undefined) return 'unlimited';
    if (n >= 1048576) return `${(n / 1048576).toFixed(n % 1048576 ? 1 : 0)} MiB`;
    if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KiB`;
    return `${n} B`;
  }

  // A row is "verified" only when the OS said true; null = this OS cannot tell.
  function state(value) {
    if (value === true) return ['verified', 'Verified'];
    if (value === null || value === undefined) return ['unverifiable', 'Unverifiable on this OS'];
    if (value === 'n/a') return ['na', 'Not applicable'];
    return ['failing', 'Failing'];
  }

  function statusRow(testid, label, value, source) {
    const tr = document.createElement('tr');
    tr.dataset.testid = testid;
    const [cls, text] = state(value);
    const name = document.createElement('td');
    name.textContent = label;
    const cell = document.createElement('td');
    const badge = document.createElement('span');
    badge.className = `badge ${cls}`;
    badge.dataset.state = cls;
    badge.textContent = text;
    cell.append(badge);
    const src = document.createElement('td');
    src.className = 'source';
    src.textContent = source;
    tr.append(name, cell, src);
    return tr;
  }

  function setWalletUi(account) {
    const has = account !== null;
    $('no-wallet').hidden = has;
    $('wallet').hidden = !has;
    $('sign').disabled = !has;
    $('export-keystore').disabled = !has || kind !== 'seed';
    $('verify').disabled = !has || !$('signature').value;
    if (has) {
      $('address').textContent = account.address;
      $('fingerprint').textContent = account.fingerprint === null ? 'none (an imported key)' : account.fingerprint;
      $('path').textContent = account.path === null ? 'none (an imported key)' : account.path;
      $('handle').textContent = walletId;
    }
  }

  async function refreshStatus() {
    const status = await bridge.status();
    const p = status.platform;
    $('platform').textContent = `${p.os}/${p.arch} · ${p.runtime} · page size ${bytes(p.pageSize)}`;
    const h = status.hardening;
    const linuxLike = p.os === 'linux';
    const darwin = p.os === 'darwin';
    const readback = linuxLike ? '/proc/self/smaps' : p.os === 'win32' ? 'QueryWorkingSetEx' : 'no read-back on this OS';
    const protection = linuxLike
      ? '/proc/self/maps (---p)'
      : p.os === 'win32'
        ? 'VirtualQuery (PAGE_NOACCESS)'
        : darwin
          ? 'mach_vm_region: protection VM_PROT_NONE'
          : 'no read-back on this OS';
    // Where each fact comes from: smaps VmFlags on Linux, the map entry's
    // fields (mach_vm_region_recurse) on macOS, which has no per-region dump exclusion.
    const lockSource = darwin ? 'mach_vm_region: wired' : `${readback} (lo)`;
    const dumpSource = darwin ? 'none per region on macOS; see core dumps (RLIMIT_CORE)' : `${readback} (dd)`;
    const forkSource = darwin ? 'mach_vm_region: inheritance VM_INHERIT_NONE' : `${readback} (dc)`;
    const rows = [];
    let facts = null;
    if (walletId) {
      try {
        facts = await bridge.inspect(walletId);
      } catch (error) {
        facts = null;
      }
    }
    const f = (key) => (facts ? facts[key] : 'n/a');
    // Under a protection key the page tables stay read-write: the seal is the
    // key on every page (smaps) and the calling thread's PKRU, not maps' ---p.
    const sealSource = facts && facts.sealing === 'pkey' ? "/proc/self/smaps (ProtectionKey) + the thread's PKRU" : protection;
    rows.push(statusRow('row-locked', 'Seed pages locked in RAM (no swap)', f('lockVerified'), lockSource));
    rows.push(statusRow('row-dump', 'Seed pages excluded from core dumps', f('dumpExcluded'), dumpSource));
    rows.push(statusRow('row-fork', 'Seed pages kept from forked children', f('forkExcluded'), forkSource));
    rows.push(statusRow('row-guard', 'Guard pages around the seed', facts ? facts.guardPages : 'n/a', protection));
    rows.push(
      statusRow(
        'row-sealed',
        'Sealed (no access) at rest',
        facts ? (facts.sealing === 'none' ? null : facts.sealed) : 'n/a',
        facts && facts.sealing === 'none' ? 'Windows keeps locked pages read-only' : sealSource,
      ),
    );
    rows.push(statusRow('row-canary', 'Canary after the seed intact', facts ? facts.canaryIntact : 'n/a', 'checked on every access'));
    const coreDumps = h.coreDumps === 'unknown' ? null : h.coreDumps === 'disabled';
    rows.push(
      statusRow(
        'row-coredumps',
        'Core dumps disabled (RLIMIT_CORE guard)',
        p.os === 'win32' ? 'n/a' : coreDumps,
        h.rlimitCore
          ? `RLIMIT_CORE soft ${h.rlimitCore.soft === null ? 'unlimited' : h.rlimitCore.soft}${h.dumpable === null ? '' : `, dumpable ${h.dumpable}`}${darwin ? ' (the only core-dump switch on macOS)' : ''}`
          : 'getrlimit',
      ),
    );
    rows.push(
      statusRow(
        'row-errormode',
        'Windows error dialogs suppressed',
        p.os === 'win32' ? (h.windowsErrorMode !== null ? (h.windowsErrorMode & 0x8003) === 0x8003 : null) : 'n/a',
        p.os === 'win32' ? `GetErrorMode 0x${(h.windowsErrorMode || 0).toString(16)}` : 'Windows only',
      ),
    );
    $('status-rows').replaceChildren(...rows);

    const used = h.lockBudget.used;
    const limit = h.lockBudget.limit;
    $('budget-text').textContent = `${used === null ? 'unknown' : bytes(used)} locked of ${bytes(limit)}`;
    const pct = used !== null && limit ? Math.min(100, (used / limit) * 100) : 0;
    $('budget-fill').style.width = `${Math.max(pct, used ? 1 : 0)}%`;
    $('budget-bar').setAttribute('aria-valuenow', String(Math.round(pct)));
  }

  async function act(fn) {
    try {
      showError(null);
      await fn();
    } catch (error) {
      showError(error);
    }
    try {
      await refreshStatus();
    } catch (error) {
      showError(error);
    }
  }

  $('create').addEventListener('click', () =>
    act(async () => {
      const ref = await bridge.generate(32, { kind: 'seed' });
      if (walletId) await bridge.destroy(walletId);
      walletId = ref.id;
      kind = 'seed';
      $('locked-note').hidden = true;
      setWalletUi(await bridge.run('wallet.account', walletId));
    }),
  );

  $('lock').addEventListener('click', () =>
    act(async () => {
      const id = walletId;
      await bridge.destroy(id);
      walletId = null;
      kind = null;
      $('signature').value = '';
      $('verify-result').textContent = '';
      setWalletUi(null);
      let gone = 'gone';
      try {
        await bridge.inspect(id);
        gone = 'STILL PRESENT';
      } catch (error) {
        gone = `gone (${String(error.message).split(':')[0]})`;
      }
      $('locked-note').textContent = `Wallet locked: the seed was wiped and freed; handle ${id} is ${gone}.`;
      $('locked-note').hidden = false;
    }),
  );

  $('sign').addEventListener('click', () =>
    act(async () => {
      const result = await bridge.run('wallet.sign', walletId, { message: $('message').value });
      $('signature').value = result.signature;
      $('verify').disabled = false;
      $('verify-result').textContent = '';
    }),
  );

  $('verify').addEventListener('click', () =>
    act(async () => {
      const result = await bridge.run('wallet.verify', walletId, { message: $('message').value, signature: $('signature').value });
      $('verify-result').textContent = result.valid
        ? `Valid: signed by ${result.signer}`
        : `Not valid for this wallet (signer ${result.signer || 'unknown'})`;
      $('verify-result').className = result.valid ? 'valid' : 'invalid';
    }),
  );

  // The password leaves the page once, as UTF-8 bytes; this copy is wiped
  // right after the call has sent it (the preload and main wipe theirs).
  async function withPassword(fn) {
    const password = new TextEncoder().encode($('keystore-password').value);
    $('keystore-password').value = '';
    try {
      return await fn(password);
    } finally {
      password.fill(0);
    }
  }

  function onProgress({ done, total }) {
    $('keystore-progress').max = total > 0 ? total : 1;
    $('keystore-progress').value = done;
  }

  // The last report may be coalesced away: a call that succeeded fills the bar.
  function progressDone() {
    $('keystore-progress').value = $('keystore-progress').max;
  }

  // The running keystore call's name (options.job), which the Cancel button
  // hands to cancelKeystore; null while none runs.
  let keystoreJob = null;
  let jobCount = 0;

  function keystoreBusy(busy) {
    keystoreJob = busy ? `keystore-${++jobCount}` : null;
    $('export-keystore').disabled = busy || !walletId || kind !== 'seed';
    $('import-keystore').disabled = busy;
    $('cancel-keystore').disabled = !busy;
    if (busy) {
      $('keystore-progress').value = 0;
      $('keystore-result').textContent = '';
    }
    return keystoreJob;
  }

  // A cancelled call rejects with ABORTED: nothing was made, and that is no error.
  function cancelled(error, what) {
    if (!String((error && error.message) || error).startsWith('ABORTED:')) return false;
    $('keystore-progress').value = 0;
    $('keystore-result').textContent = `Cancelled: ${what}.`;
    return true;
  }

  $('cancel-keystore').addEventListener('click', () =>
    act(async () => {
      if (keystoreJob === null) return;
      $('cancel-keystore').disabled = true;
      try {
        await bridge.cancelKeystore(keystoreJob);
      } catch (error) {
        // The call ended before the cancel reached main: its own answer says how.
        if (!String(error.message).startsWith('INVALID_HANDLE:')) throw error;
      }
    }),
  );

  $('export-keystore').addEventListener('click', () =>
    act(async () => {
      const job = keystoreBusy(true);
      try {
        const json = await withPassword((password) =>
          bridge.exportKeystore(walletId, password, {
            kdf: 'scrypt',
            n: scryptParam('n', 262144),
            p: scryptParam('p', 1),
            path: "m/44'/60'/0'/0/0",
            onProgress,
            job,
          }),
        );
        progressDone();
        $('keystore-json').value = json;
        const address = JSON.parse(json).address;
        const link = $('keystore-download');
        if (link.href) URL.revokeObjectURL(link.href);
        link.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
        link.download = `UTC--${new Date().toISOString().replace(/:/g, '-')}--${address}.json`;
        link.hidden = false;
        $('keystore-result').textContent = `Exported the account key of 0x${address}.`;
      } catch (error) {
        if (!cancelled(error, 'no keystore file was made')) throw error;
      } finally {
        keystoreBusy(false);
      }
    }),
  );

  $('keystore-file').addEventListener('change', () =>
    act(async () => {
      const file = $('keystore-file').files[0];
      if (!file) return;
      if (file.size > 16384) throw new Error('INVALID_ARGUMENT: a keystore file is at most 16 KiB');
      $('keystore-json').value = await file.text();
    }),
  );

  $('import-keystore').addEventListener('click', () =>
    act(async () => {
      const job = keystoreBusy(true);
      try {
        const ref = await withPassword((password) => bridge.importKeystore($('keystore-json').value, password, { onProgress, job }));
        progressDone();
        if (walletId) await bridge.destroy(walletId);
        walletId = ref.id;
        kind = 'key';
        $('locked-note').hidden = true;
        const account = await bridge.run('wallet.account', walletId);
        setWalletUi(account);
        $('keystore-result').textContent = `Imported the key of ${account.address}.`;
      } catch (error) {
        if (!cancelled(error, 'no key was imported, the wallet is unchanged')) throw error;
      } finally {
        keystoreBusy(false);
      }
    }),
  );

  setWalletUi(null);
  act(async () => {});
  setInterval(() => refreshStatus().catch(showError), 3000);
})();
