// Objects as the YAML kubectl reads. kubectl's parser follows YAML 1.1, in
// which `on`, `yes`, `0123` and `1_000` are not strings: the documents are
// written as YAML 1.1, so every such value is quoted and a ConfigMap value
// stays the text mar would have put in the environment.
import {Document} from 'yaml'
import type {K8sObject} from './container.js'

export interface YamlDoc {
  object: K8sObject
  /** Comment lines above the document (without `#`). */
  comment?: string[]
}

/** A comment is one line each: a line break or other control byte from a command or URL is shown escaped. */
function commentLine(line: string): string {
  return ` ${line.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`.trimEnd()
}

function renderDoc(doc: YamlDoc): string {
  const d = new Document(doc.object, {version: '1.1', aliasDuplicateObjects: false})
  if (doc.comment && doc.comment.length > 0) d.commentBefore = doc.comment.map(commentLine).join('\n')
  return d.toString({lineWidth: 0})
}

/** A multi-document stream (`---` between documents). */
export function renderYaml(docs: readonly YamlDoc[]): string {
  return docs.map(renderDoc).join('---\n')
}
