import { isAlias, LineCounter, parseDocument, visit, type Document, type ErrorCode, type YAMLError } from 'yaml'
import { routesConfigError, type ConfigIssue } from './schema.js'

/** Fixes for the YAML parser's error codes. A code not listed gets `fix the YAML syntax`. */
const yamlFixes: Partial<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'remove the anchor or tag from the alias',
  BAD_ALIAS: 'name the anchor and the alias, such as &name and *name',
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
 * Parses the YAML of a routes file and returns its content. Throws a
 * ConfigError that lists each syntax error and each alias without an
 * anchor, with its line, column and fix.
 */
export function parseRoutesYaml (file: string, text: string): unknown {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter })
  const syntaxIssues = document.errors.map(describeYamlError)
  if (syntaxIssues.length > 0) throw routesConfigError(file, syntaxIssues)
  const aliasIssues = undefinedAliases(document, lineCounter)
  if (aliasIssues.length > 0) throw routesConfigError(file, aliasIssues)
  try {
    return document.toJS({ maxAliasCount })
  } catch (err) {
    // undefinedAliases found an anchor for every alias, so toJS (yaml 2.9)
    // fails only when the aliases expand past maxAliasCount.
    throw routesConfigError(file, [{ path: '/', problem: (err as Error).message, fix: 'use fewer YAML aliases' }])
  }
}

function describeYamlError (error: YAMLError): ConfigIssue {
  return {
    path: position(error.linePos?.[0]),
    problem: yamlProblems[error.code] ?? error.message.split(' at line ')[0] as string,
    fix: yamlFixes[error.code] ?? 'fix the YAML syntax'
  }
}

function position (linePos: { line: number, col: number } | undefined): string {
  return `line ${linePos?.line}, column ${linePos?.col}`
}

/**
 * Returns an issue for each alias that no earlier anchor defines. An alias
 * refers to the last anchor of its name before it, in document order, as
 * in the yaml package's own resolution.
 */
function undefinedAliases (document: Document, lineCounter: LineCounter): ConfigIssue[] {
  const anchors = new Set<string>()
  const issues: ConfigIssue[] = []
  visit(document, {
    Node (_key, node) {
      if (!isAlias(node)) {
        if (node.anchor !== undefined) anchors.add(node.anchor)
        return
      }
      if (anchors.has(node.source)) return
      // Every node of a parsed document has its range in the text.
      const [offset] = node.range as [number, number, number]
      issues.push({
        path: position(lineCounter.linePos(offset)),
        problem: `the alias *${node.source} has no anchor &${node.source} before it`,
        fix: `define the anchor &${node.source} on a value before the alias, or remove the alias`
      })
    }
  })
  return issues
}
