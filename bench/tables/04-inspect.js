// 4. inspect() with 10,000 live secrets (1,000 with --quick).
'use strict';

const { fmtNs, fmtRatio, ratio, table } = require('../format');
const { quick } = require('../measure');

function run({ strongroom }) {
  const live = quick ? 1000 : 10_000;
  const out = { live };
  for (const storage of ['pooled', 'isolated']) {
    const vault = new strongroom.SecretVault({ storage, lockPolicy: 'best-effort' });
    const handles = [];
    for (let i = 0; i < live; i++) handles.push(vault.generate(32));
    const calls = storage === 'pooled' ? 200 : 20;
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) vault.inspect(handles[(i * 7919) % live]);
    out[storage] = Number(process.hrtime.bigint() - start) / calls;
    vault.destroyAll();
  }
  return out;
}

function print(results) {
  const inspect = results.inspect;
  return [
    table(
      `4. inspect() with ${inspect.live.toLocaleString('en')} live secrets`,
      ['storage', 'time per inspect', 'vs pooled'],
      [
        ['pooled', fmtNs(inspect.pooled), '1.00×'],
        ['isolated', fmtNs(inspect.isolated), fmtRatio(ratio(inspect.isolated, inspect.pooled))],
      ],
    ),
    '',
  ];
}

module.exports = { key: 'inspect', run, print };
