/**
 * The MariaDB pod scripts call only commands that both the official mariadb image and a
 * Debian-built one have: bash and its builtins, coreutils, sed, grep, find and the MariaDB tools
 * with socat. A small shell tokenizer finds every command a script runs: at the start of a
 * command, in $(...) and backticks (also inside double quotes and unquoted here-documents), after
 * exec/command/env-like wrappers, in trap handlers and in socat's SYSTEM:/EXEC: addresses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POD_SCRIPTS_DIR } from '../../../src/k8s/database/pod-scripts.js';

const BASH_BUILTINS = (
  '. : [ alias bg bind break builtin caller cd command compgen complete compopt continue declare ' +
  'dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs kill ' +
  'let local logout mapfile popd printf pushd pwd read readarray readonly return set shift shopt ' +
  'source suspend test times trap true type typeset ulimit umask unalias unset wait'
).split(' ');

/** GNU coreutils 9 (Debian 12 and Ubuntu 24.04, the official image's base). */
const COREUTILS = (
  'arch b2sum base32 base64 basename basenc cat chcon chgrp chmod chown cksum comm cp csplit cut ' +
  'date dd df dir dircolors dirname du echo env expand expr factor false fmt fold groups head ' +
  'hostid id install join link ln logname ls md5sum mkdir mkfifo mknod mktemp mv nice nl nohup ' +
  'nproc numfmt od paste pathchk pinky pr printenv printf ptx pwd readlink realpath rm rmdir runcon ' +
  'seq sha1sum sha224sum sha256sum sha384sum sha512sum shred shuf sleep sort split stat stdbuf stty ' +
  'sum sync tac tail tee test timeout touch tr true truncate tsort tty uname unexpand uniq unlink ' +
  'users vdir wc who whoami yes'
).split(' ');

/** The shell itself, sed, grep, find, and the MariaDB tools with socat (both images install it). */
const OTHER_TOOLS = (
  'bash sed grep find ' +
  'mariadb mariadb-admin mariadb-binlog mariadb-install-db mariadbd mariadb-backup mbstream socat'
).split(' ');

const ALLOWED = new Set([...BASH_BUILTINS, ...COREUTILS, ...OTHER_TOOLS]);

/** Words that keep the parser at the start of a command. */
const KEYWORDS = new Set('if then else elif fi do done while until ! { } time'.split(' '));

/** Commands whose first argument (after options, assignments or a duration) is another command. */
const WRAPPERS = new Set('exec command builtin env nohup nice timeout stdbuf xargs'.split(' '));

interface CommandUse {
  readonly name: string;
  readonly line: number;
}

interface ParsedScript {
  readonly commands: CommandUse[];
  readonly functions: Set<string>;
  readonly sourced: string[];
}

/** A word as the shell would see it: its literal text (quotes removed, expansions as "$"). */
interface Word {
  readonly literal: string;
  readonly dynamic: boolean;
}

/** Index of the `)` closing the `$(` or `(` whose contents start at `start`. */
function closingParen(s: string, start: number): number {
  let depth = 1;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === "'") i = s.indexOf("'", i + 1);
    else if (c === '"') i = closingQuote(s, i + 1);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
    if (i < 0) break;
  }
  throw new Error(`unbalanced ( in ${s.slice(start - 2, start + 40)}`);
}

function closingQuote(s: string, start: number): number {
  for (let i = start; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
    else if (s.startsWith('$(', i) && !s.startsWith('$((', i)) i = closingParen(s, i + 2);
  }
  throw new Error('unbalanced "');
}

function closingBrace(s: string, start: number): number {
  let depth = 1;
  for (let i = start; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  throw new Error('unbalanced ${');
}

class Parser {
  private i = 0;
  /** At the start of a command: the next word is a command name. */
  private atCommand = true;
  /** After exec, env, timeout...: its options (and timeout's duration) come before the command. */
  private wrapper: string | undefined;
  private wrapperSkip = 0;
  private redirectTarget = false;
  private inFor = false;
  private evalNext: 'trap' | 'bash-c' | undefined;
  private afterSource = false;
  private lastCommand = '';
  private readonly cases: ('subject' | 'pattern' | 'body')[] = [];

  constructor(
    private readonly s: string,
    private readonly firstLine: number,
    private readonly out: ParsedScript,
  ) {}

  private line(at = this.i): number {
    let n = this.firstLine;
    for (let k = 0; k < at && k < this.s.length; k++) if (this.s[k] === '\n') n++;
    return n;
  }

  /** Parse text that the shell runs as commands (a substitution, a trap handler, ...). */
  private nested(text: string, at: number): void {
    parseInto(text, this.line(at), this.out);
  }

  parse(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i] ?? '';
      if (c === ' ' || c === '\t') this.i++;
      else if (c === '\\' && s[this.i + 1] === '\n') this.i += 2;
      else if (c === '#') this.i = s.indexOf('\n', this.i) < 0 ? s.length : s.indexOf('\n', this.i);
      else if (c === '\n' || c === ';') this.separator(c === ';' && s[this.i + 1] === ';');
      else if (c === '|' || c === '&') {
        this.i += s[this.i + 1] === c ? 2 : 1;
        if (this.cases.at(-1) !== 'pattern') this.commandStart();
      } else if (c === '(') {
        if (s[this.i + 1] === '(') this.i = closingParen(s, this.i + 2) + 2;
        else if (this.cases.at(-1) !== 'pattern') {
          this.i++;
          this.commandStart();
        } else this.i++;
      } else if (c === ')') {
        this.i++;
        if (this.cases.at(-1) === 'pattern') {
          this.cases[this.cases.length - 1] = 'body';
          this.commandStart();
        } else this.atCommand = false;
      } else if (c === '<' || c === '>') this.redirection();
      else this.word(this.readWord());
    }
  }

  private separator(doubleSemicolon: boolean): void {
    this.i += doubleSemicolon ? 2 : 1;
    this.inFor = false;
    if (doubleSemicolon && this.cases.length > 0) this.cases[this.cases.length - 1] = 'pattern';
    if (this.cases.at(-1) !== 'pattern') this.commandStart();
  }

  private commandStart(): void {
    this.atCommand = true;
    this.wrapper = undefined;
    this.evalNext = undefined;
    this.afterSource = false;
  }

  private redirection(): void {
    const s = this.s;
    const match = /^(<<<|<<-?|<>|<&|>&|>>|>\||<|>)/.exec(s.slice(this.i));
    this.i += match?.[0].length ?? 1;
    if (match?.[0].endsWith('&') === true) {
      const fd = /^(\d+|-)/.exec(s.slice(this.i));
      if (fd) {
        this.i += fd[0].length;
        return;
      }
    }
    this.redirectTarget = true;
  }

  /** Read one word, parsing the command substitutions in it as they are met. */
  private readWord(): Word {
    const s = this.s;
    let literal = '';
    let dynamic = false;
    while (this.i < s.length) {
      const c = s[this.i] ?? '';
      if (' \t\n;|&<>'.includes(c)) break;
      if (c === '(' || c === ')') {
        // An array assignment: name=( ... ), or a function definition's "()".
        if (c === '(' && literal.endsWith('=')) {
          const end = closingParen(s, this.i + 1);
          this.scanSubstitutions(s.slice(this.i + 1, end), this.i + 1);
          this.i = end + 1;
          dynamic = true;
          continue;
        }
        break;
      }
      if (c === '\\') {
        literal += s[this.i + 1] ?? '';
        this.i += 2;
      } else if (c === "'") {
        const end = s.indexOf("'", this.i + 1);
        literal += s.slice(this.i + 1, end);
        this.i = end + 1;
      } else if (c === '"') {
        const end = closingQuote(s, this.i + 1);
        const inner = s.slice(this.i + 1, end);
        this.scanSubstitutions(inner, this.i + 1);
        if (inner.includes('$') || inner.includes('`')) dynamic = true;
        literal += inner.replace(/\\(["\\$`])/g, '$1');
        this.i = end + 1;
      } else if (c === '$' || c === '`') {
        this.i = this.expansion(this.i);
        literal += '$';
        dynamic = true;
      } else {
        literal += c;
        this.i++;
      }
    }
    return { literal, dynamic };
  }

  /** Skip the expansion at `at`, parsing any command in it; returns the index after it. */
  private expansion(at: number): number {
    const s = this.s;
    if (s[at] === '`') {
      const end = s.indexOf('`', at + 1);
      this.nested(s.slice(at + 1, end).replace(/\\`/g, '`'), at);
      return end + 1;
    }
    if (s.startsWith('$((', at)) return closingParen(s, at + 3) + 2;
    if (s.startsWith('$(', at)) {
      const end = closingParen(s, at + 2);
      this.nested(s.slice(at + 2, end), at);
      return end + 1;
    }
    if (s.startsWith('${', at)) {
      const end = closingBrace(s, at + 2);
      this.scanSubstitutions(s.slice(at + 2, end), at + 2);
      return end + 1;
    }
    const name = /^\$([A-Za-z_]\w*|[0-9#?$!@*-])?/.exec(s.slice(at));
    return at + (name?.[0].length ?? 1);
  }

  /** Find the command substitutions in text that is not itself run (quoted, ${...}, here-documents). */
  scanSubstitutions(text: string, offset: number): void {
    for (let k = 0; k < text.length; k++) {
      if (text[k] === '\\') k++;
      else if (text.startsWith('$((', k)) k = closingParen(text, k + 3) + 1;
      else if (text.startsWith('$(', k)) {
        const end = closingParen(text, k + 2);
        this.nested(text.slice(k + 2, end), offset + k);
        k = end;
      } else if (text[k] === '`') {
        const end = text.indexOf('`', k + 1);
        this.nested(text.slice(k + 1, end), offset + k);
        k = end;
      }
    }
  }

  private word(word: Word): void {
    const at = this.i;
    const { literal } = word;
    if (this.redirectTarget) {
      this.redirectTarget = false;
      return;
    }
    const caseState = this.cases.at(-1);
    if (caseState === 'subject') {
      if (literal === 'in') this.cases[this.cases.length - 1] = 'pattern';
      return;
    }
    if (caseState === 'pattern') {
      if (literal === 'esac') {
        this.cases.pop();
        this.atCommand = false;
      }
      return;
    }
    if (this.inFor) return;
    if (!this.atCommand) {
      this.argument(word, at);
      return;
    }
    if (this.wrapper !== undefined) {
      if (literal.startsWith('-') || (this.wrapper === 'env' && literal.includes('='))) return;
      if (this.wrapperSkip > 0) {
        this.wrapperSkip--;
        return;
      }
    }
    if (/^[A-Za-z_]\w*(\[[^\]]*\])?\+?=/.test(literal)) return;
    if (KEYWORDS.has(literal)) return;
    if (literal === 'esac') {
      this.cases.pop();
      this.atCommand = false;
      return;
    }
    if (literal === 'case') {
      this.cases.push('subject');
      return;
    }
    if (literal === 'for' || literal === 'select') {
      this.inFor = true;
      return;
    }
    if (literal === '[[') {
      this.atCommand = false;
      return;
    }
    if (/^\s*\(\s*\)/.test(this.s.slice(this.i))) {
      // name() { ... }: a function definition.
      this.out.functions.add(literal);
      this.i = this.s.indexOf(')', this.i) + 1;
      return;
    }
    if (/^\d+$/.test(literal) && /^[<>]/.test(this.s.slice(this.i))) return; // 2>&1
    this.out.commands.push({ name: word.dynamic ? `<dynamic: ${literal}>` : literal, line: this.line(at) });
    this.lastCommand = literal;
    this.wrapper = undefined;
    if (WRAPPERS.has(literal)) {
      this.wrapper = literal;
      this.wrapperSkip = literal === 'timeout' ? 1 : 0;
      return;
    }
    this.atCommand = false;
    this.evalNext = literal === 'trap' ? 'trap' : undefined;
    this.afterSource = literal === 'source' || literal === '.';
  }

  private argument(word: Word, at: number): void {
    const { literal } = word;
    if (this.afterSource) {
      this.out.sourced.push(literal);
      this.afterSource = false;
    }
    if (this.evalNext === 'trap') {
      this.nested(literal, at);
      this.evalNext = undefined;
    } else if (this.evalNext === 'bash-c') {
      this.nested(literal, at);
      this.evalNext = undefined;
    }
    if ((this.lastCommand === 'bash' || this.lastCommand === 'sh') && literal === '-c')
      this.evalNext = 'bash-c';
    const address = /^(SYSTEM|EXEC):(.*)$/.exec(literal);
    if (this.lastCommand === 'socat' && address) this.nested((address[2] ?? '').split(',')[0] ?? '', at);
  }
}

function parseInto(text: string, firstLine: number, out: ParsedScript): void {
  new Parser(text, firstLine, out).parse();
}

/**
 * Blank the bodies of here-documents (keeping line numbers); the command substitutions in an
 * unquoted one still run, so they are parsed.
 */
function withoutHereDocuments(text: string, out: ParsedScript): string {
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const match = /(?<!<)<<(-?)\s*(['"]?)([A-Za-z_]\w*)\2/.exec(lines[n] ?? '');
    if (!match) continue;
    const [, dash, quote, delimiter] = match;
    let end = n + 1;
    while (end < lines.length && (dash ? (lines[end] ?? '').replace(/^\t+/, '') : lines[end]) !== delimiter)
      end++;
    const body = lines.slice(n + 1, end).join('\n');
    if (quote === '') new Parser(body, n + 2, out).scanSubstitutions(body, 0);
    for (let k = n + 1; k <= end && k < lines.length; k++) lines[k] = '';
    n = end;
  }
  return lines.join('\n');
}

function parseScript(text: string): ParsedScript {
  const out: ParsedScript = { commands: [], functions: new Set(), sourced: [] };
  parseInto(withoutHereDocuments(text, out), 1, out);
  return out;
}

/** The commands of a script that are neither functions (its own or its sourced files') nor allowed. */
function disallowed(parsed: ParsedScript, functions: Set<string>): CommandUse[] {
  return parsed.commands.filter((use) => !functions.has(use.name) && !ALLOWED.has(use.name));
}

const scripts = readdirSync(POD_SCRIPTS_DIR)
  .filter((name) => name.endsWith('.sh'))
  .sort();
const parsed = new Map(
  scripts.map((name) => [name, parseScript(readFileSync(join(POD_SCRIPTS_DIR, name), 'utf8'))]),
);

/** The functions a script can call: its own and those of the files it sources, recursively. */
function visibleFunctions(name: string, seen = new Set<string>()): Set<string> {
  const script = parsed.get(name);
  if (script === undefined || seen.has(name)) return new Set();
  seen.add(name);
  const functions = new Set(script.functions);
  for (const file of script.sourced) for (const f of visibleFunctions(basename(file), seen)) functions.add(f);
  return functions;
}

describe('the commands the MariaDB pod scripts call', () => {
  it('finds the scripts and the commands they are known to call', () => {
    expect(scripts).toEqual(
      expect.arrayContaining(['clone.sh', 'common.sh', 'run-server.sh', 'serve-backup.sh']),
    );
    const all = [...parsed.values()].flatMap((script) => script.commands.map((use) => use.name));
    for (const name of [
      'mariadbd',
      'mariadb',
      'mariadb-install-db',
      'mariadb-backup',
      'mbstream',
      'socat',
      'sed',
      'find',
      'seq',
      'date',
      'bash',
    ]) {
      expect(all, name).toContain(name);
    }
  });

  it.each(scripts)('%s calls only commands both images have', (name) => {
    const script = parsed.get(name);
    if (script === undefined) throw new Error(name);
    for (const file of script.sourced) expect(scripts, `${name} sources ${file}`).toContain(basename(file));
    const bad = disallowed(script, visibleFunctions(name));
    expect(bad.map((use) => `${name}:${use.line}: ${use.name}`)).toEqual([]);
  });

  it('lists every external command', () => {
    const functions = new Set([...scripts].flatMap((name) => [...visibleFunctions(name)]));
    const external = new Set(
      [...parsed.values()]
        .flatMap((script) => script.commands.map((use) => use.name))
        .filter((name) => !functions.has(name) && !BASH_BUILTINS.includes(name)),
    );
    // The current list, for the record: a new command shows up here in review.
    expect([...external].sort()).toEqual(
      'bash cat chmod cut date dirname find head mariadb mariadb-admin mariadb-backup mariadb-binlog mariadb-install-db mariadbd mbstream mkdir mktemp mv rm sed seq sleep socat touch'.split(
        ' ',
      ),
    );
  });
});

describe('the command tokenizer', () => {
  const names = (text: string): string[] => parseScript(text).commands.map((use) => use.name);

  it.each([
    ['a plain command', 'python3 -c 1', 'python3'],
    ['after a pipe', 'cat x | nc -l 1', 'nc'],
    ['after && and ||', 'true && curl x || wget y', 'curl'],
    ['in $(...)', 'x=$(nc host 1)', 'nc'],
    ['in $(...) inside double quotes', 'echo "a $(python3 -c 1) b"', 'python3'],
    ['in backticks', 'x=`perl -e 1`', 'perl'],
    ['in ${...:-$(...)}', 'x=${Y:-$(awk 1)}', 'awk'],
    ['after exec', 'exec nc -l 1', 'nc'],
    ['after env with assignments', 'env A=1 B=2 python3 x', 'python3'],
    ['after timeout', 'timeout 5 curl x', 'curl'],
    ['in a trap handler', "trap 'python3 cleanup.py' EXIT", 'python3'],
    ['in a socat SYSTEM address', 'socat TCP-LISTEN:1,fork "SYSTEM:exec nc x 1"', 'nc'],
    ['in a socat EXEC address', 'socat - EXEC:python3,pty', 'python3'],
    ['in bash -c', "bash -c 'curl x'", 'curl'],
    ['in an unquoted here-document', 'cat <<EOF\n$(hostname)\nEOF', 'hostname'],
    ['in a case branch', 'case $1 in\n  a) curl x ;;\n  *) wget y ;;\nesac', 'curl'],
    ['in a function body', 'f() {\n  python3 x\n}', 'python3'],
    ['after if and !', 'if ! nc -z x 1; then :; fi', 'nc'],
    ['a continued line', 'sed x \\\n  y | awk 1', 'awk'],
  ])('finds a command %s', (_, text, expected) => {
    expect(names(text)).toContain(expected);
  });

  it.each([
    ['comments', '# python3 x\ntrue # nc'],
    ['quoted text', 'echo \'python3\' "nc"'],
    ['a quoted here-document', "cat <<'EOF'\n$(python3)\nEOF"],
    ['here-document text', 'cat <<SQL\nSELECT nc FROM python3;\nSQL'],
    ['case patterns', 'case $1 in\n  python3) true ;;\n  nc|curl) true ;;\nesac'],
    ['for lists', 'for x in python3 nc; do true; done'],
    ['assignments', 'A=python3 B=nc true'],
    ['array assignments', 'a=(--python3 nc)'],
    ['redirection targets', 'true >python3 2>&1 <nc'],
    ['arithmetic', 'x=$((python3 + 1))'],
  ])('ignores %s', (_, text) => {
    expect(names(text).filter((name) => ['python3', 'nc', 'curl'].includes(name))).toEqual([]);
  });

  it('flags a command name it cannot know', () => {
    expect(names('"$tool" --version')).toEqual(['<dynamic: $tool>']);
  });
});
