/**
 * DOM construction for the spectrum view. Text always goes in through text nodes
 * (textContent), never through innerHTML, so names from model files stay text.
 */

export interface ElementOptions {
  className?: string;
  text?: string;
  /** Attribute values are set with setAttribute; event-handler attributes are rejected. */
  attributes?: Record<string, string>;
}

/** Creates an element with optional class, text and attributes, and appends the children (strings become text nodes). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: Array<Node | string> = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) {
    node.className = options.className;
  }
  if (options.text !== undefined) {
    node.textContent = options.text;
  }
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    if (/^on/i.test(name)) {
      throw new Error(`Invalid attribute "${name}": event-handler attributes are not allowed, use addEventListener.`);
    }
    node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Replaces the children of `parent`. */
export function replaceChildren(parent: Element, children: Array<Node | string>): void {
  parent.replaceChildren(...children);
}

/** Returns the element with the given id, or throws when the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) {
    throw new Error(`The spectrum view has no element with id "${id}".`);
  }
  return node as T;
}
