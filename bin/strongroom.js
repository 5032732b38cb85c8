#!/usr/bin/env node
'use strict';
process.exitCode = require('../dist/main/cli.js').main(process.argv.slice(2));
