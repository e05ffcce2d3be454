import { byId, make } from './dom.ts';

const MESSAGES_MAX = 8;

/** Adds a line to the page's messages list (`''` and a repeat of the last line are skipped). */
export type Note = (text: string) => void;

/** The messages list under the switch: one line per new message, the last MESSAGES_MAX kept. */
export function messageList(): Note {
  let lastMessage = '';
  return (text) => {
    if (!text || text === lastMessage) return;
    lastMessage = text;
    const list = byId('messages');
    list.appendChild(make('li', text));
    while (list.children.length > MESSAGES_MAX) list.firstElementChild?.remove();
  };
}
