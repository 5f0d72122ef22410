// URLs as they may be shown: in Events, the Canary's status and logs, the user:password part of any
// URL in a text is replaced, so a credential written into an address does not travel further.

const userinfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/** The text with every URL's userinfo replaced by "***". */
export function withoutUserinfo(text: string): string {
  return text.replace(userinfo, "$1***@");
}
