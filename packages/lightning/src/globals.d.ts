// The few host globals the core relies on. They exist in every runtime lnts targets (Node, Deno,
// Bun, browsers); declaring them here keeps `lib: ["ES2022"]` without DOM or @types/node, so that
// `setTimeout`, `Buffer` and friends do not type-check in the core.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
