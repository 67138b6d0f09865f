#!/usr/bin/env node
// Score a CSV file with model.onnx, as `kuai predict` does, without Kuai (same output as score.py).
//
//     ONNXRUNTIME_NODE_INSTALL=skip npm ci
//     node score.js new_data.csv --out predictions.csv [--model model.onnx]
//
// Writes one row per data row, in input order: `prediction` and, for a classifier, `proba_<class>` for
// every class. What the script needs to know about the model (input columns with their types and
// categories, the classes, the decision threshold) is read from the model's own metadata
// (`kuai_schema`, `kuai_threshold`).
//
// Reads a UTF-8 CSV with a header row, commas between fields and '.' as the decimal point; extra
// columns are ignored and the column order does not matter.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { parse } = require('csv-parse');
const { stringify } = require('csv-stringify/sync');
const ort = require('onnxruntime-node');
const protobuf = require('protobufjs');

const SCHEMA_KEY = 'kuai_schema';
const THRESHOLD_KEY = 'kuai_threshold';
const BATCH_ROWS = 10000;
// Cells that mean "no value" (after trimming blanks), as Kuai reads them.
const MISSING_VALUES = new Set([
  '', 'NA', 'N/A', 'n/a', 'na', 'N.A.', 'n.a.', 'NaN', 'nan', 'NAN', '-nan', '-NaN', 'null', 'NULL', 'Null',
  'nil', '<NA>', '#NA', '#N/A', '#N/A N/A', '?', '-', '--', '#DIV/0!', '#VALUE!', '#REF!', '#NAME?', '#NUM!',
  '#NULL!', '#NV', '#WERT!', '#BEZUG!', '#ZAHL!', '#VALEUR!', '#REF', 'n.v.', 'N.V.', 'k.A.', 'k. A.',
]);
const NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const NUMBER_JUNK = /[,\s$€£¥%]/g; // thousands separators, blanks, currency and percent signs
const DATE = new RegExp('^([0-9]{4})([-/])([0-9]{1,2})\\2([0-9]{1,2})'
  + '(?:[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?)?'
  + '\\s*(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$', 'i');
const DATE_PARTS = ['year', 'month', 'day', 'day_of_week', 'hour'];
const FORMULA_START = ['=', '+', '-', '@', '\t', '\r'];
// What Python's float() accepts: a cell that reads as a number is not a formula.
const PYTHON_FLOAT = /^\s*[+-]?(?:(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:e[+-]?\d(?:_?\d)*)?|inf|infinity|nan)\s*$/i;
// The one part of an ONNX file this script reads: ModelProto.metadata_props (onnx.proto, field 14).
const ONNX_METADATA = protobuf.parse(`
  syntax = "proto2";
  message StringStringEntryProto { optional string key = 1; optional string value = 2; }
  message ModelProto { repeated StringStringEntryProto metadata_props = 14; }
`, { keepCase: true }).root.lookupType('ModelProto');

class ScoringError extends Error {}

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, model: { type: 'string', default: path.join(__dirname, 'model.onnx') } },
  });
  if (positionals.length !== 1 || !values.out) {
    console.error('usage: node score.js DATA.csv --out PREDICTIONS.csv [--model model.onnx]');
    return 2;
  }
  try {
    const nRows = await scoreFile(values.model, positionals[0], values.out);
    console.log(`${nRows.toLocaleString('en-US')} predictions -> ${values.out}`);
    return 0;
  } catch (error) {
    if (error instanceof ScoringError || error.code === 'ENOENT' || error.code === 'EACCES'
        || String(error.code || '').startsWith('CSV_')) {
      console.error(`score.js: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

async function scoreFile(modelPath, dataPath, outPath) {
  const bytes = fs.readFileSync(modelPath);
  let session;
  let metadata;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    metadata = Object.fromEntries(ONNX_METADATA.decode(bytes).metadata_props.map((e) => [e.key, e.value]));
  } catch (error) {
    throw new ScoringError(`ONNX Runtime cannot load ${modelPath}: ${error.message}`);
  }
  if (!(SCHEMA_KEY in metadata)) {
    throw new ScoringError(`${modelPath} carries no '${SCHEMA_KEY}' metadata: it was not exported by Kuai.`);
  }
  const schema = JSON.parse(metadata[SCHEMA_KEY]);
  const classes = schema.classes.map(String);
  const threshold = THRESHOLD_KEY in metadata && classes.length === 2 ? Number(metadata[THRESHOLD_KEY]) : null;
  const columns = schema.input_schema;
  const out = fs.openSync(outPath, 'w');
  let nRows = 0;
  try {
    fs.writeSync(out, stringify([['prediction', ...classes.map((label) => `proba_${label}`)].map(safeCell)]));
    for await (const batch of readBatches(dataPath, columns.map((column) => column.name))) {
      const outputs = await session.run(buildFeeds(batch, columns));
      fs.writeSync(out, stringify(outputRows(outputs, classes, threshold, batch.length)));
      nRows += batch.length;
    }
  } finally {
    fs.closeSync(out);
  }
  return nRows;
}

// The cells of the named columns, BATCH_ROWS rows at a time; rows with no value at all are skipped.
async function* readBatches(dataPath, names) {
  const source = fs.createReadStream(dataPath);
  const records = source.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  source.on('error', (error) => records.destroy(error)); // e.g. a missing file: reported, not thrown unhandled
  let wanted = null;
  let batch = [];
  for await (const row of records) {
    if (wanted === null) {
      const positions = new Map();
      row.forEach((name, position) => {
        if (!positions.has(name.trim())) positions.set(name.trim(), position);
      });
      const missing = names.filter((name) => !positions.has(name));
      if (missing.length) {
        const shown = missing.slice(0, 10).map((name) => `'${name}'`).join(', ');
        throw new ScoringError(`The data lacks ${missing.length} column(s) the model needs: ${shown}.`);
      }
      wanted = names.map((name) => positions.get(name));
      continue;
    }
    if (row.every((cell) => MISSING_VALUES.has(cell.trim()))) continue;
    batch.push(wanted.map((i) => (i < row.length ? row[i].trim() : '')));
    if (batch.length === BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (wanted === null) throw new ScoringError(`${dataPath} is empty: it needs a header row.`);
  if (batch.length) yield batch;
}

// One [N, 1] tensor per model input: float32 numbers (NaN when missing), strings ('' when missing).
function buildFeeds(batch, columns) {
  const feeds = {};
  const n = batch.length;
  columns.forEach((column, position) => {
    const cells = batch.map((row) => row[position]);
    const inputs = column.onnx_inputs;
    if (column.type === 'datetime') {
      const parts = cells.map(dateParts);
      for (const name of inputs) {
        const part = name.slice(name.lastIndexOf('__') + 2);
        feeds[name] = new ort.Tensor('float32', Float32Array.from(parts, (p) => p[part]), [n, 1]);
      }
    } else if (column.onnx_dtype === 'string') {
      const known = new Set(column.categories || []);
      feeds[inputs[0]] = new ort.Tensor('string', cells.map((cell) => category(cell, known)), [n, 1]);
    } else {
      feeds[inputs[0]] = new ort.Tensor('float32', Float32Array.from(cells, number), [n, 1]);
    }
  });
  return feeds;
}

// '1,234.5', '$12', '7 %' read as numbers; anything else, and infinities, as missing.
function number(cell) {
  const text = cell.replace(NUMBER_JUNK, '');
  if (MISSING_VALUES.has(cell) || !NUMBER.test(text)) return NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}

// The category as the model learnt it: 'true' -> 'True', '2.0' -> '2'; '' when missing.
function category(cell, known) {
  if (MISSING_VALUES.has(cell)) return '';
  if (known.has(cell)) return cell;
  for (const candidate of [booleanLabel(cell), numberLabel(cell)]) {
    if (candidate !== null && known.has(candidate)) return candidate;
  }
  return cell; // a category the model never saw: it is scored as unknown
}

function booleanLabel(cell) {
  return { true: 'True', false: 'False' }[cell.toLowerCase()] ?? null;
}

function numberLabel(cell) {
  if (!NUMBER.test(cell)) return null;
  const value = Number(cell);
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 53) return String(value);
  return pythonRepr(value);
}

// ISO 8601 date or date-time (an offset is converted to UTC) as year, month, day, day_of_week, hour.
function dateParts(cell) {
  const missing = Object.fromEntries(DATE_PARTS.map((part) => [part, NaN]));
  const match = DATE.exec(cell);
  if (MISSING_VALUES.has(cell) || match === null) return missing;
  const [year, , month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6, 7].map((i) => Number(match[i] || 0));
  const offset = match[8];
  const stamp = new Date(0);
  stamp.setUTCFullYear(year, month - 1, day);
  stamp.setUTCHours(hour, minute, second, 0);
  if (year < 1 || stamp.getUTCFullYear() !== year || stamp.getUTCMonth() !== month - 1
      || stamp.getUTCDate() !== day || stamp.getUTCHours() !== hour || stamp.getUTCMinutes() !== minute
      || stamp.getUTCSeconds() !== second) {
    return missing; // not a real date or time, e.g. 2023-02-30 or 25:00
  }
  if (offset && offset.toUpperCase() !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
    stamp.setTime(stamp.getTime() + (offset[0] === '+' ? -1 : 1) * minutes * 60000);
  }
  return { year: stamp.getUTCFullYear(), month: stamp.getUTCMonth() + 1, day: stamp.getUTCDate(),
    day_of_week: (stamp.getUTCDay() + 6) % 7, hour: stamp.getUTCHours() };
}

// `prediction` and `proba_<class>` cells, with the decision threshold applied as `kuai predict` does.
function outputRows(outputs, classes, threshold, n) {
  if (!classes.length) return Array.from(outputs.variable.data, (value) => [numberText(value)]);
  const k = classes.length;
  const probabilities = outputs.probabilities.data;
  const labels = outputs.label.data;
  const rows = [];
  for (let r = 0; r < n; r += 1) {
    const row = Array.from(probabilities.subarray(r * k, (r + 1) * k));
    // binary: P(classes[1]) at or above the threshold is a positive call
    const index = threshold !== null ? Number(row[1] >= threshold) : Number(labels[r]);
    rows.push([safeCell(classes[index]), ...row.map(numberText)]);
  }
  return rows;
}

function numberText(value) {
  return Number.isNaN(value) ? '' : pythonRepr(value);
}

// A number written as Python's repr() writes it (shortest round-trip digits), so both examples agree.
function pythonRepr(value) {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const power = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return `${sign}${digits[0]}${rest}e${power}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1) || '0';
  return `${sign}${whole}.${fraction}`;
}

// Quote text a spreadsheet would run as a formula ('=cmd', '@SUM(...)'); numbers stay as they are.
function safeCell(text) {
  if (FORMULA_START.some((start) => text.startsWith(start)) && !PYTHON_FLOAT.test(text)) return `'${text}`;
  return text;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

module.exports = { category, dateParts, number, pythonRepr, safeCell };
