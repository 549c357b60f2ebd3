import { isUtf8 } from 'node:buffer'
import { closeSync, openSync, readSync } from 'node:fs'

/*
 * Size caps of the files that the routes configuration reads, far above
 * what a real file needs. examples/routes.yml, with 8 receivers, 6 routes
 * and comments, is 3 KiB, and a secret is a token or a URL of at most a
 * few hundred bytes.
 */

/** Maximum size of a routes file, in bytes (1 MiB). */
export const maxRoutesFileBytes = 1024 * 1024
/** Maximum size of a `<key>_file` secret, in bytes (64 KiB). */
export const maxSecretFileBytes = 64 * 1024

/**
 * A position in text, both counted from 1. The column counts UTF-16 code
 * units, as the yaml package's error positions do.
 */
export interface TextPosition {
  line: number
  column: number
}

/** The reason that a file's bytes are not UTF-8 text, and its position. */
export interface EncodingProblem {
  /** A predicate for the file, such as `is not valid UTF-8`. */
  problem: string
  position: TextPosition
}

/**
 * Reads a file, or returns null when it is larger than `maxBytes`. It reads
 * at most `maxBytes + 1` bytes, so that an endless source such as
 * /dev/zero or a FIFO that keeps being written stops too. Throws the
 * file system's error, with its `code`, when the file cannot be read.
 */
export function readFileWithin (file: string, maxBytes: number): Buffer | null {
  const buffer = Buffer.alloc(maxBytes + 1)
  const descriptor = openSync(file, 'r')
  try {
    let length = 0
    while (length < buffer.length) {
      const count = readSync(descriptor, buffer, length, buffer.length - length, null)
      if (count === 0) break
      length += count
    }
    return length > maxBytes ? null : buffer.subarray(0, length)
  } finally {
    closeSync(descriptor)
  }
}

const replacementCharacter = Buffer.from('\ufffd')

/**
 * Returns why the bytes are not UTF-8 text, or null when they are. A NUL
 * byte is valid UTF-8, but text files have none, while UTF-16 and UTF-32
 * files without a byte order mark have one in every ASCII character.
 */
export function findEncodingProblem (bytes: Buffer): EncodingProblem | null {
  if (!isUtf8(bytes)) {
    return { problem: 'is not valid UTF-8', position: positionAt(bytes, firstInvalidOffset(bytes)) }
  }
  const nul = bytes.indexOf(0)
  if (nul === -1) return null
  return { problem: 'contains a NUL byte, as UTF-16 text does', position: positionAt(bytes, nul) }
}

/**
 * Returns the byte offset of the first sequence that is not valid UTF-8 in
 * bytes that contain one. The decoder replaces each invalid sequence with
 * U+FFFD, so the first U+FFFD that the bytes do not spell out is the one.
 */
function firstInvalidOffset (bytes: Buffer): number {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
  let offset = 0
  let decoded = 0
  for (const { index } of text.matchAll(/\ufffd/g)) {
    // The text before this U+FFFD came from valid UTF-8, so it encodes back to the same bytes.
    offset += Buffer.byteLength(text.slice(decoded, index))
    decoded = index
    if (!bytes.subarray(offset, offset + 3).equals(replacementCharacter)) break
  }
  return offset
}

/**
 * Returns the line and column of a byte offset that follows only valid
 * UTF-8. A byte order mark takes no column, as in an editor.
 */
function positionAt (bytes: Buffer, offset: number): TextPosition {
  const before = bytes.subarray(0, offset).toString('utf8').replace(/^\ufeff/, '')
  const lineStart = before.lastIndexOf('\n') + 1
  return { line: before.split('\n').length, column: before.length - lineStart + 1 }
}
