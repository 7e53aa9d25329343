// What a plan was made from, by content: a cached plan is used only while
// every input file still hashes the same (null: the file was absent).
import {createHash} from 'node:crypto'

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
