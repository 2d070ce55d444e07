// Tiny DOM helpers: every value becomes a text node, never HTML.

type Child = Node | string;

export function el(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function clear(node: Element): void {
  node.replaceChildren();
}

let fields = 0;

/** A labelled input. */
export function field(text: string, name: string, type = 'text') {
  const id = `f${++fields}-${name}`;
  const input = el('input', { id, name, type }) as HTMLInputElement;
  return { input, label: el('label', { for: id }, text, input) };
}

/** A labelled select. */
export function select(text: string, name: string, options: [string, string][]) {
  const id = `f${++fields}-${name}`;
  const input = el(
    'select',
    { id, name },
    ...options.map(([value, shown]) => el('option', { value }, shown)),
  ) as HTMLSelectElement;
  return { input, label: el('label', { for: id }, text, input) };
}

export function button(
  text: string,
  type: 'button' | 'submit',
  kind = '',
  onClick?: () => void,
): HTMLButtonElement {
  const node = el('button', { type, ...(kind === '' ? {} : { class: kind }) }, text) as HTMLButtonElement;
  if (onClick !== undefined) node.addEventListener('click', onClick);
  return node;
}

export function table(headings: string[], rows: Child[][], caption: string): HTMLElement {
  return el(
    'table',
    {},
    el('caption', { class: 'muted' }, caption),
    el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell))))),
  );
}

export function time(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}
