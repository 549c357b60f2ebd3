import { test } from 'tap'
import { parseRoutesYaml } from '../../src/routing/yaml.js'

/** Returns the issue lines of the ConfigError that parsing `yaml` throws. */
function issueLines (yaml: string): string[] {
  try {
    parseRoutesYaml('routes.yml', yaml)
  } catch (err) {
    const [heading, ...lines] = (err as Error).message.split('\n')
    if (heading !== 'invalid routes:') throw err
    return lines
  }
  throw new Error('the YAML was accepted')
}

const syntaxCases = [
  {
    name: 'unclosed flow map',
    yaml: 'receivers:\n  ops: { type: log\nroutes: []\n',
    line: 'line 3, column 1: Flow map in block collection must be sufficiently indented and end with a }; ' +
      'align the keys and items of each map and list at one column, and end each { or [ with its } or ]'
  },
  {
    name: 'misaligned keys',
    yaml: 'receivers:\n    ops: { type: log }\n  log: { type: log }\n',
    line: 'line 3, column 1: All mapping items must start at the same column; ' +
      'align the keys and items of each map and list at one column, and end each { or [ with its } or ]'
  },
  {
    name: 'duplicate key',
    yaml: 'receivers:\n  ops: { type: log }\n  ops: { type: log }\n',
    line: 'line 3, column 3: Map keys must be unique; remove or rename the duplicate key'
  },
  {
    name: 'alias with an anchor',
    yaml: 'a: &x 1\nb: &y *x\n',
    line: 'line 2, column 7: An alias node must not specify any properties; remove the anchor or tag from the alias'
  },
  {
    name: 'empty alias',
    yaml: 'a: *\n',
    line: 'line 1, column 4: Alias cannot be an empty string; name the anchor and the alias, such as &name and *name'
  },
  {
    name: 'bad escape',
    yaml: 'a: "\\q"\n',
    line: 'line 1, column 5: Invalid escape sequence \\q; ' +
      'fix the backslash escape, or use single quotes, inside which a backslash is literal'
  },
  {
    name: 'reserved first character',
    yaml: 'a: @team\n',
    line: 'line 1, column 4: Plain value cannot start with reserved character @; quote the value'
  },
  {
    name: 'compact nested map',
    yaml: 'a: b: c\n',
    line: 'line 1, column 4: Nested mappings are not allowed in compact mappings; ' +
      'put a nested map or list on the lines below its key, indented'
  },
  {
    name: 'block list in flow',
    yaml: 'a: [\n  - b\n]\n',
    line: 'line 2, column 3: Block collections are not allowed within flow collections; ' +
      'inside { } and [ ], separate items with commas and write lists as [a, b]'
  },
  {
    name: 'long key',
    yaml: `${'k'.repeat(1100)}: 1\n`,
    line: 'line 1, column 1: The : indicator must be at most 1024 chars after the start of an implicit block mapping key; ' +
      'shorten the key to at most 1024 characters, or add the line break it lacks'
  },
  {
    name: 'unclosed quote',
    yaml: 'a: "abc\n',
    line: 'line 2, column 1: Missing closing "quote; add the missing character that the message names'
  },
  {
    name: 'key without colon',
    yaml: 'a\nb: 1\n',
    line: 'line 1, column 1: Implicit keys need to be on a single line; ' +
      'write each key and its ":" on one line, or check the indentation above it'
  },
  {
    name: 'two anchors',
    yaml: 'a: &x &y 1\n',
    line: 'line 1, column 7: A node can have at most one anchor; give the value one anchor'
  },
  {
    name: 'two tags',
    yaml: 'a: !!str !!str 1\n',
    line: 'line 1, column 10: A node can have at most one tag; give the value one tag'
  },
  {
    name: 'two documents',
    yaml: 'receivers: {}\n---\nroutes: []\n',
    line: 'line 2, column 1: the file contains more than one YAML document; ' +
      'write receivers and routes in one YAML document, without a "---" line'
  },
  {
    name: 'tab indentation',
    yaml: 'a:\n\t- 1\n',
    line: 'line 2, column 1: Tabs are not allowed as indentation; indent with spaces, not tabs'
  },
  {
    name: 'deep nesting',
    yaml: `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    line: /^line 1, column \d+: maps and lists are nested too deeply to parse; nest maps and lists less deeply$/
  },
  {
    name: 'unknown directive',
    yaml: '%FOO bar\n---\na: 1\n',
    line: 'line 1, column 1: Unknown directive %FOO; remove the line that starts with %, because the routes file needs no directive'
  },
  {
    name: 'unsupported YAML version',
    yaml: '%YAML 1.3\n---\na: 1\n',
    line: 'line 1, column 7: Unsupported YAML version 1.3; remove the line that starts with %, because the routes file needs no directive'
  },
  {
    name: 'anchor ending in a colon',
    yaml: 'a: &x: 1\n',
    line: 'line 1, column 6: Anchor ending in : is ambiguous; remove the ":" at the end of the anchor or alias name'
  },
  {
    name: 'stray bracket',
    yaml: 'a: 1\n]\n',
    line: 'line 2, column 1: Unexpected flow-seq-end token in YAML stream: "]"; fix the YAML syntax'
  }
]

test('YAML errors get their fix', async (t) => {
  for (const { name, yaml, line } of syntaxCases) {
    const lines = issueLines(yaml)
    t.ok(lines.length >= 1, `${name}: listed`)
    if (typeof line === 'string') t.equal(lines[0], `routes.yml: ${line}`, name)
    else t.match(lines[0]?.replace(/^routes\.yml: /, ''), line, name)
  }
})

const aliasFix = (name: string): string =>
  `the alias *${name} has no anchor &${name} before it; define the anchor &${name} on a value before the alias, or remove the alias`

const aliasCases = [
  {
    name: 'undefined anchor',
    yaml: 'receivers: {l: &a {type: log}, m: *a, n: *b}\n',
    lines: [`line 1, column 42: ${aliasFix('b')}`]
  },
  {
    name: 'anchor after the alias',
    yaml: 'receivers:\n  m: *ops\n  l: &ops { type: log }\n',
    lines: [`line 2, column 6: ${aliasFix('ops')}`]
  },
  {
    name: 'several undefined anchors',
    yaml: 'routes:\n  - receivers: *first\n  - receivers: *second\n',
    lines: [`line 2, column 16: ${aliasFix('first')}`, `line 3, column 16: ${aliasFix('second')}`]
  }
]

test('undefined aliases are listed', async (t) => {
  for (const { name, yaml, lines } of aliasCases) {
    t.same(issueLines(yaml), lines.map((line) => `routes.yml: ${line}`), name)
  }
})

test('aliases after their anchor resolve', async (t) => {
  const yaml = 'receivers:\n  l: &log { type: log }\n  m: *log\n  n: &log { type: slack }\n  o: *log\n'
  t.same(parseRoutesYaml('routes.yml', yaml), {
    receivers: { l: { type: 'log' }, m: { type: 'log' }, n: { type: 'slack' }, o: { type: 'slack' } }
  }, 'an alias takes the last anchor of its name before it')
})

test('alias bombs are rejected', async (t) => {
  const yaml = `anchor: &a [1]\nreceivers: [${Array(101).fill('*a').join(', ')}]\n`
  t.same(issueLines(yaml), [
    'routes.yml: /: Excessive alias count indicates a resource exhaustion attack; use fewer YAML aliases'
  ])
})

const tagLine = (position: string, tag: string): string =>
  `routes.yml: ${position}: the tag ${tag} is not supported; remove the tag, and quote the value if it must stay a string`

const tagCases = [
  { name: 'unknown local tag', yaml: 'a: !weird 1\n', lines: [tagLine('line 1, column 4', '!weird')] },
  { name: 'unknown global tag', yaml: 'a: !!js/function "x"\n', lines: [tagLine('line 1, column 4', '!!js/function')] },
  { name: 'binary', yaml: 'a: !!binary aGVsbG8=\n', lines: [tagLine('line 1, column 4', '!!binary')] },
  { name: 'core schema tag', yaml: 'a: !!str 1\n', lines: [tagLine('line 1, column 4', '!!str')] },
  { name: 'non-specific tag', yaml: 'a: ! 1\n', lines: [tagLine('line 1, column 4', '!')] },
  {
    name: 'verbatim tag',
    yaml: 'a: !<tag:yaml.org,2002:str> 1\n',
    lines: [tagLine('line 1, column 4', '!<tag:yaml.org,2002:str>')]
  },
  {
    name: 'tag of a %TAG handle',
    yaml: '%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1\n',
    lines: [tagLine('line 3, column 4', '!e!foo')]
  },
  {
    name: 'tags on the root, collections and keys',
    yaml: '!!map\na: !!seq [!v 1, {!w k: v}]\nb: |\n  !text\n',
    lines: [
      tagLine('line 1, column 1', '!!map'),
      tagLine('line 2, column 4', '!!seq'),
      tagLine('line 2, column 11', '!v'),
      tagLine('line 2, column 18', '!w')
    ]
  }
]

test('tags are rejected', async (t) => {
  for (const { name, yaml, lines } of tagCases) {
    t.same(issueLines(yaml), lines, name)
  }
})

test('exclamation marks in values pass', async (t) => {
  t.same(parseRoutesYaml('routes.yml', 'a: "Alert!"\nb: wow!\nc: |\n  !text\n'), {
    a: 'Alert!',
    b: 'wow!',
    c: '!text\n'
  })
})

const mergeLine = (position: string): string =>
  `routes.yml: ${position}: merge keys (<<) are not supported; write the settings out instead of merging with <<`

const mergeCases = [
  {
    name: 'merge into a receiver',
    yaml: 'receivers:\n  base: &c { type: log }\n  ops:\n    <<: *c\n',
    lines: [mergeLine('line 4, column 5')]
  },
  { name: 'merge in a flow map', yaml: 'a: &c {x: 1}\nb: { <<: *c, y: 2 }\n', lines: [mergeLine('line 2, column 6')] },
  { name: 'merge of a list', yaml: 'a: &c {x: 1}\nb:\n  <<: [*c]\n', lines: [mergeLine('line 3, column 3')] },
  { name: 'merge in YAML 1.1', yaml: '%YAML 1.1\n---\na: &c {x: 1}\nb: { <<: *c }\n', lines: [mergeLine('line 4, column 6')] },
  { name: 'quoted merge key', yaml: 'a: { "<<": 1 }\n', lines: [mergeLine('line 1, column 6')] }
]

test('merge keys are rejected', async (t) => {
  for (const { name, yaml, lines } of mergeCases) {
    t.same(issueLines(yaml), lines, name)
  }
})

test('tags, merge keys and aliases in document order', async (t) => {
  t.same(issueLines('a: { <<: *x }\nb: [!v 1, *y]\n'), [
    mergeLine('line 1, column 6'),
    `routes.yml: line 1, column 10: ${aliasFix('x')}`,
    tagLine('line 2, column 5', '!v'),
    `routes.yml: line 2, column 11: ${aliasFix('y')}`
  ])
})
