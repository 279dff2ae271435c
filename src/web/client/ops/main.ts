/**
 * The ops console's script: forms marked data-api are sent as JSON to the ops API (the one
 * audited write path; the session cookie and same-origin travel with them), each field's error
 * shown under it; the dashboard's numbers, lists and charts (ECharts) load and refresh every 30 s
 * without a reload; broadcasts show their audience while composed and their progress while sent.
 */

import { compose, progress } from './broadcast.js';
import { dashboard } from './dashboard.js';
import { forms } from './forms.js';
import { follow } from './simulation.js';

forms(document);
const board = document.getElementById('dashboard');
if (board) dashboard(board);
const composing = document.getElementById('compose');
if (composing) compose(composing as HTMLFormElement);
const sending = document.getElementById('broadcast');
if (sending) progress(sending);
const simulation = document.getElementById('simulation');
if (simulation) follow(simulation);
