#!/usr/bin/env node
// Validates SARIF files against the SARIF 2.1.0 JSON schema.
//
//   node tests/sarif/validate.js FILE...
//
// Exit code 0 when every file is valid, 1 when one is not (the schema errors are printed), 2 when
// the dependencies are not installed (run `npm ci --prefix tests/sarif`) or a file is unreadable.
//
// The schema is the one Microsoft's SARIF SDK ships in @microsoft/jest-sarif
// (lib/schemas/sarif-2.1.0-rtm.5.json, schemastore's copy of the 2.1.0 standard's schema). It is
// written in JSON Schema draft-04, so it is checked with Ajv's draft-04 class and ajv-formats
// (for the uri, uri-reference and date-time formats it uses).
'use strict';

const fs = require('fs');

let Ajv04;
let addFormats;
let schema;
try {
  Ajv04 = require('ajv-draft-04');
  addFormats = require('ajv-formats');
  schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
} catch (error) {
  console.error(
      'tests/sarif: the SARIF schema validator is not installed (' +
      error.message.split('\n')[0] + ').\nRun: npm ci --prefix tests/sarif');
  process.exit(2);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node tests/sarif/validate.js FILE...');
  process.exit(2);
}

// unicodeRegExp: false because the schema's pattern for `language`
// ("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$") has a stray ']' that a unicode-mode RegExp rejects;
// JSON Schema patterns are ECMA-262 regular expressions, where the plain mode accepts it.
const ajv = new Ajv04({allErrors: true, unicodeRegExp: false});
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(schema);
} catch (error) {
  console.error(`tests/sarif: cannot compile the SARIF schema: ${error.message}`);
  process.exit(2);
}

let status = 0;
for (const file of files) {
  let log;
  try {
    log = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`${file}: cannot read SARIF: ${error.message}`);
    status = Math.max(status, 2);
    continue;
  }
  if (validate(log)) {
    console.log(`${file}: valid SARIF 2.1.0`);
    continue;
  }
  status = Math.max(status, 1);
  for (const e of validate.errors) {
    console.error(`${file}: ${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
  }
}
process.exit(status);
