import {
  isAlias, isScalar, LineCounter, parseDocument, Parser, visit,
  type Document, type ErrorCode, type YAMLError
} from 'yaml'
import { routesConfigError, type ConfigIssue } from './schema.js'

/** Fixes for the YAML parser's error codes. A code not listed gets `fix the YAML syntax`. */
const yamlFixes: Partial<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'remove the anchor or tag from the alias',
  BAD_ALIAS: 'name the anchor and the alias, such as &name and *name',
  BAD_DIRECTIVE: 'remove the line that starts with %, because the routes file needs no directive',
  BAD_DQ_ESCAPE: 'fix the backslash escape, or use single quotes, inside which a backslash is literal',
  BAD_INDENT: 'align the keys and items of each map and list at one column, and end each { or [ with its } or ]',
  BAD_PROP_ORDER: 'put the anchor or tag after the "-" or "?" indicator',
  BAD_SCALAR_START: 'quote the value',
  BLOCK_AS_IMPLICIT_KEY: 'put a nested map or list on the lines below its key, indented',
  BLOCK_IN_FLOW: 'inside { } and [ ], separate items with commas and write lists as [a, b]',
  DUPLICATE_KEY: 'remove or rename the duplicate key',
  KEY_OVER_1024_CHARS: 'shorten the key to at most 1024 characters, or add the line break it lacks',
  MISSING_CHAR: 'add the missing character that the message names',
  MULTILINE_IMPLICIT_KEY: 'write each key and its ":" on one line, or check the indentation above it',
  MULTIPLE_ANCHORS: 'give the value one anchor',
  MULTIPLE_DOCS: 'write receivers and routes in one YAML document, without a "---" line',
  MULTIPLE_TAGS: 'give the value one tag',
  RESOURCE_EXHAUSTION: 'nest maps and lists less deeply',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  TAG_RESOLVE_FAILED: 'remove the tag, because the routes file needs none'
}

/** Fixes for warnings whose code errors of another kind share. */
const yamlWarningFixes: Partial<Record<ErrorCode, string>> = {
  BAD_ALIAS: 'remove the ":" at the end of the anchor or alias name'
}

/**
 * Problems whose parser message does not suit an operator. The message
 * for several documents names a function to call instead, and the one for
 * deep nesting is JavaScript's stack overflow.
 */
const yamlProblems: Partial<Record<ErrorCode, string>> = {
  MULTIPLE_DOCS: 'the file contains more than one YAML document',
  RESOURCE_EXHAUSTION: 'maps and lists are nested too deeply to parse'
}

/** Maximum number of alias expansions in toJS, so that an alias bomb cannot exhaust memory. */
const maxAliasCount = 100

/**
 * Warning codes that the tag check reports in its own words, at every
 * explicit tag, resolved or not.
 */
const tagWarnings: readonly ErrorCode[] = ['TAG_RESOLVE_FAILED', 'BAD_COLLECTION_TYPE']

/**
 * Parses the YAML of a routes file and returns its content. Throws a
 * ConfigError that lists each syntax error and warning, then, once the
 * syntax is valid, each tag, merge key and alias without an anchor, with
 * its line, column and fix.
 */
export function parseRoutesYaml (file: string, text: string): unknown {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter })
  const warnings = document.warnings.filter((warning) => !tagWarnings.includes(warning.code))
  const syntaxIssues = [
    ...document.errors.map((error) => describeYamlError(error)),
    ...warnings.map((warning) => describeYamlError(warning, yamlWarningFixes[warning.code]))
  ]
  if (syntaxIssues.length > 0) throw routesConfigError(file, syntaxIssues)
  const unsupported = [...explicitTags(text), ...mergeKeysAndUndefinedAliases(document)]
    .sort((a, b) => a.offset - b.offset)
    .map(({ offset, problem, fix }) => {
      return { path: position(lineCounter.linePos(offset)), problem, fix }
    })
  if (unsupported.length > 0) throw routesConfigError(file, unsupported)
  try {
    return document.toJS({ maxAliasCount })
  } catch (err) {
    // The checks above found an anchor for every alias, so with yaml 2.9
    // toJS fails here only when the aliases expand past maxAliasCount.
    throw routesConfigError(file, [{ path: '/', problem: (err as Error).message, fix: 'use fewer YAML aliases' }])
  }
}

function describeYamlError (error: YAMLError, fix?: string): ConfigIssue {
  return {
    path: position(error.linePos?.[0]),
    problem: yamlProblems[error.code] ?? error.message.split(' at line ')[0] as string,
    fix: fix ?? yamlFixes[error.code] ?? 'fix the YAML syntax'
  }
}

function position (linePos: { line: number, col: number } | undefined): string {
  return `line ${linePos?.line}, column ${linePos?.col}`
}

/** A problem at an offset of the YAML text. */
interface OffsetIssue {
  offset: number
  problem: string
  fix: string
}

/**
 * Returns an issue for each explicit tag, such as `!!binary` or `!weird`.
 * The routes file needs none: the yaml package turns `!!binary` into a
 * Buffer and drops a tag it does not know with only a warning. The
 * composed document keeps no offset of a tag, so this walks the parser's
 * tokens, which hold every tag wherever it appears.
 */
function explicitTags (text: string): OffsetIssue[] {
  // Every tag starts with "!", so a text without one needs no second parse.
  if (!text.includes('!')) return []
  const issues: OffsetIssue[] = []
  const pending: unknown[] = [...new Parser().parse(text)]
  // A stack instead of recursion, because flow collections nest as deep as the parser allows.
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (typeof item !== 'object' || item === null) continue
    const token = item as { type?: unknown, offset?: unknown, source?: unknown }
    if (token.type === 'tag') {
      issues.push({
        offset: token.offset as number,
        problem: `the tag ${String(token.source)} is not supported`,
        fix: 'remove the tag, and quote the value if it must stay a string'
      })
    }
    // A loop, not push(...values), which fails on an array of a few hundred thousand items.
    for (const value of Array.isArray(item) ? item : Object.values(item)) pending.push(value)
  }
  return issues
}

/**
 * Returns an issue for each merge key (`<<`) and for each alias that no
 * earlier anchor defines. YAML 1.2 has no merge keys, so the yaml package
 * reads `<<` as a plain key, which the schema would then report as some
 * other problem of the map. An alias refers to the last anchor of its
 * name before it, in document order, as in the yaml package's own
 * resolution.
 */
function mergeKeysAndUndefinedAliases (document: Document): OffsetIssue[] {
  const anchors = new Set<string>()
  const issues: OffsetIssue[] = []
  visit(document, {
    Pair (_key, pair) {
      if (!isScalar(pair.key) || !isMergeKey(pair.key.value)) return
      issues.push({
        offset: startOffset(pair.key),
        problem: 'merge keys (<<) are not supported',
        fix: 'write the settings out instead of merging with <<'
      })
    },
    Node (_key, node) {
      if (!isAlias(node)) {
        if (node.anchor !== undefined) anchors.add(node.anchor)
        return
      }
      if (anchors.has(node.source)) return
      issues.push({
        offset: startOffset(node),
        problem: `the alias *${node.source} has no anchor &${node.source} before it`,
        fix: `define the anchor &${node.source} on a value before the alias, or remove the alias`
      })
    }
  })
  return issues
}

/** True for the key `<<`, which a `%YAML 1.1` document turns into a symbol. */
function isMergeKey (value: unknown): boolean {
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<')
}

function startOffset (node: { range?: unknown }): number {
  // Every node of a parsed document has its range in the text.
  return (node.range as [number, number, number])[0]
}
