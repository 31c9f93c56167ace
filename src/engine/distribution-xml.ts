import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { LockError } from './errors';
import { OriginEdit } from './plan/steps';

/**
 * Edits a CloudFront DistributionConfig document as CloudFront returned it. UpdateDistribution replaces
 * the whole configuration, and a typed SDK round trip drops every member the pinned client does not
 * model (AWS then resets it to its default). Working on the document itself keeps every element,
 * known or not, exactly as read; only the custom headers and protocol policy of the edited origins
 * change.
 */

// Order-preserving tree: each element is { Tag: children, ':@'?: attributes }; text is { '#text': s }.
type XmlNode = { [tag: string]: XmlNode[] | string | Record<string, string> };

const OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
} as const;

const tagOf = (node: XmlNode): string => Object.keys(node).find((k) => k !== ':@') ?? '';
const childrenOf = (node: XmlNode): XmlNode[] => (node[tagOf(node)] as XmlNode[]) ?? [];
const child = (nodes: XmlNode[], tag: string): XmlNode | undefined => nodes.find((n) => tagOf(n) === tag);
const textOf = (node: XmlNode | undefined): string =>
  node
    ? childrenOf(node)
        .map((n) => (typeof n['#text'] === 'string' ? n['#text'] : ''))
        .join('')
    : '';
const element = (tag: string, children: XmlNode[]): XmlNode => ({ [tag]: children });
const textElement = (tag: string, text: string): XmlNode => element(tag, [{ '#text': text }]);

function setText(nodes: XmlNode[], tag: string, text: string): void {
  const existing = child(nodes, tag);
  if (existing) existing[tag] = [{ '#text': text }];
  else nodes.push(textElement(tag, text));
}

function originsOf(doc: XmlNode[]): XmlNode[] {
  const config = child(doc, 'DistributionConfig');
  const origins = config && child(childrenOf(config), 'Origins');
  const items = origins && child(childrenOf(origins), 'Items');
  return items ? childrenOf(items).filter((n) => tagOf(n) === 'Origin') : [];
}

/** The origin's CustomHeaders element, created where CloudFront's schema puts it if absent. */
function customHeadersOf(origin: XmlNode[]): XmlNode[] {
  const existing = child(origin, 'CustomHeaders');
  if (existing) return childrenOf(existing);
  const created = element('CustomHeaders', [textElement('Quantity', '0')]);
  const after = ['OriginPath', 'DomainName', 'Id']
    .map((t) => origin.findIndex((n) => tagOf(n) === t))
    .find((i) => i >= 0);
  origin.splice((after ?? -1) + 1, 0, created);
  return childrenOf(created);
}

function editHeaders(origin: XmlNode[], edit: OriginEdit): void {
  const drop = [edit.setHeader?.name, edit.removeHeader]
    .filter((n): n is string => !!n)
    .map((n) => n.toLowerCase());
  if (drop.length === 0) return;
  const headers = customHeadersOf(origin);
  const items = child(headers, 'Items');
  const kept = (items ? childrenOf(items) : []).filter(
    (h) =>
      tagOf(h) !== 'OriginCustomHeader' ||
      !drop.includes(textOf(child(childrenOf(h), 'HeaderName')).toLowerCase()),
  );
  if (edit.setHeader) {
    kept.push(
      element('OriginCustomHeader', [
        textElement('HeaderName', edit.setHeader.name),
        textElement('HeaderValue', edit.setHeader.value),
      ]),
    );
  }
  const count = kept.filter((h) => tagOf(h) === 'OriginCustomHeader').length;
  setText(headers, 'Quantity', String(count));
  const at = headers.findIndex((n) => tagOf(n) === 'Items');
  if (at >= 0) headers.splice(at, 1);
  if (count > 0) headers.push(element('Items', kept));
}

/** Applies the lock's origin edits to a DistributionConfig document; everything else is kept as read. */
export function editDistributionConfig(xml: string, edits: OriginEdit[]): string {
  const doc = new XMLParser(OPTIONS).parse(xml) as XmlNode[];
  const origins = originsOf(doc);
  for (const edit of edits) {
    const origin = origins.find((o) => textOf(child(childrenOf(o), 'Id')) === edit.originId);
    if (!origin)
      throw new LockError(
        'NotStabilized',
        `OriginId: origin '${edit.originId}' disappeared from the distribution`,
      );
    const members = childrenOf(origin);
    editHeaders(members, edit);
    if (edit.protocolPolicy) {
      const custom = child(members, 'CustomOriginConfig');
      if (custom) setText(childrenOf(custom), 'OriginProtocolPolicy', edit.protocolPolicy);
    }
  }
  return new XMLBuilder({ ...OPTIONS, format: false, suppressEmptyNode: false }).build(doc) as string;
}
