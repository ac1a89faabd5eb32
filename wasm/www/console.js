// The embedis console: a redis-cli in the page. Commands run in an in-page
// store (the package's browser build); replies are formatted by the core
// exactly as redis-cli prints them; the store is saved to IndexedDB after
// every command and restored on load.
import { Embedis } from './pkg/index.js';

const SNAPSHOT_NAME = 'console';
const HISTORY_KEY = 'embedis-console-history';
const screen = document.getElementById('screen');
const input = document.getElementById('input');
const prompt = document.getElementById('prompt');
const status = document.getElementById('status');

let db = await Embedis.loadIndexedDB(SNAPSHOT_NAME);
let cli = db.console(output);
const history = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
let cursor = history.length;

function promptText() {
  return cli.index === 0 ? 'embedis>' : `embedis[${cli.index}]>`;
}

function print(text, kind = 'reply') {
  const div = document.createElement('div');
  div.className = `entry ${kind}`;
  div.textContent = text;
  screen.append(div);
  screen.scrollTop = screen.scrollHeight;
}

function echo(line) {
  const div = document.createElement('div');
  div.className = 'entry cmd';
  const p = document.createElement('span');
  p.className = 'p';
  p.textContent = `${promptText()} `;
  div.append(p, line);
  screen.append(div);
}

let saving = Promise.resolve();
function persist() {
  saving = saving.then(async () => {
    try {
      await db.saveIndexedDB(SNAPSHOT_NAME);
      status.textContent = `saved to IndexedDB · ${db.dbsize()} keys in db 0`;
    } catch (e) {
      status.textContent = `not saved: ${e.message}`;
    }
  });
}

/** Every reply of the console session, now or later (BLPOP, messages). */
function output(text, isError) {
  print(text, isError ? 'reply error' : 'reply');
  prompt.textContent = promptText();
  persist();
}

/** A fresh session (Ctrl-C, a loaded snapshot): as redis-cli reconnecting. */
function reconnect() {
  cli.free();
  cli = db.console(output);
  prompt.textContent = promptText();
}

function run(line) {
  echo(line);
  const name = line.trim().split(/\s+/)[0].toLowerCase();
  if (name === 'clear') {
    screen.replaceChildren();
    return;
  }
  if (!cli.run(line)) {
    print('Invalid argument(s)', 'reply error');
    return;
  }
  if (name === 'subscribe' || name === 'psubscribe' || name === 'ssubscribe') {
    print('Reading messages... (press Ctrl-C to quit)', 'reply info');
  }
  if (cli.closed) reconnect();
}

document.getElementById('prompt-line').addEventListener('submit', (e) => {
  e.preventDefault();
  const line = input.value;
  input.value = '';
  if (line.trim() === '') {
    echo('');
    return;
  }
  if (history[history.length - 1] !== line) {
    history.push(line);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(-500)));
  }
  cursor = history.length;
  run(line);
});

input.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowUp' && cursor > 0) {
    cursor -= 1;
    input.value = history[cursor];
    e.preventDefault();
  } else if (e.key === 'ArrowDown' && cursor < history.length) {
    cursor += 1;
    input.value = history[cursor] ?? '';
    e.preventDefault();
  } else if (e.key === 'c' && e.ctrlKey && !input.value) {
    print('^C', 'reply info');
    reconnect();
    e.preventDefault();
  }
});

document.getElementById('clear').addEventListener('click', () => {
  screen.replaceChildren();
  input.focus();
});

document.getElementById('download').addEventListener('click', () => {
  const url = URL.createObjectURL(new Blob([db.snapshot()], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: 'dump.embedis' });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});

document.getElementById('upload').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try {
    const restored = Embedis.restore(new Uint8Array(await file.arrayBuffer()));
    cli.free();
    db.free();
    db = restored;
    cli = db.console(output);
    print(`Loaded ${file.name}: ${db.dbsize()} keys in db 0`, 'reply info');
    prompt.textContent = promptText();
    persist();
  } catch (err) {
    print(`(error) ${err.message}`, 'reply error');
  }
});

// Tests and the curious can reach the store from the devtools console.
window.embedis = { get db() { return db; }, Embedis, saved: () => saving };

print(`embedis ${db.dbsize()} keys loaded from IndexedDB. Try: SET greeting hello, GET greeting, RPUSH jobs a b, LRANGE jobs 0 -1`, 'reply info');
prompt.textContent = promptText();
input.disabled = false;
input.focus();
document.body.dataset.ready = 'true';
