#!/usr/bin/env node
// Score a CSV file with model.onnx, as `kuai predict` does, without Kuai (same output as score.py).
//
//     ONNXRUNTIME_NODE_INSTALL=skip npm ci
//     node score.js new_data.csv --out predictions.csv [--model model.onnx]
//
// Writes one row per data row, in input order: `prediction` and, for a classifier, `proba_<class>` for
// every class. What the script needs to know about the model (input columns with their types,
// categories and date formats, the classes, the decision threshold) is read from the model's own
// metadata (`kuai_schema`, `kuai_threshold`).
//
// Reads a UTF-8 CSV with a header row, commas between fields and '.' as the decimal point; extra
// columns are ignored and the column order does not matter. A date is read in its column's format
// (that of the training data, e.g. %d/%m/%Y), else as ISO 8601. Values that cannot be read as their
// column's type are scored as missing and counted on stderr.
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
const BATCH_CELLS = 2000000; // rows x the longest cell: a text's words and characters are each a string in the graph
// Cells that mean "no value" (after trimming blanks), as Kuai reads them.
const MISSING_VALUES = new Set([
  '', 'NA', 'N/A', 'n/a', 'na', 'N.A.', 'n.a.', 'NaN', 'nan', 'NAN', '-nan', '-NaN', 'null', 'NULL', 'Null',
  'nil', '<NA>', '#NA', '#N/A', '#N/A N/A', '?', '-', '--', '#DIV/0!', '#VALUE!', '#REF!', '#NAME?', '#NUM!',
  '#NULL!', '#NV', '#WERT!', '#BEZUG!', '#ZAHL!', '#VALEUR!', '#REF', '#SPILL!', '#CALC!', '#NOM?', '#NOMBRE!',
  '#NUL!', '#FIELD!', '#BLOCKED!', '#CONNECT!', '#BUSY!', '#GETTING_DATA', '#UNKNOWN!', '#ERROR!', 'Err:502',
  'Err:504', 'n.v.', 'N.V.', 'k.A.', 'k. A.',
]);
const NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const NUMBER_JUNK = /[,\s$€£¥%]/g; // thousands separators, blanks, currency and percent signs
const DATE = new RegExp('^([0-9]{4})([-/])([0-9]{1,2})\\2([0-9]{1,2})'
  + '(?:[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?)?'
  + '\\s*(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$', 'i');
const DATE_PARTS = ['year', 'month', 'day', 'day_of_week', 'hour'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october',
  'november', 'december'];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const longestFirst = (names) => [...names].sort((a, b) => b.length - a.length).join('|');
// The strftime codes of Kuai's date formats, matched as Python's datetime.strptime matches them (score.py
// uses it): the same patterns, case-insensitive, English month and day names.
const DATE_CODES = {
  Y: '\\d\\d\\d\\d', y: '\\d\\d', m: '1[0-2]|0[1-9]|[1-9]', d: '3[01]|[12]\\d|0[1-9]|[1-9]| [1-9]',
  H: '2[0-3]|[01]\\d|\\d', I: '1[0-2]|0[1-9]|[1-9]', M: '[0-5]\\d|\\d', S: '6[01]|[0-5]\\d|\\d', f: '\\d{1,6}',
  z: '[+-]\\d\\d:?[0-5]\\d(?::?[0-5]\\d(?:\\.\\d{1,6})?)?|Z', p: 'am|pm',
  b: longestFirst(MONTHS.map((name) => name.slice(0, 3))), B: longestFirst(MONTHS),
  a: longestFirst(WEEKDAYS.map((name) => name.slice(0, 3))), A: longestFirst(WEEKDAYS),
};
const UNREAD_EXAMPLES = 3;
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
    const unread = new UnreadCells();
    const nRows = await scoreFile(values.model, positionals[0], values.out, unread);
    if (unread.columns.size) console.error(`score.js: ${unread.note()}`);
    if (unread.emptyRows.length) console.error(`score.js: ${unread.emptyNote()}`);
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

async function scoreFile(modelPath, dataPath, outPath, unread = null) {
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
  for (const column of columns) {
    if (column.type === 'datetime' && (column.date_format || '').includes('%')) compiledFormat(column.date_format);
  }
  const out = fs.openSync(outPath, 'w');
  let nRows = 0;
  try {
    fs.writeSync(out, stringify([['prediction', ...classes.map((label) => `proba_${label}`)].map(safeCell)]));
    for await (const batch of readBatches(dataPath, columns.map((column) => column.name), unread)) {
      const outputs = await session.run(buildFeeds(batch, columns, unread));
      const nOutputs = classes.length ? outputs.probabilities.data.length / classes.length
        : outputs.variable.data.length;
      checkRowCount(batch.length, nOutputs, outPath);
      fs.writeSync(out, stringify(outputRows(outputs, classes, threshold, batch.length)));
      nRows += batch.length;
    }
  } finally {
    fs.closeSync(out);
  }
  return nRows;
}

// The cells of the named columns, BATCH_ROWS rows at a time (fewer when a text is long: BATCH_CELLS), one row per
// row of the file (as `kuai predict` reads it: a row with no value, or a copy of the header row, is a row of missing
// values; a blank line is no row).
async function* readBatches(dataPath, names, unread = null) {
  const source = fs.createReadStream(dataPath);
  const records = source.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  source.on('error', (error) => records.destroy(error)); // e.g. a missing file: reported, not thrown unhandled
  let wanted = null;
  let header = null;
  let batch = [];
  let longest = 0; // the batch's longest cell
  let nRows = 0;
  for await (let row of records) {
    if (wanted === null) {
      header = row.map((name) => name.trim());
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
    if (header.length > 1 && row.length === 1 && !row[0].trim()) continue; // a blank line
    nRows += 1;
    if (row.length === header.length && row.every((cell, i) => cell.trim() === header[i])) row = header.map(() => '');
    if (unread !== null && row.every((cell) => MISSING_VALUES.has(cell.trim()))) unread.emptyRows.push(nRows);
    const cells = wanted.map((i) => (i < row.length ? row[i].trim() : ''));
    const width = cells.reduce((most, cell) => Math.max(most, cell.length), 0);
    if (batch.length && (batch.length + 1) * Math.max(longest, width) > BATCH_CELLS) {
      yield batch; // this row would make the batch too wide
      batch = [];
      longest = 0;
    }
    batch.push(cells);
    longest = Math.max(longest, width);
    if (batch.length === BATCH_ROWS) {
      yield batch;
      batch = [];
      longest = 0;
    }
  }
  if (wanted === null) throw new ScoringError(`${dataPath} is empty: it needs a header row.`);
  if (batch.length) yield batch;
}

// One [N, 1] tensor per model input: float32 numbers (NaN when missing), strings ('' when missing).
// `unread` counts the cells that hold a value their column could not read (scored as missing).
function buildFeeds(batch, columns, unread = null) {
  const feeds = {};
  const n = batch.length;
  columns.forEach((column, position) => {
    const cells = batch.map((row) => row[position]);
    const inputs = column.onnx_inputs;
    let read;
    if (column.type === 'datetime') {
      const parts = cells.map((cell) => dateParts(cell, column.date_format || ''));
      for (const name of inputs) {
        const part = name.slice(name.lastIndexOf('__') + 2);
        feeds[name] = new ort.Tensor('float32', Float32Array.from(parts, (p) => p[part]), [n, 1]);
      }
      read = parts.map((p) => p.year);
    } else if (column.onnx_dtype === 'string') {
      const known = new Set(column.categories || []);
      feeds[inputs[0]] = new ort.Tensor('string', cells.map((cell) => category(cell, known)), [n, 1]);
      return;
    } else {
      read = cells.map(number);
      feeds[inputs[0]] = new ort.Tensor('float32', Float32Array.from(read), [n, 1]);
    }
    if (unread !== null) unread.add(column, cells, read);
  });
  return feeds;
}

// Per column, the cells that hold a value (not a missing-value marker) the column could not read.
class UnreadCells {
  constructor() {
    this.columns = new Map(); // name -> how it is read, count, examples
    this.emptyRows = []; // rows (1-based, as the predictions) with no value, or copies of the header
  }

  add(column, cells, read) {
    cells.forEach((cell, k) => {
      if (!Number.isNaN(read[k]) || MISSING_VALUES.has(cell)) return;
      if (!this.columns.has(column.name)) this.columns.set(column.name, { how: howRead(column), n: 0, examples: [] });
      const entry = this.columns.get(column.name);
      entry.n += 1;
      if (entry.examples.length < UNREAD_EXAMPLES && !entry.examples.includes(cell)) entry.examples.push(cell);
    });
  }

  // One line, the same in both examples.
  note() {
    const parts = [...this.columns].map(([name, entry]) => `'${name}' (${entry.how}): `
      + `${entry.n.toLocaleString('en-US')} row(s), e.g. ${entry.examples.map((cell) => `'${cell}'`).join(', ')}`);
    return `values that could not be read as their column's type were scored as missing: ${parts.join('; ')}.`
      + ' Write them as README.md says if they should count.';
  }

  // The rows with no value at all (or copies of the header row), scored as rows of missing values.
  emptyNote() {
    const rows = this.emptyRows;
    const shown = rows.slice(0, UNREAD_EXAMPLES).join(', ') + (rows.length > UNREAD_EXAMPLES ? ' ...' : '');
    return `${rows.length.toLocaleString('en-US')} row(s) have no value at all (rows ${shown}): scored as rows of `
      + 'missing values, so that every row keeps its prediction.';
  }
}

function howRead(column) {
  if (column.type !== 'datetime') return 'a number';
  const dateFormat = column.date_format || '';
  return dateFormat.includes('%') ? `a date, ${dateFormat} or ISO 8601` : 'a date, ISO 8601';
}

// '1,234.5', '$12', '7 %' read as numbers; anything else, infinities and numbers beyond float32's range
// (about ±3.4e38, which the model's float32 inputs cannot hold) as missing, as in Kuai.
function number(cell) {
  const text = cell.replace(NUMBER_JUNK, '');
  if (MISSING_VALUES.has(cell) || !NUMBER.test(text)) return NaN;
  const value = Number(text);
  return Number.isFinite(Math.fround(value)) ? value : NaN;
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

// The date as year, month, day, day_of_week (Monday = 0) and hour, in UTC; NaN when it is not a date.
// `dateFormat`: the column's format in the model's schema (a strftime format such as '%d/%m/%Y', the one of
// the training data); a date it does not fit is read as ISO 8601. Without one ('', 'ISO8601', or 'mixed' for a
// column written several ways) dates are read as ISO 8601 only.
function dateParts(cell, dateFormat = '') {
  const stamp = MISSING_VALUES.has(cell) ? null : formattedDate(cell, dateFormat) ?? isoDate(cell);
  if (stamp === null) return Object.fromEntries(DATE_PARTS.map((part) => [part, NaN]));
  return { year: stamp.getUTCFullYear(), month: stamp.getUTCMonth() + 1, day: stamp.getUTCDate(),
    day_of_week: (stamp.getUTCDay() + 6) % 7, hour: stamp.getUTCHours() };
}

// ISO 8601 date or date-time (an offset is converted to UTC); null when it is not one.
function isoDate(cell) {
  const match = DATE.exec(cell);
  if (match === null) return null;
  const [year, , month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6, 7].map((i) => Number(match[i] || 0));
  const offset = match[8];
  let shiftSeconds = 0;
  if (offset && offset.toUpperCase() !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const seconds = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2) || 0) * 60;
    shiftSeconds = offset[0] === '+' ? seconds : -seconds;
  }
  return utcStamp({ year, month, day, hour, minute, second, micro: 0 }, shiftSeconds, 0);
}

// The date in a strftime format, read as Python's datetime.strptime reads it; null when it does not fit.
function formattedDate(cell, dateFormat) {
  if (!dateFormat.includes('%')) return null;
  const { regex, codes } = compiledFormat(dateFormat);
  const match = regex.exec(cell);
  if (match === null || match[0].length !== cell.length) return null; // strptime: "unconverted data remains"
  const found = Object.fromEntries(codes.map((code, k) => [code, match[k + 1]]));
  const when = { year: 1900, month: 1, day: 1, hour: 0, minute: 0, second: 0, micro: 0 };
  let offset = { seconds: 0, micro: 0 };
  for (const [code, text] of Object.entries(found)) {
    const value = Number(text);
    if (code === 'Y') when.year = value;
    else if (code === 'y') when.year = value + (value <= 68 ? 2000 : 1900); // the POSIX pivot strptime uses
    else if (code === 'm') when.month = value;
    else if (code === 'b' || code === 'B') when.month = monthNumber(text);
    else if (code === 'd') when.day = value;
    else if (code === 'H') when.hour = value;
    else if (code === 'I') when.hour = (value % 12) + ((found.p || '').toLowerCase() === 'pm' ? 12 : 0);
    else if (code === 'M') when.minute = value;
    else if (code === 'S') when.second = value;
    else if (code === 'f') when.micro = Number(text.padEnd(6, '0'));
    else if (code === 'z') offset = utcOffset(text);
  }
  return offset === null ? null : utcStamp(when, offset.seconds, offset.micro);
}

function monthNumber(name) {
  return MONTHS.findIndex((month) => month.startsWith(name.toLowerCase())) + 1;
}

// '+01:00', '-0530', '+01:00:30.5' or 'Z' as seconds and microseconds east of UTC; null when strptime refuses it.
function utcOffset(text) {
  if (text === 'Z') return { seconds: 0, micro: 0 };
  const parts = /^([+-])(\d\d)(:?)(\d\d)(?:(:?)(\d\d)(?:\.(\d{1,6}))?)?$/.exec(text);
  if (parts === null || (parts[6] !== undefined && parts[3] !== parts[5])) return null; // ':' both times or never
  const sign = parts[1] === '+' ? 1 : -1;
  const seconds = Number(parts[2]) * 3600 + Number(parts[4]) * 60 + Number(parts[6] || 0);
  if (seconds >= 86400) return null; // Python's timezone() takes less than a day
  return { seconds: sign * seconds, micro: sign * Number((parts[7] || '').padEnd(6, '0')) };
}

// A Date at the given wall-clock time shifted to UTC; null when it is not a real date or time (2023-02-30,
// 25:00) or falls outside years 1 to 9999, as Python's datetime refuses it.
function utcStamp(when, offsetSeconds, offsetMicro) {
  const { year, month, day, hour, minute, second } = when;
  const stamp = new Date(0);
  stamp.setUTCFullYear(year, month - 1, day);
  stamp.setUTCHours(hour, minute, second, 0);
  if (year < 1 || stamp.getUTCFullYear() !== year || stamp.getUTCMonth() !== month - 1
      || stamp.getUTCDate() !== day || stamp.getUTCHours() !== hour || stamp.getUTCMinutes() !== minute
      || stamp.getUTCSeconds() !== second) {
    return null;
  }
  // to the millisecond below: the same hour, day and year as to the microsecond
  stamp.setTime(stamp.getTime() - offsetSeconds * 1000 + Math.floor((when.micro - offsetMicro) / 1000));
  const utcYear = stamp.getUTCFullYear();
  return utcYear >= 1 && utcYear <= 9999 ? stamp : null;
}

const compiledFormats = new Map();

// A strftime format as the regular expression strptime builds from it: codes as DATE_CODES, a run of blanks
// as any blanks, other characters literally; a code this script does not read is an error.
function compiledFormat(dateFormat) {
  if (compiledFormats.has(dateFormat)) return compiledFormats.get(dateFormat);
  let source = '';
  const codes = [];
  for (let i = 0; i < dateFormat.length; i += 1) {
    const char = dateFormat[i];
    if (char === '%' && dateFormat[i + 1] === '%') {
      source += '%';
      i += 1;
    } else if (char === '%') {
      const code = dateFormat[i + 1];
      if (!(code in DATE_CODES) || codes.includes(code)) {
        const known = Object.keys(DATE_CODES).map((key) => `%${key}`).join(' ');
        throw new ScoringError(`score.js cannot read dates written '${dateFormat}': it reads the codes ${known} `
          + '(each once) and literal text. Score this model with score.py or kuai predict.');
      }
      source += `(${DATE_CODES[code]})`;
      codes.push(code);
      i += 1;
    } else if (/\s/.test(char)) {
      source += '\\s+';
      while (/\s/.test(dateFormat[i + 1] || '')) i += 1;
    } else {
      source += char.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    }
  }
  const compiled = { regex: new RegExp(`^(?:${source})`, 'i'), codes };
  compiledFormats.set(dateFormat, compiled);
  return compiled;
}

// One prediction per input row, in order: never a file whose predictions would belong to other rows.
function checkRowCount(nInput, nOutput, outPath) {
  if (nInput !== nOutput) {
    throw new ScoringError(`[ROW_COUNT_MISMATCH] the model gave ${nOutput.toLocaleString('en-US')} predictions for `
      + `${nInput.toLocaleString('en-US')} rows, so they would not line up with the input; ${outPath} is incomplete: `
      + 'do not use it.');
  }
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
